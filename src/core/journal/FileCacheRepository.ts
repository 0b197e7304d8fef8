/**
 * The `file_cache` table: the sha256 of every file hashed last time, by sweep folder and sweep-relative
 * path, so that a file with the same size and mtime is not hashed again (rsync's "quick check"). Keyed by
 * path, not sweep id: it is about files on disk and is valid before a sweep is ever journaled.
 */
import type { FileEntry } from '../model/types.js';
import type { JournalDb } from './JournalDb.js';
import type { CachedFile } from './types.js';

/** A row as the raw statement returns it: rel_path, size, mtime_ms, sha256. */
type FileCacheRow = [string, number, number, string];

export class FileCacheRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      // Rows as arrays (raw): a sweep has ~12,000, and an object per row costs more than the query.
      get: db.prepare('SELECT rel_path, size, mtime_ms, sha256 FROM file_cache WHERE sweep_path = ?').raw(),
      clear: db.prepare('DELETE FROM file_cache WHERE sweep_path = ?'),
      put: db.prepare(
        'INSERT OR REPLACE INTO file_cache (sweep_path, rel_path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  /** What was hashed last time, by sweep-relative path. */
  get(sweepPath: string): Map<string, CachedFile> {
    return this.ctx.guard(() => {
      const map = new Map<string, CachedFile>();
      for (const [path, size, mtimeMs, sha256] of this.stmts.get.all(sweepPath) as FileCacheRow[]) {
        map.set(path, { size, mtimeMs, sha256 });
      }
      return map;
    });
  }

  /** Replace a sweep's cached hashes with `entries`, in one transaction (12,000 rows take tens of ms). */
  replace(sweepPath: string, entries: readonly FileEntry[]): void {
    this.ctx.guard(() =>
      this.ctx.db.transaction(() => {
        this.stmts.clear.run(sweepPath);
        for (const e of entries) this.stmts.put.run(sweepPath, e.path, e.size, e.mtimeMs, e.sha256);
      })(),
    );
  }
}
