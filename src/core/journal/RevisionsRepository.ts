/**
 * The `revisions` table: every revision of a sweep this machine committed (or found committed), with
 * its manifest, so that watch mode can tell an unchanged synced sweep without hashing or asking the store.
 */
import { manifestJson, type RemoteManifest } from '../model/RemoteManifest.js';
import { writeKnownJson } from '../stores/sqliteDatabase.js';
import { type JournalDb, optional } from './JournalDb.js';
import type { JournalRevision } from './types.js';

interface RevisionRow {
  sweep_id: number;
  revision: number;
  manifest: string;
  synced_at: string;
  full: number;
  bytes: number;
}

export class RevisionsRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      put: db.prepare(`INSERT OR REPLACE INTO revisions (sweep_id, revision, manifest, synced_at, full, bytes)
        VALUES (@sweep_id, @revision, @manifest, @synced_at, @full, @bytes)`),
      latest: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC LIMIT 1'),
      latestInfo: db.prepare(
        'SELECT sweep_id, revision, synced_at, full, bytes FROM revisions WHERE sweep_id = ? ORDER BY revision DESC LIMIT 1',
      ),
      list: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC'),
    };
  }

  /** Record a committed revision (its manifest was written). Recording the same revision again replaces it.
   *  `bytes` defaults to the sum of the manifest's object sizes. */
  record(sweepId: number, manifest: RemoteManifest, options: { bytes?: number } = {}): JournalRevision {
    const bytes = options.bytes ?? manifest.objects.reduce((sum, o) => sum + o.size, 0);
    return this.ctx.guard(() => {
      this.ctx.db.transaction(() => {
        this.stmts.put.run({
          sweep_id: sweepId,
          revision: manifest.revision,
          manifest: '{}', // set just below
          synced_at: manifest.syncedAt,
          full: manifest.full ? 1 : 0,
          bytes,
        });
        // The text the store and the catalog took too, valid JSON by construction: no CHECK's parse of
        // tens of MB (see writeKnownJson).
        writeKnownJson(
          this.ctx.db,
          'UPDATE revisions SET manifest = ? WHERE sweep_id = ? AND revision = ?',
          manifestJson(manifest),
          sweepId,
          manifest.revision,
        );
      })();
      return {
        sweepId,
        revision: manifest.revision,
        manifest,
        syncedAt: manifest.syncedAt,
        full: manifest.full,
        bytes,
      };
    });
  }

  /** The newest revision without its manifest (tens of MB for a big sweep, not read or parsed). */
  latestInfo(sweepId: number): Omit<JournalRevision, 'manifest'> | null {
    return this.ctx.guard(() =>
      optional(this.stmts.latestInfo.get(sweepId) as Omit<RevisionRow, 'manifest'> | undefined, (r) => ({
        sweepId: r.sweep_id,
        revision: r.revision,
        syncedAt: r.synced_at,
        full: r.full === 1,
        bytes: r.bytes,
      })),
    );
  }

  latest(sweepId: number): JournalRevision | null {
    return this.ctx.guard(() =>
      optional(this.stmts.latest.get(sweepId) as RevisionRow | undefined, toRevision),
    );
  }

  /** Newest first. */
  list(sweepId: number): JournalRevision[] {
    return this.ctx.guard(() => (this.stmts.list.all(sweepId) as RevisionRow[]).map(toRevision));
  }
}

function toRevision(r: RevisionRow): JournalRevision {
  return {
    sweepId: r.sweep_id,
    revision: r.revision,
    manifest: JSON.parse(r.manifest) as RemoteManifest,
    syncedAt: r.synced_at,
    full: r.full === 1,
    bytes: r.bytes,
  };
}
