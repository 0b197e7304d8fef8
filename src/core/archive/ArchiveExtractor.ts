/**
 * Streams a `.tar.gz` from the object store into a staging folder, treating it as hostile:
 * only regular files listed in `expected` are written, each checked for size and sha256 while it
 * is written; anything else (links, devices, `..`, absolute names, extras, duplicates, missing
 * members, corrupt or truncated data) fails the whole extraction and removes what it wrote.
 *
 * gunzip runs in node's zlib (threadpool, off the event loop); tar 7's `Parser` only splits the
 * plain tar stream into entries, so we never use tar's own unpacker (which would happily create
 * links and directories on its own terms).
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { type FileHandle, mkdir, open, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { SyncError } from '../model/errors.js';
import { fromOsError, isEnvironmentError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';
import { memberPathProblem, resolveInside } from './memberPath.js';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** Called with each run of file bytes as it is taken from the archive (their sum ends at the expected
   *  files' total size): what a restore's progress counts. */
  onBytes?: (n: number) => void;
  /** Write small files with blocking calls (open, write, futimes, close on this thread) instead of
   *  libuv's threadpool. Only for a thread that does nothing else: the extraction worker
   *  (extractInWorker.ts). There, four threadpool round trips per file cost more than the calls
   *  themselves (measured on 11,882 files: 0.66 s of user CPU against 0.17 s). */
  blockingWrites?: boolean;
}

export interface ExtractResult {
  /** Sweep-relative paths written under destDir, in archive order. */
  files: string[];
}

const HINT =
  'The archive is damaged or is not the one the manifest describes; nothing was kept. Try again, or restore another revision.';
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
/** Slack over the expected tar size for headers, pax records and end/record padding. */
const SLACK_BYTES = 1024 * 1024;
/** Files up to this size are verified in memory, then written with one call. */
const SMALL_FILE = 1024 * 1024;
/** Small-file writes in flight per archive (each is open, write, futimes, close on the threadpool). */
const PARALLEL_WRITES = 8;

