import { createHash } from 'node:crypto';
import { createReadStream, type Dirent, lstatSync, readlinkSync, type Stats } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError } from '../model/errors.js';
import { fromOsError, isOsError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';

/** What is remembered about a file to skip re-hashing it: keyed by sweep-relative path. */
export interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}
export type HashCache = Map<string, HashCacheEntry>;

export interface ManifestProgress {
  filesDone: number;
  filesTotal: number;
  /** Bytes of files done, whether hashed or taken from the cache. */
  bytesDone: number;
  bytesTotal: number;
  /** Of those, how many were actually read and hashed. */
  filesHashed: number;
  bytesHashed: number;
}

export interface ManifestOptions {
  /**
   * sha256 of files seen before. An entry is reused when size and mtimeMs both match; every file hashed
   * is written back, so passing the same map again makes the next run cheap. Entries of files that
   * no longer exist are left alone (the caller owns the map).
   */
  cache?: HashCache;
  /**
   * Hashes known from elsewhere (e.g. the last revision's manifest), looked up like `cache` (same size and
   * mtimeMs) when `cache` has no matching entry. Never written to.
   */
  alsoKnown?: ReadonlyMap<string, HashCacheEntry>;
  /**
   * Called once with every file listed (sha256 '' where neither `cache` nor `alsoKnown` knows it); the
   * paths it returns are not hashed here and keep sha256 '' (not written to `cache` either): the caller
   * fills them in later, e.g. from the archive writer, which hashes the bytes it archives anyway.
   */
  deferHash?: (listed: readonly FileEntry[]) => ReadonlySet<string>;
  /** Files hashed at once (default 4). Hashing is CPU-bound; more rarely helps on 2 cores. */
  concurrency?: number;
  /** Called after the cached files are counted and after each file hashed. */
  onProgress?: (p: ManifestProgress) => void;
  /** Sockets, FIFOs and devices are not files bilancio writes and cannot be archived: they are skipped. */
  onSkip?: (path: string, kind: string) => void;
  /**
   * The regular files as a walk moments ago found them (lstat: path, size, mtime; sorted by path, as
   * the preflight lists): not walked again. A file gone since is a conflict when it is read.
   */
  listed?: readonly Found[];
}

/** Files up to this size are read whole (one syscall, no stream overhead); bigger ones are streamed. */
const WHOLE_READ_LIMIT = 1 << 20;

/**
 * List every file of a sweep with size, mtime and sha256, sorted by path (plain code-unit order).
 *
 * Everything is included: dotfiles, unknown extras, post-hoc analyses. Directories are not entries (an
 * empty folder is not recorded). A symbolic link is refused with SyncError('usage'): bilancio writes
 * none, following one could archive files from outside the sweep, and a link cannot be restored byte
 * for byte as a file. A file that changes or vanishes while being read gives SyncError('conflict').
 */
export async function buildFileManifest(sweepDir: string, opts: ManifestOptions = {}): Promise<FileEntry[]> {
  const found = opts.listed && isSorted(opts.listed) ? opts.listed : await listSorted(sweepDir, opts);

  const progress: ManifestProgress = {
    filesDone: 0,
    filesTotal: found.length,
    bytesDone: 0,
    bytesTotal: found.reduce((n, f) => n + f.size, 0),
    filesHashed: 0,
    bytesHashed: 0,
  };
  const entries: FileEntry[] = new Array(found.length);
  let toHash: number[] = [];
  const fits = (c: HashCacheEntry | undefined, f: Found): c is HashCacheEntry =>
    c !== undefined && c.size === f.size && c.mtimeMs === f.mtimeMs && c.sha256 !== '';
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    let c = opts.cache?.get(f.path);
    if (!fits(c, f)) c = opts.alsoKnown?.get(f.path);
    if (fits(c, f)) {
      entries[i] = { path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: c.sha256 };
      progress.filesDone++;
      progress.bytesDone += f.size;
    } else {
      entries[i] = { path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: '' };
      toHash.push(i);
    }
  }
  if (opts.deferHash && toHash.length > 0) {
    const deferred = opts.deferHash(entries);
    if (deferred.size > 0) {
      const kept: number[] = [];
      for (const i of toHash) {
        if (!deferred.has(found[i]!.path)) kept.push(i);
        else {
          progress.filesDone++;
          progress.bytesDone += found[i]!.size;
        }
      }
      toHash = kept;
    }
  }
  opts.onProgress?.({ ...progress });

  let next = 0;
  const worker = async () => {
    while (next < toHash.length) {
      const i = toHash[next++]!;
      const f = found[i]!;
      const sha256 = await hashFile(join(sweepDir, f.path), f.size, f.path);
      // Stat again: a file bilancio rewrote while we read it would otherwise get a hash of mixed bytes.
      const after = statOrConflict(join(sweepDir, f.path), f.path);
      if (after.size !== f.size || after.mtimeMs !== f.mtimeMs) {
        throw changed(f.path);
      }
      entries[i] = { path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256 };
      opts.cache?.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, sha256 });
      progress.filesDone++;
      progress.bytesDone += f.size;
      progress.filesHashed++;
      progress.bytesHashed += f.size;
      opts.onProgress?.({ ...progress });
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, toHash.length));
  await Promise.all(Array.from({ length: n }, worker));
  return entries;
}

