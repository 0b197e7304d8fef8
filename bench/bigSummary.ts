// Peak memory with an odd input (issue 12): a sweep whose aggregate/summary.json is ~50 MB (a per-run
// list in it, test/fixtures/bigSummary.ts). Each run syncs it into a fresh home and then lists the synced
// sweeps, each CLI process measured whole (peak RSS and CPU read by bench/childStats.mjs at its exit).
// Memory targets: peak RSS ≤ 300 MB for both commands, whatever the size of the summary.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateBigSummarySweep } from '../test/fixtures/bigSummary.js';
import { runCli, type Sample } from './lib.js';

const SWEEP_NAME = 'big_summary';

export interface BigSummaryResult {
  summaryMB: number;
  syncRssMB: number[];
  listRssMB: number[];
  syncWallMs: number[];
  listWallMs: number[];
}

export async function measureBigSummary(opts: {
  ws: string;
  runs: number;
  env: (home: string) => NodeJS.ProcessEnv;
  log: (s: string) => void;
  /** Size of summary.json to generate, MB (default 50, the figure of issue 12). */
  summaryMB?: number;
}): Promise<BigSummaryResult> {
  const root = mkdtempSync(join(opts.ws, 'big-summary-'));
  const sweep = await generateBigSummarySweep({
    root,
    name: SWEEP_NAME,
    summaryBytes: (opts.summaryMB ?? 50) * 1e6,
  });
  const summaryMB = sweep.summaryBytes / 1e6;
  opts.log(`big summary: ${summaryMB.toFixed(1)} MB summary.json (${sweep.records} records) in ${sweep.dir}`);
  const out: BigSummaryResult = { summaryMB, syncRssMB: [], listRssMB: [], syncWallMs: [], listWallMs: [] };
  try {
    for (let i = 0; i < opts.runs; i++) {
      const home = mkdtempSync(join(opts.ws, 'big-summary-home-'));
      try {
        const env = opts.env(home);
        const sync = need(
          await runCli(['sync', sweep.dir, '--full', '--json', '--name', SWEEP_NAME], { env, cwd: opts.ws }),
          `sync run ${i + 1}`,
        );
        const list = need(
          await runCli(['list-sweeps', '--json'], { env, cwd: opts.ws }),
          `list run ${i + 1}`,
        );
        if (!list.stdout.includes(`"${SWEEP_NAME}"`))
          throw new Error(
            `list-sweeps run ${i + 1} does not list ${SWEEP_NAME}:\n${list.stdout.slice(0, 2000)}`,
          );
        pushMeasured(out.syncRssMB, sync.rssMB);
        pushMeasured(out.listRssMB, list.rssMB);
        out.syncWallMs.push(sync.wallMs);
        out.listWallMs.push(list.wallMs);
        opts.log(
          `big summary run ${i + 1}: sync ${fmt(sync.rssMB)} MB peak, ${(sync.wallMs / 1000).toFixed(1)} s; ` +
            `list-sweeps ${fmt(list.rssMB)} MB peak, ${(list.wallMs / 1000).toFixed(1)} s`,
        );
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

function need(s: Sample, what: string): Sample {
  if (s.exitCode !== 0) {
    throw new Error(`${what} exited ${s.exitCode}:\n${s.stderr.slice(-2000)}${s.stdout.slice(-2000)}`);
  }
  return s;
}

function pushMeasured(into: number[], rssMB: number | null): void {
  if (rssMB !== null) into.push(rssMB);
}

function fmt(mb: number | null): string {
  return mb === null ? '?' : mb.toFixed(0);
}
