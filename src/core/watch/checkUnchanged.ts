import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import { lastModified } from '../sweep/completion.js';
import type { SweepLayout } from '../sweep/layout.js';

export interface UnchangedCheck {
  unchanged: boolean;
  /** Newest mtime of the cheap-to-check parts of the sweep (no run folder is walked). */
  lastModifiedMs: number;
  /** Newest file mtime recorded by the synced revision, or null without one. */
  syncedUpToMs: number | null;
}

/**
 * Has a synced sweep stayed as it was synced? Answered from a few stat() calls and the journal, without
 * walking run folders or hashing anything, so that start-up over hundreds of synced sweeps is quick.
 *
 * Unchanged when: the journal says `synced`, its latest revision exists (with run data when `wantFull`),
 * and nothing bilancio touches as it writes — the sweep root and its direct children, `aggregate/`,
 * branch folders with `registry/` and the `runs/` folders (a new run bumps its mtime), job-manifest
 * folders — is newer than the newest file of that revision. Bilancio writes the terminal file last, so a
 * later write anywhere it writes (a resume, a post-hoc analysis, a deleted file) makes the sweep look
 * changed, and the engine then decides (with its size/mtime hash cache) what really changed.
 *
 * Blind spot, shared with the completion check: a file inside a run folder edited in place without any
 * registry or folder change. Bilancio never does that; `bilancio-sync sync` (or a manual retry) catches it.
 */
export async function checkUnchanged(
  journal: Journal,
  row: JournalSweep | null,
  path: string,
  layout: SweepLayout,
  wantFull: boolean,
): Promise<UnchangedCheck> {
  const lastModifiedMs = await lastModified(path, layout);
  if (!row || row.state !== 'synced') return { unchanged: false, lastModifiedMs, syncedUpToMs: null };
  const latest = journal.revisions.latest(row.id);
  if (!latest) return { unchanged: false, lastModifiedMs, syncedUpToMs: null };
  const files = latest.manifest.files;
  if ((!latest.full && wantFull) || files.length === 0) {
    return { unchanged: false, lastModifiedMs, syncedUpToMs: null };
  }
  const syncedUpToMs = files.reduce((m, f) => Math.max(m, f.mtimeMs), 0);
  if (lastModifiedMs <= syncedUpToMs) return { unchanged: true, lastModifiedMs, syncedUpToMs };

  // The files may have been copied or touched since (new mtimes, same bytes) and then found unchanged by
  // a sync (noop): the engine's hash cache then holds the current mtimes. Trust it only if it describes
  // exactly the synced content (a dry run after a change would have left other hashes in it).
  const cache = journal.fileCache.get(path);
  if (latest.full && cache.size !== files.length) return { unchanged: false, lastModifiedMs, syncedUpToMs };
  let cachedUpToMs = 0;
  for (const f of files) {
    const c = cache.get(f.path);
    if (!c || c.size !== f.size || c.sha256 !== f.sha256)
      return { unchanged: false, lastModifiedMs, syncedUpToMs };
  }
  for (const c of cache.values()) cachedUpToMs = Math.max(cachedUpToMs, c.mtimeMs);
  return { unchanged: lastModifiedMs <= cachedUpToMs, lastModifiedMs, syncedUpToMs: cachedUpToMs };
}
