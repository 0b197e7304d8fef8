/**
 * Streams one deterministic `.tar.gz` of a branch of a sweep.
 *
 * Why not archiver: archiver's tar module buffers a whole stream entry in memory when it has no
 * size, stats files itself (so we could not hash exactly the bytes it archives), and copies
 * uid/gid/uname from the machine. Writing ustar headers ourselves (ustarHeader.ts: tar 7's
 * `Header` bytes, ~12× faster; tar's `Header` and `Pax` for the rare path that needs more) and feeding
 * them to node's zlib gives us full control of every header byte, one read per file that both hashes and archives it, and gzip on libuv's
 * threadpool (zlib compresses off the event loop, so the UI and uploads keep running).
 *
 * The gzip is multi-member (GzipMemberWriter): the tar stream is cut every PIECE_BYTES and each
 * piece is compressed as its own gzip member, several at once, so one archive (a ring sweep has only
 * `runs.tar.gz`) keeps both cores busy. Every gzip reader reads such a file as one stream.
 *
 * Determinism: members sorted by code-unit order (not locale), uid/gid 0, empty uname/gname,
 * mode 0644, mtime = FileEntry mtime truncated to seconds, no directory members (extractors
 * create parents; the archive lists exactly the files of the manifest), no atime/ctime, gzip
 * header mtime 0 and OS byte forced to 3 (zlib writes 10 on Windows and 19 on macOS), in every gzip
 * member; members cut at fixed offsets of the tar stream (every PIECE_BYTES, whatever the timing or
 * the consumer). The deflate bytes themselves come from node's bundled zlib: identical for one node
 * build.
 */
import { createHash, type Hash, hash as sha256Once } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { SyncError } from '../model/errors.js';
import { fromOsError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';
import { GzipMemberWriter } from './GzipMemberWriter.js';
import { memberPathProblem, resolveInside } from './memberPath.js';
import { encodeUstarFile } from './ustarHeader.js';

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
  /** A plain node PassThrough (any ObjectStore reads it as a Readable). */
  stream: Readable;
  /** Resolves once the last gzip byte has been produced; rejects when `stream` fails. */
  done: Promise<ArchiveResult>;
}

const BLOCK = 512;
/** The most one read of a big file asks for. */
const CHUNK = 256 * 1024;
/**
 * Files up to this size are read whole with synchronous calls (open, fstat, read, fstat, close: ~10 µs
 * from the page cache) instead of five promise round trips through a FileHandle, which cost ~50 µs of
 * main-thread time each. Bigger files are streamed through a FileHandle as before.
 */
const SMALL_FILE = 1 << 20;
const OUT_BUFFER = 1024 * 1024;
const ZEROS = Buffer.alloc(2 * BLOCK);
/** The header block being written (GzipMemberWriter.write copies it at once, so one buffer serves all). */
const HEADER = Buffer.alloc(BLOCK);

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
  // the consumer would hold the next members back.
  const out = new PassThrough({ highWaterMark: OUT_BUFFER });
  const hash = createHash('sha256');
  const fileSha256 = new Map<string, string>();
  let size = 0;
  let failure: Error | undefined;
  let finished = false;
  // Members -> out by hand rather than pipe(): we hash and count every byte.
  const gzip = new GzipMemberWriter({
    level,
    emit: (chunk) => {
      size += chunk.length;
      hash.update(chunk);
      return out.write(chunk);
    },
  });
  out.on('drain', () => gzip.resume());
  let producing: Promise<void> | undefined;

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
    gzip.stop(err);
    out.destroy(err);
    // `done` settles once nothing of this archive runs any more: no file read, no zlib call.
    const reading = producing ?? Promise.resolve();
    void reading.then(() => gzip.settled()).then(() => rejectDone(err));
  };
  const onAbort = (): void => fail(abortError(options.signal?.reason));
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  out.on('error', (e) => fail(e));
  out.on('close', () => {
    if (!finished) fail(new SyncError('internal', 'The archive stream was closed before it was complete'));
  });

  const produce = async (): Promise<void> => {
    const base = `${path.resolve(sweepRoot)}${path.sep}`;
    for (const entry of sorted) {
      if (failure) return;
      // The paths passed memberPathProblem above (no '..', '.', empty or absolute segment, no
      // backslash), so on posix a plain join stays inside the sweep; Windows paths get the full check.
      const abs = path.sep === '/' ? base + entry.path : resolveInside(sweepRoot, entry.path);
      const sha = await archiveOne(abs, entry, gzip, () => failure !== undefined);
      if (sha !== undefined) fileSha256.set(entry.path, sha);
    }
    if (failure) return;
    await gzip.write(ZEROS); // end-of-archive: two zero blocks
    await gzip.end();
    if (failure) return;
    finished = true;
    options.signal?.removeEventListener('abort', onAbort);
    out.end();
    resolveDone({ size, sha256: hash.digest('hex'), fileSha256 });
  };
  // Nothing is read before the consumer first asks for bytes: with several pieces read ahead, a small
  // archive would otherwise be read whole before its upload has even started.
  const passRead = out._read.bind(out);
  out._read = (n: number): void => {
    if (!producing) {
      producing = produce().catch((e: unknown) => {
        // A stop makes the writer throw the very error it was stopped with: already handled.
        if (e !== failure) fail(e instanceof Error ? e : new Error(String(e)));
      });
    }
    passRead(n);
  };

  return { stream: out, done };
}

