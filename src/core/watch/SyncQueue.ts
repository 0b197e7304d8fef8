/**
 * The in-memory queue of sweep folders to sync, in order, and the pump that starts syncs up to the
 * concurrency limit whenever a slot is free and syncing may run. The durable queue is the journal (sweeps
 * in state `queued`); this is the order this process works through them. It knows nothing of states.
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
  /** The queue or the set of running syncs changed. */
  onChange: () => void;
}

export class SyncQueue {
  private readonly order: string[] = [];
  private readonly active = new Map<string, Active>();
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

  /** Whether anything is syncing, or queued and free to start. */
  busy(mayStart: boolean): boolean {
    return this.active.size > 0 || (mayStart && this.order.length > 0);
  }

  enqueue(path: string, front = false): void {
    if (this.closed || this.has(path)) return;
    if (front) this.order.unshift(path);
    else this.order.push(path);
    this.pump();
  }

  pump(): void {
    if (this.closed) return;
    while (this.options.mayStart() && this.active.size < this.options.concurrency && this.order.length > 0) {
      const path = this.order.shift()!;
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
