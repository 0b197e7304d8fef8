/** A SweepTree as it crosses from the walking worker (sweepTreeWorkerMain.ts) to the sync's thread. */
import type { WireOsError } from '../model/osErrors.js';
import type { SweepTree } from './sweepTree.js';

/** NUL joins the paths: the one character no POSIX or Windows file name can hold. */
export const PATH_SEPARATOR = '\0';

export interface PostedSweepTree {
  root: string;
  paths: string;
  count: number;
  kinds: Uint8Array<ArrayBuffer>;
  numbers: Float64Array<ArrayBuffer>;
  errors: Array<[number, WireOsError]>;
  outOfDescriptors?: WireOsError;
}

export function receivedSweepTree(posted: PostedSweepTree): SweepTree {
  return {
    root: posted.root,
    paths: posted.count === 0 ? [] : posted.paths.split(PATH_SEPARATOR),
    kinds: posted.kinds,
    numbers: posted.numbers,
    errors: new Map(posted.errors),
    ...(posted.outOfDescriptors ? { outOfDescriptors: posted.outOfDescriptors } : {}),
  };
}
