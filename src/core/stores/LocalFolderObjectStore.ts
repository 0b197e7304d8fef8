import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { SyncError } from '../model/errors.js';
import { errnoCode, localFsError } from './localFsErrors.js';
import {
  checkLocalKey,
  checkLocalPrefix,
  LOCAL_META_DIR,
  LOCAL_TMP_DIR,
  localMetaPath,
  localObjectPath,
} from './localKeys.js';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions } from './ObjectStore.js';

/**
 * The sidecar kept for each object under `.meta/{key}`. size + mtimeNs tie it to one version of the
 * object file: a sidecar left behind by a crash between its rename and the object's rename doesn't
 * match, and the object then reports no sha256 rather than a wrong one. (Not the inode: a backup made
 * with `cp -a`/`rsync -a` keeps mtimes, not inodes.)
 */
interface LocalMeta {
  sha256: string;
  size: number;
  mtimeNs: string;
  contentType?: string;
}

/** Stale temp files (from a crashed process) are removed after this long. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;
const CHUNK = 1024 * 1024;
/** What one read of an object's stream (get) takes at most. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The embedded default object store: one file per key under a root folder.
 * `.tmp/` holds bodies being written and `.meta/` the sha256 sidecars; list() never shows either.
 * put() writes to `.tmp/`, fsyncs, and renames into place, so a key holds the old or the new object,
 * never part of one, even across a crash or power cut.
 */
