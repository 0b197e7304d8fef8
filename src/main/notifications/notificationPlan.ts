/**
 * Which notifications the event stream calls for — pure, no Electron, no timers. Events go in one by one
 * (`take`); `flush` turns what gathered since the last flush into at most one notification per kind, so
 * a burst (ten sweeps finishing together) becomes "10 sweeps synced".
 *
 * What counts, read off the event fields so that nothing raises a false alarm:
 * - synced: `sync-finished` with result `synced` (never `noop`: "already synced" is no news).
 * - failed: the watcher's `sweep-state` → `failed` (a sync that was stopped by a pause goes back to
 *   `queued`, one that was not ready to `running`/`incomplete`/`waiting`: neither is a failure), and a
 *   sync job's `job-finished` with outcome `failed` (never `cancelled`; and not a `not-ready` or
 *   `conflict` error, which the watcher defers too). A failure that retrying can cure (a destination out
 *   of reach) is told only once the retries are over — until then the tray shows "offline". One
 *   notification per failure episode of a sweep (retries failing again say nothing new); a sync that
 *   succeeds ends the episode.
 * - warning: a shrunk comparison.csv (a lossy bilancio resume), the `warning` whose hint offers to restore
 *   the revision that still has every row.
 */

import type { ErrorCategory, Hint } from '../../shared/errors.js';
import type { AppEvent } from '../../shared/events.js';
import type { NotificationKind, NotificationPreference } from '../../shared/notifications.js';
import { shouldNotify } from '../../shared/notifications.js';
import { isTransientFailure, listNames } from '../../shared/syncState.js';

export interface PlannedNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  /** The window's route a click opens. */
  route: string;
}

interface Synced {
  sweep: string;
  revision: number;
  bytesUploaded: number;
}
interface Failed {
  sweep: string;
  message: string;
  /** What to do, in plain words. */
  todo: string;
  route: string;
}
interface Shrunk {
  sweep: string;
  message: string;
  todo: string;
  route: string;
}

const SHRINK_TEXT = /comparison table shrank/i;

const sweepRoute = (name: string, revision?: number) =>
  `#/sweeps/${encodeURIComponent(name)}${revision === undefined ? '' : `?revision=${revision}`}`;
const activityRoute = (name?: string) =>
  name === undefined ? '#/activity' : `#/activity?sweep=${encodeURIComponent(name)}`;

/** What to do about a failure of this category when the error itself carried no hint. */
const TODO_BY_CATEGORY: Record<ErrorCategory, string> = {
  usage: 'Open Bilancio Sync to see what was asked and try again.',
  configuration: 'Check the destination in Settings, then sync again.',
  transient: "The destination can't be reached: check the network or the service, then retry.",
  integrity: 'Sync the sweep again; if it keeps failing, verify the stored copy.',
  'not-ready': 'Wait for bilancio to finish the sweep.',
  'not-found': 'Check that the sweep folder and the destination still exist.',
  conflict: 'Sync again once the sweep is quiet.',
  internal: 'Open Bilancio Sync to see the details, then retry.',
};

function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

const firstSentence = (text: string, max = 160) => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
};

export class NotificationPlan {
  private synced = new Map<string, Synced>();
  private failed = new Map<string, Failed>();
  private shrunk = new Map<string, Shrunk>();
  /** The last sync-failed per sweep (its category and words; sweep-state carries neither). */
  private readonly lastFailure = new Map<string, { message: string; category: ErrorCategory; hint?: Hint }>();
  /** Sweeps whose current failure episode was already told. */
  private readonly told = new Set<string>();
  /** Sweeps whose shrunk table was told while their sync was still uploading (that sync's end is no news). */
  private readonly shrinkTold = new Set<string>();

  /** Whether anything is waiting for `flush`. */
  get pending(): boolean {
    return this.synced.size + this.failed.size + this.shrunk.size > 0;
  }

