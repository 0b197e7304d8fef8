/**
 * Streams a `.tar.gz` from the object store into a staging folder, treating it as hostile:
 * only regular files listed in `expected` are written, each checked for size and sha256 while it
 * is written; anything else (links, devices, `..`, absolute names, extras, duplicates, missing
 * members, corrupt or truncated data) fails the whole extraction and removes what it wrote.
 *
 * gunzip runs in node's zlib (threadpool); TarSplitter.ts cuts the plain tar stream into members,
 * so tar's own unpacker (which would happily create links and directories on its own terms) never
 * runs. The files are written with blocking calls: this runs on a thread of its own, the extraction
 * worker (extractInWorker.ts), where four threadpool round trips per small file cost more than the
 * calls themselves (measured on 11,882 files: 0.66 s of user CPU against 0.17 s). Called on a
 * thread that serves anything else, it holds that thread for each write.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SyncError } from '../model/errors.js';
import { fromOsError, isEnvironmentError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';
import { memberPathProblem, resolveInside } from './memberPath.js';
import { StagingFiles, writeAll } from './StagingFiles.js';
import { TarFormatError, type TarMember, type TarMemberSink, TarSplitter } from './TarSplitter.js';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** Called with each run of file bytes as it is taken from the archive (their sum ends at the expected
   *  files' total size): what a restore's progress counts. */
  onBytes?: (n: number) => void;
  /** Where verified small files go instead of being written on this thread (the extraction worker
   *  posts them to the restore's thread when a restore has one archive: extractInWorker.ts). */
  smallFiles?: SmallFileWriter;
}

/** Takes verified small files and writes them elsewhere; the other side removes them if the extraction fails. */
export interface SmallFileWriter {
  /** A verified file (`data` is only valid during the call). */
  write(name: string, abs: string, data: Buffer, mtimeSec: number): void;
  /** The first file that could not be written, once known. */
  failed(): { name: string; error: Error } | undefined;
  /** Resolves once at most `bytes` of what was taken is not yet on disk, or a write failed. */
  drained(bytes: number): Promise<void>;
  /** After a failure: folders the extraction made that still hold the other side's files, for it to remove. */
  leftBehind(dirs: string[]): void;
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
/** Files up to this size are verified in memory, then written with one call; larger ones as they come. */
const SMALL_FILE = 1024 * 1024;
/** Small files handed to `options.smallFiles` and not yet on disk, at most: bounds what waits in messages. */
const SMALL_FILES_WINDOW = 4 * 1024 * 1024;

/** The member being read, once its header has passed every check. */
interface OpenMember {
  name: string;
  expected: FileEntry;
  abs: string;
  /** A small file's bytes so far (views into the gunzipped chunks). */
  parts: Buffer[];
  got: number;
  /** A large file: its descriptor and running hash (its bytes go to disk as they come). */
  fd: number | null;
  hash: ReturnType<typeof createHash> | null;
}

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

  const staging = new StagingFiles(root);
  // A member's absolute path. On POSIX, a name that passed memberPathProblem (no empty, "." or ".."
  // segment, not absolute) is exactly root + "/" + name, what resolveInside's path.resolve gives at
  // ~3 µs a member; elsewhere (drive letters, "\\") resolveInside decides.
  const rootSlash = root.endsWith('/') ? root : `${root}/`;
  const place = (name: string): string => (path.sep === '/' ? rootSlash + name : resolveInside(root, name));
  const smallFiles = options.smallFiles;
  const seen = new Set<string>();
  const done: string[] = [];
  let reading: string | undefined; // the member the tar stream is at, to place stream-level errors
  let member: OpenMember | null = null;
  let failure: SyncError | undefined;
  const ac = new AbortController();

  /** name: the member at fault, or null when the problem is the stream as a whole. */
  const fail = (problem: string, name: string | null, cause?: unknown): SyncError => {
    if (!failure) {
      const where = name ? `${name}: ` : '';
      // A full disk, a folder we may not write to, too many open files: the file system's failure, not
      // the archive's (a restore onto a full disk is not a "damaged archive").
      failure = isEnvironmentError(cause)
        ? fromOsError(cause, { path: root, doing: `writing ${name ?? 'the archive'}'s files into ${root}` })
        : new SyncError('integrity', `Archive rejected: ${where}${problem}`, HINT, { cause });
      ac.abort(failure);
    }
    return failure;
  };
  // gunzip reads ahead of the splitter, so a stream error can only be placed "at or after" a member.
  const at = (): string =>
    reading ? `, at or after ${reading} (${done.length} of ${want.size} files verified)` : '';
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

