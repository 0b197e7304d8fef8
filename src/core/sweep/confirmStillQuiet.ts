import { basename } from 'node:path';
import { SyncError } from '../model/errors.js';
import type { FileEntry } from '../model/types.js';
import { lastModified, type SweepCompletion } from './completion.js';
import type { SweepLayout } from './layout.js';

/**
 * The completion check looks at a few cheap places only; once every file has been stat'ed, make sure no
 * run file was written within the settle window and nothing moved while the sweep was read. Throws
 * SyncError('conflict') otherwise: what was read describes no single, finished moment.
 */
export async function confirmStillQuiet(
  dir: string,
  layout: SweepLayout,
  completion: SweepCompletion,
  files: readonly FileEntry[],
  settleMs: number,
  now: number,
): Promise<void> {
  const after = await lastModified(dir, layout);
  const newest = files.reduce((m, f) => Math.max(m, f.mtimeMs), after);
  if (after !== completion.lastModifiedMs || now - newest < settleMs) {
    throw new SyncError(
      'conflict',
      `${basename(dir)} changed while it was being read, although it looked finished`,
      'Bilancio may have resumed this sweep; wait until it is quiet again.',
    );
  }
}
