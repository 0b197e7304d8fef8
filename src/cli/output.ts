import { type SyncError, toSyncError } from '../core/model/errors.js';
import { fromOsError, isOsError } from '../core/model/osErrors.js';
import { EXIT_CODES } from '../shared/constants.js';
import { renderHint } from './hints.js';

/** Global output mode: `--json` prints one JSON document (or JSON lines) on stdout and nothing else. */
export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A plain aligned table for terminals. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Print an error the way a researcher can act on it, and return the exit code for its category. */
export function reportError(e: unknown, options: OutputOptions): number {
  // A raw OS error that got this far (e.g. EMFILE while loading a module under a low `ulimit -n`) still
  // gets its category, the path and what to do, not "internal" with errno text.
  const err: SyncError = isOsError(e)
    ? fromOsError(e, {
        path: (e as NodeJS.ErrnoException).path ?? process.cwd(),
        doing: 'running the command',
      })
    : toSyncError(e);
  const hint = renderHint(err.toAppError().hint);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ error: { category: err.category, code: err.code, message: err.message, hint } })}\n`,
    );
  } else {
    process.stderr.write(`error: ${err.message}\n`);
    if (hint) process.stderr.write(`  → ${hint}\n`);
    if (err.category === 'internal' && process.env.BILANCIO_SYNC_DEBUG && err.cause instanceof Error) {
      process.stderr.write(`${err.cause.stack}\n`);
    }
  }
  return EXIT_CODES[err.category];
}

export type { SyncError };
