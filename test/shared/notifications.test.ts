import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOTIFICATIONS,
  isNotificationPreference,
  NOTIFICATION_PREFERENCES,
  type NotificationKind,
  type NotificationPreference,
  notificationPreferenceSchema,
  shouldNotify,
} from '../../src/shared/notifications.js';

const KINDS: NotificationKind[] = ['synced', 'failed', 'warning'];

describe('shouldNotify', () => {
  it('all: every kind; errors-only: failures only; off: nothing', () => {
    const table = Object.fromEntries(
      NOTIFICATION_PREFERENCES.map((p) => [p, KINDS.filter((k) => shouldNotify(p, k))]),
    );
    expect(table).toEqual({ all: KINDS, 'errors-only': ['failed'], off: [] });
  });

  it('defaults to all, and an unknown preference (a newer config) still tells about failures only', () => {
    expect(DEFAULT_NOTIFICATIONS).toBe('all');
    const unknown = 'loud' as NotificationPreference;
    expect(KINDS.filter((k) => shouldNotify(unknown, k))).toEqual(['failed']);
  });

  it('recognises exactly the three preferences', () => {
    for (const p of NOTIFICATION_PREFERENCES) {
      expect(isNotificationPreference(p)).toBe(true);
      expect(notificationPreferenceSchema.parse(p)).toBe(p);
    }
    for (const x of ['All', 'errors', 'none', '', null, 1]) {
      expect(isNotificationPreference(x)).toBe(false);
      expect(notificationPreferenceSchema.safeParse(x).success).toBe(false);
    }
  });
});
