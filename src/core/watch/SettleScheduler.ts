/**
 * Settle scheduling: one timer per sweep folder that must be looked at again later — when its settle
 * window ends (finished, but written too recently to count as complete), or a while after a sync was
 * deferred or abandoned. It remembers when each window ends, for the queue view.
 */
import { MAX_TIMER_MS } from './RetryScheduler.js';

interface Pending {
  timer: NodeJS.Timeout;
  /** When the timer fires (ms since the epoch). */
  at: number;
}

export class SettleScheduler {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  /** `onDue` looks at the folder again; the folder counts as settling until it has finished. */
  constructor(private readonly onDue: (path: string) => Promise<unknown>) {}

  /** Look at `path` again in `delayMs` (at least 50 ms), replacing an earlier plan. */
  schedule(path: string, delayMs: number): void {
    if (this.closed) return;
    const old = this.pending.get(path);
    if (old) clearTimeout(old.timer);
    const wait = Math.min(MAX_TIMER_MS, Math.max(50, delayMs));
    const timer = setTimeout(() => {
      void this.onDue(path).finally(() => {
        if (this.pending.get(path)?.timer === timer) this.pending.delete(path);
      });
    }, wait);
    this.pending.set(path, { timer, at: Date.now() + wait });
  }

  /** When the folder's settle window ends (ISO), or null if none is planned. */
  settlesAt(path: string): string | null {
    const p = this.pending.get(path);
    return p ? new Date(p.at).toISOString() : null;
  }

  /** Whether any folder is settling (planned or being looked at). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
