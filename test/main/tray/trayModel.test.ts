/**
 * The tray's state machine as values: each of the five states → its icon, tooltip and menu; the menu's
 * items and the actions they stand for; the window's Overview deriving the same state and sentence.
 */
import { describe, expect, it } from 'vitest';
import { type TrayMenuItem, type TrayPrefs, trayModel } from '../../../src/main/tray/trayModel.js';
import { deriveSyncState } from '../../../src/shared/syncState.js';
import { ago, attempt, MIN, NOW, overview, sweep, transfer } from './overviews.js';

const prefs: TrayPrefs = { notifications: 'all', startAtLogin: false };

function item(menu: TrayMenuItem[], id: string): TrayMenuItem {
  for (const i of menu) {
    if ('id' in i && i.id === id) return i;
    if (i.type === 'submenu') {
      const inner = i.submenu.find((s) => 'id' in s && s.id === id);
      if (inner) return inner;
    }
  }
  throw new Error(`no item ${id}`);
}
const labels = (menu: TrayMenuItem[]) => menu.map((i) => (i.type === 'separator' ? '—' : i.label));

describe('trayModel: the five states', () => {
  it('up to date: check icon, "Synced · last sweep 4 min ago"', () => {
    const o = overview({
      sweeps: [sweep('plan024_sweep', 'synced')],
      lastResults: [attempt(1, 'plan024_sweep')],
    });
    const m = trayModel(o, [attempt(1, 'plan024_sweep')], prefs, NOW);
    expect(m.state).toBe('up-to-date');
    expect(m.iconName).toBe('tray-up-to-date');
    expect(m.tooltip).toBe('Synced · last sweep 4 min ago');
    expect(labels(m.menu)).toEqual([
      'Synced · last sweep 4 min ago',
      '—',
      'Sync now',
      'Pause',
      '—',
      'Open Bilancio Sync',
      'Recent activity',
      'Notifications',
      'Start at login',
      '—',
      'Quit Bilancio Sync',
    ]);
    expect(item(m.menu, 'status')).toMatchObject({ enabled: false });
  });

  it('syncing: arrow icon, "Syncing plan024_sweep · 42% · 1 min left", a line per active sweep', () => {
    const o = overview({
      sweeps: [
        sweep('plan024_sweep', 'syncing'),
        sweep('plan025_sweep', 'syncing'),
        sweep('plan026_sweep', 'queued'),
      ],
      transfers: [transfer('plan024_sweep', { bytesDone: 420, bytesTotal: 1000, bytesPerSecond: 10 })],
    });
    const m = trayModel(o, [], prefs, NOW);
    expect(m.state).toBe('syncing');
    expect(m.iconName).toBe('tray-syncing');
    expect(m.tooltip).toBe('Syncing plan024_sweep · 42% · 58 s left · 1 more queued');
    expect(labels(m.menu).slice(0, 5)).toEqual([
      'Syncing 2 sweeps',
      'Syncing plan024_sweep · 42% · 58 s left',
      'Syncing plan025_sweep · starting…',
      '1 queued: plan026_sweep',
      '—',
    ]);
  });

  it('syncing: time left in minutes, counted down from when the progress arrived', () => {
    const o = overview({
      sweeps: [sweep('plan024_sweep', 'syncing')],
      transfers: [transfer('plan024_sweep', { bytesDone: 4200, bytesTotal: 10_000, bytesPerSecond: 50 })],
    });
    const t = o.transfers[0]!;
    const m = trayModel(o, [], prefs, NOW, { receivedAt: (x) => (x === t ? NOW - 30_000 : NOW) });
    // 5800 B at 50 B/s = 116 s, 30 s ago → 86 s
    expect(m.tooltip).toBe('Syncing plan024_sweep · 42% · 1 min 26 s left');
  });

  it('paused: pause-bars icon and Resume instead of Pause ▸', () => {
    const until = new Date(NOW + 60 * MIN).toISOString();
    const o = overview({ pause: { by: 'user', since: ago(MIN), until, reason: null } });
    const m = trayModel(o, [], prefs, NOW);
    expect(m.state).toBe('paused');
    expect(m.iconName).toBe('tray-paused');
    expect(m.tooltip).toMatch(/^Paused until \d\d?:\d\d( [AP]M)?$/);
    expect(item(m.menu, 'resume')).toMatchObject({ label: 'Resume', action: { kind: 'resume' } });
    expect(m.menu.some((i) => 'id' in i && i.id === 'pause')).toBe(false);
    const forever = trayModel(
      overview({ pause: { by: 'user', since: ago(MIN), until: null, reason: null } }),
      [],
      prefs,
      NOW,
    );
    expect(forever.tooltip).toBe('Paused until you resume');
  });

  it('needs attention: exclamation icon and the failure in words', () => {
    const o = overview({
      sweeps: [sweep('plan024_sweep', 'failed', { lastError: 'The bucket b does not exist', attempts: 1 })],
    });
    const m = trayModel(o, [], prefs, NOW, { categories: new Map([['plan024_sweep', 'configuration']]) });
    expect(m.state).toBe('attention');
    expect(m.iconName).toBe('tray-attention');
    expect(m.tooltip).toBe('plan024_sweep failed: The bucket b does not exist');
  });

  it('offline: a transient failure retrying, or the machine offline', () => {
    const o = overview({
      sweeps: [
        sweep('plan024_sweep', 'failed', {
          lastError: "Can't reach the object store",
          nextRetryAt: new Date(NOW + 2 * MIN).toISOString(),
          attempts: 2,
        }),
      ],
    });
    const m = trayModel(o, [], prefs, NOW, { categories: new Map([['plan024_sweep', 'transient']]) });
    expect(m.state).toBe('offline');
    expect(m.iconName).toBe('tray-offline');
    expect(m.tooltip).toBe("Can't reach a destination · next try in 2 min · plan024_sweep waiting");

    const net = trayModel(overview({ sweeps: [sweep('a', 'queued')] }), [], prefs, NOW, { offline: true });
    expect(net.state).toBe('offline');
    expect(net.tooltip).toBe('Offline · syncing goes on when the network is back · a waiting');
  });

  it('a failure that needs the researcher outranks being offline', () => {
    const o = overview({ sweeps: [sweep('a', 'failed', { lastError: 'hash mismatch' })] });
    const m = trayModel(o, [], prefs, NOW, { offline: true, categories: new Map([['a', 'integrity']]) });
    expect(m.state).toBe('attention');
  });

  it('before the service answers: starting; when it cannot be reached: needs attention', () => {
    expect(trayModel(null, [], prefs, NOW)).toMatchObject({ state: 'up-to-date', tooltip: 'Starting…' });
    expect(trayModel(null, [], prefs, NOW, { error: 'the service process exited' })).toMatchObject({
      state: 'attention',
      tooltip: "Can't reach the sync service: the service process exited",
    });
  });

  it('the tooltip stays within what Windows shows (127 characters)', () => {
    const o = overview({ sweeps: [sweep('a', 'failed', { lastError: 'x'.repeat(400) })] });
    const m = trayModel(o, [], prefs, NOW, { categories: new Map([['a', 'internal']]) });
    expect(m.tooltip.length).toBe(127);
    expect(m.tooltip.endsWith('…')).toBe(true);
  });

  it('the window derives the same state and sentence from the same overview', () => {
    const o = overview({
      sweeps: [sweep('plan024_sweep', 'syncing')],
      transfers: [transfer('plan024_sweep')],
    });
    const window = deriveSyncState(o, new Map(), NOW);
    const tray = trayModel(o, [], prefs, NOW);
    expect(tray.state).toBe(window.kind);
    expect(tray.tooltip).toBe(window.sentence);
  });

  it('auto-sync off: queued sweeps wait for Sync now (the paused icon), nothing is "syncing"', () => {
    const o = overview({ autoSync: false, sweeps: [sweep('a', 'queued'), sweep('b', 'synced')] });
    const m = trayModel(o, [], prefs, NOW);
    expect(m.state).toBe('paused');
    expect(m.iconName).toBe('tray-paused');
    expect(m.tooltip).toBe('Auto-sync is off · a is queued, waiting for Sync now');
    expect(labels(m.menu)[1]).toBe('1 waiting for Sync now: a');
    expect(m.menu.some((i) => 'id' in i && i.id === 'pause')).toBe(true);
  });
});

