/**
 * The reconcile scan: every sweep folder under the experiments roots looked at, at start-up, every few
 * minutes and on request — the safety net for file events that never came (sleep, network drives,
 * overflowing OS queues). Cheap over hundreds of synced sweeps: checkUnchanged recognises an unchanged
 * synced sweep from a few stat() calls and the journal, without hashing or asking the engine.
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
}

/** Folders looked at at once during a scan. */
const SCAN_CONCURRENCY = 8;

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
      const folders = await listSweepFolders(this.options.roots);
      const results = new Map<string, ExamineResult>();
      let unchanged = 0;
      let next = 0;
      const worker = async () => {
        while (next < folders.length && !this.options.stopping()) {
          const path = folders[next++]!;
          if (this.options.isSyncing(path)) continue;
          const result = await this.options.examine(path, examine);
          results.set(path, result);
          if (result === 'unchanged') unchanged++;
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

/** Every sweep candidate under the experiments roots: direct subfolders, dot-folders skipped, sorted. */
export async function listSweepFolders(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    let entries: Dirent[];
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    for (const d of entries) {
      if (d.isDirectory() && !d.name.startsWith('.')) out.push(resolve(join(root, d.name)));
    }
  }
  return out.sort();
}
