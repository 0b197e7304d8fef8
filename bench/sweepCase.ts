// One more sweep measured like the main one, in its own table: a ring sweep (one archive) of the same size
// as "today", and with --big the 10× sweep. Full sync to each destination, download back, and the GNU tar
// baselines on the same files (one core, all archives at once, tar -xzf of the very archives our sync
// wrote), interleaved run by run.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmt } from './format.js';
import {
  lastJson,
  rcloneCopyCommand,
  runCli,
  runShell,
  type Sample,
  stat,
  tarCreateCommand,
  warmPageCache,
} from './lib.js';
import type { Row, TargetRow } from './report.js';
import { limitTarget, ratioTarget } from './targets.js';

export interface SweepCase {
  id: string;
  label: string;
  dir: string;
  files: number;
  bytes: number;
}

export interface CaseDestination {
  id: 'local' | 's3pg';
  label: string;
  env: (home: string) => NodeJS.ProcessEnv;
  /** Where the store keeps the objects of sweep `name` as files (warmed before a download). */
  objectsOf: (home: string, name: string) => string;
}

export interface CaseResult {
  sweep: SweepCase;
  archives: string[];
  rows: Row[];
  targets: TargetRow[];
  errors: string[];
}

const MB = 1e6;

export async function measureSweepCase(opts: {
  sweep: SweepCase;
  destinations: CaseDestination[];
  runs: number;
  level: number;
  ws: string;
  baseEnv: NodeJS.ProcessEnv;
  log: (s: string) => void;
  /** rclone against the same s3rver (copy up, copy back), when the main sweep runs it too */
  rclone?: { env: NodeJS.ProcessEnv; bucket: string; directory: string } | null;
}): Promise<CaseResult> {
  const { sweep, ws, log } = opts;
  const samples: Record<string, Sample[]> = {};
  const errors: string[] = [];
  const add = (key: string, s: Sample, problem: string | null) => {
    if (s.exitCode !== 0 || problem) {
      s.failed = problem ?? `exit ${s.exitCode}`;
      errors.push(`${sweep.id} ${key}: ${s.failed}: ${s.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
    samples[key] ??= [];
    samples[key].push(s);
  };
  const tarCreate = (folder: string) => tarCreateCommand(folder, opts.level);
  let archives: string[] = [];
  for (let i = 1; i <= opts.runs; i++) {
    log(`--- ${sweep.id}: run ${i}/${opts.runs}`);
    const name = `${sweep.id}_r${i}`;
    const homes: string[] = [];
    for (const d of opts.destinations) {
      const home = join(ws, 'homes', `${sweep.id}-${d.id}-${i}`);
      homes.push(home);
      const env = d.env(home);
      warmPageCache(sweep.dir);
      const sync = await runCli(['sync', sweep.dir, '--full', '--json', '--name', name], {
        env,
        cwd: ws,
        timeoutMs: 60 * 60_000,
      });
      add(`sync.${d.id}`, sync, lastJson(sync.stdout)?.result === 'synced' ? null : 'not synced');
      log(`  ${d.id} sync ${(sync.wallMs / 1000).toFixed(2)} s, ${sync.rssMB?.toFixed(0)} MB RSS`);
      if (d.id === 'local' && archives.length === 0) {
        const dir = join(home, 'data', 'archive', name);
        archives = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tar.gz')) : [];
      }
      const out = join(ws, 'restore', `${sweep.id}-${d.id}-${i}`);
      warmPageCache(d.objectsOf(home, name));
      const dl = await runCli(['download', name, out, '--json'], { env, cwd: ws, timeoutMs: 60 * 60_000 });
      const r = lastJson(dl.stdout);
      add(
        `restore.${d.id}`,
        dl,
        r?.files === sweep.files && r?.bytes === sweep.bytes ? null : `restored ${String(r?.files)} files`,
      );
      log(`  ${d.id} download ${(dl.wallMs / 1000).toFixed(2)} s, ${dl.rssMB?.toFixed(0)} MB RSS`);
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }
    // The folders our archives hold (active.tar.gz ← active/, runs.tar.gz ← runs/).
    const folders = archives.map((a) => a.replace(/\.tar\.gz$/, ''));
    const ok = (s: Sample) => (s.exitCode === 0 ? null : 'failed');
    warmPageCache(sweep.dir);
    const tarc = await runShell(folders.map(tarCreate).join(' && '), { env: opts.baseEnv, cwd: sweep.dir });
    add('base.tarc', tarc, ok(tarc));
    warmPageCache(sweep.dir);
    const par = await runShell(`${folders.map((f) => `( ${tarCreate(f)} ) &`).join(' ')} wait`, {
      env: opts.baseEnv,
      cwd: sweep.dir,
    });
    add('base.tarcpar', par, ok(par));
    const local = homes[0] ? join(homes[0], 'data', 'archive', name) : null;
    if (local && existsSync(local)) {
      const xout = join(ws, 'restore', `${sweep.id}-tarx-${i}`);
      mkdirSync(xout, { recursive: true });
      warmPageCache(local);
      const x = await runShell(archives.map((a) => `tar -xzf '${join(local, a)}'`).join(' && '), {
        env: opts.baseEnv,
        cwd: xout,
      });
      add('base.tarx', x, ok(x));
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }
    log(`  tar -czf 1-core ${(tarc.wallMs / 1000).toFixed(2)} s, ∥ ${(par.wallMs / 1000).toFixed(2)} s`);
    if (opts.rclone) {
      const remote = `bench:${opts.rclone.bucket}/rclone/${name}`;
      const back = join(ws, 'restore', `${sweep.id}-rclone-${i}`);
      warmPageCache(sweep.dir);
      const up = await runShell(rcloneCopyCommand(sweep.dir, remote), {
        env: opts.rclone.env,
        cwd: ws,
      });
      add('base.rcloneUp', up, ok(up));
      warmPageCache(join(opts.rclone.directory, opts.rclone.bucket, 'rclone', name));
      const down = await runShell(rcloneCopyCommand(remote, back), {
        env: opts.rclone.env,
        cwd: ws,
      });
      const copied = existsSync(back)
        ? readdirSync(back, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
        : 0;
      add('base.rcloneDown', down, copied === sweep.files ? ok(down) : `copied back ${copied} files`);
      log(`  rclone up ${(up.wallMs / 1000).toFixed(2)} s, back ${(down.wallMs / 1000).toFixed(2)} s`);
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }

  const good = (key: string, f: (x: Sample) => number | null) =>
    stat((samples[key] ?? []).filter((x) => !x.failed).map(f));
  const wall = (x: Sample) => x.wallMs / 1000;
  const rows: Row[] = [];
  const row = (what: string, key: string, kind: Row['kind']) => {
    if (!samples[key]?.length) return;
    rows.push({
      what,
      kind,
      key: `${sweep.id}/${key}`,
      wallS: good(key, wall),
      mbps: good(key, (x) => sweep.bytes / MB / (x.wallMs / 1000)),
      rssMB: good(key, (x) => x.rssMB),
      cpuS: good(key, (x) => x.cpuS),
    });
  };
  for (const d of opts.destinations) row(`sync --full → ${d.label}`, `sync.${d.id}`, 'ours');
  for (const d of opts.destinations) row(`download ← ${d.label}`, `restore.${d.id}`, 'ours');
  row(
    `tar -czf (gzip -${opts.level}) of ${archives.join(', ').replace(/\.tar\.gz/g, '/')}, one after another (1 core)`,
    'base.tarc',
    'baseline',
  );
  row(
    `tar -czf of all at once (${archives.length} process${archives.length === 1 ? '' : 'es'})`,
    'base.tarcpar',
    'baseline',
  );
  row('tar -xzf of the same archives', 'base.tarx', 'baseline');
  row('rclone copy up (same s3rver)', 'base.rcloneUp', 'baseline');
  row('rclone copy back (same s3rver)', 'base.rcloneDown', 'baseline');

  const med = (key: string) => good(key, wall)?.median ?? null;
  const targets: TargetRow[] = [];
  const ratio = (target: string, ours: string, base: string, limit: number) =>
    targets.push(ratioTarget(target, med(ours), med(base), limit));
  for (const d of opts.destinations)
    ratio(
      `${sweep.label}: full sync (${d.id}) ≤ 0.8 × single-core tar -czf`,
      `sync.${d.id}`,
      'base.tarc',
      0.8,
    );
  for (const d of opts.destinations)
    ratio(`${sweep.label}: restore (${d.id}) ≤ 1.0 × tar -xzf`, `restore.${d.id}`, 'base.tarx', 1.0);
  if (samples['base.rcloneDown'] && samples['restore.s3pg'])
    ratio(`${sweep.label}: restore (s3pg) ≤ 0.9 × rclone copy back`, 'restore.s3pg', 'base.rcloneDown', 0.9);
  for (const d of opts.destinations) {
    const peak = good(`sync.${d.id}`, (x) => x.rssMB)?.max ?? null;
    targets.push(limitTarget(`${sweep.label}: peak RSS of sync (${d.id}) ≤ 300 MB`, peak, 300, 'MB'));
  }
  return { sweep, archives, rows, targets, errors };
}

/** The case's own table (same columns as the main one). */
export function renderCase(c: CaseResult, runs: number): string[] {
  const tarc = c.rows.find((r) => r.key.endsWith('/base.tarc'))?.wallS?.median ?? null;
  const par = c.rows.find((r) => r.key.endsWith('/base.tarcpar'))?.wallS?.median ?? null;
  const tarx = c.rows.find((r) => r.key.endsWith('/base.tarx'))?.wallS?.median ?? null;
  const rcUp = c.rows.find((r) => r.key.endsWith('/base.rcloneUp'))?.wallS?.median ?? null;
  const rcDown = c.rows.find((r) => r.key.endsWith('/base.rcloneDown'))?.wallS?.median ?? null;
  const out = [
    `**${c.sweep.label}** (${c.sweep.files.toLocaleString('en')} files, ${(c.sweep.bytes / MB).toFixed(1)} MB; archives ${c.archives.join(', ')}); median of ${runs} run(s) (min–max):`,
    '',
    '| what | wall s | MB/s of source | peak RSS MB | CPU s | ours ÷ baseline (medians) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of c.rows) {
    const ours = r.wallS?.median ?? null;
    const vs: string[] = [];
    if (ours !== null && r.kind === 'ours' && r.key.includes('/sync.')) {
      if (tarc) vs.push(`${(ours / tarc).toFixed(2)}× tar -czf 1-core`);
      if (par) vs.push(`${(ours / par).toFixed(2)}× tar -czf ∥`);
      if (rcUp && r.key.endsWith('.s3pg')) vs.push(`${(ours / rcUp).toFixed(2)}× rclone up`);
    }
    if (ours !== null && r.kind === 'ours' && r.key.includes('/restore.')) {
      if (tarx) vs.push(`${(ours / tarx).toFixed(2)}× tar -xzf`);
      if (rcDown && r.key.endsWith('.s3pg')) vs.push(`${(ours / rcDown).toFixed(2)}× rclone back`);
    }
    const label = r.kind === 'baseline' ? `*baseline:* ${r.what}` : `**${r.what}**`;
    out.push(
      `| ${label} | ${fmt(r.wallS)} | ${fmt(r.mbps, 1)} | ${fmt(r.rssMB, 0)} | ${fmt(r.cpuS)} | ${vs.join(' · ')} |`,
    );
  }
  out.push('');
  return out;
}
