/**
 * The set of folder watches (fs.watch, one per folder, not recursive) watch mode holds, within a budget.
 * On Linux each is one inotify watch: a watch on a folder reports files created, deleted, renamed and
 * written directly in it, so watching folders (never files) is enough to hear of every write there, at
 * ~1 KB of memory per folder. The budget keeps watch mode to a share of the user's
 * fs.inotify.max_user_watches (other programs need theirs); running out — the budget, or the kernel's
 * ENOSPC — never throws: `add` says so, the caller polls what it couldn't watch, and the first time it
 * happens `onExhausted` is told once, with the hint to give.
 */
import { type FSWatcher, stat, watch } from 'node:fs';
import { basename } from 'node:path';
import { osErrorCode } from '../model/osErrors.js';
import { readInotifyLimits } from './watcherErrors.js';

/** At most this many folder watches by default (~100 MB of watches at the very most). */
export const MAX_FOLDER_WATCHES = 100_000;
/** The share of fs.inotify.max_user_watches watch mode takes by default. */
export const WATCH_SHARE = 0.5;

/** The default budget: half the user's inotify watches, at most MAX_FOLDER_WATCHES. */
export function defaultWatchBudget(): number {
  const max = readInotifyLimits().maxUserWatches;
  return max === null ? MAX_FOLDER_WATCHES : Math.min(MAX_FOLDER_WATCHES, Math.floor(max * WATCH_SHARE));
}

export type AddResult = 'watched' | 'exhausted' | 'gone' | 'failed';

export interface FolderWatchesOptions {
  /** Folder watches at most. */
  budget: number;
  /** Something happened in `dir` (`name`: the entry concerned, when the system says). */
  onEvent: (dir: string, name: string | null) => void;
  /** The watch of `dir` went away by itself: the folder was deleted or moved. */
  onLost?: (dir: string) => void;
  /** A watch failed to be set up or failed later (not for running out: see onExhausted). */
  onFailure: (dir: string, error: unknown) => void;
  /** No more watches can be set up (budget or kernel limit): told once until `retry`. */
  onExhausted: (why: { kernel: boolean; error?: unknown }) => void;
  /** Recursive watches (macOS, Windows: one per experiments folder covers everything below). */
  recursive?: boolean;
}

export class FolderWatches {
  private readonly watchers = new Map<string, FSWatcher>();
  private exhaustedBy: { kernel: boolean } | null = null;

  constructor(private readonly options: FolderWatchesOptions) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Whether running out of watches stopped new ones (until `retry`). */
  get exhausted(): boolean {
    return this.exhaustedBy !== null;
  }

  has(dir: string): boolean {
    return this.watchers.has(dir);
  }

  /** Watch `dir` (a no-op if it is watched already). */
  add(dir: string): AddResult {
    if (this.watchers.has(dir)) return 'watched';
    if (this.exhaustedBy) return 'exhausted';
    if (this.watchers.size >= this.options.budget) {
      this.exhaust({ kernel: false });
      return 'exhausted';
    }
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true, recursive: this.options.recursive === true }, (_type, name) =>
        this.onRaw(dir, name === null ? null : String(name)),
      );
    } catch (e) {
      const code = osErrorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'gone';
      if (code === 'ENOSPC') {
        this.exhaust({ kernel: true, error: e });
        return 'exhausted';
      }
      this.options.onFailure(dir, e);
      return 'failed';
    }
    w.on('error', (e) => {
      this.remove(dir);
      if (osErrorCode(e) === 'ENOSPC') this.exhaust({ kernel: true, error: e });
      else this.options.onFailure(dir, e);
    });
    this.watchers.set(dir, w);
    return 'watched';
  }

  remove(dir: string): void {
    const w = this.watchers.get(dir);
    if (!w) return;
    this.watchers.delete(dir);
    w.close();
  }

  /** Drop `dir` and every watched folder under it. */
  removeUnder(dir: string, sep = '/'): void {
    for (const d of [...this.watchers.keys()]) {
      if (d === dir || d.startsWith(dir + sep)) this.remove(d);
    }
  }

  /** Let `add` try again (e.g. at the next periodic scan: other programs may have freed watches). */
  retry(): void {
    if (this.exhaustedBy && (this.exhaustedBy.kernel || this.watchers.size < this.options.budget))
      this.exhaustedBy = null;
  }

  closeAll(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private exhaust(why: { kernel: boolean; error?: unknown }): void {
    if (this.exhaustedBy) return;
    this.exhaustedBy = { kernel: why.kernel };
    this.options.onExhausted(why);
  }

  private onRaw(dir: string, name: string | null): void {
    // inotify tells a watched folder's own deletion or move as an event named after the folder itself
    // (IN_DELETE_SELF / IN_MOVE_SELF): the watch is dead from then on (a moved folder's watch would follow
    // it under its new name), so it is dropped; the parent folder's watch reports the same change.
    if (!this.options.recursive && name !== null && name === basename(dir)) {
      this.options.onEvent(dir, name);
      this.checkAlive(dir);
      return;
    }
    this.options.onEvent(dir, name);
  }

  private checkAlive(dir: string): void {
    // A folder may also hold an entry of its own name (runs/runs): only a folder that is gone loses its watch.
    stat(dir, (err) => {
      if (err && this.watchers.has(dir)) {
        this.remove(dir);
        this.options.onLost?.(dir);
      }
    });
  }
}
