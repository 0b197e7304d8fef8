/**
 * The hash cache: the sha256 of every file hashed last time, by sweep folder and sweep-relative path, so
 * that a file with the same size and mtime is not hashed again (rsync's "quick check"). Keyed by path, not
 * sweep id: it is about files on disk and is valid before a sweep is ever journaled.
 *
 * A sweep's entries are read and written whole, never one file at a time, so they are stored as a few
 * rows of JSON columns (`file_hashes`, journal migration 5) rather than a row per file: for "today"'s
 * 11,882 files the row per file took ~30 ms to read and 50-100 ms to replace, the parts take ~10 ms to
 * read and 15-45 ms to replace.
 * A part holds PART_FILES files, so a 119,000-file sweep never makes one 18 MB string.
 */
import type { FileEntry } from '../model/types.js';
import type { JournalDb } from './JournalDb.js';
import type { CachedFile } from './types.js';

/**
 * Files per stored part (~75 KB of JSON). Parts of 4,096 files (~600 KB strings, V8's large objects)
 * raised the 10x sweep's sync by 12-15 MB of RSS while it wrote the cache, parts of 512 by 4-5 MB
 * (measured, the mechanism not traced). Reading costs the same: one JSON.parse per part.
 */
export const PART_FILES = 512;

/** A part's JSON: the files as columns (one array each is far cheaper to parse than an object per file). */
interface FileHashesPart {
  paths: string[];
  sizes: number[];
  mtimes: number[];
  sha256: string[];
}

/** `entries` as the parts file_hashes holds, in order: the JSON text of PART_FILES files each, as columns. */
export function* encodedParts(entries: readonly FileEntry[]): Generator<string> {
  for (let at = 0; at < entries.length; at += PART_FILES) {
    const part: FileHashesPart = { paths: [], sizes: [], mtimes: [], sha256: [] };
    for (const e of entries.slice(at, at + PART_FILES)) {
      part.paths.push(e.path);
      part.sizes.push(e.size);
      part.mtimes.push(e.mtimeMs);
      part.sha256.push(e.sha256);
    }
    yield JSON.stringify(part);
  }
}

/** Adds a part's files to `into`; false for a part that is not what encodedParts writes (nothing added). */
function decodePart(json: string, into: Map<string, CachedFile>): boolean {
  let part: FileHashesPart;
  try {
    part = JSON.parse(json) as FileHashesPart;
  } catch {
    return false;
  }
  const { paths, sizes, mtimes, sha256 } = part ?? {};
  const n = Array.isArray(paths) ? paths.length : -1;
  if (n < 0 || !Array.isArray(sizes) || !Array.isArray(mtimes) || !Array.isArray(sha256)) return false;
  if (sizes.length !== n || mtimes.length !== n || sha256.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if (typeof paths[i] !== 'string' || typeof sizes[i] !== 'number' || typeof mtimes[i] !== 'number')
      return false;
    if (typeof sha256[i] !== 'string') return false;
  }
  for (let i = 0; i < n; i++)
    into.set(paths[i]!, { size: sizes[i]!, mtimeMs: mtimes[i]!, sha256: sha256[i]! });
  return true;
}

export class FileCacheRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      get: db.prepare('SELECT files FROM file_hashes WHERE sweep_path = ? ORDER BY part').pluck(),
      clear: db.prepare('DELETE FROM file_hashes WHERE sweep_path = ?'),
      put: db.prepare('INSERT INTO file_hashes (sweep_path, part, files) VALUES (?, ?, ?)'),
    };
  }

  /**
   * What was hashed last time, by sweep-relative path. A part that can't be read (the file was edited
   * by hand, or damaged) makes the sweep's cache empty: its files are hashed again, nothing is trusted
   * from it.
   */
  get(sweepPath: string): Map<string, CachedFile> {
    return this.ctx.guard(() => {
      const map = new Map<string, CachedFile>();
      for (const json of this.stmts.get.all(sweepPath) as string[]) {
        if (!decodePart(json, map)) return new Map<string, CachedFile>();
      }
      return map;
    });
  }

  /** Replace a sweep's cached hashes with `entries`, in one transaction. */
  replace(sweepPath: string, entries: readonly FileEntry[]): void {
    this.ctx.guard(() =>
      this.ctx.db.transaction(() => {
        this.stmts.clear.run(sweepPath);
        let part = 0;
        for (const json of encodedParts(entries)) this.stmts.put.run(sweepPath, part++, json);
      })(),
    );
  }
}
