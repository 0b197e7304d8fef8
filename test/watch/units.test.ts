import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextRetryDelay } from '../../src/core/watch/backoff.js';
import { parseDuration } from '../../src/core/watch/pause.js';
import { isIgnoredPath } from '../../src/core/watch/SweepDetector.js';

describe('watch units', () => {
  it('the watcher never enters runs/ or dot-folders and stays shallow', () => {
    const r = '/x/experiments';
    expect(isIgnoredPath(r, join(r, 's'))).toBe(false);
    expect(isIgnoredPath(r, join(r, 's/passive/registry/experiments.csv'))).toBe(false);
    expect(isIgnoredPath(r, join(r, 's/aggregate/comparison.csv'))).toBe(false);
    expect(isIgnoredPath(r, join(r, 's/job-id/job_manifest.json'))).toBe(false);
    expect(isIgnoredPath(r, join(r, 's/passive/runs'))).toBe(true);
    expect(isIgnoredPath(r, join(r, 's/runs'))).toBe(true);
    expect(isIgnoredPath(r, join(r, 's/passive/runs/grid_0123456789ab/run.html'))).toBe(true);
    expect(isIgnoredPath(r, join(r, 's/.bilancio-sync-restore-1'))).toBe(true);
    expect(isIgnoredPath(r, join(r, 's/a/b/c/d'))).toBe(true);
  });

  it('durations and back-off', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2h30m')).toBe(9_000_000);
    expect(parseDuration('45')).toBe(2_700_000);
    expect(parseDuration('soon')).toBeNull();
    const p = { baseMs: 1000, maxMs: 8000, maxAttempts: 5, minMs: 100 };
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(n, p, () => 0.5))).toEqual([500, 1000, 2000, 4000]);
    expect(nextRetryDelay(3, p, () => 0)).toBe(100);
    expect(nextRetryDelay(5, p)).toBeNull();
  });
});
