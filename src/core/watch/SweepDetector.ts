/**
 * File events for watch mode: which sweep folder something happened in, debounced per sweep. It decides
 * nothing — the watch service looks at the sweep (journal, fingerprint, completion) when told.
 *
 * What is watched (folders only, never files; see FolderWatches):
 * - each experiments folder: a sweep folder appearing, disappearing, renamed; the experiments folder
 *   itself going away (then it is looked for every few seconds and watched again when it is back);
 * - per sweep, the folders bilancio writes into (`watchSweep`, from the fingerprint or the layout): the
 *   sweep folder, aggregate/, each branch folder with registry/ and runs/ (its entries only: a new run
 *   folder), the job-manifest folders — ~9 watches per sweep, whatever the number of run files. Nothing
 *   inside a run folder is watched (SPEC §5: that costs ~10× the memory and start-up time); the deep
 *   check covers it.
 * On macOS and Windows one recursive watch per experiments folder (FSEvents, ReadDirectoryChangesW)
 * covers everything instead; a change below the folders above then asks for a deep check of the sweep.
 *
 * When watches run out (watch mode's budget or the system's limit) or a watch fails, the sweep is
 * listed as `polled` and the Rescanner looks at it on a timer instead; the failure is reported once
 * through `onProblem` with what to do. Events can be lost (sleep, network drives, overflowing queues):
 * the periodic reconcile scan and the deep checks are the safety net.
 */
import { stat } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SyncError } from '../model/errors.js';
import { FolderWatches } from './FolderWatches.js';
import { watchedFolderMissingError, watcherError, watchLimitError } from './watcherErrors.js';

export interface SweepDetectorOptions {
  /** Experiments folders: each direct subfolder is a sweep. */
  roots: string[];
  /** Called (debounced) with the absolute path of a sweep folder in which something changed. */
  onActivity: (sweepPath: string) => void;
  /** Recursive watches only: something changed below the folders a shallow watch covers (run data). */
  onDeepActivity?: (sweepPath: string) => void;
  /** A sweep folder disappeared (its watches are dropped already). */
  onRemoved?: (sweepPath: string) => void;
  /** An experiments folder came back after it was gone: everything in it should be looked at. */
  onRootBack?: (root: string) => void;
  /** A watcher failure, with what to do (reported once per folder and kind by the caller). */
  onProblem: (error: SyncError, path: string) => void;
  /** Sweeps now to be polled (watches ran out or failed). */
  onPolled?: () => void;
  /** Quiet time per sweep before onActivity fires; bilancio rewrites files in bursts. Default 250 ms. */
  debounceMs?: number;
  /** Folder watches at most (default: see defaultWatchBudget). */
  budget: number;
  /** One recursive watch per root (default on macOS and Windows). */
  recursive?: boolean;
  /** How often polled folders are looked at, in words (for the warning). */
  pollEvery: string;
  /** How often a missing experiments folder is looked for. Default 5 s. */
  rootRetryMs?: number;
}

/**
 * How deep below an experiments root the shallow watch reaches: `{sweep}` (0), `{sweep}/{branch|aggregate|job}`
 * (1), `{sweep}/{branch}/registry` (2), `{sweep}/{branch}/registry/experiments.csv` (3).
 */
export const WATCH_DEPTH = 3;

/**
 * True for paths below what the shallow watch covers: anything in or under a `runs/` folder (a new run
 * shows up as an entry of runs/ and a registry rewrite), dot-folders (restore staging, editors, `.git`)
 * and anything deeper than WATCH_DEPTH.
 */
export function isIgnoredPath(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return false;
  const parts = rel.split(sep);
  if (parts.length > WATCH_DEPTH + 1) return true;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === 'runs' || p.startsWith('.')) return true;
  }
  return parts[0]!.startsWith('.');
}

