/**
 * Watcher failures in the user's terms (issue 11): the file watcher's own errors get a category, a stable
 * code, the folder concerned and what to do, like every other error of the app (model/errors.ts,
 * model/osErrors.ts). They are reported as warnings — watch mode goes on, polling what it can't watch —
 * never as a crash, and never through fromOsError's generic words: an ENOSPC from inotify means "no more
 * file watches", not "the disk is full".
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { SyncError } from '../model/errors.js';
import { fromOsError, osErrorCode } from '../model/osErrors.js';

/** The kernel's inotify limits (Linux), or nulls where they can't be read (other systems). */
export interface InotifyLimits {
  /** fs.inotify.max_user_watches: watched folders per user, all programs together. */
  maxUserWatches: number | null;
  /** fs.inotify.max_user_instances: watching programs (inotify instances) per user. */
  maxUserInstances: number | null;
}

export function readInotifyLimits(): InotifyLimits {
  const read = (name: string): number | null => {
    try {
      const n = Number.parseInt(readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8'), 10);
      return Number.isFinite(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  };
  return { maxUserWatches: read('max_user_watches'), maxUserInstances: read('max_user_instances') };
}

/** A value to suggest for fs.inotify.max_user_watches: comfortably above what is needed. */
function suggestedWatches(needed: number, current: number | null): number {
  let n = 524_288;
  while (n < needed * 2 || (current !== null && n <= current)) n *= 2;
  return n;
}

export interface WatchLimitContext {
  /** Folders watched when the limit was met, if known. */
  watched?: number;
  /** How often the folders left unwatched are looked at instead, in words ("every 30 s"). */
  pollEvery: string;
  /** The kernel's limit was hit (ENOSPC) rather than watch mode's own budget. */
  kernel: boolean;
  /** Watch mode's own budget, when that was the limit. */
  budget?: number;
  limits?: InotifyLimits;
}

/**
 * No more folder watches: the kernel's limit (ENOSPC from inotify_add_watch) or watch mode's own budget
 * (a share of that limit, leaving the rest to other programs). Watching goes on by polling.
 */
export function watchLimitError(ctx: WatchLimitContext, cause?: unknown): SyncError {
  const limits = ctx.limits ?? readInotifyLimits();
  const max = limits.maxUserWatches;
  const which = ctx.kernel
    ? `the system's limit on watched folders${max !== null ? ` (fs.inotify.max_user_watches = ${max}, all programs of this user together)` : ''} is reached`
    : `watch mode's share of the system's watched folders (${ctx.budget ?? ctx.watched}${max !== null ? ` of fs.inotify.max_user_watches = ${max}` : ''}) is used up`;
  const suggestion = suggestedWatches(ctx.watched ?? 0, max);
  const watched = ctx.watched === undefined ? '' : ` ${ctx.watched} folders are watched;`;
  return new SyncError(
    'configuration',
    `Not every sweep folder can be watched for changes: ${which}.${watched} ` +
      `sweeps whose folders can't be are checked by polling ${ctx.pollEvery} instead, so their changes are noticed later.`,
    process.platform === 'linux'
      ? `Raise the limit, e.g. \`sudo sysctl fs.inotify.max_user_watches=${suggestion}\` (and the same line without sudo in /etc/sysctl.d/90-inotify.conf to keep it after a reboot), then restart watching.`
      : 'Watch fewer or smaller experiments folders, or raise the system limit on watched files, then restart watching.',
    { cause, code: 'watch-limit-reached' },
  );
}

/** EMFILE / ENFILE while setting up a watch: no inotify instance, or no file descriptor, to be had. */
export function watchInstancesError(dir: string, cause?: unknown): SyncError {
  const limits = readInotifyLimits();
  const instances =
    limits.maxUserInstances !== null
      ? ` (fs.inotify.max_user_instances = ${limits.maxUserInstances}, or the open-file limit)`
      : ' (the open-file limit)';
  return new SyncError(
    'transient',
    `Too many open files or file watchers to watch ${dir} for changes${instances}; the sweeps there are checked by polling instead.`,
    process.platform === 'linux'
      ? 'Close other programs that watch files (editors, other sync tools), or raise the limit, e.g. `sudo sysctl fs.inotify.max_user_instances=1024` or `ulimit -n`, then restart watching.'
      : 'Close other programs or raise the open-file limit (ulimit -n), then restart watching.',
    { cause, code: 'too-many-open-files' },
  );
}

/** The experiments folder itself is gone (moved, deleted, its disk unmounted) or is no folder any more. */
export function watchedFolderMissingError(root: string, notAFolder = false): SyncError {
  return new SyncError(
    'not-found',
    notAFolder
      ? `The watched experiments folder ${root} is no longer a folder: nothing in it is watched or synced.`
      : `The watched experiments folder ${root} is gone (moved, deleted, or its disk unmounted): nothing in it is watched or synced.`,
    'Put the folder back (or mount its disk again): watching resumes by itself within seconds. If your sweeps are somewhere else now, change the watched folders to that place.',
    { code: 'watched-folder-missing' },
  );
}

/**
 * Any failure of the file watcher on `dir` (setting a watch up, or an error event of a live watch) as a
 * SyncError with a hint, or null when the folder simply no longer exists (not a failure: the sweep or
 * folder was removed, and the caller drops it).
 */
export function watcherError(e: unknown, dir: string): SyncError | null {
  if (e instanceof SyncError) return e;
  const code = osErrorCode(e);
  switch (code) {
    case 'ENOENT':
      return null;
    case 'ENOSPC':
      return watchLimitError({ pollEvery: 'now and then', kernel: true }, e);
    case 'EMFILE':
    case 'ENFILE':
      return watchInstancesError(dir, e);
    case 'EACCES':
    case 'EPERM': {
      const err = fromOsError(e, { path: dir, doing: 'watching it for changes', role: 'setting' });
      return new SyncError(
        err.category,
        `Permission denied on ${dir}${asUser()}: it can't be read or watched for changes, so what is in it is not synced.`,
        `Check the permissions of ${dir} (the user running Bilancio Sync needs to read and enter it), or move the sweep out of the watched folder.`,
        { cause: e, code: err.code },
      );
    }
    case 'ENOTDIR':
      return null; // a file where a folder was: whoever looks at the folder next says what it is
    default: {
      const err = fromOsError(e, { path: dir, doing: 'watching it for changes' });
      return new SyncError(
        err.category,
        `The file watcher failed on ${dir}: ${e instanceof Error ? e.message : String(e)}.`,
        err.hint ??
          'Watching goes on for everything else; changes there are still found by the periodic check. If it repeats, restart watching.',
        { cause: e, code: err.code === 'internal' ? 'watcher-failed' : err.code },
      );
    }
  }
}

/** " (as user nobody)": whose permissions the system checked, when it can tell. */
function asUser(): string {
  try {
    return ` (as user ${userInfo().username})`;
  } catch {
    return ''; // a uid without a name (a container's)
  }
}

/** The problem with reading `dir` (permission denied, …) as watcherError words, or null if it can be read. */
export function folderAccessError(dir: string): SyncError | null {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return null;
  } catch (e) {
    return watcherError(e, dir);
  }
}
