/**
 * Multi-member gzip archives (issue 12): the tar stream is cut every PIECE_BYTES and each piece is
 * its own gzip member, compressed several at once. Shown here on real files: such an archive is read
 * whole by GNU tar, Python's tarfile and our own restore path; its bytes depend only on the files
 * (archived twice, or read by a slow or a fast consumer, it is the same); an abort stops it leaving
 * nothing running; and the fast ustar header encoder writes exactly what tar 7's Header writes.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { Header } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive } from '../../src/core/archive/ArchiveExtractor.js';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { DEFLATE_SLOTS, deflateSlotCount, deflateSlots, Slots } from '../../src/core/archive/deflateSlots.js';
import { GzipMemberWriter, PIECE_BYTES } from '../../src/core/archive/GzipMemberWriter.js';
import { encodeUstarFile } from '../../src/core/archive/ustarHeader.js';
import type { FileEntry } from '../../src/core/model/types.js';
import { generateSweep } from '../fixtures/generator.js';
import { collect, entryOf, listFiles, removeTempDirs, sha256, tempDir, writeSweep } from './helpers.js';

const run = promisify(execFile);

afterAll(removeTempDirs);

interface Member {
  /** offset of the member in the .gz */
  at: number;
  /** the member's bytes */
  bytes: Buffer;
  /** its decompressed bytes */
  data: Buffer;
}

/**
 * Splits a .gz into its members by inflating one at a time: zlib's default header (10 bytes, no name
 * or extra field, which is what we write), raw deflate, then CRC32 and ISIZE (8 bytes).
 */
function members(gz: Buffer): Member[] {
  const out: Member[] = [];
  let at = 0;
  while (at < gz.length) {
    expect([gz[at], gz[at + 1], gz[at + 2], gz[at + 3]]).toEqual([0x1f, 0x8b, 8, 0]); // magic, deflate, no flags
    const { buffer, engine } = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    const end = at + 10 + engine.bytesWritten + 8;
    expect(gz.readUInt32LE(end - 4)).toBe(buffer.length % 2 ** 32);
    out.push({ at, bytes: gz.subarray(at, end), data: buffer });
    at = end;
  }
  return out;
}

/** What the archive must be, from its own tar bytes: gzip of every PIECE_BYTES piece, OS byte 3. */
function expectedGzip(tar: Buffer, level: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < tar.length || at === 0; at += PIECE_BYTES) {
    const m = gzipSync(tar.subarray(at, at + PIECE_BYTES), { level });
    m[9] = 3;
    parts.push(m);
    if (tar.length === 0) break;
  }
  return Buffer.concat(parts);
}

async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const rel of await listFiles(dir)) out.set(rel, sha256(await readFile(path.join(dir, rel))));
  return out;
}

/** Reads the stream a chunk at a time with a pause after each: the slowest consumer that still finishes. */
async function slowCollect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    chunks.push(c as Buffer);
    await sleep(chunks.length % 4 === 0 ? 15 : 0);
  }
  return Buffer.concat(chunks);
}

