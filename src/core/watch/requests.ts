import { resolve } from 'node:path';
import { SyncError } from '../errors.js';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';

/** Journal setting: sweep paths the user asked to sync even though they are incomplete (crashed). */
export const ALLOW_INCOMPLETE_SETTING = 'watch.allowIncomplete';

export function readAllowIncomplete(journal: Journal): Set<string> {
  const raw = journal.getSetting(ALLOW_INCOMPLETE_SETTING);
  return new Set(Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string') : []);
}

export function writeAllowIncomplete(journal: Journal, paths: Set<string>): void {
  if (paths.size === 0) journal.deleteSetting(ALLOW_INCOMPLETE_SETTING);
  else journal.setSetting(ALLOW_INCOMPLETE_SETTING, [...paths].sort());
}

/** A sweep by its folder (absolute or relative) or its name. Unknown → SyncError('not-found'). */
export function findSweep(journal: Journal, nameOrPath: string): JournalSweep {
  const byPath = journal.getSweepByPath(resolve(nameOrPath));
  const row = byPath ?? journal.getSweepByName(nameOrPath);
  if (!row) {
    throw new SyncError(
      'not-found',
      `No sweep "${nameOrPath}" in the journal.`,
      'Give the sweep folder or its name as `bilancio-sync status` lists it.',
    );
  }
  return row;
}

/**
 * Ask for another attempt now: a failed sweep (also one whose retries ran out), or, with
 * `allowIncomplete`, a crashed sweep as it stands. Written to the journal only, so it works from another
 * process: a running `watch` picks it up within seconds (it polls the journal), a later one at start-up.
 */
export function requestRetry(
  journal: Journal,
  nameOrPath: string,
  options: { allowIncomplete?: boolean } = {},
): JournalSweep {
  const row = findSweep(journal, nameOrPath);
  if (row.state === 'syncing') return row;
  if (row.state === 'incomplete' && !options.allowIncomplete) {
    throw new SyncError(
      'not-ready',
      `${row.name} is incomplete: ${row.stateReason ?? 'bilancio did not finish it'}.`,
      'Retry with --allow-incomplete to sync what it holds anyway.',
    );
  }
  return journal.transaction(() => {
    if (options.allowIncomplete) {
      const paths = readAllowIncomplete(journal);
      paths.add(row.path);
      writeAllowIncomplete(journal, paths);
    }
    journal.addEvent({
      level: 'info',
      kind: 'retry-requested',
      sweepId: row.id,
      message: `${row.name}: another attempt requested${options.allowIncomplete ? ' (as it stands, incomplete)' : ''}`,
    });
    return journal.setState(row.id, 'queued', 'retry requested', { nextRetryAt: null });
  });
}
