// Whole-process start-up of the CLI: `--version` (nothing but the start) and `status` (config, journal,
// catalog listing of a home that holds a synced sweep), each run many times in a row, next to `node -e 0`
// (the floor: Node's own start). Timed as a user would (spawn to exit), without the stats hook the other
// figures use, so nothing of the bench's is inside the number.
import { spawnSync } from 'node:child_process';
import { CLI, type Stat, stat } from './lib.js';
import type { TargetRow } from './report.js';
import { limitTarget } from './targets.js';

export interface StartupResult {
  runs: number;
  floorS: Stat | null;
  versionS: Stat | null;
  statusS: Stat | null;
}

function timed(args: string[], env: NodeJS.ProcessEnv, cwd: string): number | null {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, cwd, stdio: 'ignore' });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  return r.status === 0 ? s : null;
}

export function measureStartup(opts: { env: NodeJS.ProcessEnv; cwd: string; runs: number }): StartupResult {
  const floor: Array<number | null> = [];
  const version: Array<number | null> = [];
  const status: Array<number | null> = [];
  // One of each first, not counted: the page cache, the bundle's compile cache.
  timed([CLI, '--version'], opts.env, opts.cwd);
  timed([CLI, 'status'], opts.env, opts.cwd);
  for (let i = 0; i < opts.runs; i++) {
    floor.push(timed(['-e', '0'], opts.env, opts.cwd));
    version.push(timed([CLI, '--version'], opts.env, opts.cwd));
    status.push(timed([CLI, 'status'], opts.env, opts.cwd));
  }
  return { runs: opts.runs, floorS: stat(floor), versionS: stat(version), statusS: stat(status) };
}

export function startupTargets(r: StartupResult): TargetRow[] {
  const row = (target: string, v: Stat | null, limit: number): TargetRow =>
    limitTarget(target, v?.median ?? null, limit, 's', { baseline: r.floorS?.median ?? null });
  return [
    row('`bilancio-sync --version` (whole process; baseline `node -e 0`) ≤ 0.15 s', r.versionS, 0.15),
    row('`bilancio-sync status` (whole process; baseline `node -e 0`) ≤ 0.3 s', r.statusS, 0.3),
  ];
}
