/**
 * Watch mode over many already-synced sweeps (issue 12): `bilancio-sync watch <folder> --json` over
 * `sweeps` sweep folders that a first `watch --once` synced, measured the way measureWatch in run.ts
 * measures 100: start-up (spawn → the first `reconcile-finished` event), peak RSS while idle, and CPU
 * over `idleSeconds` of idling. Targets at 1,000 sweeps: start-up ≤ 2 s, RSS ≤ 200 MB, idle ≤ 0.5 %.
 *
 * Sweep size: 1,000 sweeps of ~1,000 files (1 M files, ~10 GB of fixtures) would take hours to generate
 * and first-sync on the bench machine, so each sweep here is a balanced sweep of 8 pairs with small run
 * files (~157 files, 41 folders, ~0.55 MB): 1,000 of them are ~157,000 files in ~41,000 folders. What
 * watch mode does per sweep at start-up does not depend on the number of run files (it never walks run
 * folders at start-up), so the start-up and idle figures carry over to bigger sweeps; the memory for
 * directory watches grows with the number of folders, which is why watch mode budgets them.
 *
 * The per-run loop (measureWatchRuns) is the one measureWatch in run.ts runs, factored out so that both
 * can share it; it also records the process's high-water RSS (VmHWM: start-up included).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runPool } from '../src/core/async/runPool.js';
import { generateSweep } from '../test/fixtures/generator.js';
import { CHILD_STATS, CLI, runCli } from './lib.js';

const MB = 1e6;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux the bench runs on). */
const CLK_TCK = 100;

/** Pairs per generated sweep (see the file comment) and the average run.html size. */
export const WATCH_MANY_PAIRS = 8;
export const WATCH_MANY_RUN_HTML_BYTES = 2_000;

export interface WatchManyOptions {
  /** The bench's workspace (scratch folder). */
  ws: string;
  runs: number;
  sweeps: number;
  idleSeconds: number;
  env: (home: string) => NodeJS.ProcessEnv;
  log: (s: string) => void;
  /** The CLI to run (default bin/bilancio-sync.js); e.g. a build of another revision, for comparisons. */
  cli?: string;
}

export interface WatchManyResult {
  sweeps: number;
  filesPerSweep: number;
  /** `watch --once` syncing every generated sweep for the first time. */
  firstSyncMs: number;
  startupMs: number[];
  /** Peak RSS while idle (as measureWatch). */
  rssMB: number[];
  idleCpuPct: number[];
  startupSignal?: string;
  /** Engine events seen while idle (should be none). */
  idleEvents?: string;
  /** The process's high-water RSS (VmHWM), start-up included. */
  rssHighWaterMB?: number[];
}

export async function measureWatchMany(opts: WatchManyOptions): Promise<WatchManyResult> {
  const root = join(opts.ws, 'watch-many-exp');
  const home = join(opts.ws, 'homes', 'watch-many');
  const env = opts.env(home);
  const cli = opts.cli ?? CLI;

  opts.log(`watch mode over ${opts.sweeps} sweeps: generating (balanced, ${WATCH_MANY_PAIRS} pairs each)`);
  const t = performance.now();
  const filesPerSweep = await generateSweeps(root, opts.sweeps);
  opts.log(
    `  generated in ${((performance.now() - t) / 1000).toFixed(1)} s (${filesPerSweep} files per sweep)`,
  );

  // The first sync: `watch --once` syncs every finished sweep, then exits.
  const onceArgs = ['watch', root, '--once', '--json'];
  const firstSync =
    cli === CLI
      ? await runCli(onceArgs, { env, cwd: opts.ws, timeoutMs: 4 * 3600_000 })
      : await runOnce(cli, onceArgs, env, opts.ws);
  if (firstSync.exitCode !== 0) {
    const why = firstSync.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(
      `watch --once over the ${opts.sweeps} sweeps failed (exit ${firstSync.exitCode}): ${why}`,
    );
  }
  opts.log(`  first synced by \`watch --once\` in ${(firstSync.wallMs / 1000).toFixed(1)} s`);

  const runs = await measureWatchRuns({
    cli,
    root,
    env,
    cwd: opts.ws,
    runs: opts.runs,
    idleSeconds: opts.idleSeconds,
    log: opts.log,
  });
  return { sweeps: opts.sweeps, filesPerSweep, firstSyncMs: firstSync.wallMs, ...runs };
}

/**
 * `count` sweeps `m0000`… under `root` (distinct seeds), two at a time; folders already there are kept
 * (a workspace prepared earlier). Returns the files per sweep (of the first one; they differ by a few).
 */
