/**
 * A sweep folder walked on a worker thread while the CLI loads: a sync first loads its program and its
 * destinations (the AWS SDK and pg alone take ~0.15 s of the main thread), then walks the sweep (~0.15 s
 * for 12,000 files, lstat by lstat) — on a machine with a second core, both at once. The CLI's entry
 * starts the walk before it loads anything else (src/cli/main.ts); the service takes it with the sync
 * (AppService, sync.start); the engine uses the tree if it has arrived by the time the engine wants it,
 * is of the same folder and is fresh (SyncEngine, PREFETCH_MAX_AGE_MS) — else it walks the folder
 * itself, as it always could, and nothing waits for the worker.
 *
 * Only from the built CLI: from the TypeScript sources a worker boots through tsx, which takes longer than
 * the walk it would save.
 */
import { Worker } from 'node:worker_threads';
import { builtWorkerEntry } from '../async/builtWorker.js';
import type { SweepTree } from './sweepTree.js';
import { type PostedSweepTree, receivedSweepTree } from './sweepTreeWire.js';

export interface SweepTreePrefetch {
  root: string;
  /** Date.now() when the walk began. */
  startedAt: number;
  /**
   * The tree if the worker has posted it; else undefined, and the worker is stopped: the caller walks
   * the folder itself, and two walks of one folder at once slow each other down.
   */
  take(): SweepTree | undefined;
}

/** A young generation as small as the extraction worker's: the walk's garbage is short-lived. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** Walks begun and not taken yet, by folder (a process syncs one folder from the CLI). */
const begun = new Map<string, SweepTreePrefetch>();

/** Starts the walk of `root` (an absolute path) on a worker, unless it can't start one here. */
export function prefetchSweepTree(root: string): void {
  const here = import.meta.url;
  if (here.endsWith('.ts') || begun.has(root)) return;
  const { path } = builtWorkerEntry('sweepTreeWorker.js', here);
  if (!path) return;
  let worker: Worker;
  try {
    worker = new Worker(path, { workerData: { root }, resourceLimits: WORKER_LIMITS });
  } catch {
    return;
  }
  worker.unref(); // never what keeps the process alive
  worker.on('error', () => {}); // a failed walk is a walk not prefetched
  let tree: SweepTree | undefined;
  worker.once('message', (m: PostedSweepTree) => {
    tree = receivedSweepTree(m);
  });
  const take = (): SweepTree | undefined => {
    if (!tree) void worker.terminate();
    return tree;
  };
  begun.set(root, { root, startedAt: Date.now(), take });
}

/** The walk of `root` begun by prefetchSweepTree, now the caller's; undefined if none was begun. */
export function takeSweepTreePrefetch(root: string): SweepTreePrefetch | undefined {
  const prefetch = begun.get(root);
  begun.delete(root);
  return prefetch;
}
