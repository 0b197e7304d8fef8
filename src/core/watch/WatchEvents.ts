/**
 * Watch mode's event stream without repeats: a `sweep-state` event only when a sweep's state or retry
 * time differs from the last one reported for it (with that one as `previous`), a `queue-state` event only
 * when the queue's picture changed. A listener that throws never reaches the queue.
 */

import type { EngineEvent, EngineEventListener } from '../../shared/events.js';
import type { PauseInfo, SweepState } from '../../shared/states.js';
import type { JournalSweep } from '../journal/types.js';

export interface QueuePicture {
  /** Names of sweeps waiting for an upload slot, in order. */
  queued: string[];
  syncing: string[];
  paused: PauseInfo | null;
}

export class WatchEvents {
  /** Last state reported (or known at start-up) per sweep path. */
  private readonly known = new Map<string, { state: SweepState; nextRetryAt: string | null }>();
  private readonly warned = new Set<string>();
  private lastQueueState = '';

  constructor(private readonly listener: EngineEventListener | undefined) {}

  emit(e: EngineEvent): void {
    try {
      this.listener?.(e);
    } catch {
      // A listener's failure must never stop the queue.
    }
  }

  /** Remember what the journal says about a sweep without reporting it (start-up). */
  seed(row: JournalSweep): void {
    this.known.set(row.path, { state: row.state, nextRetryAt: row.nextRetryAt });
  }

  /** Report a sweep's row if its state (or retry time) changed since the last report; returns whether it did. */
  sweepState(row: JournalSweep | null): boolean {
    if (!row) return false;
    const before = this.known.get(row.path);
    if (before && before.state === row.state && before.nextRetryAt === row.nextRetryAt) return false;
    this.known.set(row.path, { state: row.state, nextRetryAt: row.nextRetryAt });
    this.emit({
      type: 'sweep-state',
      sweep: row.name,
      path: row.path,
      state: row.state,
      previous: before?.state ?? null,
      reason: row.stateReason,
      nextRetryAt: row.nextRetryAt,
      attempts: row.attempts,
    });
    return true;
  }

  /** A warning about a folder, once per folder for this process (e.g. a name the store can't hold). */
  warnOnce(path: string, sweep: string, message: string): void {
    if (this.warned.has(path)) return;
    this.warned.add(path);
    this.emit({ type: 'warning', sweep, message });
  }

  /** Report the queue if the picture changed. Waiting and failed counts come from the states reported. */
  queueState(picture: QueuePicture): void {
    let waiting = 0;
    let failed = 0;
    for (const k of this.known.values()) {
      if (k.state === 'waiting') waiting++;
      if (k.state === 'failed') failed++;
    }
    const event = { ...picture, waiting, failed };
    const key = JSON.stringify(event);
    if (key === this.lastQueueState) return;
    this.lastQueueState = key;
    this.emit({ type: 'queue-state', ...event });
  }
}
