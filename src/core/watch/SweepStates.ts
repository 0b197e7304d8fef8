/**
 * The one owner of the sweep state machine: the only code that writes `journal.sweeps.setState` and sync
 * attempts. The watch queue (examining folders, the queue, retries, requests from other processes) and
 * one-shot syncs (`syncRecorded`) move sweeps only through here, so every move is checked against the
 * table below, unchanged states are not rewritten, and whoever listens (the watch service's event stream)
 * hears of a change only after it was committed to the journal.
 */
import type { SweepState, SweepType } from '../../shared/states.js';
import { SweepNotReadyError, type SyncOutcome } from '../engine/SyncEngine.js';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import { SyncError } from '../model/errors.js';

/**
 * Which state may follow which (staying in a state, to update its reason or retry time, always may).
 * Watch mode re-derives a folder's state from the folder whenever something happens in it, so most
 * states can be left towards what the folder now shows; what can't happen is listed by omission:
 * nothing returns to `detected`, only a sync attempt leads to `synced` or `failed`, and `queued` is left
 * only to sync (or because bilancio started writing again).
 */
export const TRANSITIONS: Readonly<Record<SweepState, readonly SweepState[]>> = {
  detected: [
    'running', // examined: bilancio is still writing it
    'waiting', // examined: finished, the settle window has not passed
    'queued', // examined: finished and quiet
    'incomplete', // examined: crashed, or bilancio marked it failed
    'syncing', // a one-shot `sync` of it
  ],
  running: [
    'waiting', // bilancio wrote the terminal file: now settling
    'queued', // finished and already quiet when next examined, or a retry was requested
    'incomplete', // no write for the stale window: crashed
    'syncing', // a one-shot `sync` (which refuses or waits inside the attempt)
  ],
  waiting: [
    'running', // written again within the settle window (a resume)
    'queued', // the settle window passed quietly
    'incomplete', // (re-examined as crashed)
    'syncing', // a one-shot `sync`
  ],
  queued: [
    'syncing', // its turn in the queue, or a one-shot `sync`
    'running', // bilancio started writing it again before its turn
  ],
  syncing: [
    'synced', // the attempt committed a revision, or found it already synced
    'failed', // the attempt failed (destination down, bad credentials, …)
    'queued', // the attempt was aborted (stop, pause), or a crash left it syncing and it is resumed
    'running', // the attempt found it still being written (deferred, not a failure)
    'incomplete', // the attempt found it crashed (deferred)
    'waiting', // a file changed during the attempt, or it was not quiet yet (abandoned, not a failure)
  ],
  synced: [
    'running', // a resume or a post-hoc analysis writes into it
    'waiting', // it changed and finished again: settling
    'queued', // it changed and is quiet, or a re-sync was requested
    'incomplete', // it changed and looks crashed
    'syncing', // a one-shot `sync` (a noop if nothing changed)
  ],
  failed: [
    'queued', // its retry time came, or a retry was requested
    'syncing', // a one-shot `sync`
    'running', // bilancio writes into it again
  ],
  incomplete: [
    'running', // bilancio resumed it
    'waiting', // resumed and finished: settling
    'queued', // finished after all, or "sync it as it stands" was requested
    'syncing', // a one-shot `sync` (refused unless as it stands)
  ],
};

/** States whose reason changes all the time (progress of the folder): a new reason alone isn't rewritten. */
const VOLATILE: ReadonlySet<SweepState> = new Set(['running', 'waiting', 'syncing']);

/** How a failed sync attempt is followed up (watch mode's back-off): when the next automatic attempt runs. */
export interface FailurePlan {
  /** ISO time of the next attempt, or null: none by itself. */
  nextRetryAt: string | null;
  /** The state reason shown. */
  reason: string;
  /** No more automatic attempts: the sweep waits for a retry by hand (journaled as `retries-exhausted`). */
  exhausted: boolean;
}
/** `failures`: consecutive failed attempts, this one included. */
export type PlanFailure = (failures: number, error: SyncError) => FailurePlan;

