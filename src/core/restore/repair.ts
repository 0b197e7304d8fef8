import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineEventListener } from '../../shared/events.js';
import { createArchive } from '../archive/ArchiveWriter.js';
import { archiveSizeBound } from '../archive/archiveSizeBound.js';
import { readManifest, writeManifest } from '../engine/manifestIO.js';
import { RevisionKeeper } from '../engine/RevisionKeeper.js';
import { acquireSweepLock } from '../engine/sweepLock.js';
import { SyncError } from '../model/errors.js';
import { manifestKey, revisionsPrefix } from '../model/keys.js';
import type { ManifestObject, RemoteManifest } from '../model/RemoteManifest.js';
import type { FileEntry } from '../model/types.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import type { VerifyReport } from './verifyRemote.js';

/** What `verify --deep --repair` did for one damaged or missing object. */
export interface RepairOutcome {
  key: string;
  result: 'repaired' | 'not-repaired';
  /** Plain words: how it was repaired, or why it could not be (which local files differ). */
  detail: string;
}

export interface RepairOptions {
  /** gzip level for rebuilt archives (the sync's setting: the same level rebuilds the same bytes). */
  compressionLevel?: number;
  /** The data folder, for the sweep lock (no sync of the sweep writes while the repair does). */
  lockDir?: string;
  /** This machine's name: a manifest synced from here names the local folder when none is given. */
  sourceHost?: string;
  signal?: AbortSignal;
  onEvent?: EngineEventListener;
}

/**
 * Re-uploads every damaged or missing object a deep verify found in the latest revision, from the local
 * sweep folder — but only an object whose files there still are what the manifest records (size and
 * sha256 of every file it holds); for any other object it says which files differ and uploads nothing.
 *
 * An aggregate goes up as it is (its sha256 is checked by the store). An archive is rebuilt from the
 * files; archives are deterministic, so with the compression level of the sync it has the recorded
 * bytes. If it doesn't (another level), the content is still the recorded files, and the manifests that
 * name the object are updated to the new archive's size and sha256.
 */
export async function repairRemote(
  store: ObjectStore,
  sweep: string,
  localPath: string | null,
  report: VerifyReport,
  options: RepairOptions = {},
): Promise<RepairOutcome[]> {
  const lock = await acquireSweepLock(sweep, { dir: options.lockDir, signal: options.signal });
  try {
    const keeper = new RevisionKeeper(store, sweep);
    const latest = await keeper.current();
    if (!latest || latest.revision !== report.revision) {
      throw new SyncError(
        'usage',
        `Only the latest revision of ${sweep} can be repaired (revision ${latest?.revision ?? '?'}, not ${report.revision}).`,
        { text: 'Run verify --deep --repair without --revision.', action: { kind: 'verify-sweep', sweep } },
        { code: 'repair-not-latest' },
      );
    }
    const keys = [...new Set(report.problems.map((p) => p.key))].sort();
    // Where the local sweep is: given, else the folder this host synced the revision from.
    const fromManifest = latest.sourceHost === options.sourceHost ? latest.sourcePath : null;
    if (!localPath && !fromManifest) {
      throw new SyncError(
        'usage',
        `Where is the local folder of ${sweep}? Revision ${latest.revision} was synced from ` +
          `${latest.sourceHost}:${latest.sourcePath}, and this machine has no record of it.`,
        'Give the folder: bilancio-sync verify <sweep> --deep --repair --path <sweep folder>.',
        { code: 'repair-path-unknown' },
      );
    }
    const root = localPath ?? (fromManifest as string);
    const folder = await stat(root).catch(() => null);
    if (!folder?.isDirectory()) {
      return keys.map((key) => ({
        key,
        result: 'not-repaired',
        detail: `the local folder ${root} is not there; nothing uploaded`,
      }));
    }
    const byPath = new Map(latest.files.map((f) => [f.path, f]));
    const outcomes: RepairOutcome[] = [];
    const renewed = new Map<string, { old: ManifestObject; size: number; sha256: string }>();
    for (const key of keys) {
      options.signal?.throwIfAborted();
      const o = latest.objects.find((x) => x.key === key);
      if (!o) {
        outcomes.push({ key, result: 'not-repaired', detail: 'not an object of the latest revision' });
        continue;
      }
      const checked = await checkLocalFiles(root, o, byPath);
      if (checked.differ.length > 0) {
        const shown = checked.differ.slice(0, 5).join('; ');
        const more = checked.differ.length > 5 ? `; and ${checked.differ.length - 5} more` : '';
        outcomes.push({
          key,
          result: 'not-repaired',
          detail: `the local files differ from the manifest (${shown}${more}); nothing uploaded for this object`,
        });
        continue;
      }
      if (o.kind === 'aggregate') {
        const entry = checked.entries[0]!;
        const info = await store.put(key, () => createReadStream(join(root, entry.path)), {
          sha256: entry.sha256,
          size: entry.size,
          signal: options.signal,
        });
        outcomes.push({ key, result: 'repaired', detail: `re-uploaded from ${join(root, entry.path)}` });
        options.onEvent?.({ type: 'object-done', sweep, key, size: info.size, skipped: false });
        continue;
      }
      const archive = createArchive(root, checked.entries, {
        level: options.compressionLevel,
        signal: options.signal,
      });
      const put = store.put(key, archive.stream, {
        contentType: 'application/gzip',
        maxSize: archiveSizeBound(checked.entries),
        signal: options.signal,
      });
      const [info, made] = await Promise.all([put, archive.done]).catch(async (e) => {
        archive.stream.destroy();
        await Promise.allSettled([put, archive.done]);
        throw e;
      });
      const changed = [...made.fileSha256]
        .filter(([p, sha]) => byPath.get(p)?.sha256 !== sha)
        .map(([p]) => p);
      if (changed.length > 0 || (info.sha256 !== undefined && info.sha256 !== made.sha256)) {
        throw new SyncError(
          'conflict',
          `${key}: ${changed.length > 0 ? `${changed.join(', ')} changed while it was archived` : 'the store holds other bytes than the archive written'}.`,
          'Run verify --deep --repair again once the files are quiet.',
        );
      }
      if (made.sha256 !== o.sha256) renewed.set(key, { old: o, size: made.size, sha256: made.sha256 });
      outcomes.push({
        key,
        result: 'repaired',
        detail:
          `rebuilt from ${o.files.length} local file(s) and re-uploaded` +
          (made.sha256 !== o.sha256 ? ' (new archive bytes, same files: the manifest was updated)' : ''),
      });
      options.onEvent?.({ type: 'object-done', sweep, key, size: made.size, skipped: false });
    }
    if (renewed.size > 0) await updateManifests(store, sweep, renewed);
    return outcomes;
  } finally {
    lock.release();
  }
}

