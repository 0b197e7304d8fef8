/**
 * Streams one deterministic `.tar.gz` of a branch of a sweep.
 *
 * Why not archiver: archiver's tar module buffers a whole stream entry in memory when it has no
 * size, stats files itself (so we could not hash exactly the bytes it archives), and copies
 * uid/gid/uname from the machine. Writing ustar headers with tar 7's `Header` (and `Pax` for
 * the rare path over 255 bytes) and feeding them to node's zlib gives us full control of every
 * header byte, one read per file that both hashes and archives it, and gzip on libuv's
 * threadpool (zlib streams compress off the event loop, so the UI and uploads keep running).
 *
 * Determinism: members sorted by code-unit order (not locale), uid/gid 0, empty uname/gname,
 * mode 0644, mtime = FileEntry mtime truncated to seconds, no directory members (extractors
 * create parents; the archive lists exactly the files of the manifest), no atime/ctime, gzip
 * header mtime 0 and OS byte forced to 3 (zlib writes 10 on Windows and 19 on macOS).
 * The deflate bytes themselves come from node's bundled zlib: identical for one node build.
 */
import { createHash, hash as sha256Once } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGzip, type ZlibOptions, constants as zc } from 'node:zlib';
import { Header, Pax } from 'tar';
import { SyncError } from '../model/errors.js';
import { fromOsError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';
import { memberPathProblem, resolveInside } from './memberPath.js';

export interface ArchiveOptions {
  /** gzip level 0-9, default 6. Level 1 is about twice as fast for ~15% more bytes. */
  level?: number;
  signal?: AbortSignal;
}

export interface ArchiveResult {
  /** Bytes of the .tar.gz. */
  size: number;
  /** sha256 (hex) of the .tar.gz bytes. */
  sha256: string;
  /**
   * sha256 (hex) of every archived file's content, by path, computed from the very bytes archived. A
   * FileEntry may come with `sha256: ''` (not hashed yet): the caller takes its hash from here.
   */
  fileSha256: Map<string, string>;
}

export interface ArchiveHandle {
  /** A plain node PassThrough: lib-storage's Upload rejects other stream classes. */
  stream: Readable;
  /** Resolves once the last gzip byte has been produced; rejects when `stream` fails. */
  done: Promise<ArchiveResult>;
}

const BLOCK = 512;
/** Read size per file read and the batch size handed to zlib (fewer threadpool round trips). */
const CHUNK = 256 * 1024;
/**
 * Files up to this size are read whole with synchronous calls (open, fstat, read, fstat, close: ~10 µs
 * from the page cache) instead of five promise round trips through a FileHandle, which cost ~50 µs of
 * main-thread time each. Bigger files are streamed through a FileHandle as before.
 */
const SMALL_FILE = 1 << 20;
/**
 * How much may wait in zlib's queue. Reads happen while gzip compresses what is queued (the threadpool
 * works on earlier chunks while the main thread reads the next files), instead of gzip idling until we
 * have read the next chunk.
 */
const GZIP_QUEUE = 2 * 1024 * 1024;
const OUT_BUFFER = 1024 * 1024;
const ZEROS = Buffer.alloc(2 * BLOCK);
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNIX = 3;

export function createArchive(
  sweepRoot: string,
  files: FileEntry[],
  options: ArchiveOptions = {},
): ArchiveHandle {
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new SyncError('usage', `gzip level must be an integer 0-9, got ${level}`);
  }
  const sorted = checkedAndSorted(files);

  // Room for ~1 MB of gzip output between us and the upload: with the default 16 KB, every hiccup of
  // the consumer paused gzip (and a paused zlib stream stops compressing).
  const out = new PassThrough({ highWaterMark: OUT_BUFFER });
  // zlib hands its options on to its Transform (so the stream options work), but ZlibOptions omits them.
  const gzipOptions: ZlibOptions & { writableHighWaterMark: number } = {
    level,
    chunkSize: 64 * 1024,
    strategy: zc.Z_DEFAULT_STRATEGY,
    writableHighWaterMark: GZIP_QUEUE,
  };
  const gzip = createGzip(gzipOptions);
  const hash = createHash('sha256');
  const fileSha256 = new Map<string, string>();
  let size = 0;
  let failure: Error | undefined;
  let finished = false;

  let resolveDone!: (r: ArchiveResult) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<ArchiveResult>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // Callers often watch only the stream; a rejected `done` nobody awaits must not crash node.
  done.catch(() => {});

  const fail = (err: Error): void => {
    if (failure || finished) return;
    failure = err;
    options.signal?.removeEventListener('abort', onAbort);
    gzip.destroy();
    out.destroy(err);
    rejectDone(err);
  };
  const onAbort = (): void => fail(abortError(options.signal?.reason));
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  // gzip -> out by hand rather than pipe(): we hash and count every byte and fix the OS byte.
  gzip.on('data', (chunk: Buffer) => {
    if (size <= GZIP_OS_BYTE && size + chunk.length > GZIP_OS_BYTE) chunk[GZIP_OS_BYTE - size] = GZIP_OS_UNIX;
    size += chunk.length;
    hash.update(chunk);
    if (!out.write(chunk)) gzip.pause();
  });
  out.on('drain', () => gzip.resume());
  gzip.on('error', (e) =>
    fail(new SyncError('internal', `gzip failed: ${e.message}`, undefined, { cause: e })),
  );
  gzip.on('end', () => {
    if (failure) return;
    finished = true;
    options.signal?.removeEventListener('abort', onAbort);
    out.end();
    resolveDone({ size, sha256: hash.digest('hex'), fileSha256 });
  });
  out.on('error', (e) => fail(e));
  out.on('close', () => {
    if (!finished) fail(new SyncError('internal', 'The archive stream was closed before it was complete'));
  });

  // Coalesces headers, small files and padding into CHUNK-sized writes to zlib.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = async (): Promise<void> => {
    if (pendingLen === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    if (!gzip.write(chunk)) await drained();
  };
  const push = async (buf: Buffer): Promise<void> => {
    pending.push(buf);
    pendingLen += buf.length;
    if (pendingLen >= CHUNK) await flush();
  };
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      // Whichever comes first; the loop re-checks `failure` after every await.
      const settle = (): void => {
        gzip.off('drain', settle);
        gzip.off('close', settle);
        resolve();
      };
      gzip.on('drain', settle);
      gzip.on('close', settle);
    });

  const produce = async (): Promise<void> => {
    for (const entry of sorted) {
      if (failure) return;
      const sha = await archiveOne(sweepRoot, entry, push, () => failure !== undefined);
      if (sha !== undefined) fileSha256.set(entry.path, sha);
    }
    if (failure) return;
    await push(ZEROS); // end-of-archive: two zero blocks
    await flush();
    if (!failure) gzip.end();
  };
  // Nothing is read before the consumer first asks for bytes: with up to GZIP_QUEUE read ahead, a small
  // archive would otherwise be read whole before its upload has even started.
  const passRead = out._read.bind(out);
  let started = false;
  out._read = (n: number): void => {
    if (!started) {
      started = true;
      produce().catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
    }
    passRead(n);
  };

  return { stream: out, done };
}

