/**
 * Polling the journal for what other processes asked for (`bilancio-sync pause`, `resume`, `retry` from
 * another terminal): the pause in force, sweeps to sync as they stand, and sweeps set to `queued`. The
 * only timer a watcher keeps besides the reconcile interval; an idle watcher does nothing else.
 */
import type { JournalSweep } from '../journal/types.js';
import { toSyncError } from '../model/errors.js';
import type { PauseControl } from './PauseControl.js';
import type { AllowIncomplete } from './requests.js';
import type { SweepStates } from './SweepStates.js';

export interface JournalPollerOptions {
  states: SweepStates;
  pause: PauseControl;
  allowIncomplete: AllowIncomplete;
  /** Whether this watcher looks after the folder. */
  isOurs: (path: string) => boolean;
  /** Queued or syncing in this process already. */
  inQueue: (path: string) => boolean;
  /** A pause began (abort what syncs). */
  onPauseBegan: () => void;
  /** A sweep another process queued: take it into the queue. */
  onQueued: (row: JournalSweep) => void;
  warn: (message: string) => void;
}

export class JournalPoller {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: JournalPollerOptions) {}

  start(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.poll(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  poll(): void {
    const o = this.options;
    try {
      const wasPaused = o.pause.current !== null;
      const pause = o.pause.refresh();
      if (pause && !wasPaused) o.onPauseBegan();
      o.allowIncomplete.refresh();
      for (const row of o.states.journal.sweeps.list({ state: 'queued' })) {
        if (o.isOurs(row.path) && !o.inQueue(row.path)) o.onQueued(row);
      }
    } catch (e) {
      o.warn(`reading the journal: ${toSyncError(e).message}`);
    }
  }
}