/** Size and sha256 of every local file the object holds, against the manifest. */
async function checkLocalFiles(
  root: string,
  o: ManifestObject,
  byPath: Map<string, FileEntry>,
): Promise<{ differ: string[]; entries: FileEntry[] }> {
  const differ: string[] = [];
  const entries: FileEntry[] = [];
  for (const path of o.files) {
    const recorded = byPath.get(path);
    if (!recorded) {
      differ.push(`${path}: not in the manifest's files`);
      continue;
    }
    const s = await stat(join(root, path)).catch(() => null);
    if (!s?.isFile()) {
      differ.push(`${path}: missing locally`);
      continue;
    }
    if (s.size !== recorded.size) {
      differ.push(`${path}: ${s.size} bytes, the manifest says ${recorded.size}`);
      continue;
    }
    const sha = await sha256Of(join(root, path));
    if (sha !== recorded.sha256) {
      differ.push(`${path}: edited since the sync (sha256 differs)`);
      continue;
    }
    // The archive carries the file's mtime as it is now (the archive writer checks it did not change).
    entries.push({ ...recorded, mtimeMs: s.mtimeMs });
  }
  return { differ, entries };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Point every manifest that names a rebuilt object with its old bytes at the new size and sha256. */
async function updateManifests(
  store: ObjectStore,
  sweep: string,
  renewed: Map<string, { old: ManifestObject; size: number; sha256: string }>,
): Promise<void> {
  const preserved: string[] = [];
  for await (const info of store.list(revisionsPrefix(sweep))) {
    if (/^\d+\/manifest\.json$/.test(info.key.slice(revisionsPrefix(sweep).length))) preserved.push(info.key);
  }
  // The preserved manifests first, manifest.json (the commit point) last.
  for (const key of [...preserved, manifestKey(sweep)]) {
    const m: RemoteManifest | null = await readManifest(store, key);
    if (!m) continue;
    let changed = false;
    for (const o of m.objects) {
      const r = renewed.get(o.key);
      if (!r || o.sha256 !== r.old.sha256) continue;
      o.size = r.size;
      o.sha256 = r.sha256;
      changed = true;
    }
    if (changed) await writeManifest(store, key, m);
  }
}
