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
  /** Whether the latest synced revision holds the run data (null without one). */
  full: boolean | null;
}

/**
 * Has a synced sweep stayed as it was synced? Answered from a few stat() calls and the journal, without
 * walking run folders or hashing anything. It parses the latest revision's manifest, so watch mode runs it
 * only when a sweep's fingerprint (fingerprint.ts) is missing or no longer matches, and takes a new
 * fingerprint when this says unchanged.
 *
 * Unchanged when: the journal says `synced`, its latest revision exists (with run data when `wantFull`),
 * and nothing bilancio touches as it writes — the sweep root and its direct children, `aggregate/`,
 * branch folders with `registry/` and the `runs/` folders (a new run bumps its mtime), job-manifest
 * folders — is newer than the newest file of that revision. Bilancio writes the terminal file last, so a
 * later write anywhere it writes (a resume, a post-hoc analysis, a deleted file) makes the sweep look
 * changed, and the engine then decides (with its size/mtime hash cache) what really changed.
 *
 * Blind spot, shared with the completion check: a file inside a run folder edited in place without any
 * registry or folder change. Bilancio never does that; watch mode's deep check (deepCheck.ts, spread over
 * time) and `bilancio-sync sync` catch it.
 */
export async function checkUnchanged(
  journal: Journal,
  row: JournalSweep | null,
  path: string,
  layout: SweepLayout,
  wantFull: boolean,
  /** The folder's lastModified, if the caller has it already (e.g. from the fingerprint it just took). */
  knownLastModifiedMs?: number,
): Promise<UnchangedCheck> {
  const lastModifiedMs = knownLastModifiedMs ?? (await lastModified(path, layout));
  const no = { unchanged: false, lastModifiedMs, syncedUpToMs: null, full: null };
  if (!row || row.state !== 'synced') return no;
  const latest = journal.revisions.latest(row.id);
  if (!latest) return no;
  const files = latest.manifest.files;
  if ((!latest.full && wantFull) || files.length === 0) return { ...no, full: latest.full };
  const full = latest.full;
  const syncedUpToMs = files.reduce((m, f) => Math.max(m, f.mtimeMs), 0);
  if (lastModifiedMs <= syncedUpToMs) return { unchanged: true, lastModifiedMs, syncedUpToMs, full };

  // The files may have been copied or touched since (new mtimes, same bytes) and then found unchanged by
  // a sync (noop): the engine's hash cache then holds the current mtimes. Trust it only if it describes
  // exactly the synced content (a dry run after a change would have left other hashes in it).
  const cache = journal.fileCache.get(path);
  const changed = { unchanged: false, lastModifiedMs, syncedUpToMs, full };
  if (latest.full && cache.size !== files.length) return changed;
  let cachedUpToMs = 0;
  for (const f of files) {
    const c = cache.get(f.path);
    if (!c || c.size !== f.size || c.sha256 !== f.sha256) return changed;
  }
  for (const c of cache.values()) cachedUpToMs = Math.max(cachedUpToMs, c.mtimeMs);
  return { unchanged: lastModifiedMs <= cachedUpToMs, lastModifiedMs, syncedUpToMs: cachedUpToMs, full };
}
