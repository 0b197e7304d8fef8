import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { extractArchive } from '../../src/core/archive/ArchiveExtractor.js';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { extractArchiveInWorker } from '../../src/core/archive/extractInWorker.js';
import { SyncError } from '../../src/core/model/errors.js';
import type { FileEntry } from '../../src/core/model/types.js';
import {
  collect,
  fromBuffer,
  listAll,
  manifestFor,
  type RawMember,
  rawTar,
  rawTarGz,
  removeTempDirs,
  tempDir,
  writeSweep,
} from './helpers.js';

afterAll(removeTempDirs);

// A genuine member first, so every refusal also proves the files already written are removed.
const GOOD = { path: 'passive/registry/experiments.csv', data: 'run_id,status\r\nx,completed\r\n' };
const SECOND = { path: 'passive/runs/grid_0123456789ab/run.html', data: '<html></html>' };

const withGood = (m: RawMember): RawMember[] => [{ ...GOOD }, m];

// The same rules whether the archive is extracted on the restore's thread or on a worker of its own
// (what a restore does), whose errors cross the thread boundary, and whether the worker writes the
// small files or posts them to the restore's thread (a restore of one archive).
const EXTRACTORS = [
  ['extractArchive', extractArchive],
  ['extractArchiveInWorker', extractArchiveInWorker],
  [
    'extractArchiveInWorker, small files written by the calling thread',
    (...[input, dest, expected, options]: Parameters<typeof extractArchiveInWorker>) =>
      extractArchiveInWorker(input, dest, expected, { ...options, writeSmallFilesHere: true }),
  ],
] as const;

