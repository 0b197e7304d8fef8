// Faults between us and the servers: in front of s3rver (dropped connections either way, truncated
// responses, latency, slow bodies, refused connections, 503/500 answers with Retry-After) and in front of
// PostgreSQL (dropped connections either way, latency, slow results, refused connections). The command
// under a fault may succeed (retries) or fail cleanly as `transient`; then a clean re-run must succeed and
// everything must check out.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hashTree } from '../../test/support/tree.js';
import type { Direction, Fault } from './faultProxy.js';
import { compareTrees, describe, failedCleanly } from './invariants.js';
import type { SoakKind, TrialResult } from './kinds.js';
import { mutateSweep } from './mutate.js';
import type { Rng } from './random.js';
import { checkAfterResync, prepareSyncedSweep, type SyncedSweep } from './syncedSweep.js';
import { type CliOutcome, runCli, type World } from './world.js';

/** A network fault ends a command as `transient` (exit 4): "try again". Anything else is a finding. */
const FAULT_CATEGORIES = ['transient'] as const;

type S3Fault =
  | { proxy: 'tcp'; fault: Fault }
  | { proxy: 'http'; status: 500 | 503; retryAfter?: string; times: number; method: string };

function drawS3Fault(rng: Rng, upload: boolean): S3Fault {
  const connection = rng.int(1, 4);
  const main: Direction = upload ? 'up' : 'down';
  switch (rng.int(0, 6)) {
    case 0:
      return {
        proxy: 'tcp',
        fault: { kind: 'drop', connection, direction: main, afterBytes: rng.int(0, 12_000_000) },
      };
    case 1: // a truncated response (to a PUT: its answer; to a GET: the body)
      return {
        proxy: 'tcp',
        fault: {
          kind: 'drop',
          connection,
          direction: 'down',
          afterBytes: rng.int(0, upload ? 600 : 12_000_000),
        },
      };
    case 2:
      return { proxy: 'tcp', fault: { kind: 'latency', ms: rng.int(5, 120) } };
    case 3:
      return {
        proxy: 'tcp',
        fault: { kind: 'slow', connection, direction: main, bytesPerSecond: rng.int(2, 8) * 1024 * 1024 },
      };
    case 4:
      return { proxy: 'tcp', fault: { kind: 'refuse', connections: rng.int(1, 3) } };
    default:
      return {
        proxy: 'http',
        status: rng.pick([503, 503, 500] as const),
        retryAfter: rng.pick([undefined, '0', '1', '2']),
        times: rng.int(1, 3),
        method: upload ? rng.pick(['PUT', 'POST', 'GET', 'HEAD']) : rng.pick(['GET', 'HEAD']),
      };
  }
}

const showFault = (f: S3Fault | Fault): string =>
  JSON.stringify('proxy' in f && f.proxy === 'tcp' ? f.fault : f);

function applyS3Fault(world: World, f: S3Fault): void {
  world.s3Tcp.setFault({ kind: 'none' });
  world.s3Http.clearRules();
  if (f.proxy === 'tcp') world.s3Tcp.setFault(f.fault);
  else
    world.s3Http.respond({
      status: f.status,
      retryAfter: f.retryAfter,
      times: f.times,
      match: (r) => r.method === f.method,
    });
}

const fired = (world: World, f: S3Fault, before: number): boolean =>
  f.proxy === 'tcp'
    ? world.s3Tcp.fired()
    : world.s3Http.log.slice(before).some((e) => e.action === 'respond');

