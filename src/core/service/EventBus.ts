/**
 * The service's one event stream: every event gets a sequence number and a timestamp, and the last
 * few thousand are kept so that a shell that lost its connection (the browser mode's event stream, a
 * renderer reloaded) can ask for what it missed. A listener that throws never stops the others.
 */
import type { AppEvent, AppEventListener, EngineEvent } from '../../shared/events.js';

/** Enough for a full sync's progress events of several minutes; each is a few hundred bytes. */
const REPLAY_EVENTS = 5_000;

export class EventBus {
  private seq = 0;
  private readonly listeners = new Set<AppEventListener>();
  private readonly replay: AppEvent[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  emit(event: EngineEvent, jobId: string | null = null): AppEvent {
    const e: AppEvent = { seq: ++this.seq, at: this.now().toISOString(), jobId, event };
    this.replay.push(e);
    if (this.replay.length > REPLAY_EVENTS) this.replay.splice(0, this.replay.length - REPLAY_EVENTS);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A shell's failure must never stop the engine or the other shells.
      }
    }
    return e;
  }

  /** Events after `after`, and whether that is all of them (false if some were already dropped). */
  since(after: number): { events: AppEvent[]; complete: boolean } {
    const events = this.replay.filter((e) => e.seq > after);
    const oldest = this.replay[0]?.seq ?? this.seq + 1;
    return { events, complete: after >= oldest - 1 || this.seq === 0 };
  }

  subscribe(listener: AppEventListener, options: { after?: number; signal?: AbortSignal } = {}): () => void {
    if (options.signal?.aborted) return () => {};
    if (options.after !== undefined) for (const e of this.since(options.after).events) listener(e);
    this.listeners.add(listener);
    const unsubscribe = () => {
      this.listeners.delete(listener);
      options.signal?.removeEventListener('abort', unsubscribe);
    };
    options.signal?.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  }

  get lastSeq(): number {
    return this.seq;
  }
}
