/**
 * The walk the CLI begins on a worker as it starts (src/core/sweep/prefetchSweepTree.ts) is the sweep as
 * it was at that walk: the engine uses it only if it is of the folder being synced and fresh, and else
 * walks the folder itself. Shown by a file added after the walk: in the revision only when the engine
 * walked again.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SweepTreePrefetch } from '../../src/core/sweep/prefetchSweepTree.js';
import { walkSweepTree } from '../../src/core/sweep/sweepTree.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { tempDir } from '../watch/helpers.js';

let app: Awaited<ReturnType<typeof openLocalApp>>;
let work: Awaited<ReturnType<typeof tempDir>>;
let sweep: GeneratedSweep;

beforeEach(async () => {
  work = await tempDir('bsync-prefetched-walk-');
  sweep = await generateSweep({ root: join(work.path, 'exp'), name: 'walked', type: 'balanced', pairs: 3 });
  app = await openLocalApp();
});
afterEach(async () => {
  await app?.dispose();
  await work?.dispose();
});

/** A prefetch of `root` whose walk was done before `late.txt` was written, begun `ageMs` ago. */
async function walkedBeforeLateFile(root: string, ageMs = 0): Promise<SweepTreePrefetch> {
  const tree = walkSweepTree(root);
  await writeFile(join(sweep.dir, 'late.txt'), 'written after the walk\n');
  return { root, startedAt: Date.now() - ageMs, take: () => tree };
}

async function syncedPaths(prefetched: SweepTreePrefetch): Promise<string[]> {
  const outcome = await app.engine.syncSweep(sweep.dir, { full: true, prefetched });
  expect(outcome.result).toBe('synced');
  return outcome.manifest?.files.map((f) => f.path) ?? [];
}

describe('a prefetched walk of the sweep folder', () => {
  it('is used when it is of this folder and fresh: a file written after it waits for the next sync', async () => {
    const paths = await syncedPaths(await walkedBeforeLateFile(sweep.dir));
    expect(paths).not.toContain('late.txt');
    expect(paths).toHaveLength(sweep.files.length);
    const next = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(next.result).toBe('synced');
    expect(next.revision).toBe(2);
    expect(next.manifest?.files.map((f) => f.path)).toContain('late.txt');
  });

  it('is not used when it is older than 2 s: the engine walks the folder again', async () => {
    expect(await syncedPaths(await walkedBeforeLateFile(sweep.dir, 2500))).toContain('late.txt');
  });

  it('is not used when it is of another folder', async () => {
    const other = await generateSweep({
      root: join(work.path, 'exp'),
      name: 'other',
      type: 'balanced',
      pairs: 2,
    });
    const prefetch = await walkedBeforeLateFile(other.dir);
    const paths = await syncedPaths({ ...prefetch, root: other.dir });
    expect(paths).toContain('late.txt');
    expect(paths).toHaveLength(sweep.files.length + 1);
  });
});
