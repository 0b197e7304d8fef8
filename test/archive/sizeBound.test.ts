/**
 * archiveSizeBound: what S3 sizes its upload parts by, so it must never be below the archive really
 * written — shown on the worst input there is (random bytes, which deflate can't shrink, at every
 * kind of level), on names that need a pax header, on empty files and on sweep data; and it must stay
 * close enough to mean something for data that doesn't compress (it is conservative by design: with
 * 5 MiB parts it only changes the part size of an archive beyond ~40 GB).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { archiveSizeBound } from '../../src/core/archive/archiveSizeBound.js';
import { PIECE_BYTES } from '../../src/core/archive/GzipMemberWriter.js';
import type { FileEntry } from '../../src/core/model/types.js';
import { generateSweep } from '../fixtures/generator.js';
import { collect, entryOf, removeTempDirs, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

async function archivedSize(root: string, files: FileEntry[], level: number): Promise<number> {
  const archive = createArchive(root, files, { level });
  const bytes = await collect(archive.stream);
  expect((await archive.done).size).toBe(bytes.length);
  return bytes.length;
}

describe('archiveSizeBound', () => {
  it('is above the archive of random bytes, long names and empty files, and within 30% of it', async () => {
    const root = await tempDir('bound');
    const long = `runs/${'ä'.repeat(120)}/${'x'.repeat(150)}.bin`; // needs a pax header
    const files = await writeSweep(root, {
      'runs/a/big.bin': randomBytes(2 * PIECE_BYTES + 777), // several members
      'runs/b/odd.bin': randomBytes(513),
      'runs/b/empty.txt': '',
      [long]: randomBytes(40_000),
      ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`runs/c/f${i}.bin`, randomBytes(i * 7)])),
    });
    const bound = archiveSizeBound(files);
    for (const level of [0, 1, 6, 9]) {
      const size = await archivedSize(root, files, level);
      expect(size, `level ${level}`).toBeLessThanOrEqual(bound);
      expect(bound, `level ${level}`).toBeLessThan(size * 1.3);
    }
  });

  it('is above the archive of no file at all and of a real sweep branch', async () => {
    const empty = await tempDir('bound-empty');
    expect(await archivedSize(empty, [], 6)).toBeLessThanOrEqual(archiveSizeBound([]));

    const sweep = await generateSweep({
      root: await tempDir('bound-sweep'),
      name: 's',
      type: 'balanced',
      pairs: 8,
    });
    const active = await Promise.all(
      sweep.files.filter((f) => f.startsWith('active/')).map((f) => entryOf(sweep.dir, f)),
    );
    expect(active.length).toBeGreaterThan(10);
    expect(await archivedSize(sweep.dir, active, 6)).toBeLessThanOrEqual(archiveSizeBound(active));
  });
});
