/**
 * Issue 12: background checks (deep checks, polling) are paced to a share of one core, measured on the
 * process's own CPU time, so that a watcher over a thousand sweeps idles at well under 0.5 % of a core.
 */
import { describe, expect, it } from 'vitest';
import { CpuPacer } from '../../src/core/watch/CpuPacer.js';

/** Burn about `ms` of CPU. */
function burn(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const u = process.cpuUsage(start);
    if (u.user + u.system >= ms * 1000) return;
  }
}

describe('CpuPacer', () => {
  it('keeps CPU-bound work to its share of a core, and stops when aborted', async () => {
    const controller = new AbortController();
    const share = 0.1;
    const pacer = new CpuPacer(share, controller.signal, 2);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let slices = 0;
    pacer.begin();
    while (performance.now() - t0 < 1_500) {
      burn(1);
      await pacer.checkpoint();
      slices++;
    }
    const u = process.cpuUsage(cpu0);
    const cpuShare = (u.user + u.system) / 1000 / (performance.now() - t0);
    expect(slices).toBeGreaterThan(20); // it did work…
    expect(cpuShare).toBeLessThan(share * 1.6); // …at about its share (the test's own loop included)

    const sleeping = (async () => {
      burn(5);
      await pacer.checkpoint(); // 5 ms of CPU at 10 %: a ~50 ms sleep, cut short by the abort
    })();
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
  });
});
