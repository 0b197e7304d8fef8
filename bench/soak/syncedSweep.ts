// A sweep of one trial kind, synced once to s3rver + PostgreSQL before its first trial; the trials then
// change it, sync it (under a kill or a fault) and check it against what the store and the catalog hold.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogOnce, describe, latestRevision, noOpenUploads, storeMatches } from './invariants.js';
import { runCli, type World } from './world.js';

export interface SyncedSweep {
  name: string;
  dir: string;
  home: string;
  /** The latest revision the store holds (what the next good sync must add one to). */
  revision: number;
  /** Wall time of the first full sync and of a download: the range random kill points are drawn from. */
  syncMs: number;
  downloadMs: number;
}

export async function prepareSyncedSweep(world: World, name: string): Promise<SyncedSweep> {
  const dir = await world.copySweep(name);
  const home = join(world.ws, 'homes', name);
  await mkdir(home, { recursive: true });
  const env = world.env(home);
  const first = await runCli(['sync', dir, '--full', '--json'], env, { cwd: world.ws });
  if (first.exitCode !== 0) throw new Error(`first sync of ${name} failed: ${describe(first)}`);
  const t = performance.now();
  const problems = await storeMatches(world, env, name, dir);
  if (problems.length) throw new Error(`first sync of ${name}: ${problems.join('; ')}`);
  return { name, dir, home, revision: 1, syncMs: first.wallMs, downloadMs: performance.now() - t };
}

/**
 * After a change and a sync that may have been killed or faulted, then a clean re-run: exactly one new
 * revision, the catalog at it with every row once, no open upload, and the store gives back the local bytes.
 */
export async function checkAfterResync(world: World, s: SyncedSweep): Promise<string[]> {
  const env = world.env(s.home);
  const problems: string[] = [];
  const latest = await latestRevision(world, env, s.name);
  if (latest !== s.revision + 1)
    problems.push(`latest revision ${latest} after one change (want ${s.revision + 1})`);
  if (latest !== null) {
    problems.push(...(await catalogOnce(world, s.name, latest)));
    s.revision = latest;
  }
  problems.push(...(await noOpenUploads(world, s.name)));
  problems.push(...(await storeMatches(world, env, s.name, s.dir)));
  return problems;
}
