/**
 * The background checks of watch mode, kept to a sliver of one core by a CpuPacer (0.2 % by default):
 *
 * - polling: sweep folders that could not be watched (the watch budget or the system's limit ran out, a
 *   watch failed) are examined every `pollIntervalMs` — or slower, if there are so many that the pace
 *   can't do it in that time;
 * - deep checks: every synced sweep is deep-checked (deepCheck.ts: every file stat'ed against the synced
 *   revision) once per `deepIntervalMs`, oldest check first, starting `deepDelayMs` after start-up — the
 *   periodic full rescan of tools like Syncthing, for what folder watches can't see (a file edited inside
 *   a run folder, events lost while the machine slept). When each sweep was last deep-checked is kept (in
 *   its fingerprint), so a restart doesn't start the round again.
 *
 * When nothing is due it sleeps on one timer until the next due time: an idle watcher wakes up rarely.
 */
import type { JournalSweep } from '../journal/types.js';
import { CpuPacer } from './CpuPacer.js';

/** Default CPU share of the background checks: 0.2 % of one core. */
export const DEFAULT_CPU_SHARE = 0.002;
export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const DEFAULT_DEEP_INTERVAL_MS = 60 * 60_000;
export const DEFAULT_DEEP_DELAY_MS = 30_000;

export interface RescannerOptions {
  cpuShare?: number;
  pollIntervalMs?: number;
  /** 0: no deep checks. */
  deepIntervalMs?: number;
  deepDelayMs?: number;
  /** Sweep folders that are not (completely) watched. */
  polled: () => string[];
  /** Look at one (polled) folder. */
  examine: (path: string) => Promise<unknown>;
  /** The synced sweeps under the roots, with when each was last deep-checked (ms since the epoch). */
  synced: () => Array<{ row: JournalSweep; deepCheckedAt: number | null }>;
  /** Deep-check one sweep (it may have moved on meanwhile: then it does nothing). */
  deep: (row: JournalSweep, pacer: CpuPacer) => Promise<void>;
  /** A check failed (the others go on). */
  onError?: (error: unknown) => void;
}

export class Rescanner {
  private readonly controller = new AbortController();
  private readonly share: number;
  private readonly pollMs: number;
  private readonly deepMs: number;
  private readonly deepDelayMs: number;
  private readonly soon = new Set<string>();
  /** When each sweep's deep check was last tried (it may have been skipped: syncing, gone). */
  private readonly tried = new Map<string, number>();
  private wake: (() => void) | null = null;
  /** A sweep was asked for `soon`: plan the round again, with it first. */
  private replan = false;
  private running: Promise<void> | null = null;

  constructor(private readonly options: RescannerOptions) {
    this.share = options.cpuShare ?? DEFAULT_CPU_SHARE;
    this.pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.deepMs = options.deepIntervalMs ?? DEFAULT_DEEP_INTERVAL_MS;
    this.deepDelayMs = options.deepDelayMs ?? DEFAULT_DEEP_DELAY_MS;
  }

  /** How often a folder that can't be watched is looked at, in words (for the warning saying so). */
  get pollEvery(): string {
    const ms = this.pollMs;
    if (ms < 1000) return `every ${ms} ms`;
    return ms % 60_000 === 0 ? `every ${ms / 60_000} min` : `every ${Math.round(ms / 1000)} s`;
  }

  start(): void {
    if (this.running) return;
    this.running = this.loop().catch(() => {});
  }

  async stop(): Promise<void> {
    this.controller.abort(new Error('stopped'));
    this.wake?.();
    await this.running;
  }

  /** Something changed: folders to poll, or a sweep to deep-check soon (`path`). */
  poke(path?: string): void {
    if (path !== undefined) {
      this.soon.add(path);
      this.replan = true;
    }
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const signal = this.controller.signal;
    const pacer = new CpuPacer(this.share, signal);
    let nextPollAt = Date.now() + this.pollMs;
    let nextDeepAt = Date.now() + this.deepDelayMs;
    let round: JournalSweep[] = [];
    while (!signal.aborted) {
      const now = Date.now();
      if (now >= nextPollAt) {
        for (const path of this.options.polled()) {
          if (signal.aborted) return;
          pacer.begin();
          await this.guard(() => this.options.examine(path));
          await pacer.pause();
        }
        nextPollAt = Date.now() + this.pollMs;
        continue;
      }
      if (this.deepMs > 0 && (this.soon.size > 0 || now >= nextDeepAt)) {
        if (round.length === 0 || this.replan) {
          this.replan = false;
          const plan = this.plan(now);
          round = plan.due;
          if (round.length === 0) {
            this.soon.clear();
            nextDeepAt = plan.nextDueAt;
            continue;
          }
        }
        const row = round.shift()!;
        this.soon.delete(row.path);
        this.tried.set(row.path, Date.now());
        pacer.begin();
        await this.guard(() => this.options.deep(row, pacer));
        await pacer.pause();
        continue;
      }
      const polling = this.options.polled().length > 0;
      const until = Math.min(
        polling ? nextPollAt : Number.POSITIVE_INFINITY,
        this.deepMs > 0 ? nextDeepAt : Number.POSITIVE_INFINITY,
      );
      await this.sleepUntil(until);
      if (!polling && this.options.polled().length > 0)
        nextPollAt = Math.min(nextPollAt, Date.now() + this.pollMs);
    }
  }

  private async guard(job: () => Promise<unknown>): Promise<void> {
    try {
      await job();
    } catch (e) {
      if (this.controller.signal.aborted) throw e;
      this.options.onError?.(e);
    }
  }

  /** When a sweep was last deep-checked or tried (a sweep skipped is not tried again at once). */
  private lastLook(s: { row: JournalSweep; deepCheckedAt: number | null }): number {
    return Math.max(s.deepCheckedAt ?? 0, this.tried.get(s.row.path) ?? 0);
  }

  /**
   * The synced sweeps due for a deep check now (those asked for `soon` first, then the oldest check
   * first), and when the next one is due if none is.
   */
  private plan(now: number): { due: JournalSweep[]; nextDueAt: number } {
    const all = this.options.synced();
    const soon = all.filter((s) => this.soon.has(s.row.path)).map((s) => s.row);
    let nextDueAt = now + this.deepMs;
    const due: Array<{ row: JournalSweep; at: number }> = [];
    for (const s of all) {
      if (this.soon.has(s.row.path)) continue;
      const at = this.lastLook(s) + this.deepMs;
      if (at <= now) due.push({ row: s.row, at });
      else nextDueAt = Math.min(nextDueAt, at);
    }
    due.sort((a, b) => a.at - b.at);
    return { due: [...soon, ...due.map((d) => d.row)], nextDueAt: Math.max(now + 1_000, nextDueAt) };
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const ms = Math.min(2 ** 31 - 1, Math.max(0, at - Date.now()));
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : null;
      timer?.unref();
      const wake = () => done();
      this.wake = wake;
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wake = null;
    });
  }
}
