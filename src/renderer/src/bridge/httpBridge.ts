/**
 * The contract's `Bridge` over HTTP, for the browser mode (`bilancio-sync ui`, src/server): a command is
 * `POST /api/commands/<name>` with the request as JSON (the session cookie goes along: `credentials:
 * 'same-origin'`; the browser adds the `Origin` the server checks), and its answer is the command's
 * result as it is. Transport failures become results too, never exceptions: the server's own refusals
 * (401 signed out, 403, 404…) already come in the contract's error shape; no answer at all is a
 * `transient` error with code `server-unreachable`.
 *
 * Events: one `EventSource('/api/events')` shared by every subscriber, opened with the first subscriber
 * and closed with the last. EventSource reconnects by itself and sends `Last-Event-ID`, and the server
 * replays what was missed; if EventSource gives up (a non-200 answer, e.g. after the server restarted with
 * a new token) this bridge opens a new one after a growing pause (1 s … 30 s) at `?after=<last seq seen>`.
 * `after` is honoured per subscriber: the first one's goes into the stream's URL; a later one's is caught
 * up through the `events.since` command once the stream is live (events arriving meanwhile are held back,
 * so each subscriber gets every event after its `after` once, in order). Without `after` a subscriber gets
 * the events from now on. Aborting `signal` unsubscribes.
 *
 * Reset (the stream or `events.since` could not replay everything: the server's buffer dropped events, or
 * it is a new server): each affected subscriber's listener is called once with a synthetic envelope
 * `{ seq: 0, at: <now>, jobId: null, event: { type: 'settings-changed', changed: [] } }`. A real envelope
 * never has seq 0 (they count from 1; the synthetic one fails `appEventSchema` on purpose), so
 * `isStreamReset(e)` (`e.seq === 0`) tells it apart: the page should refetch everything it shows. A
 * listener that ignores seq still sees a settings change, i.e. "reload what you know". The Electron bridge
 * never loses events, so it never sends one.
 *
 * Only `src/shared` types and web APIs (`fetch`, `EventSource`) are used — no Node builtins. Both can be
 * handed in (a test drives this bridge from Node against the real server).
 */
import type { Bridge, SubscribeOptions } from '../../../shared/bridge.js';
import type { CommandName, CommandRequest, CommandResponse, Result } from '../../../shared/commands.js';
import type { AppError } from '../../../shared/errors.js';
import type { AppEvent, AppEventListener } from '../../../shared/events.js';

/** What this bridge needs of `fetch`. */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    credentials: 'same-origin';
    headers: Record<string, string>;
    body: string;
  },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** What this bridge needs of an `EventSource`. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (message: { data: string }) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface HttpBridgeOptions {
  fetch?: FetchLike;
  EventSource?: EventSourceConstructor;
}

/** The seq of the synthetic "reset" envelope (real ones start at 1). */
export const RESET_SEQ = 0;

export function isStreamReset(e: AppEvent): boolean {
  return e.seq === RESET_SEQ;
}

export function resetEnvelope(): AppEvent {
  return {
    seq: RESET_SEQ,
    at: new Date().toISOString(),
    jobId: null,
    event: { type: 'settings-changed', changed: [] },
  };
}

const CLOSED = 2;
const FIRST_REOPEN_MS = 1_000;
const MAX_REOPEN_MS = 30_000;

interface Subscriber {
  listener: AppEventListener;
  /** The highest seq this subscriber was given. */
  seen: number;
  /** Live events held back while its `after` is being caught up. */
  pending: AppEvent[] | null;
  /** Live only: waiting for the stream to say where "now" is. */
  awaitingReady: boolean;
}

