/**
 * The notifications preference (Settings ▸ Notifications: all / errors only / off) and the one rule every
 * shell applies to it, so that the desktop shell, a tray and any later shell agree on what is shown.
 * Pure: no Electron, no Node.
 */
import { z } from 'zod';

export const NOTIFICATION_PREFERENCES = ['all', 'errors-only', 'off'] as const;
export const notificationPreferenceSchema = z.enum(NOTIFICATION_PREFERENCES);
export type NotificationPreference = z.infer<typeof notificationPreferenceSchema>;
export const DEFAULT_NOTIFICATIONS: NotificationPreference = 'all';

/** What a notification would be about: a sweep synced, a sync that failed, a warning (e.g. a shrunk table). */
export type NotificationKind = 'synced' | 'failed' | 'warning';

/** Whether to show a notification of `kind` under `preference`: all → every kind; errors-only → failures; off → none. */
export function shouldNotify(preference: NotificationPreference, kind: NotificationKind): boolean {
  switch (preference) {
    case 'all':
      return true;
    case 'errors-only':
      return kind === 'failed';
    case 'off':
      return false;
    default:
      // An unknown value (a newer config read by an older shell): the safe choice is to tell about failures.
      return kind === 'failed';
  }
}

export function isNotificationPreference(value: unknown): value is NotificationPreference {
  return typeof value === 'string' && (NOTIFICATION_PREFERENCES as readonly string[]).includes(value);
}
