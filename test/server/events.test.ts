/**
 * The event stream over server-sent events against the real service: each event arrives as `id: <seq>`
 * + `data: <envelope>`; a client that went away is unsubscribed; reconnecting with `Last-Event-ID` (or
 * `?after=`) replays exactly what it missed; a number the replay buffer can't serve starts with a `reset`;
 * heartbeats keep the stream alive; closing the server ends open streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, request, SseReader, startTestServer, type TestServer } from './helpers.js';

const listenerCount = (s: TestServer) =>
  // The bus keeps its listeners private; this is exactly what "unsubscribed" means.
  (s.service.bus as unknown as { listeners: Set<unknown> }).listeners.size;

async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('events over server-sent events', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ heartbeatMs: 100 });
  });
  afterAll(async () => {
    await s?.dispose();
  });

  const pauseAndResume = async () => {
    expect((await command(s, 'sync.pause', { reason: 'test' })).json.ok).toBe(true);
    expect((await command(s, 'sync.resume', {})).json.ok).toBe(true);
  };

  it('streams events with increasing ids, replays exactly the missed ones after a reconnect', async () => {
    const before = listenerCount(s);
    const stream = await SseReader.open(`${s.base}/api/events`, { cookie: s.cookie });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    expect(stream.response.headers.get('x-content-type-options')).toBe('nosniff');
    await stream.until((r) => r.messages.some((m) => m.event === 'ready'));
    expect(listenerCount(s)).toBe(before + 1);

    await pauseAndResume();
    await stream.until((r) => r.envelopes.length >= 2);
    const seen = stream.messages.filter((m) => m.event === 'message');
    expect(seen.map((m) => JSON.parse(m.data).event.type)).toEqual(['paused', 'resumed']);
    for (const m of seen) expect(m.id).toBe(String(JSON.parse(m.data).seq));
    const ids = seen.map((m) => Number(m.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    stream.close();
    await eventually(() => listenerCount(s) === before);

    // Missed while disconnected:
    await pauseAndResume();
    const missed = s.service.bus.since(ids[1]!).events.map((e) => e.seq);
    expect(missed).toHaveLength(2);

    const again = await SseReader.open(`${s.base}/api/events`, {
      cookie: s.cookie,
      'last-event-id': String(ids[1]),
    });
    await again.until((r) => r.messages.some((m) => m.event === 'ready'));
    await new Promise((r) => setTimeout(r, 300)); // nothing else arrives
    expect(again.messages.some((m) => m.event === 'reset')).toBe(false);
    expect(again.envelopes.map((e) => e.seq)).toEqual(missed);
    expect(again.envelopes.map((e) => e.event.type)).toEqual(['paused', 'resumed']);
    const ready = again.messages.find((m) => m.event === 'ready')!;
    expect(ready.id).toBe(String(missed[1]));
    // Live events keep coming on the same stream.
    await pauseAndResume();
    await again.until((r) => r.envelopes.length === 4);
    expect(again.envelopes.map((e) => e.seq)).toEqual([...missed, missed[1]! + 1, missed[1]! + 2]);
    again.close();
  });

  it('takes ?after= on a first connection, the header winning over it', async () => {
    const last = s.service.bus.lastSeq;
    const byQuery = await SseReader.open(`${s.base}/api/events?after=${last - 2}`, { cookie: s.cookie });
    await byQuery.until((r) => r.messages.some((m) => m.event === 'ready'));
    expect(byQuery.envelopes.map((e) => e.seq)).toEqual([last - 1, last]);
    byQuery.close();

    const both = await SseReader.open(`${s.base}/api/events?after=0`, {
      cookie: s.cookie,
      'last-event-id': String(last - 1),
    });
    await both.until((r) => r.messages.some((m) => m.event === 'ready'));
    expect(both.envelopes.map((e) => e.seq)).toEqual([last]);
    both.close();
  });

  it('starts with a reset when it can’t replay everything asked for', async () => {
    // A number from another server's lifetime: reset, then all this one holds.
    const last = s.service.bus.lastSeq;
    const foreign = await SseReader.open(`${s.base}/api/events`, {
      cookie: s.cookie,
      'last-event-id': '999999',
    });
    await foreign.until((r) => r.messages.some((m) => m.event === 'ready'));
    expect(foreign.messages[0]!.event).toBe('reset');
    expect(JSON.parse(foreign.messages[0]!.data)).toEqual({ after: 999999, lastSeq: last });
    expect(foreign.envelopes.map((e) => e.seq)).toEqual(s.service.bus.since(0).events.map((e) => e.seq));
    foreign.close();

    // Events dropped from the replay buffer: reset, then what is left.
    for (let i = 0; i < 5_100; i++) s.service.bus.emit({ type: 'settings-changed', changed: [] });
    const old = await SseReader.open(`${s.base}/api/events?after=1`, { cookie: s.cookie });
    await old.until((r) => r.messages.some((m) => m.event === 'ready'), 20_000);
    expect(old.messages[0]!.event).toBe('reset');
    const replayed = old.envelopes.map((e) => e.seq);
    expect(replayed).toEqual(s.service.bus.since(1).events.map((e) => e.seq));
    expect(replayed[0]).toBeGreaterThan(2);
    expect(replayed.at(-1)).toBe(s.service.bus.lastSeq);
    old.close();
  });

  it('sends heartbeat comments', async () => {
    const stream = await SseReader.open(`${s.base}/api/events`, { cookie: s.cookie });
    await stream.until((r) => r.comments >= 2);
    stream.close();
  });

  it('refuses a Last-Event-ID that is not a sequence number', async () => {
    const res = await request(`${s.base}/api/events`, {
      headers: { cookie: s.cookie, 'last-event-id': 'abc' },
    });
    expect(res.status).toBe(400);
    expect((await request(`${s.base}/api/events?after=-1`, { headers: { cookie: s.cookie } })).status).toBe(
      400,
    );
  });
});

describe('closing the server', () => {
  it('ends open event streams and unsubscribes them', async () => {
    const s = await startTestServer();
    const before = listenerCount(s);
    const stream = await SseReader.open(`${s.base}/api/events`, { cookie: s.cookie });
    await stream.until((r) => r.messages.some((m) => m.event === 'ready'));
    const t0 = Date.now();
    await s.mode.close();
    expect(Date.now() - t0).toBeLessThan(3_000);
    await stream.until(() => false, 5_000).catch((e: Error) => expect(e.message).toMatch(/stream ended/));
    await eventually(() => listenerCount(s) === before);
    await s.dispose(); // closing a closed server is a no-op
  });
});
