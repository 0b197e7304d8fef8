/**
 * The one state the overview (and later the tray) shows at a glance — up to date, syncing, paused, needs
 * attention, offline — and the sentence under it. Worst first: a failure that needs the researcher beats a
 * destination that can't be reached, which beats a pause, which beats work in flight.
 */
import type { LocalSweep } from '../../../../shared/commands';
import type { ErrorCategory } from '../../../../shared/errors';
import type { Overview } from '../../api/queries';
import { receivedAt } from '../../api/transfers';
import { formatClock, formatRelative, percentOf, timeLeft } from '../../format';

export type SyncStateKind = 'up-to-date' | 'syncing' | 'paused' | 'attention' | 'offline';

export const STATE_LABELS: Record<SyncStateKind, string> = {
  'up-to-date': 'Up to date',
  syncing: 'Syncing',
  paused: 'Paused',
  attention: 'Needs attention',
  offline: 'Offline',
};

export interface SyncState {
  kind: SyncStateKind;
  label: string;
  sentence: string;
}

/** How the engine words a failure to reach a destination (when the stream hasn't told the category). */
const TRANSIENT_TEXT =
  /can't reach|cannot reach|could not reach|lost the connection|timed out|busy or failing|unreachable|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|network|is down|try again later/i;

export function isTransientFailure(s: LocalSweep, categories: ReadonlyMap<string, ErrorCategory>): boolean {
  const category = categories.get(s.name);
  if (category) return category === 'transient';
  return TRANSIENT_TEXT.test(s.lastError ?? s.reason ?? '');
}

const list = (names: string[]) =>
  names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;

export function deriveSyncState(
  o: Overview,
  categories: ReadonlyMap<string, ErrorCategory>,
  now: number,
): SyncState {
  const make = (kind: SyncStateKind, sentence: string): SyncState => ({
    kind,
    label: STATE_LABELS[kind],
    sentence,
  });
  const failed = o.sweeps.filter((s) => s.state === 'failed');
  const lastGood = o.lastResults
    .filter((a) => a.kind === 'sync' && (a.result === 'synced' || a.result === 'noop') && a.finishedAt)
    .map((a) => Date.parse(a.finishedAt!))
    .reduce((a, b) => Math.max(a, b), 0);
  // Errors not tied to a sweep's state (which the failed list already shows), newer than the last good sync.
  const errors = o.warnings.filter(
    (w) =>
      w.level === 'error' &&
      !['sync-failed', 'retries-exhausted'].includes(w.kind) &&
      Date.parse(w.at) > lastGood &&
      now - Date.parse(w.at) < 86_400_000,
  );
  const hard = failed.filter((s) => !isTransientFailure(s, categories));
  if (hard.length > 0) {
    const first = hard[0]!;
    return make(
      'attention',
      hard.length === 1
        ? `${first.name} failed: ${first.lastError ?? first.reason ?? 'see the queue'}`
        : `${list(hard.map((s) => s.name))} failed`,
    );
  }
  if (errors.length > 0) return make('attention', errors[0]!.message);
  if (failed.length > 0) {
    const next = failed
      .map((s) => s.nextRetryAt)
      .filter((t): t is string => t !== null)
      .sort()[0];
    return make(
      'offline',
      `Can't reach a destination${next ? ` · next try ${formatRelative(next, now)}` : ''} · ${list(failed.map((s) => s.name))} waiting`,
    );
  }
  if (o.pause) {
    const p = o.pause;
    const until = p.until ? `until ${formatClock(p.until, now)}` : 'until you resume';
    return make(
      'paused',
      p.by === 'app' ? `Paused by the app${p.reason ? `: ${p.reason}` : ''} ${until}` : `Paused ${until}`,
    );
  }
  const syncs = o.transfers.filter((t) => t.kind === 'sync');
  const syncing = o.sweeps.filter((s) => s.state === 'syncing');
  const queued = o.sweeps.filter((s) => s.state === 'queued');
  if (syncs.length > 0 || syncing.length > 0 || queued.length > 0) {
    const t = syncs[0];
    const more = queued.length > 0 ? ` · ${queued.length} more queued` : '';
    if (!t) {
      const name = syncing[0]?.name ?? queued[0]?.name ?? '';
      return make('syncing', `Syncing ${name} · starting…${syncing.length > 0 ? more : ''}`);
    }
    const left = timeLeft(t.bytesDone, t.bytesTotal, t.bytesPerSecond, (now - receivedAt(t, now)) / 1000);
    return make(
      'syncing',
      `Syncing ${t.sweep} · ${percentOf(t.bytesDone, t.bytesTotal)}% · ${left.text}${more}`,
    );
  }
  const extras: string[] = [];
  if (o.counts.waiting > 0) extras.push(`${o.counts.waiting} settling`);
  if (o.counts.running > 0) extras.push(`${o.counts.running} being written by bilancio`);
  if (o.counts.incomplete > 0) extras.push(`${o.counts.incomplete} incomplete`);
  const tail = extras.length ? ` · ${extras.join(' · ')}` : '';
  if (lastGood > 0)
    return make(
      'up-to-date',
      `Synced · last sweep ${formatRelative(new Date(lastGood).toISOString(), now)}${tail}`,
    );
  if (o.counts.synced > 0) return make('up-to-date', `Synced · ${o.counts.synced} sweeps${tail}`);
  return make('up-to-date', `Nothing to sync yet${tail}`);
}
