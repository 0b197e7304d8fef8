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
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGzip, constants as zc } from 'node:zlib';
import { Header, Pax } from 'tar';
import { SyncError } from '../errors.js';
import type { FileEntry } from '../types.js';
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

  const out = new PassThrough();
  const gzip = createGzip({ level, chunkSize: 64 * 1024, strategy: zc.Z_DEFAULT_STRATEGY });
  const hash = createHash('sha256');
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
    resolveDone({ size, sha256: hash.digest('hex') });
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
      await archiveOne(sweepRoot, entry, push, () => failure !== undefined);
    }
    if (failure) return;
    await push(ZEROS); // end-of-archive: two zero blocks
    await flush();
    if (!failure) gzip.end();
  };
  produce().catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));

  return { stream: out, done };
}

/** Writes header, content and padding of one file, verifying the bytes against its FileEntry. */
async function archiveOne(
  sweepRoot: string,
  entry: FileEntry,
  push: (b: Buffer) => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  const changed = (): SyncError =>
    new SyncError(
      'conflict',
      `${entry.path} changed while it was being archived`,
      'The sweep is still being written; it will be archived again once it is quiet.',
    );
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(resolveInside(sweepRoot, entry.path), 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw changed();
    throw e;
  }
  try {
    const before = await fh.stat();
    if (!before.isFile() || before.size !== entry.size || !sameMtime(before.mtimeMs, entry.mtimeMs)) {
      throw changed();
    }
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
    if (stopped()) return;
    const after = await fh.stat();
    if (
      after.size !== entry.size ||
      !sameMtime(after.mtimeMs, entry.mtimeMs) ||
      hash.digest('hex') !== entry.sha256.toLowerCase()
    ) {
      throw changed();
    }
    const pad = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (pad) await push(ZEROS.subarray(0, pad));
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
