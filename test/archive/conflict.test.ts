import { appendFile, mkdir, open, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { SyncError } from '../../src/core/model/errors.js';
import { collect, removeTempDirs, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const HTML = 'passive/runs/grid_0123456789ab/run.html';

/** Incompressible-ish text so the archive is far larger than the stream buffers. */
function bigText(n: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const p = `<td>${Math.random().toString(36)}</td>`;
    parts.push(p);
    len += p.length;
  }
  return parts.join('').slice(0, n);
}

/** Starts an archive and records the stream's error from the first moment. */
function start(...args: Parameters<typeof createArchive>) {
  const h = createArchive(...args);
  const streamErr = new Promise<unknown>((resolve) => h.stream.on('error', resolve));
  return { ...h, streamErr };
}

async function expectConflict(
  { done, streamErr }: { done: Promise<unknown>; streamErr: Promise<unknown> },
  rel: string,
) {
  const err = await done.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SyncError);
  expect((err as SyncError).category).toBe('conflict');
  expect((err as SyncError).message).toBe(`${rel} changed while it was being archived`);
  expect((err as SyncError).hint).toMatch(/archived again once it is quiet/);
  expect(await streamErr).toBe(err);
}

describe('createArchive refuses a sweep that changes under it', () => {
  it('fails with conflict when a file is rewritten while it is being streamed', async () => {
    const src = await tempDir('conflict');
    const files = await writeSweep(src, {
      'passive/registry/experiments.csv': 'a\r\n',
      [HTML]: bigText(8_000_000),
    });
    const h = start(src, files, { level: 1 });
    const { stream } = h;
    // Read one chunk, then rewrite the file (same size, different bytes) while the writer waits on us.
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.pause();
    await writeFile(path.join(src, ...HTML.split('/')), bigText(8_000_000));
    stream.resume();
    await expectConflict(h, HTML);
  });

  it('catches a same-size in-place edit with its mtime put back, by the hash', async () => {
    const src = await tempDir('sneaky');
    const files = await writeSweep(src, { [HTML]: bigText(8_000_000) });
    const abs = path.join(src, ...HTML.split('/'));
    const h = start(src, files, { level: 1 });
    await new Promise<void>((resolve) => h.stream.once('data', () => resolve()));
    h.stream.pause();
    const fh = await open(abs, 'r+');
    await fh.write(Buffer.from('EDITED'), 0, 6, 7_500_000); // past what has been read so far
    await fh.close();
    const t = files[0]!.mtimeMs / 1000;
    await utimes(abs, t, t);
    h.stream.resume();
    await expectConflict(h, HTML);
  });

  it('fails with conflict when a file grew, vanished, or no longer matches its hash', async () => {
    const src = await tempDir('conflict2');
    const files = await writeSweep(src, { 'a/x.csv': 'one\r\n', 'a/y.csv': 'two\r\n' });

    await appendFile(path.join(src, 'a', 'y.csv'), 'three\r\n');
    let h = start(src, files);
    h.stream.resume();
    await expectConflict(h, 'a/y.csv');

    await rm(path.join(src, 'a', 'y.csv'));
    h = start(src, files);
    h.stream.resume();
    await expectConflict(h, 'a/y.csv');

    const stale = files.map((f) => (f.path === 'a/x.csv' ? { ...f, sha256: '0'.repeat(64) } : f));
    h = start(src, stale);
    h.stream.resume();
    await expectConflict(h, 'a/x.csv');

    // Not hashed yet (sha256 ''): size and mtime are still checked.
    const unhashed = files.map((f) => ({ ...f, sha256: '' }));
    await writeFile(path.join(src, 'a', 'x.csv'), 'ONE\r\n');
    await utimes(path.join(src, 'a', 'x.csv'), 1, 1);
    h = start(src, unhashed);
    h.stream.resume();
    await expectConflict(h, 'a/x.csv');
  });

  it('fails with conflict when a file shrank or became a folder since it was listed, small or big', async () => {
    const src = await tempDir('conflict3');
    const big = 'b/big.txt';
    const files = await writeSweep(src, {
      'a/x.csv': 'one\r\n',
      'a/y.csv': 'two\r\n',
      [big]: bigText(3_000_000),
    });

    await writeFile(path.join(src, 'a', 'y.csv'), 'tw');
    let h = start(src, files);
    h.stream.resume();
    await expectConflict(h, 'a/y.csv');

    await rm(path.join(src, 'a', 'y.csv'));
    await mkdir(path.join(src, 'a', 'y.csv'));
    h = start(src, files);
    h.stream.resume();
    await expectConflict(h, 'a/y.csv');

    await rm(path.join(src, ...big.split('/')));
    await mkdir(path.join(src, ...big.split('/')));
    h = start(
      src,
      files.filter((f) => f.path !== 'a/y.csv'),
    );
    h.stream.resume();
    await expectConflict(h, big);
  });

  it('is a plain PassThrough, and an abort destroys it cleanly mid-stream', async () => {
    const src = await tempDir('abort-w');
    const files = await writeSweep(src, { [HTML]: bigText(6_000_000) });
    const ac = new AbortController();
    const { stream, done } = createArchive(src, files, { signal: ac.signal });
    expect(stream.constructor).toBe(PassThrough);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    const errored = new Promise<Error>((resolve) => stream.on('error', resolve));
    ac.abort();
    const err = (await done.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('AbortError');
    expect(await errored).toBe(err);
    expect(stream.destroyed).toBe(true);
  });

  it('stops reading files when the consumer destroys the stream', async () => {
    const src = await tempDir('consumer-gone');
    const files = await writeSweep(src, { [HTML]: bigText(6_000_000) });
    const { stream, done } = createArchive(src, files);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy(new Error('upload failed'));
    await expect(done).rejects.toThrow('upload failed');
  });

  it('rejects unsafe member paths before writing a byte', async () => {
    const src = await tempDir('unsafe');
    expect(() => createArchive(src, [{ path: '../x', size: 0, mtimeMs: 0, sha256: '' }])).toThrow(
      /'\.\.' segment/,
    );
    expect(() => createArchive(src, [], { level: 11 })).toThrow(/level/);
    await collect(createArchive(src, []).stream);
  });
});
