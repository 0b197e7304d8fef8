/**
 * The renderer's HTTP bridge (src/renderer/src/bridge/httpBridge.ts) driven from Node against the real
 * server and service. There is no browser here, so the test hands the bridge Node's fetch and undici's
 * WHATWG EventSource (reconnect with Last-Event-ID included), both adding the session cookie and the
 * page's Origin as a browser would. Checks: commands round-trip as results (and an unreachable server is
 * a `transient` result, not an exception); all subscribers share one EventSource; `after` is honoured for
 * the first and for later subscribers, without duplicates; an AbortSignal unsubscribes and the last one
 * closes the stream; a dropped connection replays exactly what was missed; a sequence number the server
 * can't serve gives the synthetic reset.
 */
import { Agent, type Dispatcher, EventSource } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpBridge,
  type EventSourceConstructor,
  type FetchLike,
  isStreamReset,
} from '../../src/renderer/src/bridge/httpBridge.js';
import { startBrowserMode } from '../../src/server/startBrowserMode.js';
import type { Bridge } from '../../src/shared/bridge.js';
import type { AppEvent } from '../../src/shared/events.js';
import { makeRendererDir, startTestServer, type TestServer } from './helpers.js';

const listenerCount = (s: TestServer) =>
  (s.service.bus as unknown as { listeners: Set<unknown> }).listeners.size;