export async function extractArchive(
  input: Readable,
  destDir: string,
  expected: Map<string, FileEntry> | FileEntry[],
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const want = expected instanceof Map ? expected : new Map(expected.map((f) => [f.path, f]));
  const onBytes = options.onBytes ?? (() => {});
  const root = path.resolve(destDir);
  const parents = ancestorDirs(want.keys());
  // Decompressed bytes a genuine archive can need: stops a gzip bomb of trailing zeros.
  let budget = SLACK_BYTES;
  for (const f of want.values()) budget += 3 * 512 + Math.ceil(f.size / 512) * 512;

  const writtenFiles: string[] = [];
  const createdDirs: string[] = [];
  const dirs = new Map<string, Promise<void>>();
  const writes = new Set<Promise<void>>();
  const seen = new Set<string>();
  const done: string[] = [];
  let reading: string | undefined; // the member the tar stream is at, to place stream-level errors
  let failure: SyncError | undefined;
  const ac = new AbortController();

  /** member: the entry at fault, or null when the problem is the stream as a whole. */
  const fail = (problem: string, member: string | null, cause?: unknown): SyncError => {
    if (!failure) {
      const where = member ? `${member}: ` : '';
      // A full disk, a folder we may not write to, too many open files: the file system's failure, not
      // the archive's (a restore onto a full disk is not a "damaged archive").
      failure = isEnvironmentError(cause)
        ? fromOsError(cause, { path: root, doing: `writing ${member ?? 'the archive'}'s files into ${root}` })
        : new SyncError('integrity', `Archive rejected: ${where}${problem}`, HINT, { cause });
      ac.abort(failure);
    }
    return failure;
  };
  // gunzip reads ahead of the parser, so a stream error can only be placed "at or after" a member.
  const at = (): string =>
    reading ? `, at or after ${reading} (${done.length} of ${want.size} files verified)` : '';
  const aborted = new Promise<never>((_, reject) => {
    ac.signal.addEventListener('abort', () => reject(failure), { once: true });
  });
  aborted.catch(() => {});
  // A cancel is not a rejected archive: it fails the extraction with its own error (nothing is wrong with
  // the archive, and a history must not say so).
  const onUserAbort = (): void => {
    if (failure) return;
    failure = new SyncError('conflict', `The extraction was cancelled${at()}.`, undefined, {
      code: 'cancelled',
      cause: options.signal?.reason,
    });
    ac.abort(failure);
  };
  if (options.signal?.aborted) onUserAbort();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });

  const parser = new Parser({ strict: true, brotli: false, zstd: false });
  // One file at a time: the next entry waits (paused, so the parser stops) until the previous
  // file is verified and closed. Bounded memory and open descriptors.
  let chain: Promise<void> = Promise.resolve();
  parser.on('entry', (entry: ReadEntry) => {
    reading = entry.path;
    // After a failure nothing more is written; the pipeline is being torn down anyway.
    chain = chain.then(() => (failure ? undefined : writeEntry(entry)));
    // A write that failed on its own (disk full, permissions) stops the whole extraction at once: the
    // parser would otherwise wait for this entry forever.
    chain.catch((e: unknown) => {
      if (!failure) fail(`cannot be written (${(e as Error).message})`, entry.path, e);
    });
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    fail(`has unsupported tar entry type ${entry.type}`, entry.path);
  });
  parser.on('error', (e: Error & { code?: string }) => {
    // tar's Parser calls a tar with no entries "unrecognized"; that is right when none are expected.
    if (e.code === 'TAR_BAD_ARCHIVE' && want.size === 0 && seen.size === 0 && /Unrecognized/.test(e.message))
      return;
    fail(`not a valid tar stream (${e.message})${at()}`, null, e);
  });
  const parserEnded = new Promise<void>((resolve) => parser.on('end', resolve));

  const writeEntry = async (entry: ReadEntry): Promise<void> => {
    // tar writes directories as `dir/`; strip that before the path rules see an empty segment.
    const name = entry.type === 'Directory' ? entry.path.replace(/\/+$/, '') : entry.path;
    const bad = memberPathProblem(name);
    if (bad) throw fail(bad, JSON.stringify(name));
    if (entry.type === 'Directory' && parents.has(name)) return Promise.race([drop(entry), aborted]);
    if (!FILE_TYPES.has(entry.type)) throw fail(describeType(entry), name);
    const exp = want.get(name);
    if (!exp) throw fail('is not listed in the manifest', name);
    if (seen.has(name)) throw fail('appears twice in the archive', name);
    seen.add(name);
    if (entry.size !== exp.size) throw fail(`has size ${entry.size}, the manifest says ${exp.size}`, name);

    const abs = resolveInside(root, name);
    const t = exp.mtimeMs / 1000;
    if (exp.size <= SMALL_FILE) {
      // Small file (nearly all of a sweep): take it whole from the stream and verify it before a
      // byte touches the disk; the write then runs alongside the next entries, a few at a time.
      // (Not raced against `aborted`: that promise never settles, and each race would keep its chunks.)
      const chunks = await collect(entry, ac.signal, () => failure, onBytes);
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (data.length !== exp.size) throw fail(`is truncated: got ${data.length} of ${exp.size} bytes`, name);
      // One call over the whole file: a hash object per file cost more than the hashing (12,000 files).
      const digest = oneShotHash('sha256', data, 'hex');
      if (digest !== exp.sha256.toLowerCase()) {
        throw fail(`content does not match the manifest (sha256 ${digest}, expected ${exp.sha256})`, name);
      }
      done.push(name);
      while (writes.size >= PARALLEL_WRITES) await Promise.race(writes); // writes always settle
      if (failure) throw failure;
      const w: Promise<void> = (options.blockingWrites ? writeSmallBlocking : writeSmall)(abs, data, t)
        .catch((e: unknown) => {
          fail(`cannot be written to the staging folder (${(e as Error).message})`, name, e);
        })
        .finally(() => writes.delete(w));
      writes.add(w);
      return;
    }
    await ensureDir(path.dirname(abs));
    if (failure) throw failure;
    let fh: FileHandle;
    try {
      fh = await open(abs, 'wx'); // never follow or replace something already there
    } catch (e) {
      throw fail(`cannot be written to the staging folder (${(e as Error).message})`, name, e);
    }
    writtenFiles.push(abs);
    const hash = createHash('sha256');
    try {
      const n = await copyInto(entry, fh, hash, ac.signal, () => failure, onBytes);
      if (n !== exp.size) throw fail(`is truncated: got ${n} of ${exp.size} bytes`, name);
      const digest = hash.digest('hex');
      if (digest !== exp.sha256.toLowerCase()) {
        throw fail(`content does not match the manifest (sha256 ${digest}, expected ${exp.sha256})`, name);
      }
      await fh.utimes(t, t);
    } finally {
      await fh.close();
    }
    done.push(name);
  };

  /**
   * Writes a verified small file: open (never over something), write, mtime on the descriptor,
   * close. Plain callback fs on a raw descriptor: for ~12,000 small files the main thread's cost
   * of issuing the calls is what limits a restore, and FileHandles + a promise per call cost more.
   */
  const writeSmall = async (abs: string, data: Buffer, t: number): Promise<void> => {
    await ensureDir(path.dirname(abs));
    if (failure) return;
    await new Promise<void>((resolve, reject) => {
      fs.open(abs, 'wx', (err, fd) => {
        // 'wx': never follow or replace something already there
        if (err) return reject(err);
        writtenFiles.push(abs);
        const finish = (e: Error | null): void => {
          fs.close(fd, (ce) => {
            const first = e ?? ce;
            if (first) reject(first);
            else resolve();
          });
        };
        const writeFrom = (off: number): void => {
          if (off >= data.length) fs.futimes(fd, t, t, finish);
          else
            fs.write(fd, data, off, data.length - off, null, (we, n) =>
              we ? finish(we) : writeFrom(off + n),
            );
        };
        writeFrom(0);
      });
    });
  };

  /** writeSmall with blocking calls, for the extraction worker; the same steps and the same rules. */
  const writeSmallBlocking = (abs: string, data: Buffer, t: number): Promise<void> => {
    try {
      ensureDirBlocking(path.dirname(abs));
      const fd = fs.openSync(abs, 'wx'); // never follow or replace something already there
      writtenFiles.push(abs);
      try {
        for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
        fs.futimesSync(fd, t, t);
      } finally {
        fs.closeSync(fd);
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const madeDirs = new Set<string>();
  const ensureDirBlocking = (dir: string): void => {
    if (madeDirs.has(dir)) return;
    const parent = path.dirname(dir);
    if (parent.length > root.length && parent.startsWith(root)) {
      ensureDirBlocking(parent);
      try {
        fs.mkdirSync(dir);
        createdDirs.push(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // something else there: the open says what
      }
    } else {
      const firstNew = fs.mkdirSync(dir, { recursive: true });
      if (firstNew) recordDirs(firstNew, dir);
    }
    madeDirs.add(dir);
  };

  /**
   * Each folder once: runs hold ~10 files each, so remembering them saves a mkdir per file. A
   * folder whose parent we have made is one plain mkdir (a recursive one costs a failed call more).
   */
  const ensureDir = (dir: string): Promise<void> => {
    let p = dirs.get(dir);
    if (!p) {
      const parent = path.dirname(dir);
      p =
        parent.length > root.length && parent.startsWith(root)
          ? ensureDir(parent).then(() =>
              mkdir(dir).then(
                () => void createdDirs.push(dir),
                (e: NodeJS.ErrnoException) => {
                  if (e.code !== 'EEXIST') throw e; // something else there: the open says what
                },
              ),
            )
          : mkdir(dir, { recursive: true }).then((firstNew) => {
              if (firstNew) recordDirs(firstNew, dir);
            });
      dirs.set(dir, p);
    }
    return p;
  };

  const recordDirs = (first: string, last: string): void => {
    for (let d = last; d.length >= first.length; d = path.dirname(d)) createdDirs.push(d);
  };

  try {
    // Large output chunks: fewer, bigger file writes (each write is a threadpool round trip).
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    let total = 0;
    await pipeline(
      input,
      gunzip,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          total += chunk.length;
          if (total > budget) throw fail('the archive holds far more data than the manifest lists', null);
          if (!parser.write(chunk)) await Promise.race([once(parser, 'drain'), aborted]);
        }
        parser.end();
        await Promise.race([parserEnded, aborted]);
        await Promise.race([chain, aborted]);
        await Promise.race([Promise.all(writes), aborted]);
      },
      { signal: ac.signal },
    );
    if (failure) throw failure;
    const missing = [...want.keys()].filter((p) => !seen.has(p));
    if (missing.length) {
      const shown =
        missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
      throw fail(`the archive ends without ${shown}`, null);
    }
    return { files: done };
  } catch (e) {
    const err = failure ?? classify(e, at(), fail);
    await chain.catch(() => {});
    await Promise.allSettled(writes);
    await cleanup(writtenFiles, createdDirs);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onUserAbort);
  }
}