/** A sync attempt under way: the sweep (syncing) and the open attempt. */
export interface SyncAttempt {
  row: JournalSweep;
  attemptId: number;
}

export type SweepStateListener = (row: JournalSweep) => void;

export class SweepStates {
  private depth = 0;
  private pending: JournalSweep[] = [];
  private readonly listeners = new Set<SweepStateListener>();

  constructor(readonly journal: Journal) {}

  /** Hear every committed change of a sweep's row (state, reason, retry time, a new row). */
  subscribe(listener: SweepStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether `to` may follow `from`. */
  static allows(from: SweepState, to: SweepState): boolean {
    return from === to || TRANSITIONS[from].includes(to);
  }

  /** Several moves and other journal writes as one transaction; listeners hear of them after the commit. */
  transaction<T>(fn: () => T): T {
    this.depth++;
    let ok = false;
    try {
      const value = this.journal.transaction(fn);
      ok = true;
      return value;
    } finally {
      this.depth--;
      if (this.depth === 0) {
        const changed = this.pending;
        this.pending = [];
        if (ok) for (const row of changed) for (const listener of this.listeners) listener(row);
      }
    }
  }

  /** A sweep folder seen: its row, created `detected` (with a `detected` event) if it is new. */
  found(input: { path: string; name: string; sweepType: SweepType | null }): JournalSweep {
    return this.transaction(() => {
      const existing = this.journal.sweeps.byPath(input.path);
      if (existing) return existing;
      const row = this.journal.sweeps.upsert({ ...input, state: 'detected', stateReason: 'found' });
      this.journal.events.add({
        level: 'info',
        kind: 'detected',
        sweepId: row.id,
        message: `${row.name}: found at ${row.path}`,
      });
      this.pending.push(row);
      return row;
    });
  }

  /**
   * Move a sweep to `to` (see TRANSITIONS; anything else is a bug → SyncError 'internal'). `nextRetryAt`
   * is cleared unless given, `lastError` kept unless given. Nothing is written when nothing would change.
   */
  move(
    sweep: JournalSweep | number,
    to: SweepState,
    reason: string | null,
    options: { nextRetryAt?: string | null; lastError?: string | null } = {},
  ): JournalSweep {
    const id = typeof sweep === 'number' ? sweep : sweep.id;
    return this.transaction(() => {
      const current = this.journal.sweeps.get(id);
      if (!current) throw new SyncError('not-found', `No sweep with id ${id} in the journal.`);
      const nextRetryAt = options.nextRetryAt ?? null;
      if (
        current.state === to &&
        current.nextRetryAt === nextRetryAt &&
        (VOLATILE.has(to) || current.stateReason === reason) &&
        options.lastError === undefined
      ) {
        return current;
      }
      if (!SweepStates.allows(current.state, to)) {
        throw new SyncError('internal', `${current.name}: a sweep can't go from ${current.state} to ${to}.`);
      }
      const updated = this.journal.sweeps.setState(id, to, reason, options);
      this.pending.push(updated);
      return updated;
    });
  }

  // ---- sync attempts --------------------------------------------------------------------------------

  /** Record that a sync of the sweep starts: the row (created or renamed/retyped), `syncing`, an open attempt. */
  beginSync(input: { path: string; name: string; sweepType: SweepType | null }): SyncAttempt {
    return this.transaction(() => {
      const known = this.journal.sweeps.byPath(input.path);
      const row =
        known && known.name === input.name && known.sweepType === input.sweepType
          ? known
          : this.journal.sweeps.upsert(input);
      const syncing = this.move(row, 'syncing', 'examining the sweep');
      const attemptId = this.journal.attempts.start({ kind: 'sync', sweepId: row.id, sweepName: row.name });
      return { row: syncing, attemptId };
    });
  }

  /** A sync that committed (or found committed) a revision: revision, attempt, state and events, at once. */
  recordSynced(sync: SyncAttempt, outcome: SyncOutcome): JournalSweep {
    const { journal } = this;
    const sweepId = sync.row.id;
    const name = sync.row.name;
    return this.transaction(() => {
      if (outcome.manifest) {
        const latest = journal.revisions.latestInfo(sweepId);
        if (outcome.result === 'synced' || latest?.revision !== outcome.manifest.revision) {
          journal.revisions.record(sweepId, outcome.manifest);
        }
      }
      const result = outcome.result === 'noop' ? 'noop' : 'synced';
      journal.attempts.finish(sync.attemptId, {
        result,
        bytes: outcome.bytesUploaded,
        objects: outcome.objectsUploaded,
        revision: outcome.revision,
        warnings: outcome.warnings,
      });
      if (outcome.uploadsCleaned > 0) {
        journal.events.add({
          level: 'info',
          kind: 'uploads-cleaned',
          sweepId,
          message: `${name}: cancelled ${outcome.uploadsCleaned} unfinished upload(s) left by an interrupted sync`,
        });
      }
      if (result === 'synced') {
        for (const message of outcome.warnings)
          journal.events.add({ level: 'warning', kind: 'sync-warning', sweepId, message });
        journal.events.add({
          level: 'info',
          kind: 'synced',
          sweepId,
          message: `${name} synced as revision ${outcome.revision} (${outcome.objectsUploaded} objects uploaded)`,
        });
      }
      const reason =
        result === 'noop' ? `already synced (revision ${outcome.revision})` : `revision ${outcome.revision}`;
      return this.move(sweepId, 'synced', reason, { lastError: null });
    });
  }

  /**
   * A sync that ended without a revision. Aborted (stop, pause): back to `queued`. Not ready, or changed
   * while it was read: deferred (`running`/`incomplete`/`waiting`), the attempt `aborted`, no back-off —
   * the folder isn't finished, the destination did nothing wrong. Anything else: `failed` with the error,
   * counting towards the back-off, with the next attempt planned by `planFailure` (none without one).
   */
  recordSyncError(
    sync: SyncAttempt,
    err: SyncError,
    options: { aborted?: boolean; planFailure?: PlanFailure } = {},
  ): JournalSweep {
    const { journal } = this;
    const sweepId = sync.row.id;
    const aborted = options.aborted === true;
    const deferred = !aborted && (err.category === 'not-ready' || err.category === 'conflict');
    return this.transaction(() => {
      journal.attempts.finish(sync.attemptId, {
        result: aborted || deferred ? 'aborted' : 'failed',
        error: err.message,
      });
      if (aborted) {
        journal.events.add({ level: 'warning', kind: 'sync-aborted', sweepId, message: err.message });
        return this.move(sweepId, 'queued', err.message);
      }
      if (deferred) {
        const conflict = err.category === 'conflict';
        journal.events.add({
          level: 'warning',
          kind: conflict ? 'sync-abandoned' : 'sync-deferred',
          sweepId,
          message: conflict
            ? `${sync.row.name}: ${err.message}; the attempt was abandoned (nothing was committed)`
            : err.message,
        });
        const state = err instanceof SweepNotReadyError ? err.sweepState : 'waiting';
        return this.move(sweepId, state, conflict ? `changed during the sync: ${err.message}` : err.message);
      }
      journal.events.add({ level: 'error', kind: 'sync-failed', sweepId, message: err.message });
      const failures = Math.max(1, journal.sweeps.get(sweepId)?.attempts ?? 1);
      const plan = options.planFailure?.(failures, err) ?? {
        nextRetryAt: null,
        reason: err.message,
        exhausted: false,
      };
      if (plan.exhausted) {
        journal.events.add({
          level: 'error',
          kind: 'retries-exhausted',
          sweepId,
          message: `${sync.row.name}: ${plan.reason} (it waits for a retry by hand)`,
        });
      }
      return this.move(sweepId, 'failed', plan.reason, {
        nextRetryAt: plan.nextRetryAt,
        lastError: err.message,
      });
    });
  }
}