describe('a ring sweep archived as several gzip members', () => {
  let sweepDir: string;
  let entries: FileEntry[];
  let gz: Buffer;
  let sourceHashes: Map<string, string>;

  beforeAll(async () => {
    const root = await tempDir('mm-ring');
    // 50 runs of ~90 KB: ~4.5 MB of tar, so 5 members of 1 MiB.
    const sweep = await generateSweep({ root, type: 'ring', pairs: 50, seed: 12 });
    sweepDir = sweep.dir;
    // What SyncEngine puts into runs.tar.gz: everything under registry/ and runs/.
    const archived = sweep.files.filter((f) => f.startsWith('registry/') || f.startsWith('runs/'));
    entries = await Promise.all(archived.map((f) => entryOf(sweepDir, f)));
    sourceHashes = new Map(entries.map((e) => [e.path, e.sha256]));
    const { stream, done } = createArchive(sweepDir, entries);
    gz = await collect(stream);
    const result = await done;
    expect(result.size).toBe(gz.length);
    expect(result.sha256).toBe(sha256(gz));
    expect(result.fileSha256).toEqual(sourceHashes);
  }, 60_000);

  it('has one member per PIECE_BYTES of tar, each with mtime 0 and OS byte 3, and nothing else', () => {
    const tar = gunzipSync(gz);
    expect(tar.length).toBeGreaterThan(3 * PIECE_BYTES);
    const ms = members(gz);
    expect(ms.length).toBe(Math.ceil(tar.length / PIECE_BYTES));
    for (const [i, m] of ms.entries()) {
      expect(m.bytes.readUInt32LE(4)).toBe(0); // header mtime
      expect(m.bytes[9]).toBe(3); // OS: Unix
      // Cut at fixed offsets of the tar stream: all but the last hold exactly one piece.
      expect(m.data.length).toBe(i < ms.length - 1 ? PIECE_BYTES : tar.length - i * PIECE_BYTES);
    }
    expect(Buffer.concat(ms.map((m) => m.data)).equals(tar)).toBe(true);
    // Which is exactly zlib's gzip of each piece: no timing, buffering or consumer leaks into the bytes.
    expect(gz.equals(expectedGzip(tar, 6))).toBe(true);
  });

  it('is extracted byte-identical by GNU tar -xzf', async () => {
    const dest = await tempDir('mm-gnutar');
    const file = path.join(dest, '..', `${path.basename(dest)}.tar.gz`);
    await writeFile(file, gz);
    await run('tar', ['-xzf', file, '-C', dest]);
    await rm(file);
    expect(await hashTree(dest)).toEqual(sourceHashes);
  });

  it("is extracted byte-identical by Python's tarfile", async () => {
    const dest = await tempDir('mm-python');
    const file = path.join(dest, '..', `${path.basename(dest)}.tar.gz`);
    await writeFile(file, gz);
    await run('python3', [
      '-c',
      "import sys, tarfile; tarfile.open(sys.argv[1], 'r:gz').extractall(sys.argv[2])",
      file,
      dest,
    ]);
    await rm(file);
    expect(await hashTree(dest)).toEqual(sourceHashes);
  });

  it('is read by our restore path (ArchiveExtractor), every file checked against its sha256', async () => {
    const dest = await tempDir('mm-restore');
    // Fed in uneven slices so member boundaries fall inside network-sized chunks.
    const input = new PassThrough();
    const fed = (async () => {
      for (let at = 0; at < gz.length; at += 70_001) {
        if (!input.write(gz.subarray(at, at + 70_001))) await new Promise((r) => input.once('drain', r));
      }
      input.end();
    })();
    const { files } = await extractArchive(input, dest, entries);
    await fed;
    expect(files.length).toBe(entries.length);
    expect(await hashTree(dest)).toEqual(sourceHashes);
  });

  it('gives the same bytes archived again, whether the consumer is slow or fast', async () => {
    const again = createArchive(sweepDir, entries);
    const fast = await collect(again.stream);
    const slow = createArchive(sweepDir, [...entries].reverse()); // input order doesn't matter either
    const slowBytes = await slowCollect(slow.stream);
    expect(sha256(fast)).toBe(sha256(gz));
    expect(sha256(slowBytes)).toBe(sha256(gz));
    expect((await again.done).sha256).toBe((await slow.done).sha256);
  }, 60_000);

  it('aborted mid-way, errors with an AbortError and leaves no compression running', async () => {
    const ac = new AbortController();
    const { stream, done } = createArchive(sweepDir, entries, { signal: ac.signal });
    const errored = new Promise<Error>((resolve) => stream.on('error', resolve));
    let got = 0;
    stream.on('data', (c: Buffer) => {
      got += c.length;
      if (got > 0 && !ac.signal.aborted) ac.abort();
    });
    const err = (await done.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('AbortError');
    expect(await errored).toBe(err);
    expect(stream.destroyed).toBe(true);
    expect(got).toBeLessThan(gz.length);
    // `done` settles only once every member has left zlib: all of the process's slots are free.
    const probe = new AbortController();
    const all = Promise.all(Array.from({ length: DEFLATE_SLOTS }, () => deflateSlots.acquire(probe.signal)));
    // Free slots are granted at once (no turn of the event loop); a held one would still be busy then.
    const check = setImmediate(() => probe.abort(new Error('a slot is still held')));
    await expect(all).resolves.toHaveLength(DEFLATE_SLOTS);
    clearImmediate(check);
    for (let i = 0; i < DEFLATE_SLOTS; i++) deflateSlots.release();
  });
});

describe('small archives', () => {
  it('stay one member: plain gzip of the tar', async () => {
    const src = await tempDir('mm-small');
    const files = await writeSweep(src, {
      'passive/registry/experiments.csv': 'run_id,status\r\nx,completed\r\n',
      'passive/runs/r1/run.html': '<html>one</html>',
    });
    for (const level of [1, 6, 9]) {
      const { stream, done } = createArchive(src, files, { level });
      const gz = await collect(stream);
      await done;
      expect(members(gz)).toHaveLength(1);
      expect(gz.equals(expectedGzip(gunzipSync(gz), level))).toBe(true);
    }
  });
});

describe('GzipMemberWriter', () => {
  const data = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `${i * 7919} `).join(''));

  async function compress(pieceBytes: number, chunking: number[], slowEvery = 0) {
    const out: Buffer[] = [];
    let n = 0;
    const writer: GzipMemberWriter = new GzipMemberWriter({
      level: 6,
      pieceBytes,
      slots: new Slots(2),
      emit: (c) => {
        out.push(c);
        n += 1;
        if (slowEvery && n % slowEvery === 0) {
          setTimeout(() => writer.resume(), 5);
          return false;
        }
        return true;
      },
    });
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const len = chunking[i % chunking.length]!;
      await writer.write(data.subarray(at, at + len));
      at += len;
    }
    await writer.end();
    return { gz: Buffer.concat(out), emitted: writer.emitted };
  }

  it('cuts at fixed offsets whatever the write sizes and however the consumer takes it', async () => {
    const piece = 10_000; // not a multiple of 512: boundaries anywhere
    const a = await compress(piece, [1_000_000]);
    const b = await compress(piece, [1, 511, 9_999, 10_000, 10_001, 3]);
    const c = await compress(piece, [4096], 1);
    expect(a.emitted).toBe(Math.ceil(data.length / piece));
    expect(members(a.gz)).toHaveLength(a.emitted);
    expect(b.gz.equals(a.gz)).toBe(true);
    expect(c.gz.equals(a.gz)).toBe(true);
    expect(gunzipSync(a.gz).equals(data)).toBe(true);
  });

  it('holds back the producer while the consumer is full (bounded read-ahead)', async () => {
    const piece = 4096;
    const writer = new GzipMemberWriter({
      level: 1,
      pieceBytes: piece,
      slots: new Slots(2),
      emit: () => false,
    });
    let accepted = 0;
    const feeding = (async () => {
      for (;;) {
        await writer.write(Buffer.alloc(1000, 7));
        accepted += 1000;
      }
    })();
    await sleep(300);
    // The consumer took the first member and said "full": nothing more leaves, and the writer takes at
    // most its queue (one member per slot) plus the piece being filled, no matter how long we wait.
    expect(writer.emitted).toBe(1);
    expect(accepted).toBeLessThanOrEqual((DEFLATE_SLOTS + 2) * piece);
    const before = accepted;
    await sleep(100);
    expect(accepted).toBe(before);
    writer.stop(new Error('done here'));
    await expect(feeding).rejects.toThrow('done here');
    await writer.settled();
  });
});

