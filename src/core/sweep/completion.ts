import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSyncError } from '../model/errors.js';
import type { Completion } from '../model/types.js';
import { type JobManifestFile, readJobManifest } from './aggregates.js';
import { parseCsv } from './csv.js';
import { checkJsonFile } from './jsonBytes.js';
import type { SweepLayout } from './layout.js';
import type { ParsedCsvFiles } from './parsedCsvFiles.js';

export interface CompletionOptions {
  /** How long the folder must have been quiet before a finished sweep counts as complete. */
  settleMs?: number;
  /** Without a terminal signal, writes older than this mean the sweep crashed or was stopped. */
  staleMs?: number;
  /** Clock (ms since epoch), for tests and for judging many sweeps at one instant. */
  now?: number;
  /** Keeps the tables parsed here for the sync's catalog payload (see parsedCsvFiles.ts). */
  parsedCsv?: ParsedCsvFiles;
}

export interface SweepCompletion extends Completion {
  /** Newest mtime among the cheap-to-check parts of the sweep (see lastModified); 0 if none. */
  lastModifiedMs: number;
  /** The terminal file seen, e.g. 'aggregate/summary.json' or 'k-r-m-f/job_manifest.json', or null. */
  terminalSignal: string | null;
  /** Registry rows whose status is `running`. */
  runningRows: number;
}

export const DEFAULT_SETTLE_MS = 10_000;
export const DEFAULT_STALE_MS = 15 * 60_000;

/**
 * Decide whether a sweep is finished (SPEC §1 "When is a sweep finished?").
 *
 * Bilancio writes nothing atomically and has no done marker, so: a sweep is complete when a terminal
 * signal exists, no registry row is `running`, and nothing has been written for `settleMs`.
 * - Terminal signal: with job manifests, the newest one's status (it is written last, after
 *   summary.json, and a resume rewrites it); without, aggregate/summary.json, aggregate/sweep_summary.txt
 *   or aggregate/dashboard.html.
 * - A failed job manifest → failed.
 * - A half-written registry or manifest → running (bilancio is writing right now).
 * - No terminal signal, or `running` rows: running while writes are recent, incomplete (crashed) once
 *   nothing was written for `staleMs`.
 */
