/**
 * Notifications: what the event stream calls for (no false alarms: cancelled, paused and not-ready syncs
 * say nothing), bursts coalesced into one, the preference (all / errors only / off) honoured, a click
 * opening the view concerned — with Electron's Notification injected (a recorder) over a scripted
 * bridge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationPlan } from '../../../src/main/notifications/notificationPlan.js';
import { startNotifier } from '../../../src/main/notifications/startNotifier.js';
import type { AppEvent, EngineEvent } from '../../../src/shared/events.js';
import { FakeBridge, FakeNotification, fakeNotificationElectron } from '../tray/fakeElectron.js';

let seq = 0;
const env = (event: EngineEvent, jobId: string | null = null): AppEvent => ({
  seq: ++seq,
  at: new Date().toISOString(),
  jobId,
  event,
});
const synced = (sweep: string, revision = 1): EngineEvent => ({
  type: 'sync-finished',
  sweep,
  result: 'synced',
  revision,
  bytesUploaded: 1_500_000,
  objectsUploaded: 4,
  durationMs: 1000,
});
const state = (
  sweep: string,
  s: 'failed' | 'queued' | 'running' | 'synced',
  nextRetryAt: string | null = null,
  attempts = 1,
): EngineEvent => ({
  type: 'sweep-state',
  sweep,
  path: `/x/${sweep}`,
  state: s,
  previous: 'syncing',
  reason: null,
  nextRetryAt,
  attempts,
});
const failedSync = (
  sweep: string,
  category: 'transient' | 'configuration' | 'not-ready' | 'internal',
  message = 'it broke',
): EngineEvent => ({
  type: 'sync-failed',
  sweep,
  message,
  category,
});
const shrink = (sweep: string): EngineEvent => ({
  type: 'warning',
  sweep,
  message: `${sweep}: the comparison table shrank from 40 to 8 rows since revision 2 (a resumed bilancio sweep overwrites it with only the new pairs). Revision 2 is kept and can be restored.`,
  hint: {
    text: 'Restore the earlier revision to get every row back.',
    action: { kind: 'restore-revision', sweep, revision: 2 },
  },
});

function plan(
  events: EngineEvent[],
  preference: 'all' | 'errors-only' | 'off' = 'all',
  jobId: string | null = null,
) {
  const p = new NotificationPlan();
  for (const e of events) p.take(env(e, jobId));
  return p.flush(preference);
}

describe('NotificationPlan', () => {
  it('a synced sweep: one notification opening its page; an unchanged one ("noop") says nothing', () => {
    expect(plan([synced('plan024_sweep', 3)])).toEqual([
      {
        kind: 'synced',
        title: 'plan024_sweep synced',
        body: 'Revision 3 · 1.50 MB uploaded',
        route: '#/sweeps/plan024_sweep',
      },
    ]);
    expect(plan([{ ...synced('a'), result: 'noop' } as EngineEvent])).toEqual([]);
  });

  it('a burst of ten sweeps synced is one notification', () => {
    const ten = Array.from({ length: 10 }, (_, i) => synced(`sweep_${i}`));
    expect(plan(ten)).toEqual([
      {
        kind: 'synced',
        title: '10 sweeps synced',
        body: 'sweep_0, sweep_1 and 8 more · 15.0 MB uploaded',
        route: '#/activity',
      },
    ]);
  });

  it("a failure says what happened and what to do, and opens the sweep's activity", () => {
    const [n] = plan([
      failedSync('s1', 'configuration', 'The bucket b does not exist'),
      state('s1', 'failed', '2030-01-01T00:00:00Z'),
    ]);
    expect(n).toEqual({
      kind: 'failed',
      title: "s1 didn't sync",
      body: 'The bucket b does not exist\nCheck the destination in Settings, then sync again.',
      route: '#/activity?sweep=s1',
    });
  });

  it("a sync job's failure carries the error's own hint, and a setting to fix opens that field", () => {
    const [n] = plan(
      [
        {
          type: 'job-finished',
          jobId: 'j1',
          kind: 'sync',
          sweep: 's1',
          outcome: 'failed',
          error: {
            category: 'configuration',
            code: 'bucket-not-found',
            message: 'The bucket b does not exist',
            hint: {
              text: 'Create the bucket, or name an existing one.',
              action: { kind: 'fix-setting', settings: ['objectStore.bucket'] },
            },
          },
          durationMs: 10,
        },
      ],
      'all',
      'j1',
    );
    expect(n).toMatchObject({
      body: 'The bucket b does not exist\nCreate the bucket, or name an existing one.',
      route: '#/settings?field=objectStore.bucket',
    });
  });

  it('no false alarms: cancelled, paused (aborted → queued), not ready (deferred), not-ready jobs', () => {
    expect(
      plan([
        // paused mid-upload: the engine says sync-failed, the sweep goes back to queued
        failedSync('a', 'transient', 'Syncing was paused; the sweep stays queued.'),
        state('a', 'queued'),
        // not finished after all: deferred to running
        failedSync('b', 'not-ready', 'b is still being written'),
        state('b', 'running'),
        // a cancelled job
        {
          type: 'job-finished',
          jobId: 'j',
          kind: 'sync',
          sweep: 'c',
          outcome: 'cancelled',
          error: { category: 'conflict', code: 'cancelled', message: 'cancelled', hint: null },
          durationMs: 1,
        },
        // a job refused as not ready
        {
          type: 'job-finished',
          jobId: 'k',
          kind: 'sync',
          sweep: 'd',
          outcome: 'failed',
          error: { category: 'not-ready', code: 'sweep-running', message: 'still running', hint: null },
          durationMs: 1,
        },
        // a restore failing is the window's business (it shows its own result)
        {
          type: 'job-finished',
          jobId: 'r',
          kind: 'restore',
          sweep: 'e',
          outcome: 'failed',
          error: { category: 'internal', code: 'x', message: 'x', hint: null },
          durationMs: 1,
        },
      ]),
    ).toEqual([]);
  });

  it('a destination out of reach is told only once the retries are over (the tray says offline before)', () => {
    const p = new NotificationPlan();
    p.take(env(failedSync('a', 'transient', "Can't reach the store")));
    p.take(env(state('a', 'failed', '2030-01-01T00:00:00Z', 1)));
    expect(p.flush('all')).toEqual([]);
    p.take(env(failedSync('a', 'transient', "Can't reach the store")));
    p.take(env(state('a', 'failed', null, 5)));
    expect(p.flush('all')).toMatchObject([{ kind: 'failed', title: "a didn't sync" }]);
  });

  it('one notification per failure episode: retries failing again say nothing; a success ends it', () => {
    const p = new NotificationPlan();
    p.take(env(failedSync('a', 'internal')));
    p.take(env(state('a', 'failed', '2030-01-01T00:00:00Z', 1)));
    expect(p.flush('all')).toHaveLength(1);
    p.take(env(failedSync('a', 'internal')));
    p.take(env(state('a', 'failed', '2030-01-01T01:00:00Z', 2)));
    p.take(env(state('a', 'failed', null, 3)));
    expect(p.flush('all')).toEqual([]);
    p.take(env(synced('a')));
    p.take(env(state('a', 'synced')));
    expect(p.flush('all')).toHaveLength(1);
    p.take(env(failedSync('a', 'internal')));
    p.take(env(state('a', 'failed', null, 1)));
    expect(p.flush('all')).toMatchObject([{ kind: 'failed' }]);
  });

  it('several failures together are one notification', () => {
    const events = ['a', 'b', 'c'].flatMap((s) => [
      failedSync(s, 'internal', `${s} broke`),
      state(s, 'failed'),
    ]);
    expect(plan(events)).toEqual([
      {
        kind: 'failed',
        title: "3 sweeps didn't sync",
        body: 'a, b and 1 more. a broke\nOpen Bilancio Sync to see the details, then retry.',
        route: '#/activity',
      },
    ]);
  });

  it('a shrunk comparison.csv (lossy resume): told once, opening the revision that still has every row', () => {
    expect(plan([shrink('s1'), synced('s1', 3)])).toEqual([
      {
        kind: 'warning',
        title: 's1: the comparison table shrank',
        body: expect.stringContaining('Restore the earlier revision to get every row back.'),
        route: '#/sweeps/s1?revision=2',
      },
    ]);
    expect(plan([{ type: 'warning', sweep: 's1', message: 'file watcher: EMFILE' }])).toEqual([]);
    // A long upload: the warning is told before the sync ends; its end is then no second notification.
    const p = new NotificationPlan();
    p.take(env(shrink('s2')));
    expect(p.flush('all').map((n) => n.kind)).toEqual(['warning']);
    p.take(env(synced('s2', 3)));
    expect(p.flush('all')).toEqual([]);
    p.take(env(synced('s2', 4)));
    expect(p.flush('all').map((n) => n.kind)).toEqual(['synced']);
  });

  it('errors only: failures only; off: nothing', () => {
    const events = [synced('a'), shrink('b'), failedSync('c', 'internal'), state('c', 'failed')];
    expect(plan(events, 'errors-only').map((n) => n.kind)).toEqual(['failed']);
    expect(plan(events, 'off')).toEqual([]);
    expect(plan(events, 'all').map((n) => n.kind)).toEqual(['failed', 'warning', 'synced']);
  });
});

describe('startNotifier', () => {
  let dispose: () => void = () => {};
  afterEach(() => dispose());

  function setup(preference: string | null = 'all') {
    const bridge = new FakeBridge({
      'settings.get': () => ({
        settings:
          preference === null
            ? []
            : [
                {
                  key: 'notifications',
                  value: preference,
                  secret: false,
                  set: true,
                  source: 'config-file',
                  variable: null,
                  locked: false,
                },
              ],
      }),
    });
    const opened: Array<string | undefined> = [];
    const n = startNotifier({
      electron: fakeNotificationElectron(),
      bridge,
      openWindow: (r) => opened.push(r),
      timing: { windowMs: 30, maxWaitMs: 200 },
      log: () => {},
    });
    dispose = n.dispose;
    return { bridge, opened, set: (p: string) => (preference = p) };
  }

  it('ten sweeps finishing within moments: one notification; its click opens the activity', async () => {
    const t = setup();
    for (let i = 0; i < 10; i++) {
      t.bridge.emit(synced(`sweep_${i}`));
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 120));
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['10 sweeps synced']);
    expect(FakeNotification.shown[0]!.options.silent).toBe(true);
    FakeNotification.shown[0]!.click();
    expect(t.opened).toEqual(['#/activity']);
  });

  it('a failure: shown, not silent, its click opens the sweep', async () => {
    const t = setup();
    t.bridge.emit(failedSync('s1', 'configuration', 'The bucket b does not exist'));
    t.bridge.emit(state('s1', 'failed', null));
    await new Promise((r) => setTimeout(r, 80));
    expect(FakeNotification.shown).toHaveLength(1);
    expect(FakeNotification.shown[0]!.options).toMatchObject({ title: "s1 didn't sync", silent: false });
    FakeNotification.shown[0]!.click();
    expect(t.opened).toEqual(['#/activity?sweep=s1']);
  });

  it('"off" from settings.get is honoured from the first event; a settings change is read again', async () => {
    const t = setup('off');
    t.bridge.emit(failedSync('s1', 'internal'));
    t.bridge.emit(state('s1', 'failed'));
    await new Promise((r) => setTimeout(r, 80));
    expect(FakeNotification.shown).toEqual([]);
    t.set('errors-only');
    t.bridge.emit({ type: 'settings-changed', changed: ['notifications'] });
    await new Promise((r) => setTimeout(r, 20));
    t.bridge.emit(synced('s2'));
    t.bridge.emit(failedSync('s3', 'internal'));
    t.bridge.emit(state('s3', 'failed'));
    await new Promise((r) => setTimeout(r, 80));
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(["s3 didn't sync"]);
  });

  it('where notifications are not supported, nothing is shown (and nothing throws)', async () => {
    const t = setup();
    FakeNotification.supported = false;
    t.bridge.emit(synced('a'));
    await new Promise((r) => setTimeout(r, 80));
    expect(FakeNotification.shown).toEqual([]);
  });

  it('dispose unsubscribes', () => {
    const t = setup();
    expect(t.bridge.subscribers).toBe(1);
    dispose();
    expect(t.bridge.subscribers).toBe(0);
  });
});