  take(envelope: AppEvent): void {
    const e = envelope.event;
    switch (e.type) {
      case 'sync-finished':
        this.lastFailure.delete(e.sweep);
        this.told.delete(e.sweep);
        if (this.shrinkTold.delete(e.sweep)) return;
        if (e.result === 'synced') {
          this.synced.set(e.sweep, { sweep: e.sweep, revision: e.revision, bytesUploaded: e.bytesUploaded });
        }
        return;
      case 'sync-failed': {
        // The engine says this for every sync that ends without a revision — paused, cancelled, not
        // ready too. Only remembered here; what follows tells whether it was a failure.
        const hint = (e as { hint?: Hint }).hint; // carried if the event ever gains the error's hint
        this.lastFailure.set(e.sweep, { message: e.message, category: e.category, hint });
        this.shrinkTold.delete(e.sweep);
        return;
      }
      case 'sweep-state': {
        if (e.state === 'synced') {
          this.told.delete(e.sweep);
          return;
        }
        if (e.state !== 'failed') return;
        const last = this.lastFailure.get(e.sweep);
        const message = last?.message ?? e.reason ?? 'the sync failed';
        const transient = last
          ? last.category === 'transient'
          : isTransientFailure({ name: e.sweep, lastError: message, reason: e.reason }, new Map());
        const exhausted = e.nextRetryAt === null;
        if (transient && !exhausted) return; // retried by itself; the tray shows "offline" meanwhile
        if (this.told.has(e.sweep)) return;
        const todo =
          last?.hint?.text ||
          (transient
            ? 'Check the network and the destination, then retry the sweep.'
            : TODO_BY_CATEGORY[last?.category ?? 'internal']);
        this.fail({ sweep: e.sweep, message, todo, route: activityRoute(e.sweep) });
        return;
      }
      case 'job-finished': {
        if (e.kind !== 'sync' || e.outcome !== 'failed' || !e.error) return;
        if (e.error.category === 'not-ready' || e.error.category === 'conflict') return;
        if (this.told.has(e.sweep)) return;
        const settings =
          e.error.hint?.action?.kind === 'fix-setting' ? e.error.hint.action.settings : undefined;
        this.fail({
          sweep: e.sweep,
          message: e.error.message,
          todo: e.error.hint?.text || TODO_BY_CATEGORY[e.error.category],
          route: settings?.[0]
            ? `#/settings?field=${encodeURIComponent(settings[0])}`
            : activityRoute(e.sweep),
        });
        return;
      }
      case 'warning': {
        if (!e.sweep) return;
        const action = e.hint?.action;
        const isShrink = action?.kind === 'restore-revision' || SHRINK_TEXT.test(e.message);
        if (!isShrink) return;
        const revision = action?.kind === 'restore-revision' ? action.revision : undefined;
        this.shrunk.set(e.sweep, {
          sweep: e.sweep,
          message: e.message,
          todo: e.hint?.text ?? 'Restore the earlier revision to get every row back.',
          route: sweepRoute(e.sweep, revision),
        });
        return;
      }
      default:
        return;
    }
  }

  private fail(f: Failed): void {
    this.told.add(f.sweep);
    this.failed.set(f.sweep, f);
  }

  /** What gathered since the last flush, as notifications the preference allows (problems first). */
  flush(preference: NotificationPreference): PlannedNotification[] {
    const failed = [...this.failed.values()];
    const shrunk = [...this.shrunk.values()];
    // A sweep that synced but lost rows is told once, as the warning.
    const synced = [...this.synced.values()].filter((s) => !this.shrunk.has(s.sweep));
    for (const s of shrunk) if (!this.synced.has(s.sweep)) this.shrinkTold.add(s.sweep);
    this.failed = new Map();
    this.shrunk = new Map();
    this.synced = new Map();
    const out: PlannedNotification[] = [];

    if (failed.length === 1) {
      const f = failed[0]!;
      out.push({
        kind: 'failed',
        title: `${f.sweep} didn't sync`,
        body: `${firstSentence(f.message)}\n${f.todo}`,
        route: f.route,
      });
    } else if (failed.length > 1) {
      out.push({
        kind: 'failed',
        title: `${failed.length} sweeps didn't sync`,
        body: `${listNames(failed.map((f) => f.sweep))}. ${firstSentence(failed[0]!.message)}\n${failed[0]!.todo}`,
        route: activityRoute(),
      });
    }

    if (shrunk.length === 1) {
      const s = shrunk[0]!;
      out.push({
        kind: 'warning',
        title: `${s.sweep}: the comparison table shrank`,
        body: `${firstSentence(s.message, 200)}\n${s.todo}`,
        route: s.route,
      });
    } else if (shrunk.length > 1) {
      out.push({
        kind: 'warning',
        title: `${shrunk.length} sweeps' comparison tables shrank`,
        body: `${listNames(shrunk.map((s) => s.sweep))}: a resumed sweep overwrote its comparison.csv. Earlier revisions are kept and can be restored.`,
        route: activityRoute(),
      });
    }

    if (synced.length === 1) {
      const s = synced[0]!;
      out.push({
        kind: 'synced',
        title: `${s.sweep} synced`,
        body: `Revision ${s.revision} · ${formatBytes(s.bytesUploaded)} uploaded`,
        route: sweepRoute(s.sweep),
      });
    } else if (synced.length > 1) {
      out.push({
        kind: 'synced',
        title: `${synced.length} sweeps synced`,
        body: `${listNames(synced.map((s) => s.sweep))} · ${formatBytes(synced.reduce((n, s) => n + s.bytesUploaded, 0))} uploaded`,
        route: activityRoute(),
      });
    }
    return out.filter((n) => shouldNotify(preference, n.kind));
  }
}
