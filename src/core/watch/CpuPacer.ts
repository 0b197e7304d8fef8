/**
 * Keeps background checks (deep checks, polling of folders that can't be watched) to a share of one CPU
 * core: work runs in short slices, and after each slice the pacer sleeps so long that the slice's CPU time
 * is at most `share` of the time that passed. It measures the process's own CPU time, so the pace holds
 * on a slow or busy machine alike, and other work of the process (a sync) slows the checks down.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest single sleep: a pacer never waits longer than this between two slices. */
const MAX_SLEEP_MS = 60_000;

export class CpuPacer {
  private sliceStartCpu = process.cpuUsage();
  private sliceStartWall = performance.now();

  /**
   * @param share CPU share of one core, e.g. 0.002 for 0.2 %.
   * @param sliceMs CPU time of one slice before it pauses.
   */
  constructor(
    private readonly share: number,
    private readonly signal: AbortSignal,
    private readonly sliceMs = 2,
  ) {}

  /** Begin a slice of work now (after a pause that wasn't the pacer's). */
  begin(): void {
    this.sliceStartCpu = process.cpuUsage();
    this.sliceStartWall = performance.now();
  }

  /** A point where the work may pause: sleeps if the slice has used its CPU time. Rejects once aborted. */
  async checkpoint(): Promise<void> {
    const used = process.cpuUsage(this.sliceStartCpu);
    if (used.user + used.system < this.sliceMs * 1000) {
      if (this.signal.aborted) throw this.signal.reason;
      return;
    }
    await this.pause();
  }

  /** End a slice: sleep for its share. */
  async pause(): Promise<void> {
    const used = process.cpuUsage(this.sliceStartCpu);
    const cpuMs = (used.user + used.system) / 1000;
    const wallMs = performance.now() - this.sliceStartWall;
    const wait = Math.min(MAX_SLEEP_MS, cpuMs / this.share - wallMs);
    if (wait > 0) {
      try {
        await sleep(wait, undefined, { signal: this.signal, ref: false });
      } catch (e) {
        throw this.signal.aborted ? this.signal.reason : e;
      }
    } else if (this.signal.aborted) throw this.signal.reason;
    this.begin();
  }
}