export interface Found {
  path: string;
  size: number;
  mtimeMs: number;
}

const byPath = (a: Found, b: Found) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function isSorted(files: readonly Found[]): boolean {
  for (let i = 1; i < files.length; i++) if (files[i - 1]!.path >= files[i]!.path) return false;
  return true;
}

/** `opts.listed` in path order, or the tree walked now. */
async function listSorted(sweepDir: string, opts: ManifestOptions): Promise<readonly Found[]> {
  const found = opts.listed ? [...opts.listed] : await scan(sweepDir, opts.onSkip);
  return found.sort(byPath);
}

/**
 * Walk the tree. Directories are read concurrently (async readdir), but the files of one directory are
 * stat'ed synchronously: a run folder holds a handful of files, so each blocking stretch is tiny, and it
 * is ~3x faster than one promise per file (12,000 files: ~90 ms against ~250 ms here).
 */
async function scan(sweepDir: string, onSkip: ManifestOptions['onSkip']): Promise<Found[]> {
  const out: Found[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = rel ? join(sweepDir, rel) : sweepDir;
    let dirents: Dirent[];
    try {
      dirents = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      throw fsError(e, rel || '.', rel === '' ? sweepDir : undefined);
    }
    const subdirs: string[] = [];
    for (const d of dirents) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        subdirs.push(path);
        continue;
      }
      // Always lstat (never follow links); it also resolves file systems that report no entry type.
      const s = statOrConflict(join(sweepDir, path), path);
      if (s.isFile()) out.push({ path, size: s.size, mtimeMs: s.mtimeMs });
      else if (s.isDirectory()) subdirs.push(path);
      else if (s.isSymbolicLink()) throw symlink(sweepDir, path);
      else onSkip?.(path, kindOf(s));
    }
    await Promise.all(subdirs.map(walk));
  };
  await walk('');
  return out;
}

function statOrConflict(abs: string, rel: string): Stats {
  try {
    return lstatSync(abs);
  } catch (e) {
    throw fsError(e, rel);
  }
}

async function hashFile(abs: string, size: number, rel: string): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  try {
    if (size <= WHOLE_READ_LIMIT) {
      const buf = await readFile(abs);
      read = buf.length;
      hash.update(buf);
    } else {
      for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) {
        read += (chunk as Buffer).length;
        hash.update(chunk as Buffer);
      }
    }
  } catch (e) {
    throw fsError(e, rel);
  }
  if (read !== size) throw changed(rel);
  return hash.digest('hex');
}

function changed(path: string): SyncError {
  return new SyncError(
    'conflict',
    `${path} changed while it was being read`,
    'The sweep is still being written; wait until it is finished and quiet, then sync again.',
  );
}

function symlink(sweepDir: string, path: string): SyncError {
  let target = '?';
  try {
    target = readlinkSync(join(sweepDir, path));
  } catch {
    // Only used for the message.
  }
  return new SyncError(
    'usage',
    `${path} in ${sweepDir} is a symbolic link (to ${target}); bilancio writes none and Bilancio Sync will not follow or store links`,
    'Replace the link with a copy of the file (or remove it), then sync again.',
  );
}

function fsError(e: unknown, path: string, sweepDir?: string): SyncError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    if (sweepDir) return new SyncError('not-found', `${sweepDir} does not exist`);
    return new SyncError(
      'conflict',
      `${path} disappeared while the sweep was being read`,
      changed(path).hint,
    );
  }
  if (isOsError(e)) return fromOsError(e, { path, doing: 'reading the sweep', role: 'argument' });
  return new SyncError('internal', `cannot read ${path}: ${(e as Error).message}`, undefined, { cause: e });
}

function kindOf(s: Stats): string {
  if (s.isSocket()) return 'socket';
  if (s.isFIFO()) return 'fifo';
  if (s.isBlockDevice()) return 'block device';
  if (s.isCharacterDevice()) return 'character device';
  return 'unknown';
}
