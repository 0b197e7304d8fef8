/**
 * The `revisions` table: every revision of a sweep this machine committed (or found committed), and the
 * manifest of the latest (`revision_manifests`, in parts), so that watch mode can tell an unchanged
 * synced sweep without hashing or asking the store.
 */
import { manifestBody, type RemoteManifest } from '../model/RemoteManifest.js';
import { type JournalDb, optional } from './JournalDb.js';
import type { JournalRevision, JournalRevisionInfo } from './types.js';

/**
 * Bytes of a manifest per row. A value is copied several times as SQLite and the driver write it: in
 * parts, that is a few MB at most, whatever the sweep (a 25 MB manifest whole took +85 MB to write).
 */
export const MANIFEST_PART_BYTES = 1024 * 1024;

interface RevisionRow {
  sweep_id: number;
  revision: number;
  synced_at: string;
  full: number;
  bytes: number;
}

export class RevisionsRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      put: db.prepare(`INSERT INTO revisions (sweep_id, revision, synced_at, full, bytes)
        VALUES (@sweep_id, @revision, @synced_at, @full, @bytes)
        ON CONFLICT (sweep_id, revision) DO UPDATE
          SET synced_at = excluded.synced_at, full = excluded.full, bytes = excluded.bytes`),
      // The manifest recorded replaces its own earlier parts and those of every older revision.
      dropParts: db.prepare('DELETE FROM revision_manifests WHERE sweep_id = ? AND revision <= ?'),
      putPart: db.prepare(
        'INSERT INTO revision_manifests (sweep_id, revision, part, utf8) VALUES (?, ?, ?, ?)',
      ),
      parts: db.prepare(
        'SELECT utf8 FROM revision_manifests WHERE sweep_id = ? AND revision = ? ORDER BY part',
      ),
      latest: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC LIMIT 1'),
      list: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC'),
    };
    this.stmts.parts.pluck();
  }

  /** Record a committed revision (its manifest was written). Recording the same revision again replaces it.
   *  `bytes` defaults to the sum of the manifest's object sizes. */
  record(sweepId: number, manifest: RemoteManifest, options: { bytes?: number } = {}): JournalRevision {
    const bytes = options.bytes ?? manifest.objects.reduce((sum, o) => sum + o.size, 0);
    // The bytes the store took, made a part at a time: valid JSON by construction.
    const body = manifestBody(manifest);
    return this.ctx.guard(() => {
      this.ctx.db.transaction(() => {
        const { revision } = manifest;
        this.stmts.put.run({
          sweep_id: sweepId,
          revision,
          synced_at: manifest.syncedAt,
          full: manifest.full ? 1 : 0,
          bytes,
        });
        this.stmts.dropParts.run(sweepId, revision);
        let part = 0;
        for (const utf8 of body.chunks(MANIFEST_PART_BYTES)) {
          this.stmts.putPart.run(sweepId, revision, part++, utf8);
        }
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
  latestInfo(sweepId: number): JournalRevisionInfo | null {
    return this.ctx.guard(() =>
      optional(this.stmts.latest.get(sweepId) as RevisionRow | undefined, toRevisionInfo),
    );
  }

  /** The newest revision with its manifest; null without one (or if its manifest was never kept). */
  latest(sweepId: number): JournalRevision | null {
    return this.ctx.guard(() => {
      const info = optional(this.stmts.latest.get(sweepId) as RevisionRow | undefined, toRevisionInfo);
      if (!info) return null;
      const bytes = this.manifestBytes(sweepId, info.revision);
      return bytes ? { ...info, manifest: JSON.parse(bytes.toString('utf8')) as RemoteManifest } : null;
    });
  }

  /** The newest revision's manifest as the bytes the store took (not parsed); null as for `latest`. */
  latestManifestBytes(sweepId: number): Buffer | null {
    return this.ctx.guard(() => {
      const info = this.stmts.latest.get(sweepId) as RevisionRow | undefined;
      return info ? this.manifestBytes(sweepId, info.revision) : null;
    });
  }

  private manifestBytes(sweepId: number, revision: number): Buffer | null {
    const parts = this.stmts.parts.all(sweepId, revision) as Buffer[];
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Every revision recorded, newest first, without manifests (only the latest's is kept). */
  list(sweepId: number): JournalRevisionInfo[] {
    return this.ctx.guard(() => (this.stmts.list.all(sweepId) as RevisionRow[]).map(toRevisionInfo));
  }
}

function toRevisionInfo(r: RevisionRow): JournalRevisionInfo {
  return {
    sweepId: r.sweep_id,
    revision: r.revision,
    syncedAt: r.synced_at,
    full: r.full === 1,
    bytes: r.bytes,
  };
}
