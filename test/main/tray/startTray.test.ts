/**
 * startTray with Electron's Tray, Menu and nativeImage injected (recorders) over a scripted bridge: the
 * tray created in its state; the event stream rebuilding — and setting again — the menu, the image and
 * the tooltip (debounced); each menu action calling the right contract command; the 30 s tick; offline;
 * each platform's icon file; no tray where the desktop has none.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTray, type TrayDeps, type TrayHandle } from '../../../src/main/tray/startTray.js';
import type { StatusOverview } from '../../../src/shared/syncState.js';
import { click, FakeBridge, FakeTray, fakeTrayElectron, findItem, labels } from './fakeElectron.js';
import { attempt, MIN, NOW, overview, sweep } from './overviews.js';

const RESOURCES = '/app/resources';

function setup(
  o: StatusOverview = overview({ sweeps: [sweep('s1', 'synced')], lastResults: [attempt(1, 's1')] }),
  extra: Partial<TrayDeps> = {},
) {
  let current = o;
  let clock = NOW;
  const bridge = new FakeBridge({
    'status.overview': () => current,
    'history.list': () => ({ items: current.lastResults, total: current.lastResults.length }),
    'settings.get': () => ({
      settings: [
        {
          key: 'notifications',
          value: 'all',
          secret: false,
          set: false,
          source: 'default',
          variable: null,
          locked: false,
        },
      ],
    }),
    'sync.now': () => ({ watching: true, queued: [] }),
    'sync.pause': () => ({
      pause: { by: 'user', since: new Date(clock).toISOString(), until: null, reason: null },
    }),
    'sync.resume': () => ({ resumed: true }),
    'settings.save': () => ({ settings: [] }),
  });
  let loginEnabled = false;
  const opened: Array<string | undefined> = [];
  const quit = vi.fn();
  const loginItem = {
    isEnabled: vi.fn(async () => loginEnabled),
    setEnabled: vi.fn(async (on: boolean) => {
      loginEnabled = on;
    }),
  };
  const handle = startTray({
    electron: fakeTrayElectron(),
    bridge,
    openWindow: (route) => opened.push(route),
    quit,
    loginItem,
    resourcesDir: RESOURCES,
    platform: 'linux',
    now: () => clock,
    timing: { debounceMs: 5, maxWaitMs: 30, tickMs: 60_000 },
    log: () => {},
    ...extra,
  });
  const tray = FakeTray.instances[0]!;
  return {
    handle,
    tray,
    bridge,
    opened,
    quit,
    loginItem,
    set(next: StatusOverview) {
      current = next;
    },
    advance(ms: number) {
      clock += ms;
    },
  };
}

let handles: Array<TrayHandle | null> = [];
afterEach(() => {
  for (const h of handles) h?.dispose();
  handles = [];
});
const track = <T extends { handle: TrayHandle | null }>(t: T) => {
  handles.push(t.handle);
  return t;
};

describe('startTray', () => {
  it('creates the tray, then shows the state the overview says', async () => {
    const t = track(setup());
    expect(t.tray.images[0]!.path).toBe(join(RESOURCES, 'tray', 'tray-up-to-date-22.png'));
    await vi.waitFor(() => expect(t.tray.tooltip).toBe('Synced · last sweep 4 min ago'));
    expect(labels(t.tray.menu)[0]).toBe('Synced · last sweep 4 min ago');
    await vi.waitFor(() =>
      expect(findItem(t.tray.menu, 'notifications-all')).toMatchObject({ checked: true, enabled: true }),
    );
    expect(findItem(t.tray.menu, 'start-at-login')).toMatchObject({ checked: false, enabled: true });
  });

  it('rebuilds and sets the menu again, the image and the tooltip, when an event changes the state', async () => {
    const t = track(setup());
    await vi.waitFor(() => expect(t.tray.tooltip).toBe('Synced · last sweep 4 min ago'));
    const menusBefore = t.tray.menus.length;
    const imagesBefore = t.tray.images.length;
    t.set(overview({ sweeps: [sweep('s2', 'syncing')], lastResults: [attempt(1, 's1')] }));
    t.bridge.emit({
      type: 'sweep-state',
      sweep: 's2',
      path: '/data/experiments/s2',
      state: 'syncing',
      previous: 'queued',
      reason: null,
      nextRetryAt: null,
      attempts: 0,
    });
    await vi.waitFor(() => expect(t.tray.image.path).toBe(join(RESOURCES, 'tray', 'tray-syncing-22.png')));
    expect(t.tray.menus.length).toBe(menusBefore + 1); // a new Menu, set again (Linux)
    expect(t.tray.images.length).toBe(imagesBefore + 1);
    expect(t.tray.tooltip).toBe('Syncing s2 · starting…');

    // Progress patches the transfer in place: no request, and one update for a burst of them.
    const overviewCalls = t.bridge.callsOf('status.overview').length;
    for (let i = 1; i <= 20; i++) {
      t.bridge.emit({
        type: 'progress',
        sweep: 's2',
        phase: 'uploading',
        bytesDone: i * 21,
        bytesTotal: 1000,
        bytesPerSecond: 100,
      });
    }
    await vi.waitFor(() => expect(t.tray.tooltip).toBe('Syncing s2 · 42% · 6 s left'));
    expect(t.bridge.callsOf('status.overview').length).toBe(overviewCalls);
    expect(labels(t.tray.menu)[1]).toBe('Syncing s2 · 42% · 6 s left');
    const menusAfterBurst = t.tray.menus.length;
    expect(menusAfterBurst - menusBefore).toBeLessThanOrEqual(3);

    // Nothing changed: nothing set again.
    t.bridge.emit({ type: 'object-done', sweep: 's2', key: 's2/aggregate/a.csv', size: 1, skipped: false });
    await new Promise((r) => setTimeout(r, 50));
    expect(t.tray.menus.length).toBe(menusAfterBurst);
  });

  it('tells a transient failure (offline) from one that needs attention by the event category', async () => {
    const t = track(setup());
    await vi.waitFor(() => expect(t.tray.tooltip).toMatch(/^Synced/));
    t.set(
      overview({
        sweeps: [
          sweep('s3', 'failed', {
            lastError: 'The request failed',
            attempts: 1,
            nextRetryAt: new Date(NOW + MIN).toISOString(),
          }),
        ],
      }),
    );
    t.bridge.emit({ type: 'sync-failed', sweep: 's3', message: 'The request failed', category: 'transient' });
    await vi.waitFor(() => expect(t.tray.image.path).toContain('tray-offline'));
    t.bridge.emit({
      type: 'sync-failed',
      sweep: 's3',
      message: 'The request failed',
      category: 'configuration',
    });
    await vi.waitFor(() => expect(t.tray.image.path).toContain('tray-attention'));
  });

  it('each menu action calls the right contract command', async () => {
    const t = track(setup());
    await vi.waitFor(() =>
      expect(findItem(t.tray.menu, 'notifications-all')).toMatchObject({ enabled: true }),
    );

    click(t.tray.menu, 'Sync now');
    await vi.waitFor(() => expect(t.bridge.callsOf('sync.now')).toEqual([{}]));

    click(t.tray.menu, 'For 1 hour');
    await vi.waitFor(() => expect(t.bridge.callsOf('sync.pause')).toEqual([{ forMs: 3_600_000 }]));
    click(t.tray.menu, 'Until I resume');
    await vi.waitFor(() => expect(t.bridge.callsOf('sync.pause')).toHaveLength(2));
    expect(t.bridge.callsOf('sync.pause')[1]).toEqual({ forMs: null });
    click(t.tray.menu, 'Until tomorrow, 08:00');
    await vi.waitFor(() => expect(t.bridge.callsOf('sync.pause')).toHaveLength(3));
    const tomorrow = new Date(NOW);
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(8, 0, 0, 0);
    expect(t.bridge.callsOf('sync.pause')[2]).toEqual({ forMs: tomorrow.getTime() - NOW });

    // Paused: Resume replaces Pause ▸.
    t.set(overview({ pause: { by: 'user', since: new Date(NOW).toISOString(), until: null, reason: null } }));
    t.bridge.emit({
      type: 'paused',
      pause: { by: 'user', since: new Date(NOW).toISOString(), until: null, reason: null },
    });
    await vi.waitFor(() => expect(findItem(t.tray.menu, 'Resume')).toBeDefined());
    expect(t.tray.image.path).toContain('tray-paused');
    click(t.tray.menu, 'Resume');
    await vi.waitFor(() => expect(t.bridge.callsOf('sync.resume')).toEqual([{}]));

    click(t.tray.menu, 'Errors only');
    await vi.waitFor(() =>
      expect(t.bridge.callsOf('settings.save')).toEqual([{ changes: { notifications: 'errors-only' } }]),
    );
    await vi.waitFor(() =>
      expect(findItem(t.tray.menu, 'notifications-errors-only')).toMatchObject({ checked: true }),
    );

    click(t.tray.menu, 'Start at login');
    await vi.waitFor(() => expect(t.loginItem.setEnabled).toHaveBeenCalledWith(true));
    await vi.waitFor(() => expect(findItem(t.tray.menu, 'start-at-login')).toMatchObject({ checked: true }));
    click(t.tray.menu, 'Start at login');
    await vi.waitFor(() => expect(t.loginItem.setEnabled).toHaveBeenLastCalledWith(false));

    click(t.tray.menu, 'Open Bilancio Sync');
    click(t.tray.menu, 'All activity');
    expect(t.opened).toEqual(['#/', '#/activity']);
    click(t.tray.menu, 'Quit Bilancio Sync');
    expect(t.quit).toHaveBeenCalledOnce();
  });

  it('a click on a recent result opens that sweep', async () => {
    const t = track(setup(overview({ lastResults: [attempt(3, 'plan024_sweep')] })));
    await vi.waitFor(() => expect(findItem(t.tray.menu, 'recent-3')).toBeDefined());
    click(t.tray.menu, 'recent-3');
    expect(t.opened).toEqual(['#/sweeps/plan024_sweep']);
  });

  it('a failed action is said on the menu, and the radio goes back to the truth', async () => {
    const t = track(setup());
    await vi.waitFor(() =>
      expect(findItem(t.tray.menu, 'notifications-all')).toMatchObject({ enabled: true }),
    );
    t.bridge.answer('sync.now', () => {
      throw new Error('Nothing is being watched here');
    });
    click(t.tray.menu, 'Sync now');
    await vi.waitFor(() =>
      expect(labels(t.tray.menu)[0]).toBe("⚠ Couldn't sync now: Nothing is being watched here"),
    );
    t.bridge.answer('settings.save', () => {
      throw new Error('locked');
    });
    const before = t.tray.menus.length;
    click(t.tray.menu, 'Off');
    await vi.waitFor(() => expect(t.tray.menus.length).toBeGreaterThan(before));
    expect(findItem(t.tray.menu, 'notifications-all')).toMatchObject({ checked: true });
    expect(findItem(t.tray.menu, 'notifications-off')).toMatchObject({ checked: false });
  });

  it('the tick keeps relative times true', async () => {
    const t = track(setup(undefined, { timing: { debounceMs: 5, maxWaitMs: 30, tickMs: 40 } }));
    await vi.waitFor(() => expect(t.tray.tooltip).toBe('Synced · last sweep 4 min ago'));
    t.advance(3 * MIN);
    await vi.waitFor(() => expect(t.tray.tooltip).toBe('Synced · last sweep 7 min ago'));
  });

  it('setOffline shows the offline state at once', async () => {
    const t = track(setup());
    await vi.waitFor(() => expect(t.tray.tooltip).toMatch(/^Synced/));
    t.handle!.setOffline(true);
    expect(t.tray.image.path).toContain('tray-offline');
    expect(t.tray.tooltip).toBe('Offline · syncing goes on when the network is back');
    t.handle!.setOffline(false);
    expect(t.tray.image.path).toContain('tray-up-to-date');
  });

  it('says when the service cannot be reached', async () => {
    const t = track(setup());
    await vi.waitFor(() => expect(t.tray.tooltip).toMatch(/^Synced/));
    t.bridge.answer('status.overview', () => {
      throw new Error('the service process exited');
    });
    t.bridge.emit({ type: 'watch-stopped', reason: 'crash' });
    await vi.waitFor(() => expect(t.tray.image.path).toContain('tray-attention'));
  });

  it('each platform gets its icon: macOS Template, Windows .ico, Linux 22 px PNG', () => {
    for (const [platform, file, template] of [
      ['darwin', 'tray-up-to-dateTemplate.png', true],
      ['win32', 'tray-up-to-date.ico', false],
      ['linux', 'tray-up-to-date-22.png', false],
    ] as const) {
      const t = track(setup(undefined, { platform }));
      expect(t.tray.images[0]).toMatchObject({ path: join(RESOURCES, 'tray', file), template });
    }
  });

  it('a left click opens the window, except on macOS where it opens the menu', () => {
    const linux = track(setup());
    linux.tray.emit('click');
    expect(linux.opened).toEqual(['#/']);
    const mac = track(setup(undefined, { platform: 'darwin' }));
    expect(mac.tray.listenerCount('click')).toBe(0);
  });

  it('returns null where the desktop has no tray, and dispose unsubscribes and destroys', () => {
    FakeTray.failNext = new Error('no StatusNotifierWatcher');
    const bridge = new FakeBridge({});
    const none = startTray({
      electron: fakeTrayElectron(),
      bridge,
      openWindow: () => {},
      quit: () => {},
      loginItem: { isEnabled: () => false, setEnabled: () => {} },
      resourcesDir: RESOURCES,
      log: () => {},
    });
    expect(none).toBeNull();
    expect(bridge.subscribers).toBe(0);

    const t = setup();
    expect(t.bridge.subscribers).toBe(1);
    t.handle!.dispose();
    expect(t.bridge.subscribers).toBe(0);
    expect(t.tray.destroyed).toBe(true);
  });
});
