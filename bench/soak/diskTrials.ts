// A full disk, for real: a small tmpfs mounted as the restore target's file system, or as the data folder
// (journal, SQLite catalog and the local store) of a local-default sync. The command must fail as
// `disk-full` with what to free, leave nothing behind, and succeed once there is room (the same tmpfs
// remounted bigger). Needs root for mount(8); where that is refused the kinds report why and don't run.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTree } from '../../test/support/tree.js';
import { compareTrees, describe, failedCleanly, noLeftovers, storeMatches } from './invariants.js';
import type { SoakKind } from './kinds.js';
import { prepareSyncedSweep, type SyncedSweep } from './syncedSweep.js';
import { type CliOutcome, runCli } from './world.js';

const mount = (dir: string, bytes: number) =>
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 4096) * 4096}`, 'tmpfs', dir]);
const remount = (dir: string, bytes: number) =>
  execFileSync('mount', ['-o', `remount,size=${Math.ceil(bytes / 4096) * 4096}`, dir]);
const unmount = (dir: string) => {
  try {
    execFileSync('umount', [dir]);
  } catch {
    execFileSync('umount', ['-l', dir]);
  }
};

async function tmpfsUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  const probe = `/tmp/soak-mount-probe-${process.pid}`;
  await mkdir(probe, { recursive: true });
  try {
    mount(probe, 1 << 20);
    unmount(probe);
    return null;
  } catch (e) {
    return `mount -t tmpfs was refused here (${(e as Error).message.split('\n')[0]})`;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

/** A disk-full failure names the space: "free N MB on …" or the MB needed. */
function diskFullProblems(r: CliOutcome): string[] {
  const e = r.error;
  if (!e) return [];
  const problems: string[] = [];
  if (e.code !== 'disk-full') problems.push(`code ${e.code} (want disk-full): ${e.message}`);
  else if (!/MB/.test(e.message ?? '')) problems.push(`disk-full message names no size: ${e.message}`);
  return problems;
}

export const diskFullRestore: SoakKind = {
  id: 'disk-full-restore',
  title: 'Restore onto a full disk (tmpfs smaller than the sweep), then with room',
  unavailable: tmpfsUnavailable,
  prepare: async (world) => {
    const s = await prepareSyncedSweep(world, 'soak-disk-restore');
    const expected = await hashTree(s.dir);
    const revisions = await runCli(['revisions', s.name, '--json'], world.env(s.home), { cwd: world.ws });
    const bytes = (JSON.parse(revisions.stdout) as Array<{ bytes: number }>)[0]!.bytes;
    return { ...s, expected, bytes };
  },
  async trial(world, state, rng, trial) {
    const s = state as SyncedSweep & { expected: Map<string, string>; bytes: number };
    const disk = join(world.ws, 'disks', `r${trial}`);
    await mkdir(disk, { recursive: true });
    const size = rng.int(64 * 1024, Math.floor(s.bytes * 0.95));
    mount(disk, size);
    try {
      const target = join(disk, 'restored');
      const env = world.env(s.home);
      const first = await runCli(['download', s.name, target, '--json'], env, { cwd: world.ws });
      const problems = [...failedCleanly(first, ['transient']), ...diskFullProblems(first)];
      if (first.exitCode === 0) problems.push(`restored ${s.bytes} bytes onto a ${size}-byte disk?`);
      const left = await readdir(disk);
      if (left.length) problems.push(`left on the full disk: ${left.join(', ')}`);
      remount(disk, s.bytes * 2 + (8 << 20));
      const again = await runCli(['download', s.name, target, '--json'], env, { cwd: world.ws });
      if (again.exitCode !== 0) problems.push(`with room, the re-run failed: ${describe(again)}`);
      else problems.push(...compareTrees(s.expected, await hashTree(target)));
      return {
        problems,
        setup: `tmpfs of ${(size / 1e6).toFixed(2)} MB for ${(s.bytes / 1e6).toFixed(1)} MB`,
        outcome: `${first.error?.code ?? `exit ${first.exitCode}`}; with room ${again.exitCode === 0 ? 'restored' : 'failed'}`,
      };
    } finally {
      unmount(disk);
      await rm(disk, { recursive: true, force: true });
    }
  },
};

export const diskFullData: SoakKind = {
  id: 'disk-full-data',
  title: 'Sync with the data folder (journal, SQLite catalog, local store) on a full disk, then with room',
  unavailable: tmpfsUnavailable,
  prepare: async (world) => {
    const dir = await world.copySweep('soak-disk-data');
    // How much a first sync writes into the data folder: measured once on the normal disk.
    const home = join(world.ws, 'homes', 'disk-data-probe');
    const r = await runCli(['sync', dir, '--full', '--json'], world.env(home, { s3: 'none', pg: 'none' }), {
      cwd: world.ws,
    });
    if (r.exitCode !== 0) throw new Error(`probe sync failed: ${describe(r)}`);
    const used = Number(execFileSync('du', ['-sb', home]).toString().split('\t')[0]);
    await rm(home, { recursive: true, force: true });
    return { dir, used, expected: await hashTree(dir) };
  },
  async trial(world, state, rng, trial) {
    const s = state as { dir: string; used: number; expected: Map<string, string> };
    const home = join(world.ws, 'disks', `d${trial}`);
    await mkdir(home, { recursive: true });
    const size = rng.int(16 * 1024, Math.floor(s.used * 0.9));
    mount(home, size);
    const env = world.env(home, { s3: 'none', pg: 'none' });
    try {
      const first = await runCli(['sync', s.dir, '--full', '--json'], env, { cwd: world.ws });
      const problems = [...failedCleanly(first, ['transient']), ...diskFullProblems(first)];
      if (first.exitCode === 0) problems.push(`synced ${s.used} bytes into a ${size}-byte data folder?`);
      remount(home, s.used * 3 + (16 << 20));
      const again = await runCli(['sync', s.dir, '--full', '--json'], env, { cwd: world.ws });
      if (again.exitCode !== 0) problems.push(`with room, the re-run failed: ${describe(again)}`);
      else {
        problems.push(...(await noLeftovers(home)));
        const revs = await runCli(['revisions', 'soak-disk-data', '--json'], env, { cwd: world.ws });
        const list = revs.exitCode === 0 ? (JSON.parse(revs.stdout) as unknown[]) : [];
        if (list.length !== 1) problems.push(`${list.length} revisions after one successful sync (want 1)`);
        problems.push(...(await storeMatches(world, env, 'soak-disk-data', s.dir)));
      }
      return {
        problems,
        setup: `data folder on a tmpfs of ${(size / 1e6).toFixed(2)} MB (a sync writes ${(s.used / 1e6).toFixed(1)} MB)`,
        outcome: `${first.error?.code ?? `exit ${first.exitCode}`}; with room ${again.exitCode === 0 ? 'synced' : 'failed'}`,
      };
    } finally {
      unmount(home);
      await rm(home, { recursive: true, force: true });
    }
  },
};
