/**
 * The tray: a client of the contract like the window. It reads `status.overview` and `history.list`,
 * derives its model (trayModel.ts), and on every change of that model sets the image, the tooltip and a
 * freshly built context menu — `setContextMenu` again each time, since Linux (StatusNotifierItem) shows
 * a changed menu only once it is set anew. The event stream drives it: progress patches the transfers in
 * place (no request), anything else refetches, both through a short debounce; a 30 s tick keeps "4 min
 * ago" and "1 min left" true. Electron's Tray, Menu and nativeImage are injected, so all of it runs in
 * Node tests. Where the desktop has no tray (vanilla GNOME) creating one throws: startTray returns null
 * and the window stays the way in.
 */
import type { MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { Bridge } from '../../shared/bridge.js';
import type {
  Attempt,
  CommandName,
  CommandRequest,
  CommandResponse,
  Transfer,
} from '../../shared/commands.js';
import type { ErrorCategory } from '../../shared/errors.js';
import type { AppEvent } from '../../shared/events.js';
import { isNotificationPreference } from '../../shared/notifications.js';
import { PAUSE_CHOICES, type StatusOverview } from '../../shared/syncState.js';
import { KIND_OF_PHASE, transferFromProgress } from '../../shared/transfers.js';
import { trayIconPath } from './trayIcons.js';
import {
  RECENT_ITEMS,
  type TrayAction,
  type TrayIconName,
  type TrayMenuItem,
  type TrayModel,
  type TrayPrefs,
  trayModel,
} from './trayModel.js';

export interface TrayDeps {
  electron: {
    Tray: typeof import('electron').Tray;
    Menu: typeof import('electron').Menu;
    nativeImage: typeof import('electron').nativeImage;
  };
  bridge: Bridge;
  /** '#/sweeps/<name>', '#/activity', '#/'. */
  openWindow(route?: string): void;
  quit(): void;
  loginItem: { isEnabled(): boolean | Promise<boolean>; setEnabled(on: boolean): void | Promise<void> };
  resourcesDir: string;
  /** Tests: the platform whose icons and clicks to use (default process.platform). */
  platform?: NodeJS.Platform;
  /** Tests: the clock (default Date.now). */
  now?: () => number;
  /** Tests: timings in ms (defaults: debounce 250, at most 1000 between updates, tick 30 000). */
  timing?: { debounceMs?: number; maxWaitMs?: number; tickMs?: number };
  /** Where a failure of the tray itself is told (default console.warn). */
  log?: (message: string) => void;
}

export interface TrayHandle {
  setOffline(offline: boolean): void;
  dispose(): void;
}

/** A failed menu action stays on the menu's first line this long (or until the next action works). */
const NOTICE_MS = 60_000;

type Ok<N extends CommandName> = CommandResponse<N>;

export function startTray(deps: TrayDeps): TrayHandle | null {
  const { electron, bridge } = deps;
  const platform = deps.platform ?? process.platform;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((m: string) => console.warn(`tray: ${m}`));
  const debounceMs = deps.timing?.debounceMs ?? 250;
  const maxWaitMs = deps.timing?.maxWaitMs ?? 1000;
  const tickMs = deps.timing?.tickMs ?? 30_000;

  const images = new Map<TrayIconName, NativeImage>();
  const imageOf = (name: TrayIconName): NativeImage => {
    let image = images.get(name);
    if (!image) {
      image = electron.nativeImage.createFromPath(trayIconPath(deps.resourcesDir, name, platform));
      if (image.isEmpty()) log(`icon ${name} missing under ${deps.resourcesDir}`);
      if (platform === 'darwin') image.setTemplateImage?.(true);
      images.set(name, image);
    }
    return image;
  };

  let tray: Tray;
  try {
    tray = new electron.Tray(imageOf('tray-up-to-date'));
  } catch (e) {
    log(`no tray on this desktop (${e instanceof Error ? e.message : String(e)})`);
    return null;
  }

  // ---- what the tray knows ----
  let overview: StatusOverview | null = null;
  let recent: Attempt[] = [];
  let fetchError: string | null = null;
  const prefs: TrayPrefs = { notifications: null, notificationsLocked: false, startAtLogin: null };
  const categories = new Map<string, ErrorCategory>();
  const received = new WeakMap<Transfer, number>();
  let offline = false;
  let notice: { text: string; at: number } | null = null;
  let disposed = false;

  // ---- what was last set on the tray (set again only when it changes) ----
  let shown: { iconName: TrayIconName; tooltip: string; menu: string } | null = null;

  const call = async <N extends CommandName>(name: N, request: CommandRequest<N>): Promise<Ok<N>> => {
    const r = await bridge.invoke(name, request);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { appError: r.error });
    return r.value;
  };

  function model(): TrayModel {
    const t = now();
    if (notice && t - notice.at > NOTICE_MS) notice = null;
    return trayModel(overview, recent, prefs, t, {
      categories,
      offline,
      receivedAt: (tr) => received.get(tr) ?? t,
      error: fetchError,
      notice: notice?.text ?? null,
    });
  }

  function render(): void {
    if (disposed) return;
    const m = model();
    const menu = JSON.stringify(m.menu);
    try {
      if (!shown || shown.iconName !== m.iconName) tray.setImage(imageOf(m.iconName));
      if (!shown || shown.tooltip !== m.tooltip) tray.setToolTip(m.tooltip);
      if (!shown || shown.menu !== menu)
        tray.setContextMenu(electron.Menu.buildFromTemplate(template(m.menu)));
      shown = { iconName: m.iconName, tooltip: m.tooltip, menu };
    } catch (e) {
      log(`update failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function template(items: TrayMenuItem[]): MenuItemConstructorOptions[] {
    return items.map((item): MenuItemConstructorOptions => {
      switch (item.type) {
        case 'separator':
          return { type: 'separator' };
        case 'submenu':
          return { id: item.id, label: item.label, enabled: item.enabled, submenu: template(item.submenu) };
        case 'checkbox':
        case 'radio':
          return {
            id: item.id,
            type: item.type,
            label: item.label,
            checked: item.checked,
            enabled: item.enabled,
            click: () => void run(item.action),
          };
        default: {
          const action = item.action;
          return {
            id: item.id,
            label: item.label,
            enabled: item.enabled,
            ...(action ? { click: () => void run(action) } : {}),
          };
        }
      }
    });
  }

  /** A menu action: the contract command it stands for, then the tray as it now is. */
  async function run(action: TrayAction): Promise<void> {
    const failed = (what: string, e: unknown) => {
      notice = { text: `${what}: ${e instanceof Error ? e.message : String(e)}`, at: now() };
    };
    try {
      switch (action.kind) {
        case 'open':
          deps.openWindow(action.route);
          return;
        case 'quit':
          deps.quit();
          return;
        case 'sync-now':
          await call('sync.now', {});
          break;
        case 'pause': {
          const choice = PAUSE_CHOICES.find((c) => c.id === action.choice)!;
          await call('sync.pause', { forMs: choice.forMs(now()) });
          break;
        }
        case 'resume':
          await call('sync.resume', {});
          break;
        case 'notifications':
          await call('settings.save', { changes: { notifications: action.preference } });
          prefs.notifications = action.preference;
          break;
        case 'start-at-login':
          await deps.loginItem.setEnabled(action.enabled);
          prefs.startAtLogin = await deps.loginItem.isEnabled();
          break;
      }
      notice = null;
    } catch (e) {
      const what: Record<TrayAction['kind'], string> = {
        open: "Couldn't open the window",
        quit: "Couldn't quit",
        'sync-now': "Couldn't sync now",
        pause: "Couldn't pause",
        resume: "Couldn't resume",
        notifications: "Couldn't change notifications",
        'start-at-login': "Couldn't change start at login",
      };
      failed(what[action.kind], e);
    }
    if (action.kind === 'start-at-login' || action.kind === 'notifications') {
      // Electron flipped the item's check already; set the menu again so it shows what is true.
      shown = null;
      render();
    } else schedule(true);
  }

  // ---- reading the service ----
  let fetching: Promise<void> | null = null;
  let fetchAgain = false;

  async function fetchOverview(): Promise<void> {
    if (fetching) {
      fetchAgain = true;
      return fetching;
    }
    fetching = (async () => {
      do {
        fetchAgain = false;
        try {
          const [o, h] = await Promise.all([
            call('status.overview', { recent: 20 }),
            call('history.list', { limit: RECENT_ITEMS }),
          ]);
          const t = now();
          for (const tr of o.transfers) received.set(tr, t);
          overview = o;
          recent = h.items;
          fetchError = null;
        } catch (e) {
          fetchError = e instanceof Error ? e.message : String(e);
        }
      } while (fetchAgain && !disposed);
    })();
    try {
      await fetching;
    } finally {
      fetching = null;
    }
    render();
  }

  async function readPrefs(): Promise<void> {
    try {
      const s = await call('settings.get', {});
      const setting = s.settings.find((x) => (x.key as string) === 'notifications');
      prefs.notifications = isNotificationPreference(setting?.value) ? setting.value : 'all';
      prefs.notificationsLocked = setting?.locked === true;
    } catch {
      // The service is starting or down: the radio items stay disabled until it answers.
    }
    try {
      prefs.startAtLogin = await deps.loginItem.isEnabled();
    } catch {
      prefs.startAtLogin = null;
    }
    render();
  }

  // ---- the debounce: quiet for `debounceMs`, but never longer than `maxWaitMs` after the first change ----
  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstPendingAt = 0;
  let pendingFetch = false;

  function schedule(fetch: boolean): void {
    if (disposed) return;
    pendingFetch ||= fetch;
    const t = now();
    if (!timer) firstPendingAt = t;
    else clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, firstPendingAt + maxWaitMs - t));
    timer = setTimeout(fire, wait);
  }

  function fire(): void {
    timer = null;
    const fetch = pendingFetch;
    pendingFetch = false;
    if (fetch) void fetchOverview();
    else render();
  }

  function patchProgress(envelope: AppEvent): void {
    const e = envelope.event;
    if (e.type !== 'progress' || !overview) return;
    const kind = KIND_OF_PHASE[e.phase];
    const i = overview.transfers.findIndex((t) =>
      envelope.jobId
        ? t.jobId === envelope.jobId
        : t.jobId === null && t.kind === kind && t.sweep === e.sweep,
    );
    const before = i < 0 ? undefined : overview.transfers[i];
    const next: Transfer = transferFromProgress(envelope, e, before);
    received.set(next, now());
    const transfers = overview.transfers.slice();
    if (i < 0) transfers.push(next);
    else transfers[i] = next;
    overview = { ...overview, transfers };
  }

  function onEvent(envelope: AppEvent): void {
    const e = envelope.event;
    switch (e.type) {
      case 'progress':
        patchProgress(envelope);
        schedule(false);
        return;
      case 'object-done':
        return;
      case 'sync-failed':
        categories.set(e.sweep, e.category);
        break;
      case 'sync-finished':
        categories.delete(e.sweep);
        break;
      case 'job-finished':
        if (e.kind === 'sync' && e.error) categories.set(e.sweep, e.error.category);
        break;
      case 'settings-changed':
        void readPrefs();
        break;
    }
    schedule(true);
  }

  const unsubscribe = bridge.subscribe(onEvent);
  const tick = setInterval(() => {
    if (fetchError) void fetchOverview();
    else render();
  }, tickMs);
  tick.unref?.();

  // Left click opens the window where the platform sends one (Windows; some Linux hosts). On macOS a
  // click opens the context menu.
  if (platform !== 'darwin') {
    tray.on('click', () => deps.openWindow('#/'));
    tray.on('double-click', () => deps.openWindow('#/'));
  }

  render();
  void fetchOverview();
  void readPrefs();

  return {
    setOffline(next: boolean) {
      if (offline === next) return;
      offline = next;
      render();
      schedule(true);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe();
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      try {
        tray.destroy();
      } catch {
        // already gone
      }
    },
  };
}