describe('trayModel: the menu', () => {
  const o = overview({ sweeps: [sweep('s1', 'synced')] });

  it('Sync now, Pause ▸ (1 hour, until tomorrow, until I resume), Open', () => {
    const m = trayModel(o, [], prefs, NOW);
    expect(item(m.menu, 'sync-now')).toMatchObject({ enabled: true, action: { kind: 'sync-now' } });
    const pause = item(m.menu, 'pause');
    expect(pause.type).toBe('submenu');
    if (pause.type !== 'submenu') return;
    expect(pause.submenu.map((i) => (i.type === 'normal' ? [i.label, i.action] : null))).toEqual([
      ['For 1 hour', { kind: 'pause', choice: 'hour' }],
      ['Until tomorrow, 08:00', { kind: 'pause', choice: 'tomorrow' }],
      ['Until I resume', { kind: 'pause', choice: 'until-resumed' }],
    ]);
    expect(item(m.menu, 'open')).toMatchObject({ action: { kind: 'open', route: '#/' } });
    expect(item(m.menu, 'quit')).toMatchObject({ action: { kind: 'quit' } });
  });

  it('Sync now is disabled when nothing is watched', () => {
    const m = trayModel(overview({ watching: [] }), [], prefs, NOW);
    expect(item(m.menu, 'sync-now')).toMatchObject({ enabled: false });
  });

  it('Recent activity ▸: the last 5 results, each opening its sweep', () => {
    const recent = [
      attempt(9, 'running_one', { result: null, finishedAt: null }),
      attempt(8, 'plan 8/x', { result: 'failed', error: 'boom', finishedAt: ago(2 * MIN) }),
      attempt(7, 's7', { kind: 'restore', result: 'restored' }),
      attempt(6, 's6', { result: 'noop' }),
      attempt(5, 's5'),
      attempt(4, 's4', { result: 'aborted' }),
      attempt(3, 's3'),
    ];
    const m = trayModel(o, recent, prefs, NOW);
    const sub = item(m.menu, 'recent');
    if (sub.type !== 'submenu') throw new Error('not a submenu');
    expect(sub.submenu.map((i) => (i.type === 'separator' ? '—' : i.label))).toEqual([
      '✗ plan 8/x · failed · 2 min ago',
      '✓ s7 · restore restored · 4 min ago',
      '✓ s6 · already synced · 4 min ago',
      '✓ s5 · synced · 4 min ago',
      '– s4 · stopped · 4 min ago',
      '—',
      'All activity',
    ]);
    expect(item(m.menu, 'recent-8')).toMatchObject({
      action: { kind: 'open', route: '#/sweeps/plan%208%2Fx' },
    });
    expect(item(m.menu, 'recent-all')).toMatchObject({ action: { kind: 'open', route: '#/activity' } });
    const none = trayModel(o, [], prefs, NOW);
    expect(item(none.menu, 'recent-none')).toMatchObject({ label: 'Nothing yet', enabled: false });
  });

  it('Notifications ▸ all / errors only / off as radio items, the preference checked', () => {
    const m = trayModel(o, [], { notifications: 'errors-only', startAtLogin: true }, NOW);
    expect(item(m.menu, 'notifications-all')).toMatchObject({ type: 'radio', checked: false, enabled: true });
    expect(item(m.menu, 'notifications-errors-only')).toMatchObject({
      type: 'radio',
      checked: true,
      action: { kind: 'notifications', preference: 'errors-only' },
    });
    expect(item(m.menu, 'notifications-off')).toMatchObject({
      checked: false,
      action: { kind: 'notifications', preference: 'off' },
    });
    const unknown = trayModel(o, [], { notifications: null, startAtLogin: null }, NOW);
    expect(item(unknown.menu, 'notifications-all')).toMatchObject({ enabled: false });
    const locked = trayModel(
      o,
      [],
      { notifications: 'off', notificationsLocked: true, startAtLogin: false },
      NOW,
    );
    expect(item(locked.menu, 'notifications-off')).toMatchObject({ checked: true, enabled: false });
    expect(item(locked.menu, 'notifications-locked')).toMatchObject({ label: 'Set by the environment' });
  });

  it('Start at login ✓: a checkbox whose action flips it', () => {
    const on = trayModel(o, [], { notifications: 'all', startAtLogin: true }, NOW);
    expect(item(on.menu, 'start-at-login')).toMatchObject({
      type: 'checkbox',
      checked: true,
      enabled: true,
      action: { kind: 'start-at-login', enabled: false },
    });
    const off = trayModel(o, [], prefs, NOW);
    expect(item(off.menu, 'start-at-login')).toMatchObject({ checked: false, action: { enabled: true } });
    const unknown = trayModel(o, [], { notifications: 'all', startAtLogin: null }, NOW);
    expect(item(unknown.menu, 'start-at-login')).toMatchObject({ enabled: false });
  });

  it('a failed action is said on the first line', () => {
    const m = trayModel(o, [], prefs, NOW, { notice: "Couldn't sync now: nothing is watched" });
    expect(labels(m.menu)[0]).toBe("⚠ Couldn't sync now: nothing is watched");
  });

  it('is plain data (serialisable)', () => {
    const m = trayModel(o, [attempt(1, 's1')], prefs, NOW);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});
