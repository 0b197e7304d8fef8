/**
 * Operating-system failures in the user's terms. Every place the engine touches the file system (a
 * restore's target and staging folder, the archive extractor, the local object store, reading a sweep, the
 * journal and catalog files) turns an errno error into a SyncError through `fromOsError`, so the same
 * failure gets the same category, code, message and hint wherever it happens — and what the journal records
 * is that message.
 *
 * Categories (the exit code follows the category):
 * - EACCES / EPERM / EROFS: `usage` (exit 2) for a path the command itself names (the restore target, the
 *   sweep folder): choose another folder or fix its permissions; `configuration` (exit 3) for a folder the
 *   settings name (data folder, local store folder, catalog file).
 * - ENOSPC / EDQUOT (and SQLite's SQLITE_FULL): `transient` (exit 4), code `disk-full`, "The disk holding
 *   <path> is full: not enough space on <mount> while … (N MB free, M MB needed)", hint "Free K MB on
 *   <mount> …" — never an integrity error, never "aborted".
 * - EEXIST / ENOTDIR / EISDIR (a file where a folder must be): `usage` (exit 2), code `not-a-folder`.
 * - EMFILE / ENFILE: `transient` (exit 4), code `too-many-open-files`, with the process's limit when the
 *   system tells it and the hint to raise it (ulimit -n).
 * - EIO: `transient` (exit 4), code `io-error`.
 */
import { accessSync, constants, readFileSync, statfsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ErrorCategory } from '../../shared/errors.js';
import { SyncError } from './errors.js';

/** Whose path it is: one the command names (usage), or one the settings name (configuration). */
export type OsPathRole = 'argument' | 'setting';

export interface OsErrorContext {
  /** The file or folder concerned (the one to free space on, to fix permissions of, …). */
  path: string;
  /** What was being done, in words: "restoring big into /data/out", "writing the sync journal". */
  doing: string;
  /** Default 'setting'. */
  role?: OsPathRole;
  /** Bytes the operation needs when the disk filled up, if known: the message then says how much to free. */
  need?: number;
}

/** errno codes this module turns into their own messages. */
const OS_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'EMFILE',
  'ENFILE',
  'EIO',
]);

/** The codes that say something about the machine (space, permissions, limits), never about the data:
 *  inside a folder of our own (a staging folder) EEXIST/ENOTDIR can only come from what is written. */
const ENVIRONMENT_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'EIO',
]);

/** True for a raw OS error about the machine rather than the data (see ENVIRONMENT_CODES). */
export function isEnvironmentError(e: unknown): boolean {
  return !(e instanceof SyncError) && ENVIRONMENT_CODES.has(osErrorCode(e));
}

/** Node's errno code of an error, or ''. */
export function osErrorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for a raw operating-system error `fromOsError` has a message for. */
export function isOsError(e: unknown): boolean {
  return !(e instanceof SyncError) && OS_CODES.has(osErrorCode(e));
}

/** Whether `e` (or what it wraps) says the process or the system has no file descriptor left. */
export function isOutOfFileDescriptors(e: unknown): boolean {
  if (e instanceof SyncError && e.code === 'too-many-open-files') return true;
  const os = findOsError(e, true);
  return os?.code === 'EMFILE' || os?.code === 'ENFILE';
}

/** The first OS error in `e`'s cause chain (a SyncError wrapping one included), or null; with
 *  `environmentOnly`, only one about the machine (see isEnvironmentError). */