export function createHttpBridge(base = '', options: HttpBridgeOptions = {}): Bridge {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const EventSourceImpl =
    options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;

  const subscribers = new Set<Subscriber>();
  let source: EventSourceLike | null = null;
  let ready = false;
  /** The highest seq the stream delivered (or announced as "now"), once known. */
  let cursor: number | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | null = null;
  let reopenMs = FIRST_REOPEN_MS;
  let readyWaiters: Array<() => void> = [];

  const call = (listener: AppEventListener, e: AppEvent) => {
    try {
      listener(e);
    } catch (error) {
      // One subscriber's failure must not stop the others; still show it in the console.
      setTimeout(() => {
        throw error;
      });
    }
  };
  const deliver = (sub: Subscriber, e: AppEvent) => {
    if (e.seq <= sub.seen) return;
    sub.seen = e.seq;
    call(sub.listener, e);
  };

  const onEvent = (e: AppEvent) => {
    if (cursor === null || e.seq > cursor) cursor = e.seq;
    for (const sub of subscribers) {
      if (sub.awaitingReady) continue;
      if (sub.pending) sub.pending.push(e);
      else deliver(sub, e);
    }
  };

  const onReset = (info: { after: number; lastSeq: number }) => {
    // A number from a previous server: this one counts from 1 again.
    const renumbered = info.after > info.lastSeq;
    if (renumbered) cursor = info.lastSeq;
    for (const sub of subscribers) {
      if (sub.awaitingReady) continue;
      if (renumbered) sub.seen = 0;
      call(sub.listener, resetEnvelope());
    }
  };

  const onReady = (lastSeq: number) => {
    if (cursor === null || lastSeq > cursor) cursor = lastSeq;
    ready = true;
    reopenMs = FIRST_REOPEN_MS;
    for (const sub of subscribers) {
      if (!sub.awaitingReady) continue;
      sub.awaitingReady = false;
      sub.seen = lastSeq;
    }
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const w of waiters) w();
  };

  const whenReady = () => (ready ? Promise.resolve() : new Promise<void>((res) => readyWaiters.push(res)));

  const open = (after: number | null) => {
    if (!EventSourceImpl) throw new Error('This browser has no EventSource.');
    const es = new EventSourceImpl(`${base}/api/events${after === null ? '' : `?after=${after}`}`);
    source = es;
    ready = false;
    const mine = () => source === es;
    es.addEventListener('message', (m) => {
      const e = parse<AppEvent>(m.data);
      if (mine() && e && typeof e.seq === 'number') onEvent(e);
    });
    es.addEventListener('reset', (m) => {
      const info = parse<{ after: number; lastSeq: number }>(m.data);
      if (mine() && info) onReset(info);
    });
    es.addEventListener('ready', (m) => {
      const info = parse<{ lastSeq: number }>(m.data);
      if (mine() && info) onReady(info.lastSeq);
    });
    es.addEventListener('error', () => {
      if (!mine()) return;
      ready = false; // EventSource reconnects (and replays) by itself…
      if (es.readyState !== CLOSED) return;
      // …unless it gave up: try again ourselves, from where we were.
      es.close();
      source = null;
      reopenTimer = setTimeout(() => {
        reopenTimer = null;
        if (subscribers.size > 0 && source === null) open(cursor);
      }, reopenMs);
      reopenMs = Math.min(reopenMs * 2, MAX_REOPEN_MS);
    });
  };

  const close = () => {
    if (reopenTimer !== null) clearTimeout(reopenTimer);
    reopenTimer = null;
    source?.close();
    source = null;
    ready = false;
    reopenMs = FIRST_REOPEN_MS;
  };

  async function invoke<N extends CommandName>(
    name: N,
    request: CommandRequest<N>,
  ): Promise<Result<CommandResponse<N>>> {
    let status: number;
    let body: unknown;
    try {
      const res = await doFetch(`${base}/api/commands/${encodeURIComponent(name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request ?? {}),
      });
      status = res.status;
      body = await res.json().catch(() => undefined);
    } catch {
      return failure({
        category: 'transient',
        code: 'server-unreachable',
        message: 'The Bilancio Sync server does not answer.',
        hint: { text: 'Check that `bilancio-sync ui` is still running, then reload the page.' },
      });
    }
    if (isResult(body)) return body as Result<CommandResponse<N>>;
    return failure({
      category: status >= 500 ? 'internal' : 'transient',
      code: 'bad-answer',
      message: `The Bilancio Sync server answered HTTP ${status} without a result.`,
      hint: null,
    });
  }

  const catchUp = async (sub: Subscriber, after: number) => {
    await whenReady();
    if (!subscribers.has(sub)) return;
    const r = await invoke('events.since', { after });
    if (!subscribers.has(sub)) return;
    if (!r.ok || !r.value.complete) call(sub.listener, resetEnvelope());
    if (r.ok) for (const e of r.value.events) deliver(sub, e);
    const held = sub.pending ?? [];
    sub.pending = null;
    for (const e of held) deliver(sub, e);
  };

  function subscribe(listener: AppEventListener, opts: SubscribeOptions = {}): () => void {
    const { after, signal } = opts;
    if (signal?.aborted) return () => {};
    const sub: Subscriber = { listener, seen: after ?? 0, pending: null, awaitingReady: false };
    if (source === null && reopenTimer === null) {
      // The first subscriber: the stream itself replays from its `after`.
      sub.awaitingReady = after === undefined;
      subscribers.add(sub);
      open(after ?? null);
    } else if (after === undefined) {
      if (ready && cursor !== null) sub.seen = cursor;
      else sub.awaitingReady = true;
      subscribers.add(sub);
    } else {
      sub.pending = [];
      subscribers.add(sub);
      void catchUp(sub, after);
    }
    const unsubscribe = () => {
      signal?.removeEventListener('abort', unsubscribe);
      if (!subscribers.delete(sub)) return;
      if (subscribers.size === 0) close();
    };
    signal?.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  }

  return { invoke, subscribe };
}

function failure(error: AppError): { ok: false; error: AppError } {
  return { ok: false, error };
}

function isResult(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('ok' in body)) return false;
  const b = body as { ok: unknown; error?: unknown };
  return b.ok === true || (b.ok === false && typeof b.error === 'object' && b.error !== null);
}

function parse<T>(data: string): T | null {
  try {
    return JSON.parse(data) as T;
  } catch {
    return null;
  }
}