/**
 * Writes header, content and padding of one file and returns the sha256 of its bytes (undefined when
 * stopped). The file must still have the FileEntry's size and mtime before and after it is read, and
 * where the entry's sha256 is known the bytes read must match it; otherwise SyncError('conflict').
 */
async function archiveOne(
  sweepRoot: string,
  entry: FileEntry,
  push: (b: Buffer) => Promise<void>,
  stopped: () => boolean,
): Promise<string | undefined> {
  const changed = (): SyncError =>
    new SyncError(
      'conflict',
      `${entry.path} changed while it was being archived`,
      'The sweep is still being written; it will be archived again once it is quiet.',
    );
  const abs = resolveInside(sweepRoot, entry.path);
  const same = (s: Stats): boolean =>
    s.isFile() && s.size === entry.size && sameMtime(s.mtimeMs, entry.mtimeMs);
  const expected = entry.sha256.toLowerCase();

  if (entry.size <= SMALL_FILE) {
    let fd: number;
    try {
      fd = openSync(abs, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw changed();
      throw fromOsError(e, { path: abs, doing: 'reading the sweep to archive it', role: 'argument' });
    }
    let data: Buffer;
    try {
      if (!same(fstatSync(fd))) throw changed();
      // No read past the expected size (that would cost a second read per file): a file that grew is
      // caught by the second fstat, one that shrank by a short read.
      data = Buffer.allocUnsafe(entry.size);
      let read = 0;
      while (read < entry.size) {
        const n = readSync(fd, data, read, entry.size - read, read);
        if (n === 0) throw changed();
        read += n;
      }
      if (!same(fstatSync(fd))) throw changed();
    } finally {
      closeSync(fd);
    }
    const sha = sha256Once('sha256', data, 'hex');
    if (expected !== '' && sha !== expected) throw changed();
    for (const block of headerBlocks(entry)) await push(block);
    if (data.length) await push(data);
    const pad = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (pad) await push(ZEROS.subarray(0, pad));
    return sha;
  }

  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(abs, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw changed();
    throw fromOsError(e, { path: abs, doing: 'reading the sweep to archive it', role: 'argument' });
  }
  try {
    if (!same(await fh.stat())) throw changed();
    for (const block of headerBlocks(entry)) await push(block);

    const hash = createHash('sha256');
    let read = 0;
    while (read < entry.size && !stopped()) {
      // Fresh buffer per read: zlib keeps a reference until its thread has consumed it.
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, entry.size - read));
      const { bytesRead } = await fh.read(buf, 0, buf.length, read);
      if (bytesRead === 0) throw changed(); // shrank under us
      const data = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      hash.update(data);
      read += bytesRead;
      await push(data);
    }
    if (stopped()) return undefined;
    const after = await fh.stat();
    const sha = hash.digest('hex');
    if (!same(after) || (expected !== '' && sha !== expected)) throw changed();
    const pad = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (pad) await push(ZEROS.subarray(0, pad));
    return sha;
  } finally {
    await fh.close();
  }
}

