import type { PausedBy, PauseInfo } from '../../shared/states.js';
import type { Journal } from '../journal/Journal.js';
import type { Json } from '../model/types.js';

/** The journal setting that holds the pause, so it survives a restart and other processes see it. */
export const PAUSE_SETTING = 'watch.pause';

/** The pause in force at `now`, or null. An expired timed pause counts as no pause. */
export function readPause(journal: Journal, now = Date.now()): PauseInfo | null {
  const raw = journal.settings.get(PAUSE_SETTING);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const p = raw as Record<string, Json>;
  const by: PausedBy = p.by === 'app' ? 'app' : 'user';
  const until = typeof p.until === 'string' ? p.until : null;
  if (until !== null && Date.parse(until) <= now) return null;
  return {
    by,
    since: typeof p.since === 'string' ? p.since : new Date(now).toISOString(),
    until,
    reason: typeof p.reason === 'string' ? p.reason : null,
  };
}

/** Pause syncing (no new attempt starts); `forMs` makes it a timed pause that ends by itself. */
export function writePause(
  journal: Journal,
  options: { by?: PausedBy; forMs?: number | null; reason?: string | null } = {},
  now = Date.now(),
): PauseInfo {
  const pause: PauseInfo = {
    by: options.by ?? 'user',
    since: new Date(now).toISOString(),
    until: options.forMs == null ? null : new Date(now + options.forMs).toISOString(),
    reason: options.reason ?? null,
  };
  journal.settings.set(PAUSE_SETTING, { ...pause });
  return pause;
}

/**
 * Lift the pause. The app can only lift its own pauses (a "resume when back on Wi-Fi" must not undo the
 * researcher's "pause"); the user lifts any. Returns whether a pause was lifted.
 */
export function clearPause(journal: Journal, by: PausedBy = 'user', now = Date.now()): boolean {
  const current = readPause(journal, now);
  if (!current) {
    journal.settings.delete(PAUSE_SETTING); // an expired timed pause: tidy up
    return false;
  }
  if (by === 'app' && current.by === 'user') return false;
  journal.settings.delete(PAUSE_SETTING);
  return true;
}

/** "1h", "90m", "30s", "2h30m", or a bare number of minutes → milliseconds. */
export function parseDuration(text: string): number | null {
  const t = text.replace(/\s+/g, '').toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 60_000);
  const re = /(\d+(?:\.\d+)?)(ms|sec|s|min|m|hr|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2]!;
    const factor =
      unit === 'ms'
        ? 1
        : unit.startsWith('s')
          ? 1000
          : unit.startsWith('m')
            ? 60_000
            : unit === 'd'
              ? 86_400_000
              : 3_600_000;
    total += n * factor;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== t.length) return null;
  return Math.round(total);
}
