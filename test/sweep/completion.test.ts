import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessCompletion } from '../../src/core/sweep/completion.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import {
  balancedSweepFiles,
  csv,
  REGISTRY_26,
  registry,
  setTreeTime,
  tempDirs,
  writeTree,
} from './helpers.js';

const tmp = tempDirs();
const T = Date.UTC(2025, 0, 15, 12, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;

/** Write a sweep, set every mtime to T, and judge it at `now`. */
async function judge(files: Record<string, string>, now: number, opts: { staleMs?: number } = {}) {
  const dir = await tmp();
  await writeTree(dir, files);
  await setTreeTime(dir, T);
  const layout = await detectLayout(dir);
  return { dir, layout, c: await assessCompletion(dir, layout, { now, ...opts }) };
}

const job = (status: string) => ({
  'castle-river-mountain-forest/job_manifest.json': `{"job_id": "castle-river-mountain-forest", "status": "${status}"}`,
});

/** A balanced sweep still going: one pair done, the next running, no summary yet. */
function runningSweep(): Record<string, string> {
  const f = balancedSweepFiles(1);
  delete f['aggregate/summary.json'];
  for (const b of ['passive', 'active']) {
    f[`${b}/registry/experiments.csv`] = registry(REGISTRY_26, [
      { run_id: `balanced_${b}_000000000000`, status: 'completed' },
      { run_id: `balanced_${b}_000000000001`, status: 'running' },
    ]);
  }
  return f;
}

describe('assessCompletion', () => {
  it('complete: summary.json present, no running rows, quiet for the settle window', async () => {
    const { c } = await judge(balancedSweepFiles(), T + 11 * SEC);
    expect(c).toEqual({
      state: 'complete',
      reason: 'aggregate/summary.json present, no running registry rows, quiet for 11 s',
      lastModifiedMs: T,
      terminalSignal: 'aggregate/summary.json',
      runningRows: 0,
    });
  });

  it('running (settling): finished but written to within the settle window', async () => {
    const { c } = await judge(balancedSweepFiles(), T + 3 * SEC);
    expect(c.state).toBe('running');
    expect(c.reason).toMatch(/^settling: aggregate\/summary.json present, but the last write was 3 s ago/);
  });

  it('running: registry rows running and recent writes', async () => {
    const { c } = await judge(runningSweep(), T + 2 * MIN);
    expect(c).toMatchObject({ state: 'running', runningRows: 2, terminalSignal: null });
    expect(c.reason).toMatch(/2 registry rows are still running; last write 2 min ago/);
  });

  it('incomplete: running rows and no writes for the staleness window (crashed)', async () => {
    const { c } = await judge(runningSweep(), T + 20 * MIN);
    expect(c.state).toBe('incomplete');
    expect(c.reason).toMatch(/nothing was written for 20 min: the sweep probably crashed/);
    const custom = await judge(runningSweep(), T + 20 * MIN, { staleMs: 60 * MIN });
    expect(custom.c.state).toBe('running');
  });

  it('incomplete: no terminal file at all and long quiet, even without running rows', async () => {
    const f = balancedSweepFiles();
    delete f['aggregate/summary.json'];
    const { c } = await judge(f, T + 3 * 60 * MIN);
    expect(c.state).toBe('incomplete');
    expect(c.reason).toMatch(/no summary.json/);
  });

  it('failed: the job manifest says failed', async () => {
    const { c } = await judge({ ...runningSweep(), ...job('failed') }, T + 20 * MIN);
    expect(c.state).toBe('failed');
    expect(c.reason).toMatch(/castle-river-mountain-forest\/job_manifest.json/);
  });

  it('complete: the job manifest says completed', async () => {
    const { c } = await judge({ ...balancedSweepFiles(), ...job('completed') }, T + MIN);
    expect(c.state).toBe('complete');
    expect(c.terminalSignal).toBe('castle-river-mountain-forest/job_manifest.json');
  });

  it('a manifest stuck at running outweighs an old summary.json (resume crashed / still going)', async () => {
    const files = { ...balancedSweepFiles(), ...job('running') };
    expect((await judge(files, T + MIN)).c.state).toBe('running');
    const stale = (await judge(files, T + 30 * MIN)).c;
    expect(stale.state).toBe('incomplete');
    expect(stale.reason).toMatch(/says "running"/);
  });

  it('the newest job manifest decides', async () => {
    const dir = await tmp();
    await writeTree(dir, {
      ...balancedSweepFiles(),
      'old-job-name-here/job_manifest.json': '{"status": "failed"}',
      'new-job-name-here/job_manifest.json': '{"status": "completed"}',
    });
    await setTreeTime(dir, T);
    await utimes(join(dir, 'old-job-name-here/job_manifest.json'), (T - MIN) / 1000, (T - MIN) / 1000);
    const c = await assessCompletion(dir, await detectLayout(dir), { now: T + MIN });
    expect(c.state).toBe('complete');
  });

  it('terminal file present but running rows: running, then incomplete', async () => {
    const files = { ...runningSweep(), 'aggregate/summary.json': '{"total_pairs": 0}' };
    const recent = (await judge(files, T + MIN)).c;
    expect(recent.state).toBe('running');
    expect(recent.reason).toMatch(/summary.json present but 2 registry rows are still running/);
    expect((await judge(files, T + 60 * MIN)).c.state).toBe('incomplete');
  });

  it('a half-written registry means running; cut off for long means crashed', async () => {
    const files = {
      ...balancedSweepFiles(),
      'active/registry/experiments.csv': 'run_id,status\r\nbalanced_a',
    };
    const recent = (await judge(files, T + MIN)).c;
    expect(recent.state).toBe('running');
    expect(recent.reason).toMatch(/active\/registry\/experiments.csv is still being written/);
    expect((await judge(files, T + 60 * MIN)).c.state).toBe('incomplete');
  });

  it('a half-written summary.json or comparison.csv means running', async () => {
    const s = await judge(
      { ...balancedSweepFiles(), 'aggregate/summary.json': '{"total_pairs": 2,' },
      T + MIN,
    );
    expect(s.c.state).toBe('running');
    const c = await judge({ ...balancedSweepFiles(), 'aggregate/comparison.csv': 'kappa\r\n0.' }, T + MIN);
    expect(c.c.state).toBe('running');
  });

  it('ring sweep: dashboard.html is the terminal file; aggregate-only: sweep_summary.txt', async () => {
    const ring = await judge(
      {
        'registry/experiments.csv': registry(REGISTRY_26, [
          { run_id: 'grid_000000000001', status: 'completed' },
        ]),
        'runs/grid_000000000001/run.html': 'x',
        'aggregate/results.csv': csv(['run_id'], [['grid_000000000001']]),
        'aggregate/dashboard.html': '<html/>',
      },
      T + MIN,
    );
    expect(ring.c).toMatchObject({ state: 'complete', terminalSignal: 'aggregate/dashboard.html' });
    const old = await judge(
      { 'aggregate/comparison.csv': csv(['kappa'], [['1']]), 'aggregate/sweep_summary.txt': 'done\n' },
      T + MIN,
    );
    expect(old.c).toMatchObject({ state: 'complete', terminalSignal: 'aggregate/sweep_summary.txt' });
  });

  it('lastModifiedMs follows aggregate, registry and runs/ folder writes but does not walk run folders', async () => {
    const { dir, layout } = await judge(balancedSweepFiles(), T + MIN);
    // A file deep in a run folder: not looked at (cheap check); readSweep re-checks with the full listing.
    await utimes(
      join(dir, 'passive/runs/balanced_passive_000000000000/run.html'),
      (T + 5000) / 1000,
      (T + 5000) / 1000,
    );
    expect((await assessCompletion(dir, layout, { now: T + MIN })).lastModifiedMs).toBe(T);
    // A new analysis file in aggregate/ is seen.
    await writeFile(join(dir, 'aggregate/posthoc.csv'), 'a\r\n');
    await utimes(join(dir, 'aggregate/posthoc.csv'), (T + 7000) / 1000, (T + 7000) / 1000);
    await utimes(join(dir, 'aggregate'), T / 1000, T / 1000);
    const c = await assessCompletion(dir, layout, { now: T + 10 * SEC });
    expect(c.lastModifiedMs).toBe(T + 7000);
    expect(c.reason).toMatch(/^settling/);
    // A new run folder bumps the runs/ folder mtime.
    await utimes(join(dir, 'active/runs'), (T + 9000) / 1000, (T + 9000) / 1000);
    expect((await assessCompletion(dir, layout, { now: T + MIN })).lastModifiedMs).toBe(T + 9000);
  });

  it('uses the real clock by default: a sweep written just now is settling', async () => {
    const dir = await tmp();
    await writeTree(dir, balancedSweepFiles());
    const layout = await detectLayout(dir);
    expect((await assessCompletion(dir, layout)).reason).toMatch(/^settling/);
    expect((await assessCompletion(dir, layout, { settleMs: 0 })).state).toBe('complete');
  });
});
