import { SyncError } from '../model/errors.js';
import { manifestKey, preservedKey, revisionManifestKey, revisionsPrefix } from '../model/keys.js';
import type { RemoteManifest } from '../model/RemoteManifest.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import { readManifest, writeManifest } from './manifestIO.js';

/**
 * Keeps every earlier revision of a sweep restorable when a new revision overwrites canonical keys
 * (a bilancio resume rewrites comparison.csv; a branch gains runs). Before the new revision writes a key
 * whose current content an earlier revision still needs, that content is copied (server-side) to
 * `.revisions/{n}/…` and the earlier revisions' manifests are rewritten to point there.
 *
 * Crash safety: preserved copies and manifests are written before anything canonical is overwritten,
 * and the preserved manifest of the current revision is the truth for it from then on (see `current`).
 */
export class RevisionKeeper {
  /**
   * `recorded`: reads the manifest this machine's journal holds for the sweep's folder, if any. Reading
   * the committed revision, and checking that it hasn't moved, then costs a HEAD, not a download, while
   * the store still holds those bytes (readManifest). Read when asked, not kept: for 120,000 files it is
   * 30 MB, which a sync would otherwise hold through all its uploads.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly sweep: string,
    private readonly recorded: () => Buffer | null = () => null,
  ) {}

  /**
   * The latest committed revision, or null. If a sync was interrupted after preserving it, the preserved
   * manifest is the one whose keys are still right, so it wins over `manifest.json`.
   */
  async current(recorded: Buffer | null = this.recorded()): Promise<RemoteManifest | null> {
    return this.currentFrom(await this.latest(recorded), recorded);
  }

  /**
   * `manifest.json` as it is (null when absent), without the checks `current` adds. `recorded`: the
   * manifest the journal holds for the sweep, as readManifest takes it.
   */
  latest(recorded?: Buffer | null): Promise<RemoteManifest | null> {
    return readManifest(this.store, manifestKey(this.sweep), recorded);
  }

  /** `current`, given what `latest` returned: for a caller that needs to know whether manifest.json exists. */
  async currentFrom(latest: RemoteManifest | null, recorded?: Buffer | null): Promise<RemoteManifest | null> {
    if (!latest) {
      // manifest.json deleted (by hand, a lifecycle rule) while earlier revisions are kept: a new sync
      // must continue after the newest kept revision, not start again at 1 (whose preserved manifest
      // would then win over the new one). Restore and verify refuse instead (see missingManifest).
      const kept = await this.all();
      return kept.at(-1) ?? null;
    }
    return (
      (await readManifest(this.store, revisionManifestKey(this.sweep, latest.revision), recorded)) ?? latest
    );
  }

  /**
   * When `manifest.json` is gone but objects of the sweep are still there: what is there (object count,
   * a few keys, the kept revisions). Null when the manifest exists or the sweep has no object at all.
   */
  async missingManifest(): Promise<{ objects: number; sample: string[]; kept: number[] } | null> {
    if (await this.store.head(manifestKey(this.sweep))) return null;
    let objects = 0;
    const sample: string[] = [];
    for await (const info of this.store.list(`${this.sweep}/`)) {
      objects += 1;
      if (sample.length < 3) sample.push(info.key);
    }
    if (objects === 0) return null;
    const kept = (await this.all()).map((m) => m.revision);
    return { objects, sample, kept };
  }

  /**
   * The commit point: write `manifest` as `manifest.json` unless the committed revision moved since this
   * sync read it (`expected`, null = there was none). Another machine writing the same sweep name into
   * the same bucket then gets a clear conflict instead of silently replacing a revision. Checked once
   * more right before the write; on one machine the sweep lock (sweepLock.ts) makes check and write one
   * step. (s3rver and some S3-compatible servers ignore conditional PUTs, so the check is a re-read.)
   */
  async commit(manifest: RemoteManifest, expected: RemoteManifest | null): Promise<void> {
    await this.checkUnmoved(expected, manifest.revision, manifest.objects);
    await writeManifest(this.store, manifestKey(this.sweep), manifest);
  }

