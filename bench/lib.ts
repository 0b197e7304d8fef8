// Helpers of the benchmark harness: run a process and measure it, summarise samples, read the machine.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'bilancio-sync.js');
export const CHILD_STATS = join(ROOT, 'bench', 'childStats.mjs');
export const GNU_TIME = '/usr/bin/time';

export interface Sample {
  wallMs: number;
  /** Peak RSS of the process (for shell baselines: the largest of its processes), MB (10^6 bytes). */
  rssMB: number | null;
  /** user + system CPU seconds (all threads; for shell baselines: the shell and its children). */
  cpuS: number | null;
  pgQueries?: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** ms from spawn to the first `--json` event of each kind (`type` or `type:phase`), and to `exit` */
  marks?: Record<string, number>;
  /** why this run does not count (bad exit code or result), set by the harness */
  failed?: string;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  samples: number[];
}

export function stat(values: Array<number | null | undefined>): Stat | null {
  const v = values
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length, samples: v };
}

interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function spawnTimed(
  cmd: string,
  args: string[],
  opts: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    timeoutMs?: number;
    onLine?: (line: string, ms: number) => void;
  },
): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      if (!opts.onLine) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line, ms);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs).unref()
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs,
      });
    });
  });
}

let statsSeq = 0;

/** Runs the real CLI (`node bin/bilancio-sync.js …`) as a child process; resource usage is its own. */
export async function runCli(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; nodeFlags?: string[]; timeoutMs?: number },
): Promise<Sample> {
  const statsFile = join(opts.cwd, `.stats-${process.pid}-${++statsSeq}.json`);
  const env = { ...opts.env, BENCH_STATS_FILE: statsFile };
  const marks: Record<string, number> = {};
  const onLine = (line: string, ms: number) => {
    if (!line.startsWith('{"event"')) return;
    try {
      const e = (JSON.parse(line) as { event: { type: string; phase?: string } }).event;
      const key = e.phase ? `${e.type}:${e.phase}` : e.type;
      marks[key] ??= ms;
      marks[`last ${key}`] = ms;
    } catch {
      // not an event line
    }
  };
  const r = await spawnTimed(
    process.execPath,
    [...(opts.nodeFlags ?? []), '--import', CHILD_STATS, CLI, ...args],
    {
      env,
      cwd: opts.cwd,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      onLine,
    },
  );
  marks.exit = r.wallMs;
  let stats: { maxRssKiB: number; userCpuUs: number; systemCpuUs: number; pgQueries: number } | null = null;
  if (existsSync(statsFile)) {
    stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    rmSync(statsFile, { force: true });
  }
  return {
    wallMs: r.wallMs,
    rssMB: stats ? (stats.maxRssKiB * 1024) / 1e6 : null,
    cpuS: stats ? (stats.userCpuUs + stats.systemCpuUs) / 1e6 : null,
    pgQueries: stats?.pgQueries,
    marks,
    exitCode: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Runs a shell command line under GNU time (when present) for its wall time, peak RSS and CPU. */
export async function runShell(
  script: string,
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<Sample> {
  const useTime = existsSync(GNU_TIME);
  const timeFile = join(opts.cwd, `.time-${process.pid}-${++statsSeq}.txt`);
  const r = useTime
    ? await spawnTimed(GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, 'bash', '-c', script], opts)
    : await spawnTimed('bash', ['-c', script], opts);
  let rssMB: number | null = null;
  let cpuS: number | null = null;
  if (useTime && existsSync(timeFile)) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const last = (lines[lines.length - 1] ?? '').split(' ').map(Number);
    if (last.length === 4 && last.every(Number.isFinite)) {
      rssMB = (last[1]! * 1024) / 1e6;
      cpuS = last[2]! + last[3]!;
    }
    rmSync(timeFile, { force: true });
  }
  return { wallMs: r.wallMs, rssMB, cpuS, exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON document a `--json` command printed last (progress events come first, one per line). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T | null {
  const at = stdout.lastIndexOf('\n{\n');
  const text = at >= 0 ? stdout.slice(at + 1) : stdout.startsWith('{\n') ? stdout : '';
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

export function which(cmd: string): string | null {
  const r = spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let aptUpdated: boolean | null = null;

/** Installs a Debian package when its command is missing (apt-get update once per bench run). */
export function ensureDebianTool(cmd: string, pkg: string, log: (s: string) => void): string | null {
  const found = which(cmd);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    log(`${cmd} is missing and this is not root: not installing ${pkg}`);
    return null;
  }
  if (aptUpdated === null) {
    log('apt-get update …');
    aptUpdated = spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 }).status === 0;
    if (!aptUpdated) log('apt-get update failed');
  }
  if (!aptUpdated) return null;
  log(`apt-get install ${pkg} …`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    stdio: 'ignore',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) log(`apt-get install ${pkg} failed`);
  return which(cmd);
}

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  date: string;
  tar: string;
  gzip: string;
  rclone: string | null;
  /** 1/5/15-minute load averages when the bench started (other work on a shared machine) */
  loadAtStart: string;
}

export function machineInfo(rclone: string | null): Machine {
  const firstLine = (cmd: string) =>
    spawnSync('bash', ['-c', cmd], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? '';
  let os = firstLine('. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"');
  os = `${os}, kernel ${firstLine('uname -r')}`;
  // os.cpus() reports the marketing name; lscpu is more specific on some VMs.
  const lscpu = firstLine("lscpu 2>/dev/null | sed -n 's/^Model name:[ \\t]*//p'");
  return {
    cpuModel: lscpu || cpus()[0]?.model || 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os,
    date: new Date().toISOString(),
    tar: firstLine('tar --version'),
    gzip: firstLine('gzip --version'),
    rclone: rclone ? firstLine(`${rclone} version`) : null,
    loadAtStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

/**
 * Reads every file under `paths` once, untimed, so that the measured command after it finds its input
 * in the page cache, as every other measured command does. Needed because the kernel here reclaims cold
 * page cache by itself (a DAMON reclaim thread, kdamond): after rclone's copy of the 12,000 files, the
 * sweep came from the disk again for whatever ran next. That was our next sync (2.6 s instead of 1.6 s),
 * while tar, which ran after it, found the files cached again. Paths that don't exist are left out.
 */
export function warmPageCache(...paths: string[]): void {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0) return;
  execFileSync('sh', ['-c', 'find "$@" -type f -exec cat {} + > /dev/null', 'warm', ...existing], {
    stdio: 'ignore',
  });
}

/** GNU tar + gzip at our level of one folder, to /dev/null: the compression baseline. */
export function tarCreateCommand(folder: string, level: number): string {
  return level === 6
    ? `tar -czf - '${folder}' > /dev/null`
    : `tar --use-compress-program='gzip -${level}' -cf - '${folder}' > /dev/null`;
}

/**
 * `rclone copy`, the competitor baseline. --fast-list: one recursive listing; s3rver's delimiter listing
 * loses common prefixes past its first page of 1,000 keys, so a plain copy back would miss most files.
 */
export function rcloneCopyCommand(from: string, to: string): string {
  return `rclone copy --fast-list '${from}' '${to}'`;
}
