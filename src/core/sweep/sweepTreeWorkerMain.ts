/**
 * The worker thread of prefetchSweepTree.ts: walks one sweep folder (sweepTree.ts) and posts the tree —
 * its paths as one string, its arrays transferred — then ends. It loads nothing but the walk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { walkSweepTree } from './sweepTree.js';
import { PATH_SEPARATOR, type PostedSweepTree } from './sweepTreeWire.js';

const tree = walkSweepTree((workerData as { root: string }).root);
const posted: PostedSweepTree = {
  root: tree.root,
  paths: tree.paths.join(PATH_SEPARATOR),
  count: tree.paths.length,
  kinds: tree.kinds,
  numbers: tree.numbers,
  errors: [...tree.errors],
  outOfDescriptors: tree.outOfDescriptors,
};
parentPort?.postMessage(posted, [tree.kinds.buffer, tree.numbers.buffer]);
