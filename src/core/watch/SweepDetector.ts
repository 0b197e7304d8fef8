import { isAbsolute, relative, resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export interface SweepDetectorOptions {
  /** Experiments folders: each direct subfolder is a sweep. */
  roots: string[];
  /** Called (debounced) with the absolute path of a sweep folder in which something changed. */
  onActivity: (sweepPath: string) => void;
  /** A sweep folder disappeared. */
  onRemoved?: (sweepPath: string) => void;
  onError?: (error: Error) => void;
  /** Quiet time per sweep before onActivity fires; bilancio rewrites files in bursts. Default 250 ms. */
  debounceMs?: number;
}

/**
 * How deep below an experiments root the watcher looks: `{sweep}` (0), `{sweep}/{branch|aggregate|job}` (1),
 * `{sweep}/{branch}/registry` (2), `{sweep}/{branch}/registry/experiments.csv` (3).
 */
export const WATCH_DEPTH = 3;

/**
 * True for paths the watcher must never enter: anything in or under a `runs/` folder (SPEC §5: watching
 * run folders costs ~10× the memory and start-up time; a new run shows up as a registry rewrite anyway),
 * dot-folders (restore staging, editors, `.git`) and anything deeper than WATCH_DEPTH.
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

/**
 * Watches experiments folders shallowly with chokidar and reports, per sweep folder and debounced, that
 * something changed in it. It decides nothing: the watch service looks at the sweep (completion, journal)
 * when told. Events can be lost (sleep, network drives, overflowing OS queues): the periodic reconcile
 * scan is the safety net.
 */
export class SweepDetector {
  private watcher: FSWatcher | null = null;
  private readonly roots: string[];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly firstEventAt = new Map<string, number>();
  private readonly debounceMs: number;

  constructor(private readonly options: SweepDetectorOptions) {
    this.roots = options.roots.map((r) => resolve(r));
    this.debounceMs = options.debounceMs ?? 250;
  }

  /** Resolves once the initial (shallow) directory walk is done and events flow. */
  async start(): Promise<void> {
    if (this.watcher) return;
    const roots = this.roots;
    const watcher = watch(roots, {
      ignoreInitial: true,
      depth: WATCH_DEPTH,
      persistent: true,
      ignored: (path: string) => {
        const root = roots.find((r) => path === r || path.startsWith(r + sep));
        return root !== undefined && isIgnoredPath(root, path);
      },
    });
    this.watcher = watcher;
    watcher.on('all', (event, path) => this.onFsEvent(event, path));
    watcher.on('error', (e) => this.options.onError?.(e instanceof Error ? e : new Error(String(e))));
    await new Promise<void>((res) => watcher.once('ready', () => res()));
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.firstEventAt.clear();
    const w = this.watcher;
    this.watcher = null;
    await w?.close();
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

  private onFsEvent(event: string, path: string): void {
    const sweep = this.sweepOf(path);
    if (!sweep) return;
    if (event === 'unlinkDir' && resolve(path) === sweep) {
      const t = this.timers.get(sweep);
      if (t) clearTimeout(t);
      this.timers.delete(sweep);
      this.firstEventAt.delete(sweep);
      this.options.onRemoved?.(sweep);
      return;
    }
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
        this.options.onActivity(sweep);
      }, delay),
    );
  }
}
