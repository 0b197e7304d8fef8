// `npm run soak [-- --trials N] [--only kind,kind] [--trial K] [--seed S] [--out FILE] [--keep] [--no-report]`
//
// The long-run soak of issue 11, outside `npm test`: repeated trials of each kind (default 50) against real
// servers with real kills, real faults and real full disks, then the invariants of invariants.ts. The report
// (bench/results/soak.md) gives trials run and passed per kind and every failure with the command that
// reproduces it alone (same seed, same trial number → the same kill point, fault or disk size).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo, ROOT } from '../lib.js';
import { diskFullData, diskFullRestore } from './diskTrials.js';
import { pgFaults, s3Faults } from './faultTrials.js';
import { killDownload, killSync } from './killTrials.js';
import type { SoakKind, TrialResult } from './kinds.js';
import { rngFor } from './random.js';
import { type KindReport, soakMarkdown } from './report.js';
import { openWorld } from './world.js';

const KINDS: SoakKind[] = [killSync, killDownload, s3Faults, pgFaults, diskFullRestore, diskFullData];

const { values: argv } = parseArgs({
  options: {
    trials: { type: 'string', default: '50' },
    only: { type: 'string' },
    trial: { type: 'string' },
    seed: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-report': { type: 'boolean', default: false },
    /** where the report goes (default bench/results/soak.md for a whole run; a part run with --only
     *  writes only when this is given, e.g. to run kinds in parallel processes and join the tables) */
    out: { type: 'string' },
  },
});
const trials = Number.parseInt(argv.trials!, 10);
const seed = argv.seed ? Number.parseInt(argv.seed, 10) : Math.floor(Math.random() * 2 ** 31);
const only = argv.only?.split(',').map((s) => s.trim());
const single = argv.trial === undefined ? null : Number.parseInt(argv.trial, 10);
const unknown = only?.filter((id) => !KINDS.some((k) => k.id === id)) ?? [];
if (unknown.length) {
  console.error(`unknown kind(s): ${unknown.join(', ')}; kinds: ${KINDS.map((k) => k.id).join(', ')}`);
  process.exit(2);
}
const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const ws = await mkdtemp(join(tmpdir(), 'bilancio-soak-'));
log(
  `workspace ${ws}; seed ${seed}; ${single === null ? `${trials} trial(s)` : `trial ${single} only`} per kind`,
);
const started = Date.now();
const world = await openWorld(ws, log);
const reports: KindReport[] = [];
try {
  for (const kind of KINDS.filter((k) => !only || only.includes(k.id))) {
    const why = (await kind.unavailable?.()) ?? null;
    if (why) {
      log(`${kind.id}: not run: ${why}`);
      reports.push({ kind, run: 0, passed: 0, failures: [], outcomes: new Map(), skipped: why, seconds: 0 });
      continue;
    }
    log(`${kind.id}: preparing`);
    const t0 = Date.now();
    const state = await kind.prepare(world, log);
    const report: KindReport = { kind, run: 0, passed: 0, failures: [], outcomes: new Map(), seconds: 0 };
    const numbers = single === null ? [...Array(trials).keys()].map((i) => i + 1) : [single];
    for (const n of numbers) {
      let result: TrialResult;
      try {
        result = await kind.trial(world, state, rngFor(seed, kind.id, n), n);
      } catch (e) {
        result = {
          problems: [`the trial itself threw: ${(e as Error).stack ?? e}`],
          setup: '?',
          outcome: 'harness error',
        };
      }
      report.run++;
      const key = result.outcome.replace(/\d+(\.\d+)? ?(ms|MB|bytes)/g, '…');
      report.outcomes.set(key, (report.outcomes.get(key) ?? 0) + 1);
      if (result.problems.length === 0) report.passed++;
      else
        report.failures.push({
          trial: n,
          setup: result.setup,
          outcome: result.outcome,
          problems: result.problems,
        });
      log(
        `${kind.id} #${n}: ${result.problems.length ? 'FAIL' : 'ok'} — ${result.setup} → ${result.outcome}${result.problems.length ? `\n    ${result.problems.join('\n    ')}` : ''}`,
      );
    }
    report.seconds = (Date.now() - t0) / 1000;
    reports.push(report);
  }
} finally {
  await world.close();
  if (!argv.keep) await rm(ws, { recursive: true, force: true });
  else log(`kept ${ws}`);
}

const md = soakMarkdown({
  reports,
  seed,
  trials,
  single,
  machine: machineInfo(null),
  minutes: (Date.now() - started) / 60_000,
  commit: commitOf(ROOT),
});
process.stdout.write(`\n${md}\n`);
const outFile = argv.out ?? (single === null && !only ? join(ROOT, 'bench', 'results', 'soak.md') : null);
if (!argv['no-report'] && outFile) {
  await writeFile(outFile, md);
  log(`report written to ${outFile}`);
}
process.exit(reports.some((r) => r.failures.length > 0) ? 1 : 0);

function commitOf(dir: string): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
