import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { FileEntry } from '../../src/core/model/types.js';
import { readAggregates, type SweepAggregates } from '../../src/core/sweep/aggregates.js';
import {
  assessCompletion,
  type CompletionOptions,
  DEFAULT_SETTLE_MS,
  type SweepCompletion,
} from '../../src/core/sweep/completion.js';
import { confirmStillQuiet } from '../../src/core/sweep/confirmStillQuiet.js';
import { detectLayout, type SweepLayout } from '../../src/core/sweep/layout.js';
import { buildFileManifest } from '../../src/core/sweep/manifest.js';
import { REGISTRY_HEADER_26 } from '../fixtures/plan.js';

/** A fresh temp folder per test, removed afterwards. */
export function tempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), 'bsync-sweep-'));
    made.push(d);
    return d;
  };
}

/** Write files (sweep-relative path → content); a path ending in '/' makes an empty folder. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    if (rel.endsWith('/')) {
      await mkdir(join(root, rel), { recursive: true });
      continue;
    }
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

/** Set the mtime of every file and folder under root (root included), deepest first. */
export async function setTreeTime(root: string, timeMs: number): Promise<void> {
  const t = timeMs / 1000;
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else await utimes(p, t, t);
    }
    await utimes(dir, t, t);
  };
  await walk(root);
}

/** A CSV the way Python's csv.writer writes it: CRLF after every line, quotes only where needed. */
export function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const cell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return [header, ...rows].map((r) => `${r.map(cell).join(',')}\r\n`).join('');
}

/** The newest registry header, the one the fixture generator writes. */
export const REGISTRY_26 = REGISTRY_HEADER_26;

/** An older registry: 25 columns (no dealer_enabled) in another order. */
export const REGISTRY_25 = [
  'run_id',
  'phase',
  'status',
  'seed',
  'n_agents',
  'kappa',
  'concentration',
  'mu',
  'monotonicity',
  'maturity_days',
  'Q_total',
  'S1',
  'L0',
  'default_handling',
  'phi_total',
  'delta_total',
  'time_to_stability',
  'scenario_yaml',
  'events_jsonl',
  'balances_csv',
  'metrics_csv',
  'metrics_html',
  'run_html',
  'error',
  'experiment_id',
];

/** A registry CSV with one row per run, any header order; unnamed columns get plausible values. */
export function registry(
  header: readonly string[],
  runs: Array<{ run_id: string; status: string; [k: string]: string | undefined }>,
): string {
  const defaults: Record<string, string> = {
    experiment_id: 'exp1',
    phase: 'grid',
    error: '',
    seed: '42',
    n_agents: '5',
    kappa: '0.5',
    concentration: '1',
    mu: '0',
    monotonicity: '0',
    maturity_days: '10',
    Q_total: '1000',
    S1: '0.4',
    L0: '',
    default_handling: 'fail-fast',
    dealer_enabled: 'False',
    phi_total: '0.4861497874835116517660852997',
    delta_total: '0E-28',
    time_to_stability: '3',
  };
  return csv(
    header,
    runs.map((r) =>
      header.map(
        (h) =>
          r[h] ?? defaults[h] ?? (h.endsWith('_csv') || h.endsWith('_html') ? `../runs/${r.run_id}/x` : ''),
      ),
    ),
  );
}

export const BALANCED_COMPARISON_HEADER = [
  'kappa',
  'concentration',
  'mu',
  'monotonicity',
  'seed',
  'face_value',
  'outside_mid_ratio',
  'big_entity_share',
  'delta_passive',
  'delta_active',
  'trading_effect',
  'trading_relief_ratio',
  'phi_passive',
  'phi_active',
  'passive_run_id',
  'passive_status',
  'active_run_id',
  'active_status',
  'dealer_total_pnl',
  'dealer_total_return',
  'total_trades',
];

export function balancedComparison(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => [
    '0.5',
    '1',
    '0',
    '0',
    String(42 + i),
    '20',
    '0.9',
    '0.1',
    '0E-28',
    '-0.25',
    '0.25',
    '14999.99999999999999999999999',
    '0.4861497874835116517660852997',
    '1',
    `balanced_passive_${hex(i)}`,
    'completed',
    `balanced_active_${hex(i)}`,
    'completed',
    '',
    '',
    '0',
  ]);
  return csv(BALANCED_COMPARISON_HEADER, rows);
}

export const hex = (i: number) => i.toString(16).padStart(12, '0');

/** A small finished balanced sweep with two pairs. */
export function balancedSweepFiles(pairs = 2): Record<string, string> {
  const files: Record<string, string> = {
    'aggregate/comparison.csv': balancedComparison(pairs),
    'aggregate/summary.json': `{"total_pairs": ${pairs}, "completed_pairs": ${pairs}, "mean_trading_effect": 0.25, "config": {"kappas": ["0.5"]}}`,
  };
  for (const b of ['passive', 'active']) {
    const runs = Array.from({ length: pairs }, (_, i) => ({
      run_id: `balanced_${b}_${hex(i)}`,
      status: 'completed',
    }));
    files[`${b}/registry/experiments.csv`] = registry(REGISTRY_26, runs);
    for (const r of runs) {
      files[`${b}/runs/${r.run_id}/scenario.yaml`] = 'agents: 5\n';
      files[`${b}/runs/${r.run_id}/run.html`] = '<html></html>';
      files[`${b}/runs/${r.run_id}/out/events.jsonl`] = '{"e":1}\n';
    }
  }
  return files;
}

/** A sweep folder read at one moment, the way a sync reads it. */
export interface SweepSnapshot {
  dir: string;
  name: string;
  layout: SweepLayout;
  completion: SweepCompletion;
  aggregates: SweepAggregates;
  /** Every file, sorted by path; [] with `files: false`. */
  files: FileEntry[];
}

/**
 * Layout, completion, aggregates and (unless `files: false`) the file manifest — the reads a sync makes,
 * in its order, with its re-check that a sweep judged complete stayed quiet (SyncError 'conflict'
 * otherwise); a half-written aggregate file → SyncError 'not-ready'.
 */
export async function readSnapshot(
  sweepDir: string,
  opts: CompletionOptions & { files?: boolean } = {},
): Promise<SweepSnapshot> {
  const dir = resolve(sweepDir);
  const layout = await detectLayout(dir);
  const now = opts.now ?? Date.now();
  const completion = await assessCompletion(dir, layout, { ...opts, now });
  const aggregates = await readAggregates(dir, layout);
  const files = opts.files === false ? [] : await buildFileManifest(dir);
  if (completion.state === 'complete') {
    await confirmStillQuiet(dir, layout, completion, files, opts.settleMs ?? DEFAULT_SETTLE_MS, now);
  }
  return { dir, name: basename(dir), layout, completion, aggregates, files };
}
