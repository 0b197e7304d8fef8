// SIGKILL in the middle: of `sync --full` (then a re-run must finish the job with nothing lost or doubled)
// and of `download` (then a re-run into the same folder must give the exact bytes and leave nothing behind).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTree } from '../../test/support/tree.js';
import { compareTrees, describe, failedCleanly } from './invariants.js';
import type { SoakKind } from './kinds.js';
import { mutateSweep } from './mutate.js';
import { checkAfterResync, prepareSyncedSweep, type SyncedSweep } from './syncedSweep.js';
import { runCli } from './world.js';

/** Kill points from just after the spawn to a little past the usual end (so some runs finish first). */
const killPoint = (rng: { int(a: number, b: number): number }, typicalMs: number) =>
  rng.int(20, Math.round(typicalMs * 1.15));

export const killSync: SoakKind = {
  id: 'kill-sync',
  title: 'SIGKILL of `sync --full` (s3rver + PostgreSQL), then sync again',
  prepare: (world) => prepareSyncedSweep(world, 'soak-kill-sync'),
  async trial(world, state, rng) {
    const s = state as SyncedSweep;
    const branch = await mutateSweep(s.dir, rng);
    const killAfterMs = killPoint(rng, s.syncMs);
    const env = world.env(s.home);
    const first = await runCli(['sync', s.dir, '--full', '--json'], env, { cwd: world.ws, killAfterMs });
    const problems = first.killed ? [] : failedCleanly(first, []);
    const again = await runCli(['sync', s.dir, '--full', '--json'], env, { cwd: world.ws });
    if (again.exitCode !== 0) problems.push(`re-run failed: ${describe(again)}`);
    else problems.push(...(await checkAfterResync(world, s)));
    // Kill points are drawn over what a sync of one change takes (less than the first, full sync).
    if (!first.killed && first.exitCode === 0) s.syncMs = (s.syncMs + first.wallMs) / 2;
    else if (again.json?.result === 'synced') s.syncMs = (3 * s.syncMs + again.wallMs) / 4;
    return {
      problems,
      setup: `${branch} changed; SIGKILL at ${killAfterMs} ms`,
      outcome: first.killed
        ? `killed; re-run ${String(again.json?.result ?? again.exitCode)}`
        : first.exitCode === 0
          ? 'finished first'
          : `finished first (${describe(first)})`,
    };
  },
};

export const killDownload: SoakKind = {
  id: 'kill-download',
  title: 'SIGKILL of `download` (s3rver + PostgreSQL), then download again into the same folder',
  prepare: async (world) => {
    const s = await prepareSyncedSweep(world, 'soak-kill-download');
    return { ...s, expected: await hashTree(s.dir) };
  },
  async trial(world, state, rng, trial) {
    const s = state as SyncedSweep & { expected: Map<string, string> };
    const parent = join(world.ws, 'downloads', `k${trial}`);
    await mkdir(parent, { recursive: true });
    const target = join(parent, 'restored');
    const killAfterMs = killPoint(rng, s.downloadMs);
    const env = world.env(s.home);
    try {
      const first = await runCli(['download', s.name, target, '--json'], env, { cwd: world.ws, killAfterMs });
      const problems = first.killed ? [] : failedCleanly(first, []);
      const again = await runCli(['download', s.name, target, '--json'], env, { cwd: world.ws });
      // A download that finished before the kill leaves a complete folder: the re-run rightly refuses it.
      const refusedComplete =
        !first.killed && first.exitCode === 0 && again.error?.code === 'target-not-empty';
      if (again.exitCode !== 0 && !refusedComplete) problems.push(`re-run failed: ${describe(again)}`);
      problems.push(...compareTrees(s.expected, await hashTree(target).catch(() => new Map())));
      return {
        problems,
        setup: `SIGKILL at ${killAfterMs} ms`,
        outcome: first.killed
          ? `killed; re-run ${again.exitCode === 0 ? 'restored' : describe(again)}`
          : 'finished first',
      };
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  },
};
