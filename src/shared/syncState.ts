/**
 * The one state every shell shows at a glance — up to date, syncing, paused, needs attention, offline —
 * and the sentence that goes with it ("Synced · last sweep 4 min ago", "Syncing plan024_sweep · 42% ·
 * 1 min left"). The window's Overview and the tray both derive it here, from the same `status.overview`
 * answer, so they never disagree. Worst first: a failure that needs the researcher beats a destination
 * that can't be reached, which beats a pause, which beats work in flight.
 *
 * Pure: no DOM, no Node, no Electron (the renderer bundles it; the main process runs it in Node). Its words
 * (relative times, percentages, time left) are shared/format.ts's, as everywhere in the window.
 */
import type { CommandResponse, LocalSweep, Transfer } from './commands.js';
import type { ErrorCategory } from './errors.js';
import { formatClock, formatPast, formatRelative, percentOf, timeLeft } from './format.js';

export type StatusOverview = CommandResponse<'status.overview'>;

export type SyncStateKind = 'up-to-date' | 'syncing' | 'paused' | 'attention' | 'offline';

export const SYNC_STATE_KINDS: readonly SyncStateKind[] = [
  'up-to-date',
  'syncing',
  'paused',
  'attention',
  'offline',
];

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

export interface DeriveOptions {
  /** When this copy of a transfer arrived (its time left counts down from there); default `now`. */
  receivedAt?: (t: Transfer) => number;
  /** The shell knows the machine is offline (Electron's `net.isOnline() === false`). */
  offline?: boolean;
}

/** How the engine words a failure to reach a destination (when the stream hasn't told the category). */
const TRANSIENT_TEXT =
  /can't reach|cannot reach|could not reach|lost the connection|timed out|busy or failing|unreachable|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|network|is down|try again later/i;

/** A failure that retrying later can cure (a destination out of reach), from its category or its words. */
export function isTransientFailure(
  s: Pick<LocalSweep, 'name' | 'lastError' | 'reason'>,
  categories: ReadonlyMap<string, ErrorCategory>,
): boolean {
  const category = categories.get(s.name);
  if (category) return category === 'transient';
  return TRANSIENT_TEXT.test(s.lastError ?? s.reason ?? '');
}

/** "a and b", "a, b and 3 more". */
export function listNames(names: string[]): string {
  return names.length <= 2
    ? names.join(' and ')
    : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** When the last good sync (synced or already synced) of the overview's results finished, or 0. */
export function lastGoodSync(o: Pick<StatusOverview, 'lastResults'>): number {
  return o.lastResults
    .filter((a) => a.kind === 'sync' && (a.result === 'synced' || a.result === 'noop') && a.finishedAt)
    .map((a) => Date.parse(a.finishedAt!))
    .reduce((a, b) => Math.max(a, b), 0);
}

export function deriveSyncState(
  o: StatusOverview,
  categories: ReadonlyMap<string, ErrorCategory>,
  now: number,
  options: DeriveOptions = {},
): SyncState {
  const make = (kind: SyncStateKind, sentence: string): SyncState => ({
    kind,
    label: STATE_LABELS[kind],
    sentence,
  });
  const failed = o.sweeps.filter((s) => s.state === 'failed');
  const lastGood = lastGoodSync(o);
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
        : `${listNames(hard.map((s) => s.name))} failed`,
    );
  }
  const pending = [...failed, ...o.sweeps.filter((s) => s.state === 'queued' || s.state === 'syncing')];
  if (options.offline) {
    return make(
      'offline',
      `Offline · syncing goes on when the network is back${pending.length > 0 ? ` · ${listNames(pending.map((s) => s.name))} waiting` : ''}`,
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
      `Can't reach a destination${next ? ` · next try ${formatRelative(next, now)}` : ''} · ${listNames(failed.map((s) => s.name))} waiting`,
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
  // Auto-sync off: queued sweeps don't move by themselves. Not a pause (Resume can't start them), so it
  // says what can: Sync now.
  if (!o.autoSync && queued.length > 0 && syncs.length === 0 && syncing.length === 0) {
    return {
      kind: 'paused',
      label: 'Waiting for Sync now',
      sentence: `Auto-sync is off · ${listNames(queued.map((s) => s.name))} ${queued.length === 1 ? 'is' : 'are'} queued, waiting for Sync now`,
    };
  }
  if (syncs.length > 0 || syncing.length > 0 || queued.length > 0) {
    const t = syncs[0];
    const more =
      queued.length > 0
        ? o.autoSync
          ? ` · ${queued.length} more queued`
          : ` · ${queued.length} waiting for Sync now (auto-sync is off)`
        : '';
    if (!t) {
      const name = syncing[0]?.name ?? queued[0]?.name ?? '';
      return make('syncing', `Syncing ${name} · starting…${syncing.length > 0 ? more : ''}`);
    }
    return make('syncing', `Syncing ${t.sweep} · ${transferWords(t, now, options)}${more}`);
  }
  const extras: string[] = [];
  if (o.counts.waiting > 0) extras.push(`${o.counts.waiting} settling`);
  if (o.counts.running > 0) extras.push(`${o.counts.running} being written by bilancio`);
  if (o.counts.incomplete > 0) extras.push(`${o.counts.incomplete} incomplete`);
  if (!o.autoSync) extras.push('auto-sync is off');
  const tail = extras.length ? ` · ${extras.join(' · ')}` : '';
  if (lastGood > 0)
    return make(
      'up-to-date',
      `Synced · last sweep ${formatPast(new Date(lastGood).toISOString(), now)}${tail}`,
    );
  if (o.counts.synced > 0) return make('up-to-date', `Synced · ${o.counts.synced} sweeps${tail}`);
  return make('up-to-date', `Nothing to sync yet${tail}`);
}

/** "42% · 1 min left" for a transfer in flight. */
export function transferWords(t: Transfer, now: number, options: DeriveOptions = {}): string {
  const at = options.receivedAt?.(t) ?? now;
  const left = timeLeft(t.bytesDone, t.bytesTotal, t.bytesPerSecond, (now - at) / 1000);
  return `${percentOf(t.bytesDone, t.bytesTotal)}% · ${left.text}`;
}

// ---- pausing (the window's Pause ▾ and the tray's Pause ▸ offer the same three) --------------------

/** Milliseconds from `now` to 08:00 local time the next day. */
export function untilTomorrowMorning(now: number): number {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(8, 0, 0, 0);
  return d.getTime() - now;
}

export type PauseChoice = 'hour' | 'tomorrow' | 'until-resumed';

export const PAUSE_CHOICES: ReadonlyArray<{
  id: PauseChoice;
  label: string;
  forMs: (now: number) => number | null;
}> = [
  { id: 'hour', label: 'For 1 hour', forMs: () => 3_600_000 },
  { id: 'tomorrow', label: 'Until tomorrow, 08:00', forMs: untilTomorrowMorning },
  { id: 'until-resumed', label: 'Until I resume', forMs: () => null },
];