  /** Refuse (conflict) if the committed revision is no longer the one this sync started from. */
  async checkUnmoved(
    expected: RemoteManifest | null,
    planned: number,
    written: ReadonlyArray<{ key: string; sha256: string }> = [],
  ): Promise<void> {
    const now = await readManifest(this.store, manifestKey(this.sweep), this.recorded());
    const found = now?.revision ?? null;
    // A sync started while manifest.json was missing continues after the newest kept revision.
    if (now === null || found === (expected?.revision ?? null)) return;
    const who = `${now.sourceHost}:${now.sourcePath} at ${now.syncedAt}`;
    // Objects both syncs wrote under the same key: if ours is what the store holds now, the other
    // revision lost that object to us — it can be repaired from the other machine's folder.
    const theirs = new Map(now.objects.map((o) => [o.key, o.sha256]));
    const clobbered: string[] = [];
    for (const o of written) {
      const other = theirs.get(o.key);
      if (other === undefined || other === o.sha256) continue;
      if ((await this.store.head(o.key))?.sha256 === o.sha256) clobbered.push(o.key);
    }
    const damage =
      clobbered.length > 0
        ? ` This sync had already replaced ${clobbered.length} object(s) revision ${found} needs (${clobbered.slice(0, 3).join(', ')}${clobbered.length > 3 ? ', …' : ''}): ` +
          `run "bilancio-sync verify ${this.sweep} --deep --repair" on the machine that synced revision ${found} (${now.sourceHost}) to put them back.`
        : '';
    throw new SyncError(
      'conflict',
      `Another sync committed revision ${found} of ${this.sweep} (from ${who}) while this one was writing ` +
        `revision ${planned}; this revision was not committed, revision ${found} is kept.${damage}`,
      {
        text:
          `Sync again: this folder becomes revision ${now.revision + 1}.` +
          (clobbered.length > 0
            ? ` First repair revision ${found} on ${now.sourceHost}: bilancio-sync verify ${this.sweep} --deep --repair.`
            : ''),
      },
      { code: 'revision-conflict' },
    );
  }

  /** Every restorable revision's manifest, oldest first. */
  async all(): Promise<RemoteManifest[]> {
    const byRevision = new Map<number, RemoteManifest>();
    for await (const info of this.store.list(revisionsPrefix(this.sweep))) {
      if (!/^\d+\/manifest\.json$/.test(info.key.slice(revisionsPrefix(this.sweep).length))) continue;
      const m = await readManifest(this.store, info.key);
      if (m) byRevision.set(m.revision, m);
    }
    const latest = await readManifest(this.store, manifestKey(this.sweep));
    if (latest && !byRevision.has(latest.revision)) byRevision.set(latest.revision, latest);
    return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
  }

  /** The manifest of one revision, or null if it isn't kept. */
  async revision(n: number): Promise<RemoteManifest | null> {
    const preserved = await readManifest(this.store, revisionManifestKey(this.sweep, n));
    if (preserved) return preserved;
    const latest = await readManifest(this.store, manifestKey(this.sweep));
    return latest?.revision === n ? latest : null;
  }

  /**
   * Make sure every kept revision survives writing `newObjects` (key → sha256) to canonical keys.
   * Returns warnings for revisions that could not be fully kept (their bytes were already gone).
   */
  async preserveBefore(current: RemoteManifest, newObjects: Map<string, string>): Promise<string[]> {
    const warnings: string[] = [];
    const kept = (await this.all()).filter((m) => m.revision !== current.revision);
    const manifests = [current, ...kept];
    const changed = new Set<RemoteManifest>([current]); // the current revision is always written to .revisions/
    for (const [key, newSha] of newObjects) {
      const users = manifests.filter((m) => m.objects.some((o) => o.key === key && o.sha256 !== newSha));
      if (users.length === 0) continue;
      const head = await this.store.head(key);
      const target = preservedKey(this.sweep, current.revision, key);
      for (const m of users) {
        for (const o of m.objects) {
          if (o.key !== key || o.sha256 === newSha) continue;
          if (head?.sha256 !== o.sha256) {
            warnings.push(
              `Revision ${m.revision} of ${this.sweep} had lost ${key} before this sync; it stays incomplete.`,
            );
            continue;
          }
          o.key = target;
          changed.add(m);
        }
      }
      if (head && users.some((m) => m.objects.some((o) => o.key === target)))
        await this.store.copy(key, target);
    }
    for (const m of changed) await writeManifest(this.store, revisionManifestKey(this.sweep, m.revision), m);
    return warnings;
  }
}