export class SweepDetector {
  private readonly roots: string[];
  private readonly watches: FolderWatches;
  private readonly recursive: boolean;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly firstEventAt = new Map<string, number>();
  private readonly deepPending = new Set<string>();
  private readonly debounceMs: number;
  /** Watched folder → the sweep it belongs to (roots map to ''). */
  private readonly owner = new Map<string, string>();
  /** Sweep → its watched folders. */
  private readonly bySweep = new Map<string, Set<string>>();
  /** Sweeps some folder of which could not be watched. */
  private readonly polledSweeps = new Set<string>();
  private readonly missingRoots = new Set<string>();
  private rootTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: SweepDetectorOptions) {
    this.roots = options.roots.map((r) => resolve(r));
    this.debounceMs = options.debounceMs ?? 250;
    this.recursive = options.recursive ?? (process.platform === 'darwin' || process.platform === 'win32');
    this.watches = new FolderWatches({
      budget: options.budget,
      recursive: this.recursive,
      onEvent: (dir, name) => this.onFsEvent(dir, name),
      onLost: (dir) => this.onLost(dir),
      onFailure: (dir, e) => {
        const err = watcherError(e, dir);
        if (err) options.onProblem(err, dir);
        this.markPolled(dir);
      },
      onExhausted: ({ kernel, error }) =>
        options.onProblem(
          watchLimitError(
            { watched: this.watches.size, pollEvery: options.pollEvery, kernel, budget: options.budget },
            error,
          ),
          this.roots.join(', '),
        ),
    });
  }

  /** Watch the experiments folders. */
  async start(): Promise<void> {
    for (const root of this.roots) this.watchRoot(root);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.firstEventAt.clear();
    if (this.rootTimer) clearInterval(this.rootTimer);
    this.rootTimer = null;
    this.watches.closeAll();
    this.owner.clear();
    this.bySweep.clear();
  }

  /** Folder watches held now. */
  get watchCount(): number {
    return this.watches.size;
  }

  /** Sweep folders not (completely) watched: to be polled. */
  polled(): string[] {
    return [...this.polledSweeps];
  }

  /** Whether `root` is an experiments folder that is gone (being looked for). */
  isMissing(root: string): boolean {
    return this.missingRoots.has(root);
  }

  /**
   * Watch the folders of a sweep (sweep-relative, '' = the sweep folder) — before the sweep is looked at,
   * so that nothing written from then on goes unheard. Folders not there are skipped (their parent's
   * watch tells when they appear). Without recursive watches only.
   */
  watchSweep(sweepPath: string, dirs: readonly string[]): void {
    if (this.closed || this.recursive) return;
    if (!this.roots.some((r) => sweepPath.startsWith(r + sep))) return;
    let set = this.bySweep.get(sweepPath);
    if (!set) {
      set = new Set();
      this.bySweep.set(sweepPath, set);
    }
    let complete = true;
    for (const rel of dirs) {
      const dir = rel ? join(sweepPath, rel) : sweepPath;
      if (set.has(dir) && this.watches.has(dir)) continue;
      const r = this.watches.add(dir);
      if (r === 'watched') {
        set.add(dir);
        this.owner.set(dir, sweepPath);
      } else if (r === 'exhausted' || r === 'failed') complete = false;
    }
    if (complete) this.polledSweeps.delete(sweepPath);
    else if (!this.polledSweeps.has(sweepPath)) {
      this.polledSweeps.add(sweepPath);
      this.options.onPolled?.();
    }
  }

  /** Stop watching a sweep folder (it is gone). */
  unwatchSweep(sweepPath: string): void {
    for (const dir of this.bySweep.get(sweepPath) ?? []) {
      this.watches.remove(dir);
      this.owner.delete(dir);
    }
    this.bySweep.delete(sweepPath);
    this.polledSweeps.delete(sweepPath);
  }

  /**
   * Before a scan: try again to watch what couldn't be (the next examination of each polled sweep does
   * it), and look for missing experiments folders now.
   */
  retryWatches(): void {
    this.watches.retry();
    if (this.missingRoots.size > 0) this.lookForRoots();
  }

  /** An experiments folder turned out to be gone or not a folder (seen by a scan): look for it until it is back. */
  rootMissing(root: string, notAFolder = false): void {
    if (this.closed || this.missingRoots.has(root)) return;
    this.missingRoots.add(root);
    this.watches.removeUnder(root, sep);
    for (const sweep of [...this.bySweep.keys()]) if (sweep.startsWith(root + sep)) this.unwatchSweep(sweep);
    for (const [dir, sweep] of [...this.owner])
      if (dir === root || sweep.startsWith(root + sep)) this.owner.delete(dir);
    this.options.onProblem(watchedFolderMissingError(root, notAFolder), root);
    if (!this.rootTimer) {
      this.rootTimer = setInterval(() => this.lookForRoots(), this.options.rootRetryMs ?? 5_000);
      this.rootTimer.unref();
    }
  }

  /** The sweep folder a path belongs to, or null (a root itself, or outside every root). */
  sweepOf(path: string): string | null {
    const abs = resolve(path);
    for (const root of this.roots) {
      const rel = relative(root, abs);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
      const first = rel.split(sep)[0]!;
      if (first.startsWith('.')) return null;
      return resolve(root, first);
    }
    return null;
  }

  private watchRoot(root: string): void {
    const r = this.watches.add(root);
    if (r === 'watched') {
      this.owner.set(root, '');
      return;
    }
    if (r === 'gone') this.rootMissing(root);
    // exhausted or failed: reported; the periodic scan still finds new sweeps there.
  }

  private lookForRoots(): void {
    for (const root of [...this.missingRoots]) {
      stat(root, (err, s) => {
        if (this.closed || err || !s.isDirectory() || !this.missingRoots.has(root)) return;
        this.missingRoots.delete(root);
        this.watchRoot(root);
        if (this.missingRoots.size === 0 && this.rootTimer) {
          clearInterval(this.rootTimer);
          this.rootTimer = null;
        }
        this.options.onRootBack?.(root);
      });
    }
  }

  private onLost(dir: string): void {
    const sweep = this.owner.get(dir);
    this.owner.delete(dir);
    if (sweep === '') {
      this.rootMissing(dir);
      return;
    }
    if (sweep) this.bySweep.get(sweep)?.delete(dir);
  }

  private onFsEvent(dir: string, name: string | null): void {
    if (this.closed) return;
    const owner = this.owner.get(dir);
    if (owner === undefined) return;
    if (owner === '') {
      // An experiments folder: `name` is a sweep folder (or, recursive, a path below one).
      if (name === null) return;
      const parts = name.split(/[\\/]/);
      if (parts.some((p) => p.startsWith('.'))) return;
      const sweep = join(dir, parts[0]!);
      if (this.recursive && isIgnoredPath(dir, join(dir, ...parts))) this.deepPending.add(sweep);
      this.schedule(sweep);
      return;
    }
    if (name?.startsWith('.')) return; // restore staging, editors' swap files
    this.schedule(owner);
  }

  private schedule(sweep: string): void {
    const previous = this.timers.get(sweep);
    if (previous) clearTimeout(previous);
    // Trailing debounce with a maximum wait: a sweep rewritten non-stop is still looked at now and then.
    const first = this.firstEventAt.get(sweep) ?? Date.now();
    this.firstEventAt.set(sweep, first);
    const delay = Math.max(0, Math.min(this.debounceMs, first + this.debounceMs * 8 - Date.now()));
    this.timers.set(
      sweep,
      setTimeout(() => {
        this.timers.delete(sweep);
        this.firstEventAt.delete(sweep);
        stat(sweep, (err, s) => {
          if (this.closed) return;
          if (err || !s.isDirectory()) {
            this.deepPending.delete(sweep);
            if (this.bySweep.has(sweep)) {
              this.unwatchSweep(sweep);
              this.options.onRemoved?.(sweep);
            }
            return;
          }
          this.options.onActivity(sweep);
          if (this.deepPending.delete(sweep)) this.options.onDeepActivity?.(sweep);
        });
      }, delay),
    );
  }

  private markPolled(dir: string): void {
    const sweep = this.owner.get(dir) ?? this.sweepOf(dir);
    if (!sweep) return;
    if (!this.polledSweeps.has(sweep)) {
      this.polledSweeps.add(sweep);
      this.options.onPolled?.();
    }
  }
}
