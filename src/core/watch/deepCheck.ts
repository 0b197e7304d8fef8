/**
 * The deep check of one synced sweep: every file of the folder stat'ed (lstat, no reading, no hashing)
 * and compared with the files of the latest synced revision — the one check that sees a file added,
 * removed or edited inside a run folder, which neither the folder watches nor the fingerprint see. The
 * Rescanner runs it for every synced sweep now and then (hourly by default), paced by a CpuPacer so that
 * it never costs more than a sliver of one core.
 *
 * A file whose size or mtime differs from the revision still counts as synced if the engine's hash cache
 * holds it with that size and mtime and the revision's sha256 (copied or touched, same bytes: a sync
 * already found it unchanged). Anything else is reported; the engine then decides what really changed.
 */
import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import type { SweepLayout } from '../sweep/layout.js';
import type { CpuPacer } from './CpuPacer.js';

/** What the deep check found: null when the folder holds exactly what was synced, else the first difference. */
export type DeepCheckResult = string | null;

export async function deepCheck(
  journal: Journal,
  row: JournalSweep,
  sweepDir: string,
  layout: SweepLayout,
  pacer: CpuPacer,
): Promise<DeepCheckResult> {
  const latest = journal.revisions.latest(row.id);
  if (!latest) return 'no synced revision in the journal';
  const known = new Map(latest.manifest.files.map((f) => [f.path, f]));
  const cache = journal.fileCache.get(sweepDir);
  // An aggregates-only revision holds no run data: files of the archive units are not compared.
  const unitDirs = latest.full ? [] : layout.archiveUnits.flatMap((u) => u.paths.map((p) => `${p}/`));
  const inUnit = (rel: string) => unitDirs.some((d) => rel.startsWith(d));

  let seen = 0;
  const pending: string[] = [''];
  while (pending.length > 0) {
    await pacer.checkpoint();
    const rel = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(rel ? join(sweepDir, rel) : sweepDir, { withFileTypes: true });
    } catch (e) {
      return `${rel || 'the sweep folder'} could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    for (const d of entries) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (inUnit(`${path}/`)) continue;
        pending.push(path);
        continue;
      }
      if (inUnit(path)) continue;
      const s = lstatSync(join(sweepDir, path), { throwIfNoEntry: false });
      if (!s) return `${path} disappeared while looked at`;
      if (s.isDirectory()) {
        pending.push(path);
        continue;
      }
      const f = known.get(path);
      if (!f) return `${path} is new`;
      if (!s.isFile()) return `${path} is no longer a plain file`;
      seen++;
      if (f.size === s.size && f.mtimeMs === s.mtimeMs) continue;
      const c = cache.get(path);
      if (c && c.size === s.size && c.mtimeMs === s.mtimeMs && c.sha256 === f.sha256) continue;
      return `${path} was modified`;
    }
  }
  if (seen < known.size) return `${known.size - seen} synced file(s) are gone`;
  return null;
}
