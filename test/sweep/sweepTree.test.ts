/**
 * The walk of a sweep folder on a worker thread (src/core/sweep/prefetchSweepTree.ts) must judge exactly
 * as the walk on the sync's own thread: the same files in the same order, the same problems, the same
 * files to open — for a folder with every kind of trouble the preflight knows, sent through a real
 * worker thread (the TypeScript worker entry, booted as the extraction worker is in tests).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyProblem, listSweepFiles } from '../../src/core/engine/preflight.js';
import { type PostedSweepTree, receivedSweepTree } from '../../src/core/sweep/sweepTreeWire.js';

let work: string;
let sweep: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bsync-sweep-tree-'));
  sweep = join(work, 'troubled');
  const files = [
    'aggregate/comparison.csv',
    'active/registry/experiments.csv',
    'active/runs/grid_0001/run.html',
    'active/runs/grid_0002/events.jsonl',
    'a.txt',
    'a/b.txt',
    'tab\tfolder/inside.txt',
    'tab\tfolder/deeper/plain.csv',
    'line\nbreak.txt',
    'üñí.txt',
    '...',
  ];
  for (const rel of files) {
    await mkdir(join(sweep, rel, '..'), { recursive: true });
    await writeFile(join(sweep, rel), rel);
  }
  await mkdir(join(sweep, 'empty/folder'), { recursive: true });
  await symlink('a.txt', join(sweep, 'link.txt'));
  execFileSync('mkfifo', [join(sweep, 'active', 'pipe')]);
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The worker entry from the TypeScript sources, through tsx's API (a worker doesn't take its hooks). */
function walkOnWorker(root: string): Promise<PostedSweepTree> {
  const here = import.meta.url;
  const tsxApi = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
  const entry = new URL('../../src/core/sweep/sweepTreeWorkerMain.ts', here).href;
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  const worker = new Worker(boot, { eval: true, workerData: { root } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('a sweep folder walked on a worker thread', () => {
  it('is judged exactly as the same folder walked on the sync thread', async () => {
    const known = new Map([
      ['a.txt', { size: 5, mtimeMs: statSync(join(sweep, 'a.txt')).mtimeMs }],
      ['aggregate/comparison.csv', { size: 1, mtimeMs: 1 }], // stale entry: opened again
    ]);
    const here = listSweepFiles(sweep, 'troubled', known);
    const posted = await walkOnWorker(sweep);
    const there = listSweepFiles(sweep, 'troubled', known, receivedSweepTree(posted));

    expect(there.files).toEqual(here.files);
    expect(there.problems).toEqual(here.problems);
    expect(there.opened).toBe(here.opened);
    expect(await everyProblem(there)).toEqual(await everyProblem(here));

    // What the judgement found, spelled out: sorted as a path list, the bad names and kinds refused.
    expect(here.files.map((f) => f.path)).toEqual([
      '...',
      'a.txt',
      'a/b.txt',
      'active/registry/experiments.csv',
      'active/runs/grid_0001/run.html',
      'active/runs/grid_0002/events.jsonl',
      'aggregate/comparison.csv',
      'üñí.txt',
    ]);
    // A folder whose name is refused is reported with everything in it; the link too; a FIFO is skipped.
    expect((await everyProblem(here)).map((p) => p.file)).toEqual([
      'line\nbreak.txt',
      'link.txt',
      'tab\tfolder',
      'tab\tfolder/deeper',
      'tab\tfolder/deeper/plain.csv',
      'tab\tfolder/inside.txt',
    ]);
    expect(here.opened).toBe(here.files.length - 1); // all but a.txt, which the cache vouches for
  });

  it('reports a folder that is not there as the sync thread does', async () => {
    const missing = join(work, 'not-there');
    const posted = await walkOnWorker(missing);
    const there = listSweepFiles(missing, 'not-there', undefined, receivedSweepTree(posted));
    expect(there.problems).toEqual(listSweepFiles(missing, 'not-there').problems);
    expect(there.problems).toEqual([
      { file: '.', problem: expect.stringMatching(/^the folder can't be listed \(ENOENT/) },
    ]);
  });
});
