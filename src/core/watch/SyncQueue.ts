/**
 * The in-memory queue of sweep folders to sync, in order, and the pump that starts syncs up to the
 * concurrency limit whenever a slot is free and syncing may run. The durable queue is the journal (sweeps
 * in state `queued`); this is the order this process works through them. It knows nothing of states.
 *
 * Auto-sync: when `autoStart` says no (the auto-sync setting is off), a queued folder is *held* — it stays
 * in the queue, in order, and starts only once it was released ("Sync now", a retry the user asked for).
 * This is not a pause: a pause stops everything, aborts what is in flight and is the user's to lift; a held
 * folder just waits for its turn to be asked for, and released folders sync meanwhile.
 */
import type { SyncError } from '../model/errors.js';

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

export interface SyncQueueOptions {
  concurrency: number;
  /** Sync one folder; resolves (never rejects) when the attempt is over. */
  run: (path: string, controller: AbortController) => Promise<void>;
  /** Whether syncs may start now (started, not stopping, not paused). */
  mayStart: () => boolean;
  /** Whether a queued folder starts by itself (auto-sync on; default: always). Else only released ones do. */
  autoStart?: () => boolean;
  /** The queue or the set of running syncs changed. */
  onChange: () => void;
}

export class SyncQueue {
  private readonly order: string[] = [];
  private readonly active = new Map<string, Active>();
  /** Folders the user asked to sync while auto-sync is off (kept until `consumeRelease`). */
  private readonly released = new Set<string>();
  private closed = false;

  constructor(private readonly options: SyncQueueOptions) {}

  /** Folders waiting for a slot, in order. */
  get queued(): readonly string[] {
    return this.order;
  }

  /** Folders syncing now. */
  get syncing(): string[] {
    return [...this.active.keys()];
  }

  isActive(path: string): boolean {
    return this.active.has(path);
  }

  /** Queued or syncing. */
  has(path: string): boolean {
    return this.active.has(path) || this.order.includes(path);
  }

  /** Whether anything is syncing, or queued and free to start (a held folder is not work to wait for). */
  busy(mayStart: boolean): boolean {
    return this.active.size > 0 || (mayStart && this.order.some((p) => this.startable(p)));
  }

  /** Whether auto-sync lets queued folders start by themselves. */
  get autoStarting(): boolean {
    return this.options.autoStart?.() ?? true;
  }

  /** Queued (or to be queued) and waiting to be asked for: auto-sync is off and it was not released. */
  isHeld(path: string): boolean {
    return !this.startable(path);
  }

  /**
   * Let folders start although auto-sync is off: `paths` (which may not be queued yet — a sweep still
   * settling starts once it is queued), or every folder queued now. Resolves nothing; pumps the queue.
   */
  release(paths?: Iterable<string>): void {
    for (const p of paths ?? this.order) this.released.add(p);
    this.pump();
  }

  /** The folder's requested sync is done (synced, or found unchanged): later syncs of it are held again. */
  consumeRelease(path: string): void {
    this.released.delete(path);
  }

  private startable(path: string): boolean {
    return this.autoStarting || this.released.has(path);
  }

  enqueue(path: string, front = false): void {
    if (this.closed || this.has(path)) return;
    if (front) this.order.unshift(path);
    else this.order.push(path);
    this.pump();
  }

  pump(): void {
    if (this.closed) return;
    while (this.options.mayStart() && this.active.size < this.options.concurrency) {
      const next = this.order.findIndex((p) => this.startable(p));
      if (next < 0) break;
      const [path] = this.order.splice(next, 1) as [string];
      const controller = new AbortController();
      const entry: Active = { controller, done: Promise.resolve() };
      this.active.set(path, entry);
      entry.done = this.options.run(path, controller).finally(() => {
        this.active.delete(path);
        this.pump();
      });
    }
    this.options.onChange();
  }

  /** Abort every sync in flight with `reason` (the recorder leaves each `queued`). */
  abortAll(reason: SyncError): void {
    for (const a of this.active.values()) a.controller.abort(reason);
  }

  /** No new syncs from now on; resolves when those in flight have wound down. */
  async close(reason: SyncError): Promise<void> {
    this.closed = true;
    this.abortAll(reason);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }
}
