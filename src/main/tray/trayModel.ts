/**
 * What the tray shows, as plain data: the state (one of five, the same one the window's Overview shows:
 * src/shared/syncState.ts), the icon's name, the tooltip, and the context menu as serialisable item specs
 * whose actions are data too. Pure — no Electron, no timers — so every state can be tested as a value;
 * startTray turns the specs into an Electron Menu and the actions into contract commands.
 */
import type { Attempt, Transfer } from '../../shared/commands.js';
import type { ErrorCategory } from '../../shared/errors.js';
import { formatPast } from '../../shared/format.js';
import type { NotificationPreference } from '../../shared/notifications.js';
import {
  deriveSyncState,
  listNames,
  PAUSE_CHOICES,
  type PauseChoice,
  STATE_LABELS,
  type StatusOverview,
  type SyncStateKind,
  transferWords,
} from '../../shared/syncState.js';

export type TrayIconName = `tray-${SyncStateKind}`;

export type TrayAction =
  | { kind: 'sync-now' }
  | { kind: 'pause'; choice: PauseChoice }
  | { kind: 'resume' }
  | { kind: 'open'; route: string }
  | { kind: 'notifications'; preference: NotificationPreference }
  | { kind: 'start-at-login'; enabled: boolean }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'normal'; id: string; label: string; enabled: boolean; action?: TrayAction }
  | {
      type: 'checkbox' | 'radio';
      id: string;
      label: string;
      checked: boolean;
      enabled: boolean;
      action: TrayAction;
    }
  | { type: 'separator' }
  | { type: 'submenu'; id: string; label: string; enabled: boolean; submenu: TrayMenuItem[] };

export interface TrayPrefs {
  /** null while unknown (not read yet, or the service doesn't answer). */
  notifications: NotificationPreference | null;
  /** Set by the environment: the tray can't change it. */
  notificationsLocked?: boolean;
  /** null while unknown. */
  startAtLogin: boolean | null;
}

export interface TrayContext {
  /** Why each sweep's last sync failed, as the event stream told it (tells offline from attention). */
  categories?: ReadonlyMap<string, ErrorCategory>;
  /** The main process knows the machine is offline (`net.isOnline() === false`). */
  offline?: boolean;
  /** When each transfer's progress arrived (time left counts down from there). */
  receivedAt?: (t: Transfer) => number;
  /** The overview couldn't be read (the service process is down or starting). */
  error?: string | null;
  /** The last menu action failed: said on the menu's first line. */
  notice?: string | null;
}

export interface TrayModel {
  state: SyncStateKind;
  iconName: TrayIconName;
  tooltip: string;
  menu: TrayMenuItem[];
}

/** Windows cuts a tray tooltip at 127 characters; the others are no kinder to long ones. */
export const TOOLTIP_MAX = 127;
/** Menu lines longer than this are shortened (menus grow as wide as their widest line). */
const LINE_MAX = 80;
/** Active sweeps listed one per line; the rest are counted. */
const ACTIVE_LINES = 5;
export const RECENT_ITEMS = 5;

const shorten = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

export const sweepRoute = (name: string) => `#/sweeps/${encodeURIComponent(name)}`;

const RESULT_WORDS: Record<NonNullable<Attempt['result']>, string> = {
  synced: 'synced',
  noop: 'already synced',
  restored: 'restored',
  verified: 'verified',
  failed: 'failed',
  aborted: 'stopped',
};
const RESULT_MARKS: Record<NonNullable<Attempt['result']>, string> = {
  synced: '✓',
  noop: '✓',
  restored: '✓',
  verified: '✓',
  failed: '✗',
  aborted: '–',
};

function recentLabel(a: Attempt, now: number): string {
  const result = a.result ?? 'aborted';
  const what = a.kind === 'sync' ? RESULT_WORDS[result] : `${a.kind} ${RESULT_WORDS[result]}`;
  return shorten(
    `${RESULT_MARKS[result]} ${a.sweep} · ${what} · ${formatPast(a.finishedAt ?? a.startedAt, now)}`,
    LINE_MAX,
  );
}

const TRANSFER_VERBS: Record<Transfer['kind'], string> = {
  sync: 'Syncing',
  restore: 'Restoring',
  verify: 'Verifying',
};

/** One line per sweep in flight (transfers first, then syncs still starting), then what is queued. */
function activeLines(o: StatusOverview, now: number, context: TrayContext): string[] {
  const lines: string[] = [];
  const inFlight = new Set<string>();
  for (const t of o.transfers) {
    if (t.kind === 'sync') inFlight.add(t.sweep);
    lines.push(`${TRANSFER_VERBS[t.kind]} ${t.sweep} · ${transferWords(t, now, context)}`);
  }
  for (const s of o.sweeps) {
    if (s.state === 'syncing' && !inFlight.has(s.name)) lines.push(`Syncing ${s.name} · starting…`);
  }
  const shown = lines.slice(0, ACTIVE_LINES).map((l) => shorten(l, LINE_MAX));
  if (lines.length > ACTIVE_LINES) shown.push(`and ${lines.length - ACTIVE_LINES} more`);
  const queued = o.sweeps.filter((s) => s.state === 'queued').map((s) => s.name);
  if (queued.length > 0) {
    const why = o.autoSync === false ? 'waiting for Sync now' : 'queued';
    shown.push(shorten(`${queued.length} ${why}: ${listNames(queued)}`, LINE_MAX));
  }
  return shown;
}