export async function assessCompletion(
  sweepDir: string,
  layout: SweepLayout,
  opts: CompletionOptions = {},
): Promise<SweepCompletion> {
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const now = opts.now ?? Date.now();
  const lastModifiedMs = await lastModified(sweepDir, layout);
  const age = now - lastModifiedMs;
  const ago = describeAge(age);
  const result = (
    state: SweepCompletion['state'],
    reason: string,
    terminalSignal: string | null,
    runningRows = 0,
  ) => ({
    state,
    reason,
    lastModifiedMs,
    terminalSignal,
    runningRows,
  });

  // A cut-off file means bilancio is writing it now, unless nothing moved for staleMs: then it crashed
  // mid-write and the file will stay cut off — permanent damage, synced only as it stands (on request).
  const cutOff = (message: string) =>
    age < staleMs
      ? result('running', message, null)
      : result(
          'incomplete',
          `${message.replace(' is still being written (', ' is torn (')}, and nothing was written for ${ago}: the sweep probably crashed, so it will stay so`,
          null,
        );

  // Job manifests: the newest decides (an older job's "completed" does not cover a resume).
  let manifest: (JobManifestFile & { mtimeMs: number }) | null = null;
  try {
    for (const p of layout.jobManifests) {
      const [m, s] = await Promise.all([readJobManifest(sweepDir, p), stat(join(sweepDir, p))]);
      if (!manifest || s.mtimeMs > manifest.mtimeMs) manifest = { ...m, mtimeMs: s.mtimeMs };
    }
  } catch (e) {
    if (isSyncError(e) && (e.category === 'not-ready' || e.code === 'sweep-damaged'))
      return cutOff(e.message);
    throw e;
  }
  if (manifest?.status === 'failed') {
    return result('failed', `bilancio marked the job as failed in ${manifest.path}`, manifest.path);
  }

  const parse = (rel: string, bytes: Buffer) =>
    opts.parsedCsv ? opts.parsedCsv.parse(rel, bytes) : parseCsv(bytes.toString('utf8'), rel);
  let runningRows = 0;
  try {
    for (const r of layout.registries) {
      const table = parse(r.path, await readFile(join(sweepDir, r.path)));
      for (const row of table.rows) if (row.status === 'running') runningRows++;
    }
    // The aggregates a sync will store must be whole too; a missing one is fine here.
    const comparison = await readOptional(join(sweepDir, layout.comparisonPath));
    if (comparison !== null) parse(layout.comparisonPath, comparison);
    // Checked from the file in pieces: a summary of any size, neither its text nor its tree in memory.
    checkJsonFile(join(sweepDir, 'aggregate/summary.json'), 'aggregate/summary.json');
  } catch (e) {
    // Damage (a row with too many cells, text that is no JSON) may be a rewrite in progress while the
    // sweep is young; once it is old and quiet it is permanent, and the sweep can be synced as it stands.
    if (isSyncError(e) && (e.category === 'not-ready' || e.code === 'sweep-damaged'))
      return cutOff(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return result(
        'running',
        'a registry file disappeared while being read (bilancio is rewriting it)',
        null,
      );
    }
    throw e;
  }

  let terminal: string | null = null;
  if (manifest) {
    if (manifest.status === 'completed') terminal = manifest.path;
  } else {
    for (const f of ['aggregate/summary.json', 'aggregate/sweep_summary.txt', 'aggregate/dashboard.html']) {
      if (await isFile(join(sweepDir, f))) {
        terminal = f;
        break;
      }
    }
  }

  const rowsText =
    runningRows === 1 ? '1 registry row is still running' : `${runningRows} registry rows are still running`;
  if (terminal && runningRows === 0) {
    if (age >= settleMs) {
      return result('complete', `${terminal} present, no running registry rows, quiet for ${ago}`, terminal);
    }
    return result(
      'running',
      `settling: ${terminal} present, but the last write was ${ago} ago; waiting for ${describeAge(settleMs)} of quiet`,
      terminal,
    );
  }

  const why: string[] = [];
  if (manifest && manifest.status !== 'completed') {
    why.push(`${manifest.path} says "${manifest.status ?? 'no status'}"`);
  } else if (!terminal) {
    why.push('no summary.json, sweep_summary.txt, dashboard.html or completed job manifest yet');
  }
  if (runningRows > 0) why.push(rowsText);
  if (terminal && runningRows > 0) why.unshift(`${terminal} present but`);
  const detail = why.join(terminal && runningRows > 0 ? ' ' : '; ');
  if (age < staleMs) return result('running', `${detail}; last write ${ago} ago`, terminal, runningRows);
  return result(
    'incomplete',
    `${detail}, and nothing was written for ${ago}: the sweep probably crashed or was stopped`,
    terminal,
    runningRows,
  );
}

/**
 * Newest mtime among the parts of a sweep bilancio touches as it goes, without walking run folders:
 * the sweep root and its direct children, aggregate/ and its files, each branch folder with its registry/
 * (folder and files) and runs/ folder (a new run folder bumps its mtime), and the job manifest folders.
 */
export async function lastModified(sweepDir: string, layout: SweepLayout): Promise<number> {
  const dirs = new Set<string>(['', ...(layout.aggregateDir ? [layout.aggregateDir] : [])]);
  const units = layout.type === 'ring' ? [''] : layout.branches;
  for (const b of units) {
    const prefix = b ? `${b}/` : '';
    if (b) dirs.add(b);
    dirs.add(`${prefix}registry`);
  }
  for (const m of layout.jobManifests) dirs.add(m.slice(0, m.lastIndexOf('/')));
  const paths = new Set<string>();
  for (const b of units) paths.add(b ? `${b}/runs` : 'runs');
  await Promise.all(
    [...dirs].map(async (d) => {
      paths.add(d);
      try {
        for (const name of await readdir(join(sweepDir, d))) paths.add(d ? `${d}/${name}` : name);
      } catch {
        // Not there (yet): nothing to add.
      }
    }),
  );
  const times = await Promise.all(
    [...paths].map(async (p) => {
      try {
        return (await stat(join(sweepDir, p))).mtimeMs;
      } catch {
        return 0;
      }
    }),
  );
  return times.reduce((a, b) => Math.max(a, b), 0);
}

function describeAge(ms: number): string {
  if (ms < 0) return '0 s (the clock is behind the file times)';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h`;
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