/**
 * Writes header, content and padding of one file and returns the sha256 of its bytes (undefined when
 * stopped). The file must still have the FileEntry's size and mtime before and after it is read, and
 * where the entry's sha256 is known the bytes read must match it; otherwise SyncError('conflict').
 * The content is read straight into the gzip writer's pieces (no copy); a file found changed fails
 * the whole archive, so bytes already handed on don't matter then.
 */
async function archiveOne(
  abs: string,
  entry: FileEntry,
  gzip: GzipMemberWriter,
  stopped: () => boolean,
): Promise<string | undefined> {
  const changed = (): SyncError =>
    new SyncError(
      'conflict',
      `${entry.path} changed while it was being archived`,
      'The sweep is still being written; it will be archived again once it is quiet.',
    );
  const same = (s: Stats): boolean =>
    s.isFile() && s.size === entry.size && sameMtime(s.mtimeMs, entry.mtimeMs);
  const expected = entry.sha256.toLowerCase();
  const pad = (BLOCK - (entry.size % BLOCK)) % BLOCK;
  // The hash of the parts as they are read: a part's buffer is only ours during its call.
  let whole: string | undefined;
  let partial: Hash | undefined;
  const hashPart = (part: Buffer): void => {
    if (part.length === entry.size) {
      whole = sha256Once('sha256', part, 'hex');
      return;
    }
    partial ??= createHash('sha256');
    partial.update(part);
  };
  const digest = (): string => whole ?? (partial ?? createHash('sha256')).digest('hex');

  if (entry.size <= SMALL_FILE) {
    let fd: number;
    try {
      fd = openSync(abs, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw changed();
      throw fromOsError(e, { path: abs, doing: 'reading the sweep to archive it', role: 'argument' });
    }
    try {
      // One fstat, after the read: the listing's size and mtime still holding then, the file was not
      // changed since it was listed, before the read or during it (a check before the read as well would
      // catch nothing more, at one more system call and Stats per file). A file that changed fails the
      // whole archive, so a header already handed on doesn't matter. No read past the expected size
      // (that would cost a second read per file): a file that grew is caught by the fstat, one that
      // shrank by a short read, one that became a folder by the fstat after its read fails.
      await writeHeader(gzip, entry);
      let at = 0;
      await gzip
        .fillWith(entry.size, (part) => {
          let got = 0;
          while (got < part.length) {
            const n = readSync(fd, part, got, part.length - got, at + got);
            if (n === 0) throw changed();
            got += n;
          }
          at += got;
          hashPart(part);
        })
        .catch((e: unknown) => {
          if (!(e instanceof SyncError) && !same(fstatSync(fd))) throw changed();
          throw e;
        });
      if (!same(fstatSync(fd))) throw changed();
    } finally {
      closeSync(fd);
    }
    const sha = digest();
    if (expected !== '' && sha !== expected) throw changed();
    if (pad) await gzip.write(ZEROS.subarray(0, pad));
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
    // As for a small file: one stat, after the read (see above).
    await writeHeader(gzip, entry);
    let at = 0;
    // Stopped mid-file: the parts are no longer wanted; throwing ends the fill (the caller checks).
    const stop = new Error('stopped');
    try {
      await gzip.fillWith(entry.size, async (part) => {
        let got = 0;
        while (got < part.length) {
          if (stopped()) throw stop;
          const len = Math.min(CHUNK, part.length - got);
          const { bytesRead } = await fh.read(part, got, len, at + got);
          if (bytesRead === 0) throw changed(); // shrank under us
          got += bytesRead;
        }
        at += got;
        hashPart(part);
      });
    } catch (e) {
      if (e === stop || stopped()) return undefined;
      if (!(e instanceof SyncError) && !same(await fh.stat())) throw changed();
      throw e;
    }
    const after = await fh.stat();
    const sha = digest();
    if (!same(after) || (expected !== '' && sha !== expected)) throw changed();
    if (pad) await gzip.write(ZEROS.subarray(0, pad));
    return sha;
  } finally {
    await fh.close();
  }
}

/** The file's header block(s): the fast ustar encoder when it can, else tar's Header (and Pax). */
async function writeHeader(gzip: GzipMemberWriter, entry: FileEntry): Promise<void> {
  const mtimeSec = Math.floor(entry.mtimeMs / 1000);
  if (encodeUstarFile(entry.path, entry.size, mtimeSec, HEADER)) return gzip.write(HEADER);
  for (const block of await headerBlocks(entry)) await gzip.write(block);
}

/**
 * ustar header, preceded by a pax header only when the path can't be stored in ustar. tar is loaded
 * here, on the first such path, not with the engine: every command but a restore can do without it.
 */
async function headerBlocks(entry: FileEntry): Promise<Buffer[]> {
  const [{ Header }, { Pax }] = await Promise.all([import('tar/header'), import('tar/pax')]);
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
