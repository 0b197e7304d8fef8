/**
 * Plain-words formatting shared by every view: byte sizes (a done/total pair in one unit), speeds,
 * durations, "x min ago" / "in x min", percentages that only reach 100 when the work is done, and the
 * time left of a transfer that never sticks at "0 s left".
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** The unit (power of 1000) that suits `bytes`. */
function unitOf(bytes: number): number {
  let i = 0;
  let v = Math.abs(bytes);
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i += 1;
  }
  return i;
}

function inUnit(bytes: number, unit: number): string {
  if (unit === 0) return String(Math.round(bytes));
  const v = bytes / 1000 ** unit;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** "1.24 MB". */
export function formatBytes(bytes: number): string {
  const unit = unitOf(bytes);
  return `${inUnit(bytes, unit)} ${UNITS[unit]}`;
}

/** "0.42 / 1.20 GB": both figures in the total's unit, so they compare at a glance. */
export function formatBytesPair(done: number, total: number): string {
  const unit = unitOf(Math.max(total, done));
  return `${inUnit(done, unit)} / ${inUnit(total, unit)} ${UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Whole percent, rounded down: 100 % only once everything is done. */
export function percentOf(done: number, total: number): number {
  if (total <= 0) return done > 0 ? 100 : 0;
  if (done >= total) return 100;
  return Math.min(99, Math.floor((done / total) * 100));
}

/** "0.4 s", "12 s", "1 min 20 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  if (ms < 9_950) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 || m >= 10 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** A coarse span for sentences: "4 min", "2 h", "3 days". */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  const d = Math.round(h / 24);
  return `${d} days`;
}

/** "just now", "4 min ago", "in 3 min" (relative to `now`). */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  if (Math.abs(diff) < 5_000) return diff > 0 ? 'in a moment' : 'just now';
  return diff < 0 ? `${span(diff)} ago` : `in ${span(diff)}`;
}

/** How far ahead of the window's clock a past event's time may be and still read "just now": the shared
 *  clock ticks once a second (so it lags an event that just arrived by up to 1 s), and the machine that
 *  stamped it may run a little ahead. */
export const CLOCK_SLACK_MS = 5_000;

/**
 * When something already happened ("just now", "4 min ago"): for past events only (a sync's end, an
 * attempt's start). A time up to CLOCK_SLACK_MS ahead of `now` is clock lag, not the future, so it reads
 * "just now" rather than "in a moment"; things really in the future (a settle time, a retry) use
 * formatRelative.
 */
export function formatPast(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  if (t - now > 0 && t - now <= CLOCK_SLACK_MS) return 'just now';
  return formatRelative(iso, now);
}

/** A full local date and time, for titles and tables. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "08:00 tomorrow", "14:30", "Mon 3 Dec 09:00" — when a pause ends, when a retry runs. */
export function formatClock(iso: string, now: number): string {
  const d = new Date(iso);
  const today = new Date(now);
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const dayDiff = Math.round(
    (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() -
      new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime()) /
      86_400_000,
  );
  if (dayDiff === 0) return time;
  if (dayDiff === 1) return `${time} tomorrow`;
  return `${d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}

export type TimeLeft =
  | { kind: 'seconds'; seconds: number; text: string }
  | { kind: 'estimating'; text: string }
  | { kind: 'finishing'; text: string };

/**
 * Time left of a transfer, from the figures shown next to it (bytes left ÷ speed), counted down by the
 * seconds since that progress arrived. Never "0 s left": once the estimate runs out before the bytes do,
 * it says "estimating…"; with every byte done it says "finishing".
 */
export function timeLeft(
  done: number,
  total: number,
  bytesPerSecond: number | null,
  secondsSinceUpdate: number,
): TimeLeft {
  if (total > 0 && done >= total) return { kind: 'finishing', text: 'finishing' };
  if (!bytesPerSecond || bytesPerSecond <= 0 || total <= 0)
    return { kind: 'estimating', text: 'estimating…' };
  // Under a second to go still reads "1 s left"; an estimate that ran out before the bytes did is stale.
  const left = Math.max(1, (total - done) / bytesPerSecond) - Math.max(0, secondsSinceUpdate);
  if (left <= 0) return { kind: 'estimating', text: 'estimating…' };
  const seconds = Math.ceil(left);
  const text = seconds < 60 ? `${seconds} s left` : `${formatDuration(seconds * 1000)} left`;
  return { kind: 'seconds', seconds, text };
}

/** Python's and bilancio's number spellings (the same rule the service sorts by). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function numericValue(cell: string | null | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  const t = cell.trim();
  if (!NUMBER.test(t)) return null;
  return Number(t);
}

/** A long decimal shortened for a table cell (the full text stays in the cell's title and exports). */
export function shortNumber(cell: string): string {
  const n = numericValue(cell);
  if (n === null || cell.length <= 10) return cell;
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1e6 || abs < 1e-4) return n.toExponential(4);
  return String(Number(n.toPrecision(6)));
}

/** "3 files", "1 file". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