/** The tray for this overview, these recent results and preferences, at `now`. */
export function trayModel(
  overview: StatusOverview | null,
  recent: Attempt[],
  prefs: TrayPrefs,
  now: number,
  context: TrayContext = {},
): TrayModel {
  // The service not answering outranks what it said before (that picture may be stale).
  const derived = context.error
    ? {
        kind: 'attention' as const,
        label: STATE_LABELS.attention,
        sentence: `Can't reach the sync service: ${context.error}`,
      }
    : overview
      ? deriveSyncState(overview, context.categories ?? new Map(), now, {
          offline: context.offline,
          receivedAt: context.receivedAt,
        })
      : {
          kind: context.offline ? ('offline' as const) : ('up-to-date' as const),
          label: 'Starting',
          sentence: 'Starting…',
        };
  const state = derived.kind;
  const sentence = oneLine(derived.sentence);

  const menu: TrayMenuItem[] = [];
  const line = (id: string, label: string) =>
    menu.push({ type: 'normal', id, label: shorten(oneLine(label), LINE_MAX), enabled: false });
  if (context.notice) line('notice', `⚠ ${context.notice}`);
  const active = overview ? activeLines(overview, now, context) : [];
  // While syncing, the per-sweep lines say it all; the first line only counts.
  const syncingSweeps = overview
    ? new Set([
        ...overview.transfers.filter((t) => t.kind === 'sync').map((t) => t.sweep),
        ...overview.sweeps.filter((s) => s.state === 'syncing').map((s) => s.name),
      ]).size
    : 0;
  line(
    'status',
    state === 'syncing' && syncingSweeps > 0
      ? `Syncing ${syncingSweeps === 1 ? '1 sweep' : `${syncingSweeps} sweeps`}`
      : sentence,
  );
  active.forEach((l, i) => {
    line(`active-${i}`, l);
  });
  menu.push({ type: 'separator' });

  const watching = (overview?.watching.length ?? 0) > 0;
  menu.push({
    type: 'normal',
    id: 'sync-now',
    label: 'Sync now',
    enabled: watching,
    action: { kind: 'sync-now' },
  });
  if (overview?.pause) {
    menu.push({ type: 'normal', id: 'resume', label: 'Resume', enabled: true, action: { kind: 'resume' } });
  } else {
    menu.push({
      type: 'submenu',
      id: 'pause',
      label: 'Pause',
      enabled: overview !== null,
      submenu: PAUSE_CHOICES.map((c) => ({
        type: 'normal' as const,
        id: `pause-${c.id}`,
        label: c.label,
        enabled: true,
        action: { kind: 'pause' as const, choice: c.id },
      })),
    });
  }
  menu.push({ type: 'separator' });
  menu.push({
    type: 'normal',
    id: 'open',
    label: 'Open Bilancio Sync',
    enabled: true,
    action: { kind: 'open', route: '#/' },
  });

  const finished = recent.filter((a) => a.result !== null).slice(0, RECENT_ITEMS);
  menu.push({
    type: 'submenu',
    id: 'recent',
    label: 'Recent activity',
    enabled: true,
    submenu: [
      ...(finished.length === 0
        ? [{ type: 'normal' as const, id: 'recent-none', label: 'Nothing yet', enabled: false }]
        : finished.map((a) => ({
            type: 'normal' as const,
            id: `recent-${a.id}`,
            label: recentLabel(a, now),
            enabled: true,
            action: { kind: 'open' as const, route: sweepRoute(a.sweep) },
          }))),
      { type: 'separator' as const },
      {
        type: 'normal' as const,
        id: 'recent-all',
        label: 'All activity',
        enabled: true,
        action: { kind: 'open' as const, route: '#/activity' },
      },
    ],
  });

  const levels: Array<{ preference: NotificationPreference; label: string }> = [
    { preference: 'all', label: 'All' },
    { preference: 'errors-only', label: 'Errors only' },
    { preference: 'off', label: 'Off' },
  ];
  const canSetNotifications = prefs.notifications !== null && !prefs.notificationsLocked;
  menu.push({
    type: 'submenu',
    id: 'notifications',
    label: 'Notifications',
    enabled: true,
    submenu: [
      ...levels.map((l) => ({
        type: 'radio' as const,
        id: `notifications-${l.preference}`,
        label: l.label,
        checked: prefs.notifications === l.preference,
        enabled: canSetNotifications,
        action: { kind: 'notifications' as const, preference: l.preference },
      })),
      ...(prefs.notificationsLocked
        ? [
            { type: 'separator' as const },
            {
              type: 'normal' as const,
              id: 'notifications-locked',
              label: 'Set by the environment',
              enabled: false,
            },
          ]
        : []),
    ],
  });
  menu.push({
    type: 'checkbox',
    id: 'start-at-login',
    label: 'Start at login',
    checked: prefs.startAtLogin === true,
    enabled: prefs.startAtLogin !== null,
    action: { kind: 'start-at-login', enabled: prefs.startAtLogin !== true },
  });
  menu.push({ type: 'separator' });
  menu.push({
    type: 'normal',
    id: 'quit',
    label: 'Quit Bilancio Sync',
    enabled: true,
    action: { kind: 'quit' },
  });

  return {
    state,
    iconName: `tray-${state}`,
    tooltip: shorten(sentence, TOOLTIP_MAX),
    menu,
  };
}
