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
  constructor(
    private readonly store: ObjectStore,
    private readonly sweep: string,
  ) {}

  /**
   * The latest committed revision, or null. If a sync was interrupted after preserving it, the preserved
   * manifest is the one whose keys are still right, so it wins over `manifest.json`.
   */
  async current(): Promise<RemoteManifest | null> {
    const latest = await readManifest(this.store, manifestKey(this.sweep));
    if (!latest) return null;
    return (await readManifest(this.store, revisionManifestKey(this.sweep, latest.revision))) ?? latest;
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