export const s3Faults: SoakKind = {
  id: 's3-faults',
  title: 'Faults in front of s3rver during `sync --full` and `download`, then a clean re-run',
  prepare: async (world) => {
    const s = await prepareSyncedSweep(world, 'soak-s3-faults');
    return s;
  },
  async trial(world, state, rng, trial) {
    const s = state as SyncedSweep;
    const upload = trial % 2 === 0;
    const f = drawS3Fault(rng, upload);
    applyS3Fault(world, f);
    const before = world.s3Http.log.length;
    const faulty = world.env(s.home, { s3: f.proxy });
    const clean = world.env(s.home);
    try {
      if (upload) {
        const branch = await mutateSweep(s.dir, rng);
        const first = await runCli(['sync', s.dir, '--full', '--json'], faulty, { cwd: world.ws });
        const hit = fired(world, f, before);
        applyS3Fault(world, { proxy: 'tcp', fault: { kind: 'none' } });
        return await afterSync(world, s, first, clean, `sync; ${branch} changed; ${showFault(f)}`, hit);
      }
      const parent = join(world.ws, 'downloads', `s3f${trial}`);
      await mkdir(parent, { recursive: true });
      try {
        const target = join(parent, 'restored');
        const first = await runCli(['download', s.name, target, '--json'], faulty, { cwd: world.ws });
        const hit = fired(world, f, before);
        applyS3Fault(world, { proxy: 'tcp', fault: { kind: 'none' } });
        const problems = failedCleanly(first, FAULT_CATEGORIES);
        let again: CliOutcome | null = null;
        if (first.exitCode !== 0) {
          again = await runCli(['download', s.name, target, '--json'], clean, { cwd: world.ws });
          if (again.exitCode !== 0) problems.push(`re-run failed: ${describe(again)}`);
        }
        problems.push(...compareTrees(await hashTree(s.dir), await hashTree(target).catch(() => new Map())));
        return {
          problems,
          setup: `download; ${showFault(f)}`,
          outcome: `${hit ? 'fault hit' : 'fault never hit'}; ${first.exitCode === 0 ? 'restored' : `${first.error?.code ?? first.exitCode}, re-run ok`}`,
        };
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    } finally {
      applyS3Fault(world, { proxy: 'tcp', fault: { kind: 'none' } });
    }
  },
};

function drawPgFault(rng: Rng): Fault {
  // A sync talks to PostgreSQL over one or two connections: ~250 kB up (the catalog write of 30 pairs),
  // a few kB down. Faults are drawn inside those, so most of them hit.
  const connection = rng.int(1, 2);
  switch (rng.int(0, 4)) {
    case 0:
      return { kind: 'drop', connection, direction: 'up', afterBytes: rng.int(0, 250_000) };
    case 1:
      return { kind: 'drop', connection, direction: 'down', afterBytes: rng.int(0, 4_000) };
    case 2:
      return { kind: 'latency', ms: rng.int(5, 150) };
    case 3:
      return {
        kind: 'slow',
        connection,
        direction: rng.pick(['up', 'down'] as const),
        bytesPerSecond: rng.int(64, 512) * 1024,
      };
    default:
      return { kind: 'refuse', connections: rng.int(1, 3) };
  }
}

export const pgFaults: SoakKind = {
  id: 'pg-faults',
  title: 'Faults in front of PostgreSQL during `sync --full`, then a clean re-run',
  prepare: (world) => prepareSyncedSweep(world, 'soak-pg-faults'),
  async trial(world, state, rng) {
    const s = state as SyncedSweep;
    const f = drawPgFault(rng);
    const branch = await mutateSweep(s.dir, rng);
    world.pgTcp.setFault(f);
    let first: CliOutcome;
    let hit: boolean;
    try {
      first = await runCli(['sync', s.dir, '--full', '--json'], world.env(s.home, { pg: 'tcp' }), {
        cwd: world.ws,
      });
      hit = world.pgTcp.fired();
    } finally {
      world.pgTcp.setFault({ kind: 'none' });
    }
    return afterSync(world, s, first, world.env(s.home), `${branch} changed; ${showFault(f)}`, hit);
  },
};

/** The sync under the fault succeeded or failed cleanly; a clean re-run (when needed) then completes it. */
async function afterSync(
  world: World,
  s: SyncedSweep,
  first: CliOutcome,
  clean: NodeJS.ProcessEnv,
  setup: string,
  hit: boolean,
): Promise<TrialResult> {
  const problems = failedCleanly(first, FAULT_CATEGORIES);
  let outcome = `${hit ? 'fault hit' : 'fault never hit'}; ${first.exitCode === 0 ? 'synced' : (first.error?.code ?? `exit ${first.exitCode}`)}`;
  if (first.exitCode !== 0) {
    const again = await runCli(['sync', s.dir, '--full', '--json'], clean, { cwd: world.ws });
    if (again.exitCode !== 0) problems.push(`re-run failed: ${describe(again)}`);
    outcome += `, re-run ${again.exitCode === 0 ? 'synced' : 'failed'}`;
  }
  problems.push(...(await checkAfterResync(world, s)));
  return { problems, setup, outcome };
}
