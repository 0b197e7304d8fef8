import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { extractArchive } from '../../src/core/archive/ArchiveExtractor.js';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { extractArchiveInWorker } from '../../src/core/archive/extractInWorker.js';
import type { FileEntry } from '../../src/core/model/types.js';
import { collect, fromBuffer, listFiles, removeTempDirs, sha256, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const RUN = 'balanced_passive_0123456789ab';
// > 255 bytes: needs a pax path record
const LONG = `passive/runs/${RUN}/out/${'post_hoc_analysis_subfolder/'.repeat(8)}results.csv`;

function sweepFiles(): Record<string, string | Buffer> {
  return {
    'passive/registry/experiments.csv': 'run_id,status\r\nbalanced_passive_0123456789ab,completed\r\n',
    [`passive/runs/${RUN}/scenario.yaml`]: 'name: ring\nkappa: 0.5\n',
    [`passive/runs/${RUN}/run.html`]: `<html>${'<tr><td>0.4861497874835116517660852997</td></tr>\n'.repeat(2000)}</html>`,
    [`passive/runs/${RUN}/out/events.jsonl`]: '{"day":1}\n{"day":2}\n',
    [`passive/runs/${RUN}/out/metrics.json`]: '{"phi": "0E-28"}',
    [`passive/runs/${RUN}/out/empty.csv`]: '',
    [`passive/runs/${RUN}/out/exact_block.bin`]: Buffer.alloc(1024, 7),
    'passive/runs/grid_abcdefabcdef/out/débiteurs.csv': 'kappa\r\n1\r\n', // non-ASCII name
    [LONG]: 'x\r\n',
  };
}

async function archiveBytes(root: string, files: FileEntry[], level?: number) {
  const { stream, done } = createArchive(root, files, { level });
  const bytes = await collect(stream);
  return { bytes, result: await done };
}

describe('createArchive + extractArchive', () => {
  it('round-trips bytes and mtimes, and reports size and sha256 of the gzip bytes', async () => {
    const src = await tempDir('src');
    const files = await writeSweep(src, sweepFiles());
    const { bytes, result } = await archiveBytes(src, files);
    expect(result).toEqual({
      size: bytes.length,
      sha256: sha256(bytes),
      fileSha256: new Map(files.map((f) => [f.path, f.sha256])),
    });

    const dest = await tempDir('dest');
    const out = await extractArchive(fromBuffer(bytes), dest, files);
    expect([...out.files].sort()).toEqual(files.map((f) => f.path).sort());
    expect(await listFiles(dest)).toEqual(files.map((f) => f.path).sort());
    for (const f of files) {
      const restored = path.join(dest, ...f.path.split('/'));
      expect(sha256(await readFile(restored))).toBe(f.sha256);
      expect((await stat(restored)).mtimeMs).toBeCloseTo(f.mtimeMs, 0);
    }
  });

  it('hashes files whose sha256 is not known yet while archiving them, with the same bytes', async () => {
    const src = await tempDir('unhashed');
    const files = await writeSweep(src, {
      ...sweepFiles(),
      'passive/runs/big/run.html': Buffer.alloc(3 << 20, 'ab'), // streamed, not read whole
    });
    const known = await archiveBytes(src, files);
    const unknown = await archiveBytes(
      src,
      files.map((f) => ({ ...f, sha256: '' })),
    );
    expect(unknown.bytes.equals(known.bytes)).toBe(true);
    expect(unknown.result.fileSha256).toEqual(new Map(files.map((f) => [f.path, f.sha256])));
  });

  it('is deterministic: same files, same mtimes, same bytes, whatever the input order', async () => {
    const a = await tempDir('det-a');
    const b = await tempDir('det-b');
    const fa = await writeSweep(a, sweepFiles());
    const fb = await writeSweep(b, sweepFiles());
    const one = await archiveBytes(a, fa);
    const two = await archiveBytes(b, [...fb].reverse());
    expect(two.bytes.equals(one.bytes)).toBe(true);
    expect(two.result.sha256).toBe(one.result.sha256);
    // gzip header: mtime 0, OS byte fixed to Unix
    expect(one.bytes.readUInt32LE(4)).toBe(0);
    expect(one.bytes[9]).toBe(3);
    // ...and a changed mtime (whole seconds) changes the archive
    const c = await tempDir('det-c');
    const fc = await writeSweep(c, sweepFiles(), Date.UTC(2025, 0, 2, 3, 4, 9));
    expect((await archiveBytes(c, fc)).result.sha256).not.toBe(one.result.sha256);
  });

  it('opens with GNU tar: lists exactly the files, extracts identical bytes', async () => {
    const src = await tempDir('gnu-src');
    const files = await writeSweep(src, sweepFiles());
    const { bytes } = await archiveBytes(src, files, 1);
    const work = await tempDir('gnu');
    const tgz = path.join(work, 'passive.tar.gz');
    await writeFile(tgz, bytes);
    const listed = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(files.map((f) => f.path).sort());
    const verbose = execFileSync('tar', ['--numeric-owner', '-tvzf', tgz], { encoding: 'utf8' });
    expect(verbose.split('\n')[0]).toMatch(/^-rw-r--r-- 0\/0 /);

    const out = path.join(work, 'x');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xzf', tgz, '-C', out], { stdio: 'pipe' });
    expect(await listFiles(out)).toEqual(files.map((f) => f.path).sort());
    for (const f of files) {
      const restored = path.join(out, ...f.path.split('/'));
      expect(sha256(await readFile(restored))).toBe(f.sha256);
      expect((await stat(restored)).mtimeMs).toBe(Math.floor(f.mtimeMs / 1000) * 1000);
    }
  });

  it('extracts an archive made by GNU tar (directory members included)', async () => {
    const src = await tempDir('gnu-made');
    const files = await writeSweep(src, sweepFiles());
    const work = await tempDir('gnu-made-out');
    const tgz = path.join(work, 'ring.tar.gz');
    execFileSync('tar', ['-czf', tgz, '-C', src, 'passive']);
    const dest = await tempDir('gnu-made-dest');
    const { createReadStream } = await import('node:fs');
    const out = await extractArchive(createReadStream(tgz), dest, files);
    expect(out.files.length).toBe(files.length);
  });

  it('archives an empty file list as a valid empty archive', async () => {
    const src = await tempDir('empty');
    const { bytes } = await archiveBytes(src, []);
    const dest = await tempDir('empty-dest');
    expect((await extractArchive(fromBuffer(bytes), dest, [])).files).toEqual([]);
  });
});

describe('extractArchiveInWorker: how the archive bytes come in', () => {
  // The restore's thread holds the download back once more than a window (1 MiB) of bytes is waiting
  // for the worker. A read from a store may come in chunks of any size: of half the window or more, a
  // restore of one archive once waited for ever (each side waiting for the other).
  it.each([
    ['64 KiB', 64 * 1024],
    ['1 MiB', 1024 * 1024],
    ['3 MiB', 3 * 1024 * 1024],
  ])(
    'restores every file, with the small files written here, from chunks of %s',
    async (_, chunkBytes) => {
      const src = await tempDir(`chunks-${chunkBytes}`);
      // ~6 MB of incompressible small files: several chunks of every size above.
      const content: Record<string, Buffer> = {};
      for (let i = 0; i < 24; i++) content[`passive/runs/${RUN}/out/part_${i}.bin`] = randomBytes(250_000);
      const files = await writeSweep(src, content);
      const { bytes } = await archiveBytes(src, files, 1);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += chunkBytes) chunks.push(bytes.subarray(at, at + chunkBytes));
      const dest = await tempDir(`chunks-out-${chunkBytes}`);
      const out = await extractArchiveInWorker(Readable.from(chunks), dest, files, {
        writeSmallFilesHere: true,
      });
      expect([...out.files].sort()).toEqual(files.map((f) => f.path).sort());
      for (const f of files)
        expect(sha256(await readFile(path.join(dest, ...f.path.split('/'))))).toBe(f.sha256);
    },
    30_000,
  );
});
