/**
 * A synced sweep's fingerprint: the mtime and size of every part of the folder bilancio touches as it
 * writes (the parts `lastModified` looks at: the sweep folder and its entries, aggregate/, each branch
 * folder with registry/ and runs/, the job-manifest folders — never a run folder), kept in the journal
 * when the sweep is known to be as synced. At start-up an unchanged synced sweep is recognised by
 * stat'ing those ~20 paths and comparing them with the fingerprint for equality — no reading of folders,
 * no layout detection, no manifest parsed — so start-up over 1,000 synced sweeps costs ~20,000 stat calls.
 *
 * A fingerprint counts only while the sweep's journal row is as it was when it was taken (`rowUpdatedAt`):
 * any sync (also a one-shot `sync`) or state change voids it, and the full check (checkUnchanged) runs
 * again and takes a new one. Anything it can't see (a file edited inside a run folder) is the deep
 * check's job (deepCheck.ts, spread over time by the Rescanner).
 */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import type { Json } from '../model/types.js';
import type { SweepLayout } from '../sweep/layout.js';

/** Journal setting per sweep row: `watch.fingerprint/<sweep id>`. */
export const FINGERPRINT_SETTING = 'watch.fingerprint/';

export interface SweepFingerprint {
  /** The sweep row's updatedAt when it was taken. */
  rowUpdatedAt: string;
  /** The synced revision holds the run data. */
  full: boolean;
  /** Sweep-relative path ('' = the sweep folder) → [mtimeMs, size]; [-1, -1]: it did not exist. */
  entries: Array<[string, number, number]>;
  /** The folders to watch (sweep-relative, '' = the sweep folder). */
  dirs: string[];
  /** When the deep check last found the sweep as synced (ms since the epoch), or null. */
  deepCheckedAt: number | null;
}

/** The folders of a sweep that watch mode watches, and whose entries the fingerprint holds. */
export function keyDirs(layout: SweepLayout): { listed: string[]; runs: string[] } {
  const listed = new Set<string>(['', ...(layout.aggregateDir ? [layout.aggregateDir] : [])]);
  const units = layout.type === 'ring' ? [''] : layout.branches;
  const runs: string[] = [];
  for (const b of units) {
    const prefix = b ? `${b}/` : '';
    if (b) listed.add(b);
    listed.add(`${prefix}registry`);
    runs.push(`${prefix}runs`);
  }
  for (const m of layout.jobManifests) listed.add(m.slice(0, m.lastIndexOf('/')));
  return { listed: [...listed], runs };
}

/** Take the fingerprint's entries and folders now (a few readdir and ~20 stat calls). */
export async function takeFingerprint(
  sweepDir: string,
  layout: SweepLayout,
): Promise<Pick<SweepFingerprint, 'entries' | 'dirs'>> {
  const { listed, runs } = keyDirs(layout);
  const paths = new Set<string>([...listed, ...runs]);
  await Promise.all(
    listed.map(async (d) => {
      try {
        for (const name of await readdir(join(sweepDir, d))) paths.add(d ? `${d}/${name}` : name);
      } catch {
        // Not there (yet): recorded as absent below.
      }
    }),
  );
  const sorted = [...paths].sort();
  const entries = await Promise.all(
    sorted.map(async (p): Promise<[string, number, number]> => {
      try {
        const s = await stat(join(sweepDir, p));
        return [p, s.mtimeMs, s.isDirectory() ? 0 : s.size];
      } catch {
        return [p, -1, -1];
      }
    }),
  );
  const isDir = new Set([...listed, ...runs]);
  const dirs = entries.filter(([p, m]) => isDir.has(p) && m >= 0).map(([p]) => p);
  return { entries, dirs };
}

/** The newest mtime among the entries (what lastModified would say of the folder then). */
export function newestMtime(entries: SweepFingerprint['entries']): number {
  let m = 0;
  for (const e of entries) if (e[1] > m) m = e[1];
  return m;
}

/**
 * Whether the folder still looks exactly as the fingerprint says: every entry has the same mtime and
 * size (or is still absent). Synchronous on purpose: ~20 stat calls without a thread-pool round trip each.
 */
export function fingerprintMatches(sweepDir: string, fp: SweepFingerprint): boolean {
  for (const [p, mtimeMs, size] of fp.entries) {
    const s = statSync(p ? join(sweepDir, p) : sweepDir, { throwIfNoEntry: false });
    if (!s) {
      if (mtimeMs !== -1) return false;
      continue;
    }
    if (s.mtimeMs !== mtimeMs || (s.isDirectory() ? 0 : s.size) !== size) return false;
  }
  return true;
}

/**
 * The fingerprints, one journal setting per sweep row. Writes are gathered and committed together (at
 * most a second later, and on `flush`): the journal commits durably (synchronous=FULL), and a first scan
 * after an upgrade takes a thousand fingerprints at once — one commit instead of a thousand.
 */
export class FingerprintStore {
  private readonly pending = new Map<number, SweepFingerprint>();
  /** What is known of each fingerprint read or written, for deepCheckedAt without parsing it again. */
  private readonly known = new Map<number, { rowUpdatedAt: string; deepCheckedAt: number | null }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly journal: Journal) {}

  /** The sweep's fingerprint if it still counts (its row unchanged since), else null. */
  valid(row: JournalSweep): SweepFingerprint | null {
    const fp = this.get(row.id);
    return fp && fp.rowUpdatedAt === row.updatedAt ? fp : null;
  }

  get(sweepId: number): SweepFingerprint | null {
    const queued = this.pending.get(sweepId);
    if (queued) return queued;
    const raw = this.journal.settings.get(FINGERPRINT_SETTING + sweepId);
    if (!isFingerprint(raw)) return null;
    this.known.set(sweepId, { rowUpdatedAt: raw.rowUpdatedAt, deepCheckedAt: raw.deepCheckedAt ?? null });
    return raw;
  }

  /** When the deep check last found the sweep as synced (per its valid fingerprint), or null. */
  deepCheckedAt(row: JournalSweep): number | null {
    const k = this.known.get(row.id);
    if (k) return k.rowUpdatedAt === row.updatedAt ? k.deepCheckedAt : null;
    return this.valid(row)?.deepCheckedAt ?? null;
  }

  put(sweepId: number, fp: SweepFingerprint): void {
    this.pending.set(sweepId, fp);
    this.known.set(sweepId, { rowUpdatedAt: fp.rowUpdatedAt, deepCheckedAt: fp.deepCheckedAt });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 1_000);
      this.timer.unref();
    }
  }

  /** Record when the deep check last found the sweep as synced (kept across restarts with the fingerprint). */
  markDeepChecked(row: JournalSweep, at: number): void {
    const fp = this.valid(row);
    if (fp) this.put(row.id, { ...fp, deepCheckedAt: at });
  }

  /** Commit what was put (a fingerprint that can't be written is only a slower next start-up). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    try {
      this.journal.transaction(() => {
        for (const [id, fp] of batch)
          this.journal.settings.set(FINGERPRINT_SETTING + id, fp as unknown as Json);
      });
    } catch {
      // The journal is closed or can't be written: the next examination takes the fingerprint again.
    }
  }
}

function isFingerprint(v: unknown): v is SweepFingerprint {
  if (!v || typeof v !== 'object') return false;
  const f = v as Partial<SweepFingerprint>;
  return (
    typeof f.rowUpdatedAt === 'string' &&
    typeof f.full === 'boolean' &&
    Array.isArray(f.entries) &&
    Array.isArray(f.dirs)
  );
}
