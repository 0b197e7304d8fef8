/**
 * Retry scheduling for failed sweeps: the back-off plan of a failed attempt (exponential, full jitter,
 * capped, given up after `maxAttempts` — see backoff.ts) and one timer per failed sweep that queues it
 * again when its retry time comes. Timers are armed from the journal's `nextRetryAt`, so a restart keeps
 * the plan; a failed sweep without one (failed by a one-shot sync, or before a crash) gets one planned.
 */
import type { JournalSweep } from '../journal/types.js';
import type { SyncError } from '../model/errors.js';
import { nextRetryDelay, type RetryPolicy } from './backoff.js';
import type { FailurePlan, SweepStates } from './SweepStates.js';

/** Most setTimeout can wait (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How the reason of a failed sweep starts when no automatic retry can succeed (see isPermanent). */
export const PERMANENT_REASON = 'waiting cannot fix this: ';

/**
 * Codes of failures that no retry can fix without someone changing the sweep folder: the preflight's
 * refusal (names, links, unreadable files, cells no catalog takes) and damaged aggregate files.
 */
const PERMANENT_CODES = new Set(['sweep-preflight', 'sweep-damaged']);

/** A failure that waiting can't fix: a usage error or one of PERMANENT_CODES. */
export function isPermanent(err: SyncError): boolean {
  return err.category === 'usage' || PERMANENT_CODES.has(err.code);
}

export interface RetrySchedulerOptions {
  states: SweepStates;
  policy: RetryPolicy;
  random: () => number;
  /** The sweep was moved back to `queued`: put it in the queue. */
  onQueued: (path: string) => void;
}

export class RetryScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: RetrySchedulerOptions) {}

  /** The follow-up of a failed attempt (see PlanFailure): a failure waiting can't fix is not retried by itself. */
  readonly plan = (failures: number, err: SyncError): FailurePlan => {
    if (isPermanent(err))
      return { nextRetryAt: null, reason: `${PERMANENT_REASON}${err.message}`, exhausted: true };
    const delay = nextRetryDelay(failures, this.options.policy, this.options.random);
    if (delay === null) {
      const reason = `gave up after ${failures} failed attempts: ${err.message}`;
      return { nextRetryAt: null, reason, exhausted: true };
    }
    return { nextRetryAt: new Date(Date.now() + delay).toISOString(), reason: err.message, exhausted: false };
  };

  has(path: string): boolean {
    return this.timers.has(path);
  }

  /** Arm the retry timer of a failed sweep (replacing any), planning a retry time if it has none. */
  schedule(row: JournalSweep): void {
    if (this.closed) return;
    this.cancel(row.path);
    let at = row.nextRetryAt ? Date.parse(row.nextRetryAt) : Number.NaN;
    if (Number.isNaN(at)) {
      if (row.stateReason?.startsWith(PERMANENT_REASON)) return; // waiting can't fix it: a retry by hand

      const { policy, random, states } = this.options;
      const delay = nextRetryDelay(Math.max(1, row.attempts), policy, random);
      if (delay === null || row.attempts >= policy.maxAttempts) return; // waits for a retry by hand
      at = Date.now() + delay;
      row = states.move(row, 'failed', row.stateReason, { nextRetryAt: new Date(at).toISOString() });
    }
    const path = row.path;
    const timer = setTimeout(
      () => {
        this.timers.delete(path);
        const { states, onQueued } = this.options;
        const current = states.journal.sweeps.byPath(path);
        if (!current || current.state !== 'failed') return;
        states.move(
          current,
          'queued',
          `retry ${current.attempts + 1} after ${current.lastError ?? 'a failure'}`,
        );
        onQueued(path);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())),
    );
    this.timers.set(path, timer);
  }

  cancel(path: string): void {
    const timer = this.timers.get(path);
    if (timer) clearTimeout(timer);
    this.timers.delete(path);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
