/**
 * Examining one sweep folder: what state it should be in now, from the folder (layout, completion, the
 * quick "unchanged since synced" check) and the journal, and the one next step for it — queue it, let
 * it settle, wait for bilancio, leave it incomplete, arm its retry. Examinations of one folder never
 * overlap: a request while one runs makes it run once more afterwards.
 *
 * A synced sweep with a fingerprint (fingerprint.ts) that still matches is recognised from ~20 stat calls
 * and nothing else — the start-up path over many synced sweeps; otherwise the full unchanged check runs
 * and, when it finds the sweep unchanged, takes a new fingerprint. Each examination first has the sweep's
 * folders watched (`watchSweep`), so that what is written from then on is heard.
 */
import { basename } from 'node:path';
import type { Journal } from '../journal/Journal.js';
import { isSyncError, type SyncError, toSyncError } from '../model/errors.js';
import { validateSweepName } from '../model/keys.js';
import { assessCompletion } from '../sweep/completion.js';
import { detectLayout, type SweepLayout } from '../sweep/layout.js';
import { checkUnchanged } from './checkUnchanged.js';
import {
  type FingerprintStore,
  fingerprintMatches,
  keyDirs,
  newestMtime,
  takeFingerprint,
} from './fingerprint.js';
import type { SweepStates } from './SweepStates.js';
import { folderAccessError } from './watcherErrors.js';

export type ExamineResult =
  | 'unchanged'
  | 'queued'
  | 'waiting'
  | 'running'
  | 'incomplete'
  | 'failed'
  | 'skipped'
  | 'error';

export interface ExamineOptions {
  /** "Sync now": a failed sweep is queued at once instead of at its retry time. */
  immediate?: boolean;
  /** Queue a synced sweep even if it looks unchanged (the engine then finds out, cheaply). */
  force?: boolean;
}

export interface SweepExaminerDeps {
  journal: Journal;
  states: SweepStates;
  full: boolean;
  settleMs: number;
  staleMs: number;
  /** Whether the folder is syncing in this process. */
  isSyncing: (path: string) => boolean;
  /** Something changed in a folder that is syncing: look at it again once that sync is over. */
  changedWhileSyncing: (path: string) => void;
  enqueue: (path: string) => void;
  /** Whether the folder, once queued, waits for "Sync now" (auto-sync is off): said in its state reason. */
  held: (path: string) => boolean;
  settleLater: (path: string, delayMs: number) => void;
  hasRetryTimer: (path: string) => boolean;
  cancelRetry: (path: string) => void;
  scheduleRetry: (row: NonNullable<ReturnType<Journal['sweeps']['byPath']>>) => void;
  /** Whether the user asked to sync this folder as it stands. */
  allowIncomplete: (path: string) => boolean;
  stopping: () => boolean;
  warn: (sweep: string, message: string) => void;
  /** Warn about a folder once (e.g. a name the store can't hold). */
  warnOnce: (path: string, sweep: string, message: string) => void;
  fingerprints: FingerprintStore;
  /** A folder problem with what to do (e.g. a sweep folder that can't be read), told once. */
  problem: (error: SyncError, path: string) => void;
  /** Watch these folders of the sweep (sweep-relative, '' = the sweep folder). */
  watchSweep: (path: string, dirs: readonly string[]) => void;
}

/** The folders of a sweep to watch, from its layout. */
export function watchedDirs(layout: SweepLayout): string[] {
  const { listed, runs } = keyDirs(layout);
  return [...listed, ...runs];
}

/** The words for a queued sweep that auto-sync leaves for the user to send (journal, `status`, the window). */
export const HELD_REASON = 'auto-sync is off: waiting for Sync now';

export class SweepExaminer {
  private readonly running = new Map<string, Promise<ExamineResult>>();
  private readonly again = new Map<string, ExamineOptions>();

  constructor(private readonly deps: SweepExaminerDeps) {}

  /** Whether any folder is being examined. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Resolves when every examination under way has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** Look at one sweep folder and move it along. */
  examine(path: string, options: ExamineOptions = {}): Promise<ExamineResult> {
    const current = this.running.get(path);
    if (current) {
      const queued = this.again.get(path) ?? {};
      this.again.set(path, {
        immediate: queued.immediate || options.immediate,
        force: queued.force || options.force,
      });
      return current;
    }
    const p = this.examineNow(path, options)
      .catch((e: unknown): ExamineResult => {
        this.deps.warn(basename(path), `could not examine ${path}: ${toSyncError(e).message}`);
        return 'error';
      })
      .finally(() => {
        this.running.delete(path);
        const next = this.again.get(path);
        if (next) {
          this.again.delete(path);
          void this.examine(path, next);
        }
      });
    this.running.set(path, p);
    return p;
  }