export function findOsError(e: unknown, environmentOnly = false): NodeJS.ErrnoException | null {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (environmentOnly ? isEnvironmentError(cur) : isOsError(cur)) return cur as NodeJS.ErrnoException;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

const MB = 1024 * 1024;
const mb = (n: number) => (n <= 0 ? '0 MB' : `${Math.max(1, Math.ceil(n / MB))} MB`);

/** The nearest existing folder at or above `p`. */
function existingDir(p: string): string {
  let dir = resolve(p);
  for (;;) {
    try {
      if (statSync(dir).isDirectory()) return dir;
    } catch {
      // not there (yet): look above
    }
    const up = dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

/** The mount point holding `dir`: the highest folder above it on the same device. */
function mountPointOf(dir: string): string {
  try {
    const dev = statSync(dir).dev;
    let cur = dir;
    for (;;) {
      const up = dirname(cur);
      if (up === cur || statSync(up).dev !== dev) return cur;
      cur = up;
    }
  } catch {
    return dir;
  }
}

/** Free bytes (for this user) on the file system holding `p`, or null when it can't be read. */
export function freeBytes(p: string): number | null {
  try {
    const s = statfsSync(existingDir(p));
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** "The disk holding /data/out is full: not enough space on /data …": for errno and SQLite alike. */
export function diskFullError(ctx: OsErrorContext, cause?: unknown): SyncError {
  const dir = existingDir(ctx.path);
  const mount = mountPointOf(dir);
  const free = freeBytes(dir);
  const figures: string[] = [];
  if (free !== null) figures.push(`${mb(free)} free`);
  if (ctx.need !== undefined && ctx.need > 0) figures.push(`${mb(ctx.need)} needed`);
  const short = ctx.need !== undefined && free !== null ? ctx.need - free : null;
  const hint =
    short !== null && short > 0
      ? `Free ${mb(short)} on ${mount} (or choose a folder on another disk), then try again.`
      : `Free some space on ${mount} (or choose a folder on another disk), then try again.`;
  return new SyncError(
    'transient',
    `The disk holding ${resolve(ctx.path)} is full: not enough space on ${mount} while ${ctx.doing}` +
      `${figures.length ? ` (${figures.join(', ')})` : ''}.`,
    hint,
    { cause, code: 'disk-full' },
  );
}

/** " (as user nobody)": whose permissions the system checked, when it can tell. */
function asUser(): string {
  try {
    return ` (as user ${userInfo().username})`;
  } catch {
    return ''; // a uid without a name (a container's)
  }
}

/**
 * The folder whose permissions refused `e` (EACCES, EPERM, EROFS) — of the paths the error names (a
 * rename's destination first), the nearest existing folder this process may not write in — or `fallback`.
 * A restore into /data/x/y/z refused by /data says /data, not the folders that don't exist yet; a move into
 * a target's sub-folder of another user says that sub-folder, not the target that is fine.
 */
export function refusedFolder(e: NodeJS.ErrnoException & { dest?: string }, fallback: string): string {
  for (const p of [e.dest, e.path]) {
    if (typeof p !== 'string' || p === '') continue;
    const dir = existingDir(p);
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch {
      return dir;
    }
  }
  return fallback;
}

/** This process's limit of open files (the soft RLIMIT_NOFILE, `ulimit -n`), where the system tells it. */
export function openFilesLimit(): number | null {
  try {
    // Linux; read after the failure, once what failed has closed its files again.
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

/** EMFILE (this process's limit) or ENFILE (the system's table): the limit and how to raise it. */
function tooManyOpenFilesError(ctx: OsErrorContext, cause: unknown, systemWide: boolean): SyncError {
  const limit = openFilesLimit();
  const where = ctx.doing.includes(ctx.path) ? '' : ` (${ctx.path})`;
  const suggested = limit === null || limit < 4096 ? 4096 : limit * 2;
  const why = systemWide
    ? ": the system's table of open files is full"
    : limit === null
      ? ''
      : `: this process may have at most ${limit} files open at once`;
  return new SyncError(
    'transient',
    `Too many open files while ${ctx.doing}${where}${why}.`,
    `Raise the limit of open files: ulimit -n ${suggested} in the shell that starts Bilancio Sync` +
      `${limit === null ? '' : ` (it is ${limit} now)`}, or close other programs; then try again.`,
    { cause, code: 'too-many-open-files' },
  );
}

/**
 * An operating-system error as a SyncError naming the path and what to do. A SyncError is returned as it
 * is; an error with no errno code this module knows becomes an `internal` error with the path.
 */
export function fromOsError(e: unknown, ctx: OsErrorContext): SyncError {
  if (e instanceof SyncError) return e;
  const code = osErrorCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  const options = (c: string) => ({ cause: e, code: c });
  const denied: ErrorCategory = ctx.role === 'argument' ? 'usage' : 'configuration';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFullError(ctx, e);
    case 'EACCES':
    case 'EPERM':
      return new SyncError(
        denied,
        `Permission denied on ${ctx.path} while ${ctx.doing}${asUser()}.`,
        `Check the permissions of ${ctx.path}, or choose another folder.`,
        options('permission-denied'),
      );
    case 'EROFS':
      return new SyncError(
        denied,
        `${ctx.path} is on a read-only file system (while ${ctx.doing}).`,
        'Choose a folder on a writable disk.',
        options('read-only-file-system'),
      );
    case 'EEXIST':
    case 'ENOTDIR':
    case 'EISDIR':
      return new SyncError(
        'usage',
        `${ctx.path} is not a folder (or a file is in the way inside it) while ${ctx.doing}.`,
        { text: 'Choose an empty folder.', action: { kind: 'choose-empty-folder', overwriteAllowed: false } },
        options('not-a-folder'),
      );
    case 'EMFILE':
    case 'ENFILE':
      return tooManyOpenFilesError(ctx, e, code === 'ENFILE');
    case 'EIO':
      return new SyncError(
        'transient',
        `The disk failed to read or write ${ctx.path} while ${ctx.doing} (input/output error).`,
        'Check the disk (or network drive), then try again.',
        options('io-error'),
      );
    default:
      return new SyncError('internal', `${ctx.doing} (${ctx.path}): ${detail}`, undefined, { cause: e });
  }
}

/** An OS error (ENOSPC, EACCES…) as plain data, to cross to another thread: the other side words it as its own. */
export interface WireOsError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export function osErrorOnWire(os: NodeJS.ErrnoException): WireOsError {
  return { message: os.message, code: os.code, errno: os.errno, syscall: os.syscall, path: os.path };
}

export function osErrorFromWire(os: WireOsError): Error {
  return Object.assign(new Error(os.message), os);
}