export class LocalFolderObjectStore implements ObjectStore {
  readonly root: string;
  readonly description: string;
  private swept = false;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `local folder ${this.root}`;
  }

  async put(key: string, source: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    checkLocalKey(key);
    const body = typeof source === 'function' ? source() : source;
    const { signal } = options;
    signal?.throwIfAborted();
    const tmpDir = join(this.root, LOCAL_TMP_DIR);
    await this.fs(`creating ${tmpDir}`, () => mkdir(tmpDir, { recursive: true }));
    await this.sweepStaleTemps();
    const tmp = join(tmpDir, randomUUID());
    const tmpMeta = `${tmp}.meta`;
    try {
      const { sha256, size } = await this.writeTemp(tmp, body, options);
      if (options.size !== undefined && options.size !== size) {
        throw new SyncError(
          'integrity',
          `Object ${key}: ${size} bytes were written, ${options.size} expected.`,
        );
      }
      if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
        throw new SyncError(
          'integrity',
          `Object ${key}: the bytes written hash to ${sha256}, not the expected ${options.sha256}.`,
          'The source changed while it was read, or the disk returned other bytes: sync again.',
        );
      }
      signal?.throwIfAborted();
      const meta = await this.metaFor(tmp, sha256, options.contentType);
      await this.install(key, tmp, tmpMeta, meta);
      return { key, size, sha256 };
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      await rm(tmpMeta, { force: true }).catch(() => {});
      if (signal?.aborted) throw signal.reason;
      // The body is stopped only once this rejection is out: a source that fails because it was
      // destroyed ("The operation was aborted") must not be the error a caller waiting on both hears
      // first — the cause (a full disk, a folder we may not write to) is ours.
      if (typeof (body as Readable).destroy === 'function' && !(body as Readable).destroyed)
        setImmediate(() => (body as Readable).destroy());
      throw localFsError(e, this.root, `writing ${key}`);
    }
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    checkLocalKey(key);
    options.signal?.throwIfAborted();
    const path = localObjectPath(this.root, key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      if (isMissing(e)) throw notFound(key, this.root);
      throw localFsError(e, this.root, `reading ${key}`);
    }
    // Opened before returning, so a missing object is reported here rather than as a stream error.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw notFound(key, this.root);
    }
    // Closes the handle when it ends or is destroyed. Reads of READ_CHUNK_BYTES, not the default 64 KiB:
    // a 3 MB manifest in 3 reads instead of 45 (~7 ms of a no-op re-sync), an archive to its extraction
    // worker in a sixteenth of the messages.
    const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    return options.signal ? addAbortSignal(options.signal, stream) : stream;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    checkLocalKey(key);
    return this.info(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkLocalPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const first = dirKey.split('/')[0];
    if (first === LOCAL_TMP_DIR || first === LOCAL_META_DIR) return; // the store's own files are no objects
    const keys: string[] = [];
    await this.walk(dirKey, keys);
    // S3 lists in UTF-8 byte order; JS string order differs for characters outside the BMP.
    const matching = keys
      .filter((k) => k.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of matching) {
      const info = await this.info(key);
      if (info) yield info; // deleted while we listed: skip it, as S3 would
    }
  }

  async copy(fromKey: string, toKey: string): Promise<ObjectInfo> {
    checkLocalKey(fromKey);
    checkLocalKey(toKey);
    const source = localObjectPath(this.root, fromKey);
    if (fromKey === toKey) {
      const info = await this.info(fromKey);
      if (!info) throw notFound(fromKey, this.root);
      return info;
    }
    const tmpDir = join(this.root, LOCAL_TMP_DIR);
    const tmp = join(tmpDir, randomUUID());
    const tmpMeta = `${tmp}.meta`;
    try {
      const sourceStat = await stat(source).catch(() => null);
      if (!sourceStat?.isFile()) throw notFound(fromKey, this.root); // missing, or a folder of other keys
      await mkdir(tmpDir, { recursive: true });
      // A hard link costs nothing and is safe: objects are never modified in place, only replaced by rename.
      try {
        await link(source, tmp);
      } catch (e) {
        if (isMissing(e)) throw notFound(fromKey, this.root);
        await copyFile(source, tmp); // file systems without hard links
        const handle = await open(tmp, 'r+');
        await handle.sync().finally(() => handle.close());
      }
      const st = await stat(tmp, { bigint: true });
      if (!st.isFile()) throw notFound(fromKey, this.root);
      const sourceMeta = await this.readMeta(fromKey);
      // Reuse the source's hash only if its sidecar describes exactly the file we linked or copied.
      const sha256 =
        sourceMeta && sourceMeta.size === Number(st.size) && sourceMeta.mtimeNs === st.mtimeNs.toString()
          ? sourceMeta.sha256
          : await hashFile(tmp);
      const meta = await this.metaFor(tmp, sha256, sourceMeta?.contentType);
      await this.install(toKey, tmp, tmpMeta, meta);
      return { key: toKey, size: meta.size, sha256 };
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      await rm(tmpMeta, { force: true }).catch(() => {});
      throw localFsError(e, this.root, `copying ${fromKey} to ${toKey}`);
    }
  }

  /**
   * Nothing to do per prefix: an unfinished put is a temp file in `.tmp/`, never under a key, and temp
   * files a killed process left are removed by the first put after a day.
   */
  async abortIncompleteUploads(_prefix: string): Promise<number> {
    return 0;
  }

  async delete(key: string): Promise<void> {
    checkLocalKey(key);
    const path = localObjectPath(this.root, key);
    const metaPath = localMetaPath(this.root, key);
    await this.fs(`deleting ${key}`, async () => {
      try {
        await rm(path, { force: true });
      } catch (e) {
        if (errnoCode(e) !== 'EISDIR' && errnoCode(e) !== 'ERR_FS_EISDIR') throw e; // a folder is no object
        return;
      }
      await rm(metaPath, { force: true });
      await fsyncDir(dirname(path)).catch(() => {});
      await this.pruneEmpty(dirname(path), this.root);
      await this.pruneEmpty(dirname(metaPath), join(this.root, LOCAL_META_DIR));
    });
  }

  async close(): Promise<void> {}

  /** Write the body to `tmp`, hashing what is written, and make it durable. */
  private async writeTemp(tmp: string, body: Readable | Buffer, options: PutOptions) {
    const { signal, onProgress } = options;
    const hash = createHash('sha256');
    let size = 0;
    const handle = await open(tmp, 'wx');
    try {
      // A stalled source must not block an abort: the signal destroys the stream, ending the loop.
      // destroyOnReturn false: a failed write must not destroy the source before put() has said why.
      const chunks = Buffer.isBuffer(body)
        ? slices(body)
        : (signal ? addAbortSignal(signal, body) : body).iterator({ destroyOnReturn: false });
      for await (const chunk of chunks as AsyncIterable<Buffer | string>) {
        signal?.throwIfAborted();
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(buf);
        await handle.writeFile(buf);
        size += buf.length;
        onProgress?.(size);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { sha256: hash.digest('hex'), size };
  }

  private async metaFor(tmp: string, sha256: string, contentType: string | undefined): Promise<LocalMeta> {
    const st = await stat(tmp, { bigint: true });
    const meta: LocalMeta = { sha256, size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
    if (contentType !== undefined) meta.contentType = contentType;
    return meta;
  }

  /** Move a finished temp file under `key` with its sidecar: sidecar first, then the object, each by rename. */
  private async install(key: string, tmp: string, tmpMeta: string, meta: LocalMeta): Promise<void> {
    const target = localObjectPath(this.root, key);
    const metaPath = localMetaPath(this.root, key);
    await writeDurably(tmpMeta, JSON.stringify(meta));
    // A concurrent delete() may remove an emptied parent folder between our mkdir and rename: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(metaPath), { recursive: true });
        await rename(tmpMeta, metaPath);
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
        break;
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT' || attempt >= 3) throw e;
      }
    }
    // The renames are durable only once their folders' entries are on disk.
    await fsyncDir(dirname(target));
    await fsyncDir(dirname(metaPath));
  }

  private async info(key: string): Promise<ObjectInfo | null> {
    let st: Awaited<ReturnType<typeof statBig>>;
    try {
      st = await statBig(localObjectPath(this.root, key));
    } catch (e) {
      if (isMissing(e)) return null;
      throw localFsError(e, this.root, `reading ${key}`);
    }
    if (!st.isFile()) return null;
    const meta = await this.readMeta(key);
    const current = meta && meta.size === Number(st.size) && meta.mtimeNs === st.mtimeNs.toString();
    return { key, size: Number(st.size), sha256: current ? meta.sha256 : undefined };
  }

  private async readMeta(key: string): Promise<LocalMeta | null> {
    try {
      const meta = JSON.parse(await readFile(localMetaPath(this.root, key), 'utf8')) as Partial<LocalMeta>;
      if (
        typeof meta.sha256 !== 'string' ||
        typeof meta.size !== 'number' ||
        typeof meta.mtimeNs !== 'string'
      ) {
        return null;
      }
      return meta as LocalMeta;
    } catch {
      return null; // missing or unreadable sidecar: the object simply has no known hash
    }
  }

  /** Collect every object key under the folder of `dirKey` ('' = root), skipping the store's own folders. */
  private async walk(dirKey: string, out: string[]): Promise<void> {
    const dir = dirKey === '' ? this.root : localObjectPath(this.root, dirKey);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw localFsError(e, this.root, `listing ${dirKey || '/'}`);
    }
    for (const entry of entries) {
      if (dirKey === '' && (entry.name === LOCAL_TMP_DIR || entry.name === LOCAL_META_DIR)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(key, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  /** Remove folders emptied by a delete, up to (not including) `stop`, so listings stay clean. */
  private async pruneEmpty(dir: string, stop: string): Promise<void> {
    while (dir.startsWith(stop) && dir !== stop) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone / in use): stop climbing
      }
      dir = dirname(dir);
    }
  }

  /** Remove temp files a crashed process left behind (once per store; old ones only, another process may
   *  be writing fresh ones right now). */
  private async sweepStaleTemps(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const dir = join(this.root, LOCAL_TMP_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) await rm(path, { force: true }).catch(() => {});
    }
  }

  private async fs<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw localFsError(e, this.root, doing);
    }
  }
}

function statBig(path: string) {
  return stat(path, { bigint: true });
}

function* slices(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Linux and macOS allow fsync on a folder; Windows refuses to open one (its renames are journaled anyway).
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isMissing(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function notFound(key: string, root: string): SyncError {
  return new SyncError('not-found', `No object ${key} in the local store ${root}.`);
}