export async function generateSweeps(root: string, count: number): Promise<number> {
  const ks = Array.from({ length: count }, (_, k) => k);
  await runPool(ks, 2, async (k) => {
    const name = `m${String(k).padStart(4, '0')}`;
    if (existsSync(join(root, name))) return;
    await generateSweep({
      root,
      name,
      type: 'balanced',
      pairs: WATCH_MANY_PAIRS,
      runHtmlBytes: WATCH_MANY_RUN_HTML_BYTES,
      seed: k + 1,
      concurrency: 4,
    });
  });
  const first = join(root, 'm0000');
  return readdirSync(first, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
}

export interface WatchRunsOptions {
  cli: string;
  /** The experiments folder to watch. */
  root: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  runs: number;
  idleSeconds: number;
  log: (s: string) => void;
}

export type WatchRunsResult = Pick<
  WatchManyResult,
  'startupMs' | 'rssMB' | 'idleCpuPct' | 'startupSignal' | 'idleEvents' | 'rssHighWaterMB'
>;

/** `runs` times: start `watch <root> --json`, time it to ready, idle it for `idleSeconds`, SIGTERM it. */
export async function measureWatchRuns(o: WatchRunsOptions): Promise<WatchRunsResult> {
  const result: WatchRunsResult = { startupMs: [], rssMB: [], idleCpuPct: [], rssHighWaterMB: [] };
  for (let i = 1; i <= o.runs; i++) {
    o.log(`watch run ${i}/${o.runs}: start-up, then ${o.idleSeconds} s idle`);
    const t = performance.now();
    const child = spawn(process.execPath, ['--import', CHILD_STATS, o.cli, 'watch', o.root, '--json'], {
      env: o.env,
      cwd: o.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid!;
    let readyAt: number | null = null;
    let signal = 'CPU quiet';
    const events: string[] = [];
    const stderr: string[] = [];
    const onLine = (line: string) => {
      let e: { type?: string; sweeps?: number; unchanged?: number; durationMs?: number } | undefined;
      try {
        e = (JSON.parse(line) as { event?: typeof e }).event;
      } catch {
        return;
      }
      if (!e?.type) return;
      events.push(e.type);
      // Ready = the initial scan of every sweep folder is done (its first reconcile-finished event).
      if (readyAt === null && e.type === 'reconcile-finished') {
        readyAt = performance.now();
        signal = `first reconcile-finished event: ${e.sweeps} sweeps scanned, ${e.unchanged} unchanged, scan ${e.durationMs} ms`;
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    // Fallback when no such event comes: its CPU went quiet (no tick in 500 ms) after at least 20 s.
    let last = procCpuTicks(pid) ?? 0;
    const deadline = performance.now() + 180_000;
    while (readyAt === null && performance.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
      if (performance.now() - t < 20_000) continue;
      await new Promise((r) => setTimeout(r, 450));
      const now = procCpuTicks(pid) ?? last;
      if (now - last === 0) readyAt = performance.now() - 500;
      last = now;
    }
    const eventsAtReady = events.length;
    if (child.exitCode !== null) {
      throw new Error(`watch exited early with code ${child.exitCode}: ${stderr.slice(-3).join(' | ')}`);
    }
    result.startupMs.push((readyAt ?? performance.now()) - t);
    result.startupSignal = signal;
    const cpu0 = procCpuTicks(pid) ?? 0;
    const w0 = performance.now();
    let peak = 0;
    while (performance.now() - w0 < o.idleSeconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      peak = Math.max(peak, procStatusMB(pid, 'VmRSS') ?? 0);
    }
    const cpu1 = procCpuTicks(pid) ?? cpu0;
    const seconds = (performance.now() - w0) / 1000;
    result.idleCpuPct.push(((cpu1 - cpu0) / CLK_TCK / seconds) * 100);
    result.rssHighWaterMB!.push(procStatusMB(pid, 'VmHWM') ?? 0);
    const idleEvents = events.slice(eventsAtReady);
    if (idleEvents.length > 0) {
      const counts = new Map<string, number>();
      for (const e of idleEvents) counts.set(e, (counts.get(e) ?? 0) + 1);
      result.idleEvents = [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
    }
    result.rssMB.push(peak);
    o.log(
      `  ready in ${result.startupMs.at(-1)!.toFixed(0)} ms (${signal}); idle CPU ${result.idleCpuPct.at(-1)!.toFixed(3)} %, ` +
        `RSS ${peak.toFixed(0)} MB (high water ${result.rssHighWaterMB!.at(-1)!.toFixed(0)} MB)`,
    );
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 10_000).unref();
    });
  }
  return result;
}

/** One CLI process to its end (for a CLI other than bin/bilancio-sync.js, which runCli runs). */
function runOnce(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ exitCode: number; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        exitCode: code ?? 1,
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - t,
      }),
    );
  });
}

function procCpuTicks(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  } catch {
    return null;
  }
}

function procStatusMB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(text);
    return m ? (Number(m[1]) * 1024) / MB : null;
  } catch {
    return null;
  }
}