describe.each(EXTRACTORS)('%s refuses hostile archives and leaves nothing behind', (_name, extract) => {
  async function expectRefused(archive: Buffer, expected: FileEntry[], message: RegExp) {
    return expectRefusedStream(fromBuffer(archive), expected, message);
  }

  async function expectRefusedStream(
    input: Readable,
    expected: FileEntry[],
    message: RegExp,
  ): Promise<{ dest: string; err: SyncError }> {
    const dest = await tempDir('hostile');
    const err = await extract(input, dest, expected).then(
      () => {
        throw new Error('extraction should have been refused');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SyncError);
    const se = err as SyncError;
    expect(se.category).toBe('integrity');
    expect(se.message).toMatch(message);
    expect(se.hint).toBeTruthy();
    expect(await listAll(dest)).toEqual([]); // nothing left behind, not even directories
    return { dest, err: se };
  }

  // [label, member, message, listed in the manifest too?]
  const cases: [string, RawMember, RegExp, boolean?][] = [
    ['a .. segment', { path: '../escape', data: 'x' }, /"\.\.\/escape".*'\.\.' segment/],
    ['a nested .. segment', { path: 'passive/../../escape', data: 'x' }, /'\.\.' segment/],
    ['an absolute path', { path: '/abs/path', data: 'x' }, /"\/abs\/path".*absolute path/],
    ['a Windows drive letter', { path: 'C:/Windows/evil.dll', data: 'x' }, /drive-letter/],
    ['a backslash path', { path: 'passive\\..\\..\\evil', data: 'x' }, /backslash/],
    [
      'a .. hidden in a pax path',
      { path: 'passive/../../pax-escape', data: 'x', pax: true },
      /'\.\.' segment/,
    ],
    [
      'a symlink pointing outside',
      { path: 'passive/runs/link', type: 'SymbolicLink', linkpath: '../../../../etc/passwd' },
      /passive\/runs\/link: is a symbolic link \(to \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd\)/,
    ],
    [
      'a hardlink',
      { path: 'passive/runs/hard', type: 'Link', linkpath: GOOD.path },
      /passive\/runs\/hard: is a hard link/,
    ],
    ['a char device', { path: 'passive/null', type: 'CharacterDevice' }, /passive\/null: is a device file/],
    ['a FIFO', { path: 'passive/pipe', type: 'FIFO' }, /passive\/pipe: is a FIFO/],
    [
      'a member not in the manifest',
      { path: 'passive/extra.csv', data: 'x' },
      /extra\.csv: is not listed/,
      false,
    ],
    [
      'a stray directory',
      { path: 'passive/elsewhere/', type: 'Directory' },
      /holds no file of the manifest/,
      false,
    ],
  ];

  for (const [label, member, message, listed = true] of cases) {
    it(`refuses ${label}`, async () => {
      // Mostly the manifest even lists the hostile name: refusal must come from the member itself.
      const expected = manifestFor(listed ? [GOOD, { path: member.path, data: member.data ?? '' }] : [GOOD]);
      await expectRefused(rawTarGz(withGood(member)), expected, message);
    });
  }

  it('refuses a duplicate member', async () => {
    const expected = manifestFor([GOOD]);
    await expectRefused(rawTarGz([GOOD, GOOD]), expected, /experiments\.csv: appears twice/);
  });

  it('refuses content whose sha256 differs from the manifest', async () => {
    const expected = manifestFor([GOOD, { ...SECOND, data: '<html>other</html>' }]).map((f) =>
      f.path === SECOND.path ? { ...f, size: SECOND.data.length } : f,
    );
    await expectRefused(rawTarGz([GOOD, SECOND]), expected, /run\.html: content does not match the manifest/);
  });

  it('refuses a member whose size differs from the manifest', async () => {
    const expected = manifestFor([GOOD, { ...SECOND, data: '<html>longer</html>' }]);
    await expectRefused(rawTarGz([GOOD, SECOND]), expected, /run\.html: has size 13, the manifest says 19/);
  });

  it('refuses an archive missing an expected member', async () => {
    const expected = manifestFor([GOOD, SECOND]);
    await expectRefused(
      rawTarGz([GOOD]),
      expected,
      /ends without passive\/runs\/grid_0123456789ab\/run\.html/,
    );
  });

  it('refuses a truncated gzip and names the member being read', async () => {
    const big = { path: 'passive/runs/grid_0123456789ab/run.html', data: randomText(400_000) };
    const full = rawTarGz([GOOD, big]);
    await expectRefused(
      full.subarray(0, Math.floor(full.length * 0.6)),
      manifestFor([GOOD, big]),
      /truncated|corrupt/,
    );
  });

  it('cleans up when the gzip ends or the download fails in the middle of a large member', async () => {
    const big = { path: 'passive/runs/grid_0123456789ab/run.html', data: randomText(3_000_000) };
    const full = rawTarGz([GOOD, big]);
    const trickle = (bytes: Buffer, failWith?: Error) =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < bytes.length; i += 8192) {
            yield bytes.subarray(i, i + 8192);
            await new Promise((r) => setImmediate(r));
          }
          if (failWith) throw failWith;
        })(),
      );
    const half = full.subarray(0, Math.floor(full.length / 2));
    await expectRefusedStream(trickle(half), manifestFor([GOOD, big]), /truncated or corrupt.*at or after/);
    await expectRefusedStream(
      trickle(half, new Error('socket hang up')),
      manifestFor([GOOD, big]),
      /socket hang up/,
    );
  });

  it('refuses corrupt gzip data', async () => {
    const big = { path: 'passive/runs/grid_0123456789ab/run.html', data: randomText(100_000) };
    const bytes = Buffer.from(rawTarGz([GOOD, big]));
    for (let i = 2000; i < 2100; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
    await expectRefused(bytes, manifestFor([GOOD, big]), /Archive rejected/);
  });

  it('refuses a tar that is not gzipped and data that is not a tar', async () => {
    await expectRefused(rawTar([GOOD]), manifestFor([GOOD]), /gzip data is truncated or corrupt/);
    const { gzipSync } = await import('node:zlib');
    await expectRefused(gzipSync(Buffer.from('hello '.repeat(500))), manifestFor([GOOD]), /not a valid tar/);
  });

  it('refuses a gzip bomb long before it is inflated', async () => {
    const { gzipSync } = await import('node:zlib');
    const tar = rawTar([GOOD]);
    const bomb = gzipSync(
      Buffer.concat([tar.subarray(0, tar.length - 1024), Buffer.alloc(64 * 1024 * 1024)]),
    );
    await expectRefused(bomb, manifestFor([GOOD]), /far more data than the manifest lists/);
  });

  it('stops when aborted and removes what it wrote', async () => {
    const ac = new AbortController();
    ac.abort();
    const dest = await tempDir('abort');
    const err = await extract(fromBuffer(rawTarGz([GOOD])), dest, manifestFor([GOOD]), {
      signal: ac.signal,
    }).catch((e: unknown) => e);
    // A cancel is not a rejected archive.
    expect((err as SyncError).category).toBe('conflict');
    expect((err as SyncError).code).toBe('cancelled');
    expect((err as SyncError).message).toMatch(/cancelled/);
    expect((err as SyncError).message).not.toMatch(/rejected/i);
    expect(await listAll(dest)).toEqual([]);
  });

  it('aborts mid-stream, leaving nothing behind', async () => {
    const src = await tempDir('abort-src');
    const files = await writeSweep(
      src,
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`runs/r${i}/run.html`, randomText(200_000)])),
    );
    const { stream } = createArchive(src, files, { level: 1 });
    const bytes = await collect(stream);
    const ac = new AbortController();
    const dest = await tempDir('abort-mid');
    // Trickle the archive so the abort lands while files are being written.
    const slow = Readable.from(
      (async function* () {
        for (let i = 0; i < bytes.length; i += 16_384) {
          if (i === 16_384 * 20) ac.abort();
          yield bytes.subarray(i, i + 16_384);
          await new Promise((r) => setImmediate(r));
        }
      })(),
    );
    const err = await extract(slow, dest, files, { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as SyncError).message).toMatch(/cancelled/);
    expect(await listAll(dest)).toEqual([]);
  });

  it('fails on a file already in its place, as a write that failed, and removes only its own files', async () => {
    const dest = await tempDir('in-the-way');
    const inTheWay = path.join(dest, ...SECOND.path.split('/'));
    await mkdir(path.dirname(inTheWay), { recursive: true });
    await writeFile(inTheWay, 'mine');
    const err = (await extract(fromBuffer(rawTarGz([GOOD, SECOND])), dest, manifestFor([GOOD, SECOND])).catch(
      (e: unknown) => e,
    )) as SyncError;
    expect(err).toBeInstanceOf(SyncError);
    expect(err.message).toMatch(/run\.html: cannot be written to the staging folder \(EEXIST/);
    expect(await listAll(dest)).toEqual([
      'passive',
      'passive/runs',
      'passive/runs/grid_0123456789ab',
      SECOND.path,
    ]);
    expect(await readFile(inTheWay, 'utf8')).toBe('mine');
  });

  it('never touches files already in destDir', async () => {
    const dest = await tempDir('preexisting');
    await writeFile(path.join(dest, 'mine.txt'), 'keep me');
    await extract(fromBuffer(rawTarGz([GOOD, { path: '../x', data: 'x' }])), dest, manifestFor([GOOD])).catch(
      () => {},
    );
    expect(await listAll(dest)).toEqual(['mine.txt']);
    expect(await readFile(path.join(dest, 'mine.txt'), 'utf8')).toBe('keep me');
  });
});

function randomText(n: number): string {
  let s = '';
  while (s.length < n) s += `<td>${Math.random()}</td>`;
  return s.slice(0, n);
}