/** ustar header, preceded by a pax header only when the path can't be stored in ustar. */
function headerBlocks(entry: FileEntry): Buffer[] {
  const mtime = new Date(Math.floor(entry.mtimeMs / 1000) * 1000);
  const header = new Header({
    path: entry.path,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: entry.size,
    mtime,
    type: 'File',
    uname: '',
    gname: '',
  });
  const block = Buffer.alloc(BLOCK);
  const needPax = header.encode(block);
  if (!needPax) return [block];
  // Long or non-ASCII path (sizes over 8 GiB use base-256, which GNU tar reads fine).
  return [new Pax({ path: entry.path, mtime }).encode(), block];
}

function checkedAndSorted(files: FileEntry[]): FileEntry[] {
  const seen = new Set<string>();
  for (const f of files) {
    const problem = memberPathProblem(f.path);
    if (problem) throw new SyncError('internal', `Cannot archive ${JSON.stringify(f.path)}: it ${problem}`);
    if (seen.has(f.path)) throw new SyncError('internal', `Cannot archive ${f.path}: listed twice`);
    seen.add(f.path);
  }
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Scanners may store mtimeMs rounded to whole milliseconds; stat gives fractions. */
function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1;
}

function abortError(reason: unknown): Error {
  const err = new Error('Archiving was cancelled', { cause: reason });
  err.name = 'AbortError';
  return err;
}