/** Turns an unexpected error (gunzip, network, file system) into the one integrity failure. */
function classify(
  e: unknown,
  where: string,
  fail: (p: string, m: string | null, c?: unknown) => SyncError,
): SyncError {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code ?? '';
  if (isEnvironmentError(e)) return fail(msg, null, e);
  if (code.startsWith('Z_') || /unexpected end of file|incorrect header|invalid/i.test(msg)) {
    return fail(`the gzip data is truncated or corrupt (${msg})${where}`, null, e);
  }
  return fail(`${msg}${where}`, null, e);
}

function describeType(entry: ReadEntry): string {
  switch (entry.type) {
    case 'SymbolicLink':
      return `is a symbolic link (to ${entry.linkpath ?? '?'}); Bilancio Sync archives never contain links`;
    case 'Link':
      return `is a hard link (to ${entry.linkpath ?? '?'}); Bilancio Sync archives never contain links`;
    case 'CharacterDevice':
    case 'BlockDevice':
      return `is a device file (${entry.type}); only regular files are allowed`;
    case 'FIFO':
      return 'is a FIFO; only regular files are allowed';
    case 'Directory':
      return 'is a directory that holds no file of the manifest';
    default:
      return `has unsupported tar entry type ${entry.type}`;
  }
}

/**
 * Pumps one entry into an open file. The entry is paused while each chunk is written, which makes
 * the parser report backpressure, which pauses gunzip and the network stream behind it.
 */