  private async examineNow(path: string, options: ExamineOptions): Promise<ExamineResult> {
    const d = this.deps;
    if (d.stopping()) return 'skipped';
    if (d.isSyncing(path)) {
      d.changedWhileSyncing(path);
      return 'skipped';
    }
    const known = d.journal.sweeps.byPath(path);
    if (known?.state === 'synced' && !options.force) {
      const fp = d.fingerprints.valid(known);
      if (fp && (fp.full || !d.full)) {
        d.watchSweep(path, fp.dirs);
        if (fingerprintMatches(path, fp)) return 'unchanged';
      }
    }
    let layout: SweepLayout;
    try {
      layout = await detectLayout(path);
      d.watchSweep(path, watchedDirs(layout));
    } catch (e) {
      if (!isSyncError(e)) throw e;
      if (e.category !== 'not-found') d.watchSweep(path, ['']); // not a sweep (yet): hear when it becomes one
      if (e.category === 'usage') {
        // Unreadable is no "not a sweep": say what to do about it.
        const denied = folderAccessError(path);
        if (denied) d.problem(denied, path);
      }
      if (e.category === 'not-ready') {
        const row = d.journal.sweeps.byPath(path);
        if (row && row.state !== 'running') d.states.move(row, 'running', e.message);
      }
      return 'skipped'; // being written; or not a sweep, or gone
    }
    let name: string;
    try {
      name = validateSweepName(basename(path));
    } catch (e) {
      d.warnOnce(path, basename(path), toSyncError(e).message);
      return 'skipped';
    }

    const row = d.states.found({ path, name, sweepType: layout.type });
    switch (row.state) {
      case 'queued':
        d.enqueue(path);
        return 'queued';
      case 'syncing':
        // Not syncing in this process: left over by a crash (or by a `sync` command that died).
        d.states.move(row, 'queued', 'resumed after an interrupted attempt');
        d.enqueue(path);
        return 'queued';
      case 'failed':
        if (options.immediate) {
          d.cancelRetry(path);
          d.states.move(row, 'queued', 'sync requested now');
          d.enqueue(path);
          return 'queued';
        }
        if (!d.hasRetryTimer(path)) d.scheduleRetry(row);
        return 'failed';
      case 'synced': {
        // Taken before the check: whatever changes after this moment won't match it.
        const taken = await takeFingerprint(path, layout);
        const check = await checkUnchanged(d.journal, row, path, layout, d.full, newestMtime(taken.entries));
        if (check.unchanged && !options.force) {
          const old = d.fingerprints.get(row.id);
          d.fingerprints.put(row.id, {
            rowUpdatedAt: row.updatedAt,
            full: check.full === true,
            ...taken,
            deepCheckedAt: old?.rowUpdatedAt === row.updatedAt ? old.deepCheckedAt : null,
          });
          return 'unchanged';
        }
        break;
      }
      default:
        break;
    }

    const c = await assessCompletion(path, layout, { settleMs: d.settleMs, staleMs: d.staleMs });
    if (d.isSyncing(path)) {
      // Its turn came while it was looked at (a retry request): the sync decides; look again after it.
      d.changedWhileSyncing(path);
      return 'skipped';
    }
    if (c.state === 'complete') {
      d.states.move(row, 'queued', d.held(path) ? `${c.reason} · ${HELD_REASON}` : c.reason);
      d.enqueue(path);
      return 'queued';
    }
    if (c.state === 'running' && c.terminalSignal !== null && c.runningRows === 0) {
      d.states.move(row, 'waiting', c.reason);
      d.settleLater(path, c.lastModifiedMs + d.settleMs - Date.now() + 100);
      return 'waiting';
    }
    if (c.state === 'running') {
      d.states.move(row, 'running', c.reason);
      return 'running';
    }
    // incomplete (crashed) or failed (bilancio marked the job failed): only on request.
    if (d.allowIncomplete(path)) {
      d.states.move(row, 'queued', `${c.reason} (syncing as it stands, as requested)`);
      d.enqueue(path);
      return 'queued';
    }
    d.states.move(row, 'incomplete', c.reason);
    return 'incomplete';
  }
}