describe('deflate slots', () => {
  it('one more than the cores (at least 2), always one short of the threadpool', () => {
    expect(deflateSlotCount(2, 4)).toBe(3);
    expect(deflateSlotCount(1, 4)).toBe(2);
    expect(deflateSlotCount(8, 4)).toBe(3);
    expect(deflateSlotCount(8, 16)).toBe(9);
    expect(deflateSlotCount(2, 2)).toBe(1);
  });
});

describe('encodeUstarFile', () => {
  const seg = (n: number, c = 'a') => c.repeat(n);
  const paths = [
    'passive/runs/balanced_passive_0123456789ab/out/metrics.csv',
    seg(99),
    seg(100),
    seg(101),
    `${seg(60)}/${seg(39)}`,
    `${seg(60)}/${seg(40)}`,
    `${seg(130)}/${seg(100)}`,
    `${seg(131)}/${seg(50)}`,
    `${seg(155)}/${seg(100)}`,
    `${seg(156)}/${seg(10)}`,
    `${seg(80)}/${seg(80, 'b')}/${seg(80, 'c')}`,
    `${seg(100)}/${seg(101)}`,
    `a/${seg(99)}/${seg(99)}`,
    'dir/ü.csv',
  ];

  it('writes what tar 7 writes, or says it cannot', () => {
    for (const p of paths) {
      for (const [size, mtimeSec] of [
        [0, 0],
        [12_345, 1_735_787_045],
        [0o77777777777, 0o77777777777],
        [0o77777777777 + 1, 1],
        [1, -1],
      ] as const) {
        const ref = Buffer.alloc(512);
        const needPax = new Header({
          path: p,
          mode: 0o644,
          uid: 0,
          gid: 0,
          size,
          mtime: new Date(mtimeSec * 1000),
          type: 'File',
          uname: '',
          gname: '',
        }).encode(ref);
        const ours = Buffer.alloc(512, 0xee);
        const ok = encodeUstarFile(p, size, mtimeSec, ours);
        const what = `${p} ${size} ${mtimeSec}`;
        if (needPax || /[^\x00-\x7f]/.test(p)) {
          expect(ok, what).toBe(false);
          continue;
        }
        // A single name of 100+ bytes tar 7 stores with the prefix "." (read back as "./name"): left
        // to tar's Header, the fast path takes only what it writes the same.
        expect(ok, what).toBe(p.includes('/') || p.length < 100);
        if (ok) expect(ours.equals(ref), what).toBe(true);
      }
    }
  });
});
