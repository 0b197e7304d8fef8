/**
 * Desktop notifications: a client of the contract's event stream. What to tell is decided by
 * NotificationPlan (pure); here events are gathered for a short window — quiet for `windowMs`, at most
 * `maxWaitMs` after the first — so a burst is one notification, the Settings ▸ Notifications preference
 * (all / errors only / off, read from `settings.get` and again on every `settings-changed`) is applied,
 * and a click opens the window on the view concerned. Electron's Notification is injected.
 */
import type { Notification } from 'electron';
import type { Bridge } from '../../shared/bridge.js';
import type { AppEvent } from '../../shared/events.js';
import {
  DEFAULT_NOTIFICATIONS,
  isNotificationPreference,
  type NotificationPreference,
} from '../../shared/notifications.js';
import { NotificationPlan, type PlannedNotification } from './notificationPlan.js';

export interface NotifierDeps {
  electron: { Notification: typeof import('electron').Notification };
  bridge: Bridge;
  openWindow(route?: string): void;
  /** Tests: gathering window in ms (defaults: quiet 2500, at most 8000 after the first event). */
  timing?: { windowMs?: number; maxWaitMs?: number };
  /** Where a failure to show one is told (default console.warn). */
  log?: (message: string) => void;
}

export function startNotifier(deps: NotifierDeps): { dispose(): void } {
  const { bridge } = deps;
  const { Notification: NotificationClass } = deps.electron;
  const windowMs = deps.timing?.windowMs ?? 2500;
  const maxWaitMs = deps.timing?.maxWaitMs ?? 8000;
  const log = deps.log ?? ((m: string) => console.warn(`notifications: ${m}`));
  const plan = new NotificationPlan();
  /** Shown notifications, kept referenced until closed (a collected one loses its click handler). */
  const live = new Set<Notification>();
  let disposed = false;

  // The preference: nothing is shown before it is known (an "off" must never let a first one through).
  let preference: NotificationPreference | null = null;
  let reading: Promise<void> | null = null;
  const readPreference = (): Promise<void> => {
    reading ??= (async () => {
      try {
        const r = await bridge.invoke('settings.get', {});
        if (r.ok) {
          const v = r.value.settings.find((s) => (s.key as string) === 'notifications')?.value;
          preference = isNotificationPreference(v) ? v : DEFAULT_NOTIFICATIONS;
        } else preference ??= DEFAULT_NOTIFICATIONS;
      } catch {
        preference ??= DEFAULT_NOTIFICATIONS;
      } finally {
        reading = null;
      }
    })();
    return reading;
  };

  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstAt = 0;

  function schedule(): void {
    const t = Date.now();
    if (!timer) firstAt = t;
    else clearTimeout(timer);
    timer = setTimeout(
      () => {
        timer = null;
        void flush();
      },
      Math.max(0, Math.min(windowMs, firstAt + maxWaitMs - t)),
    );
  }

  async function flush(): Promise<void> {
    if (preference === null || reading) await readPreference();
    if (disposed) return;
    for (const n of plan.flush(preference ?? DEFAULT_NOTIFICATIONS)) show(n);
  }

  function show(n: PlannedNotification): void {
    try {
      if (!NotificationClass.isSupported()) return;
      const notification = new NotificationClass({
        title: n.title,
        body: n.body,
        // A sweep synced is good news, not an interruption.
        silent: n.kind === 'synced',
        urgency: n.kind === 'failed' ? 'critical' : 'normal',
      });
      live.add(notification);
      const forget = () => live.delete(notification);
      notification.on('click', () => {
        forget();
        deps.openWindow(n.route);
      });
      notification.on('close', forget);
      notification.on('failed', (_event, error) => {
        forget();
        log(`"${n.title}" could not be shown: ${error}`);
      });
      notification.show();
    } catch (e) {
      log(`"${n.title}" could not be shown: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function onEvent(envelope: AppEvent): void {
    if (disposed) return;
    if (envelope.event.type === 'settings-changed') {
      void readPreference();
      return;
    }
    plan.take(envelope);
    if (plan.pending) schedule();
  }

  const unsubscribe = bridge.subscribe(onEvent);
  void readPreference();

  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      live.clear();
    },
  };
}