describe('the HTTP bridge', () => {
  let s: TestServer;
  /** What a signed-in page sends; changed when the server restarts with a new token. */
  let headers: Record<string, string>;
  let opened = 0;
  let bridge: Bridge;
  let bridgeBase: string;

  const browserFetch: FetchLike = (url, init) =>
    fetch(url, { ...init, headers: { ...init.headers, ...headers } });
  const agent = new Agent().compose(
    (dispatch: Dispatcher['dispatch']) => (opts, handler) =>
      dispatch({ ...opts, headers: { ...(opts.headers as Record<string, string>), ...headers } }, handler),
  );
  class BrowserEventSource extends EventSource {
    constructor(url: string) {
      super(url, { dispatcher: agent });
      opened += 1;
    }
  }

  beforeAll(async () => {
    s = await startTestServer();
    headers = s.page;
    bridgeBase = s.base;
    bridge = createHttpBridge(bridgeBase, {
      fetch: browserFetch,
      EventSource: BrowserEventSource as unknown as EventSourceConstructor,
    });
  });
  afterAll(async () => {
    await s?.dispose();
    await agent.close();
  });

  const collect = (options: { after?: number; signal?: AbortSignal } = {}) => {
    const got: AppEvent[] = [];
    const unsubscribe = bridge.subscribe((e) => got.push(e), options);
    return { got, unsubscribe, seqs: () => got.map((e) => e.seq) };
  };
  const pauseAndResume = async () => {
    expect((await bridge.invoke('sync.pause', { reason: 'bridge test' })).ok).toBe(true);
    expect((await bridge.invoke('sync.resume', {})).ok).toBe(true);
  };

  it('invokes commands and answers their results', async () => {
    const info = await bridge.invoke('app.info', {});
    expect(info).toEqual({ ok: true, value: await s.service.call('app.info', {}) });
    const bad = await bridge.invoke('status.overview', { recent: -1 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ category: 'usage', field: 'recent' });
  });

  it('answers a refusal and an unreachable server as results', async () => {
    const signedOut = createHttpBridge(bridgeBase, { fetch: (url, init) => fetch(url, init) });
    const r = await signedOut.invoke('app.info', {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unauthorized');

    const nowhere = createHttpBridge('http://127.0.0.1:9', { fetch: browserFetch });
    const n = await nowhere.invoke('app.info', {});
    expect(n.ok).toBe(false);
    if (!n.ok) expect(n.error).toMatchObject({ category: 'transient', code: 'server-unreachable' });
  });

  it('shares one EventSource, honours after for every subscriber, and unsubscribes on abort', async () => {
    const base = listenerCount(s);
    const start = s.service.bus.lastSeq;
    await pauseAndResume(); // start+1, start+2: history
    const abortA = new AbortController();
    const a = collect({ after: start, signal: abortA.signal }); // replayed by the stream itself
    const live = collect(); // live only
    await expect.poll(() => a.seqs()).toEqual([start + 1, start + 2]);
    expect(opened).toBe(1);

    await pauseAndResume(); // start+3, start+4
    await expect.poll(() => live.seqs()).toEqual([start + 3, start + 4]);
    // A later subscriber asking for older history is caught up (events.since), then goes on live.
    const b = collect({ after: start + 1 });
    await expect.poll(() => b.seqs()).toEqual([start + 2, start + 3, start + 4]);
    await pauseAndResume(); // start+5, start+6
    const all = [1, 2, 3, 4, 5, 6].map((i) => start + i);
    await expect.poll(() => a.seqs()).toEqual(all);
    await expect.poll(() => b.seqs()).toEqual(all.slice(1));
    await expect.poll(() => live.seqs()).toEqual(all.slice(2));
    expect(opened).toBe(1);
    expect(listenerCount(s)).toBe(base + 1);

    abortA.abort();
    await pauseAndResume(); // start+7, start+8
    await expect.poll(() => b.seqs().at(-1)).toBe(start + 8);
    expect(a.seqs().at(-1)).toBe(start + 6);

    // The last one gone closes the stream.
    b.unsubscribe();
    live.unsubscribe();
    await expect.poll(() => listenerCount(s)).toBe(base);
  });

  it('replays exactly what a dropped connection missed (EventSource reconnect, then our own reopen)', async () => {
    const sub = collect();
    await pauseAndResume();
    const before = s.service.bus.lastSeq;
    await expect.poll(() => sub.seqs().at(-1)).toBe(before);

    // Restart the server on the same port with the same token: the stream drops, events go on meanwhile.
    const { port, token } = s.mode;
    await s.mode.close();
    await s.service.call('sync.pause', { reason: 'while down' });
    await s.service.call('sync.resume', {});
    s.mode = await startBrowserMode({
      service: s.service,
      port,
      token,
      rendererDir: await makeRendererDir(s.work),
    });
    await expect.poll(() => sub.seqs().at(-1), { timeout: 20_000 }).toBe(before + 2);

    // Again with a new token: EventSource gets 401 and gives up; the bridge reopens at ?after=.
    const openedBefore = opened;
    await s.mode.close();
    await s.service.call('sync.pause', { reason: 'while down' });
    s.mode = await startBrowserMode({ service: s.service, port, rendererDir: await makeRendererDir(s.work) });
    await new Promise((r) => setTimeout(r, 3_000)); // it tries with the old cookie and is refused
    headers = { cookie: `bilancio-sync-${port}=${s.mode.token}`, origin: s.base };
    await s.service.call('sync.resume', {});
    await expect.poll(() => sub.seqs().at(-1), { timeout: 40_000 }).toBe(before + 4);
    expect(opened).toBeGreaterThan(openedBefore);

    const seqs = sub.seqs();
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(seqs.slice(-4)).toEqual([before + 1, before + 2, before + 3, before + 4]);
    expect(sub.got.some(isStreamReset)).toBe(false);
    sub.unsubscribe();
  }, 90_000);

  it('passes a reset as the synthetic envelope when history is gone', async () => {
    const sub = collect({ after: 999_999 });
    await expect.poll(() => sub.got.length).toBeGreaterThan(0);
    const first = sub.got[0]!;
    expect(isStreamReset(first)).toBe(true);
    expect(first).toMatchObject({ seq: 0, jobId: null, event: { type: 'settings-changed', changed: [] } });
    // Then all the server holds, in order, and live events after it.
    await expect.poll(() => sub.seqs().at(-1)).toBe(s.service.bus.lastSeq);
    await pauseAndResume();
    await expect.poll(() => sub.seqs().at(-1)).toBe(s.service.bus.lastSeq);
    sub.unsubscribe();

    // A late subscriber whose history is gone gets it too (through events.since).
    const keep = collect();
    for (let i = 0; i < 5_100; i++) s.service.bus.emit({ type: 'settings-changed', changed: ['owner'] });
    const late = collect({ after: 1 });
    await expect.poll(() => late.got.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(isStreamReset(late.got[0]!)).toBe(true);
    await expect.poll(() => late.seqs().at(-1), { timeout: 20_000 }).toBe(s.service.bus.lastSeq);
    keep.unsubscribe();
    late.unsubscribe();
  });
});