function copyInto(
  entry: ReadEntry,
  fh: FileHandle,
  hash: ReturnType<typeof createHash>,
  signal: AbortSignal,
  failed: () => Error | undefined,
  onBytes: (n: number) => void,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let n = 0;
    const onAbort = (): void => reject(failed() ?? new Error('aborted'));
    if (signal.aborted) return onAbort(); // an abort that fired earlier won't fire again
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (err?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(n);
    };
    let writing = Promise.resolve();
    entry.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      n += chunk.length;
      onBytes(chunk.length);
      entry.pause();
      writing = writing
        .then(() => fh.write(chunk))
        .then(() => {
          if (!failed()) entry.resume();
        });
      writing.catch(settle);
    });
    entry.on('end', () => {
      writing.then(() => settle(), settle);
    });
    entry.resume();
  });
}

/** The whole of a (small) entry; rejects when the extraction is aborted. */
function collect(
  entry: ReadEntry,
  signal: AbortSignal,
  failed: () => Error | undefined,
  onBytes: (n: number) => void,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(failed() ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      onBytes(chunk.length);
    });
    entry.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(chunks);
    });
    entry.resume();
  });
}

function ancestorDirs(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  return dirs;
}

function drop(entry: ReadEntry): Promise<void> {
  return new Promise((resolve) => {
    entry.on('end', resolve);
    entry.resume();
  });
}

/** Removes the files this call wrote, then the directories it created, deepest first. */
async function cleanup(files: string[], dirs: string[]): Promise<void> {
  for (const f of files) await rm(f, { force: true });
  const unique = [...new Set(dirs)].sort((a, b) => b.length - a.length);
  for (const d of unique) await rmdir(d).catch(() => {}); // not empty: someone else's files
}