  const writeFailed = (name: string, e: unknown): SyncError =>
    fail(`cannot be written to the staging folder (${(e as Error).message})`, name, e);
  /** A file-system call for `name`; its failure stops the extraction. */
  const writing = <T>(name: string, call: () => T): T => {
    try {
      return call();
    } catch (e) {
      throw writeFailed(name, e);
    }
  };

  const sink: TarMemberSink = {
    header(h) {
      reading = h.path;
      // tar writes directories as `dir/`; strip that before the path rules see an empty segment.
      const name = h.type === 'Directory' ? h.path.replace(/\/+$/, '') : h.path;
      const bad = memberPathProblem(name);
      if (bad) throw fail(bad, JSON.stringify(name));
      if (h.type === 'Directory' && parents.has(name)) return; // no body: tar gives directories size 0
      if (!FILE_TYPES.has(h.type)) throw fail(describeType(h), name);
      const exp = want.get(name);
      if (!exp) throw fail('is not listed in the manifest', name);
      if (seen.has(name)) throw fail('appears twice in the archive', name);
      seen.add(name);
      if (h.size !== exp.size) throw fail(`has size ${h.size}, the manifest says ${exp.size}`, name);
      const abs = place(name);
      const m: OpenMember = { name, expected: exp, abs, parts: [], got: 0, fd: null, hash: null };
      if (exp.size > SMALL_FILE) {
        // Too big to hold: written as it comes, checked at its end (a mismatch removes it with the rest).
        m.fd = writing(name, () => staging.create(abs));
        m.hash = createHash('sha256');
      }
      member = m;
    },
    body(bytes) {
      const m = member;
      if (!m) return;
      m.got += bytes.length;
      onBytes(bytes.length);
      if (m.fd === null) m.parts.push(bytes);
      else {
        m.hash?.update(bytes);
        const fd = m.fd;
        writing(m.name, () => writeAll(fd, bytes));
      }
    },
    end() {
      const m = member;
      member = null;
      if (!m) return;
      const { name, expected: exp } = m;
      if (m.got !== exp.size) throw fail(`is truncated: got ${m.got} of ${exp.size} bytes`, name);
      const t = exp.mtimeMs / 1000;
      if (m.fd === null) {
        // Small file (nearly all of a sweep): verified before a byte touches the disk.
        const data = m.parts.length === 1 ? m.parts[0]! : Buffer.concat(m.parts, m.got);
        // One call over the whole file: a hash object per file cost more than the hashing (12,000 files).
        checkDigest(name, oneShotHash('sha256', data, 'hex'), exp);
        if (smallFiles) smallFiles.write(name, m.abs, data, t);
        else writing(name, () => staging.writeWhole(m.abs, data, t));
      } else {
        const fd = m.fd;
        m.fd = null;
        try {
          checkDigest(name, m.hash?.digest('hex') ?? '', exp);
          writing(name, () => fs.futimesSync(fd, t, t));
        } finally {
          writing(name, () => fs.closeSync(fd)); // a close can report a failed write (NFS, a full disk)
        }
      }
      done.push(name);
    },
  };

  const checkDigest = (name: string, digest: string, exp: FileEntry): void => {
    if (digest !== exp.sha256.toLowerCase()) {
      throw fail(`content does not match the manifest (sha256 ${digest}, expected ${exp.sha256})`, name);
    }
  };

  const splitter = new TarSplitter(sink);
  const split = (call: () => void): void => {
    try {
      call();
    } catch (e) {
      if (e instanceof TarFormatError) throw fail(`not a valid tar stream (${e.message})${at()}`, null, e);
      throw e;
    }
  };
  /** Waits for the other side's writes; one that failed fails the extraction as a write here would. */
  const smallFilesDrained = async (bytes: number): Promise<void> => {
    await smallFiles?.drained(bytes);
    const bad = smallFiles?.failed();
    if (bad) throw writeFailed(bad.name, bad.error);
  };
  try {
    // Large output chunks: fewer, bigger runs per member.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    let total = 0;
    await pipeline(
      input,
      gunzip,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          if (failure) throw failure; // cancelled between two chunks
          total += chunk.length;
          if (total > budget) throw fail('the archive holds far more data than the manifest lists', null);
          split(() => splitter.write(chunk));
          if (smallFiles) await smallFilesDrained(SMALL_FILES_WINDOW);
        }
        split(() => splitter.end());
        if (smallFiles) await smallFilesDrained(0);
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
    const open = member as OpenMember | null;
    if (open?.fd != null) fs.close(open.fd, () => {}); // its file is removed below either way
    const kept = await staging.removeAll();
    if (kept.length > 0) smallFiles?.leftBehind(kept);
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

function describeType(entry: TarMember): string {
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

function ancestorDirs(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  return dirs;
}
