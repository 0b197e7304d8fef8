/**
 * Requests that reach watch mode through the journal, so that they work from another process: "try this
 * sweep again now" (a sweep set to `queued`) and "sync this crashed sweep as it stands" (a setting listing
 * such sweeps). A running watcher picks them up within seconds (it polls the journal), a later one at start-up.
 */
import { resolve } from 'node:path';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import { SyncError } from '../model/errors.js';
import type { SweepStates } from './SweepStates.js';

/** Journal setting: sweep paths the user asked to sync even though they are incomplete (crashed). */
export const ALLOW_INCOMPLETE_SETTING = 'watch.allowIncomplete';

export function readAllowIncomplete(journal: Journal): Set<string> {
  const raw = journal.settings.get(ALLOW_INCOMPLETE_SETTING);
  return new Set(Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string') : []);
}

export function writeAllowIncomplete(journal: Journal, paths: Set<string>): void {
  if (paths.size === 0) journal.settings.delete(ALLOW_INCOMPLETE_SETTING);
  else journal.settings.set(ALLOW_INCOMPLETE_SETTING, [...paths].sort());
}

/** The sweeps to sync as they stand, as one watcher knows them: its own requests and those in the journal. */
export class AllowIncomplete {
  private paths: Set<string>;

  constructor(private readonly journal: Journal) {
    this.paths = readAllowIncomplete(journal);
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  add(path: string): void {
    this.paths.add(path);
  }

  /** Take in requests other processes wrote. */
  refresh(): void {
    this.paths = new Set([...this.paths, ...readAllowIncomplete(this.journal)]);
  }

  /** The sweep was synced: the request is done, here and in the journal. */
  done(path: string): void {
    this.paths.delete(path);
    const stored = readAllowIncomplete(this.journal);
    if (stored.delete(path)) writeAllowIncomplete(this.journal, stored);
  }
}

/** A sweep by its folder (absolute or relative) or its name. Unknown → SyncError('not-found'). */
export function findSweep(journal: Journal, nameOrPath: string): JournalSweep {
  const byPath = journal.sweeps.byPath(resolve(nameOrPath));
  const row = byPath ?? journal.sweeps.byName(nameOrPath);
  if (!row) {
    throw new SyncError(
      'not-found',
      `No sweep "${nameOrPath}" in the journal.`,
      { text: 'Give the sweep folder or its name as the status lists it.', action: { kind: 'show-status' } },
      { code: 'sweep-not-found' },
    );
  }
  return row;
}

/**
 * Ask for another attempt now: a failed sweep (also one whose retries ran out), or, with
 * `allowIncomplete`, a crashed sweep as it stands. Written to the journal only (see the file comment).
 */
export function requestRetry(
  states: SweepStates,
  nameOrPath: string,
  options: { allowIncomplete?: boolean } = {},
): JournalSweep {
  const { journal } = states;
  const row = findSweep(journal, nameOrPath);
  if (row.state === 'syncing') return row;
  if (row.state === 'incomplete' && !options.allowIncomplete) {
    throw new SyncError(
      'not-ready',
      `${row.name} is incomplete: ${row.stateReason ?? 'bilancio did not finish it'}.`,
      {
        text: 'Sync it as it stands to keep what it holds anyway.',
        action: { kind: 'sync-as-it-stands', sweep: row.name },
      },
      { code: 'sweep-incomplete' },
    );
  }
  return states.transaction(() => {
    if (options.allowIncomplete) {
      const paths = readAllowIncomplete(journal);
      paths.add(row.path);
      writeAllowIncomplete(journal, paths);
    }
    journal.events.add({
      level: 'info',
      kind: 'retry-requested',
      sweepId: row.id,
      message: `${row.name}: another attempt requested${options.allowIncomplete ? ' (as it stands, incomplete)' : ''}`,
    });
    return states.move(row, 'queued', 'retry requested', { nextRetryAt: null });
  });
}
