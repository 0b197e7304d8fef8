/**
 * The reconcile scan: every sweep folder under the experiments roots looked at, at start-up, every few
 * minutes and on request — the safety net for file events that never came (sleep, network drives,
 * overflowing OS queues). Cheap over a thousand synced sweeps: the examiner recognises an unchanged
 * synced sweep from its fingerprint (~20 stat() calls), without reading folders, hashing or asking the
 * engine. An experiments folder that is gone or can't be read is reported (onRootError) and skipped; the
 * scan goes on with the others.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EngineEvent } from '../../shared/events.js';
import type { ExamineOptions, ExamineResult } from './SweepExaminer.js';

export type ReconcileTrigger = 'startup' | 'periodic' | 'request';

export interface ReconcilerOptions {
  roots: string[];
  examine: (path: string, options?: ExamineOptions) => Promise<ExamineResult>;
  isSyncing: (path: string) => boolean;
  stopping: () => boolean;
  emit: (e: EngineEvent) => void;
  /** Before each scan (e.g. let the watcher try again to watch what it couldn't). */
  beforeScan?: () => void;
  /** An experiments folder could not be listed (gone, not a folder, permission denied, …). */
  onRootError?: (root: string, error: NodeJS.ErrnoException) => void;
}

/** Folders looked at at once during a scan. */
const SCAN_CONCURRENCY = 8;
/** Sweeps looked at between two turns of the event loop (a fingerprint check doesn't wait for I/O). */
const YIELD_EVERY = 32;

export class Reconciler {
  private current: Promise<Map<string, ExamineResult>> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Whether a scan runs. */
  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Scan every sweep folder now, resolving to what each examination found. A plain scan while one runs
   * joins it; one with examine options (sync now) runs after it.
   */
  run(trigger: ReconcileTrigger, examine?: ExamineOptions): Promise<Map<string, ExamineResult>> {
    if (this.current) {
      if (!examine) return this.current;
      return this.current.then(() => this.run(trigger, examine));
    }
    const scan = async () => {
      const started = Date.now();
      this.options.beforeScan?.();
      const folders = await listSweepFolders(this.options.roots, this.options.onRootError);
      const results = new Map<string, ExamineResult>();
      let unchanged = 0;
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < folders.length && !this.options.stopping()) {
          const path = folders[next++]!;
          if (this.options.isSyncing(path)) continue;
          const result = await this.options.examine(path, examine);
          results.set(path, result);
          if (result === 'unchanged') unchanged++;
          if (++done % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
        }
      };
      await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, folders.length) }, worker));
      this.options.emit({
        type: 'reconcile-finished',
        sweeps: folders.length,
        unchanged,
        durationMs: Date.now() - started,
        trigger,
      });
      return results;
    };
    const run = scan().finally(() => {
      this.current = null;
    });
    this.current = run;
    return run;
  }

  /** Scan every `everyMs` as well (0: never). */
  startPeriodic(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.run('periodic').catch(() => {}), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * Every sweep candidate under the experiments roots: direct subfolders, dot-folders skipped, sorted. A
 * root that can't be listed is skipped, told to `onRootError` (thrown without one, but for a missing root).
 */
export async function listSweepFolders(
  roots: string[],
  onRootError?: (root: string, error: NodeJS.ErrnoException) => void,
): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    let entries: Dirent[];
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (onRootError) {
        onRootError(root, err);
        continue;
      }
      if (err.code === 'ENOENT') continue;
      throw e;
    }
    for (const d of entries) {
      if (d.isDirectory() && !d.name.startsWith('.')) out.push(resolve(join(root, d.name)));
    }
  }
  return out.sort();
}
