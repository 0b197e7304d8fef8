/** Hand-built catalog writes with bilancio's real headers and value quirks (SPEC §1). */

import { catalogManifest, type RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import type { CsvRow } from '../../src/core/model/types.js';
import type { CatalogSweepWrite, RegistryRowWrite } from '../../src/core/stores/Catalog.js';
import type { SweepType } from '../../src/shared/states.js';

export const BALANCED_HEADER =
  'kappa,concentration,mu,monotonicity,seed,face_value,outside_mid_ratio,big_entity_share,delta_passive,delta_active,trading_effect,trading_relief_ratio,phi_passive,phi_active,passive_run_id,passive_status,active_run_id,active_status,dealer_total_pnl,dealer_total_return,total_trades'.split(
    ',',
  );

export const DEALER_HEADER =
  'kappa,concentration,mu,monotonicity,seed,delta_control,delta_treatment,delta_reduction,relief_ratio,phi_control,phi_treatment,control_run_id,control_status,treatment_run_id,treatment_status,dealer_total_pnl,dealer_total_return,dealer_profitable,spread_income_total,mean_trader_return,fraction_profitable_traders,liquidity_driven_sales,rescue_events,total_trades,unsafe_buy_count,fraction_unsafe_buys,initial_total_debt,initial_total_money,debt_to_money_ratio,dealer_mid_final,vbt_mid_final,dealer_premium_final_pct,vbt_premium_final_pct'.split(
    ',',
  );

export const KAPPA_28 = '0.4861497874835116517660852997';
export const ALMOST_15000 = '14999.99999999999999999999999';

function hex12(i: number): string {
  return i.toString(16).padStart(12, '0');
}

/** Balanced comparison row i. Row 0 carries the decimals that must survive exactly. */
export function balancedRow(i: number): CsvRow {
  const values: Record<string, string | null> = {
    kappa: i === 0 ? '0E-28' : i === 1 ? KAPPA_28 : `0.${(i % 97) + 1}`,
    concentration: '1',
    mu: i === 1 ? ALMOST_15000 : '0.5',
    monotonicity: '-0.25',
    seed: String(1000 + i),
    face_value: '100',
    outside_mid_ratio: '0.9',
    big_entity_share: i % 2 ? '' : '0.1',
    delta_passive: `-${i}.125`,
    delta_active: '0.0625',
    trading_effect: '1.5e-07',
    trading_relief_ratio: 'nan',
    phi_passive: '0.3333333333333333333333333333',
    phi_active: '0.5',
    passive_run_id: `balanced_passive_${hex12(i)}`,
    passive_status: 'completed',
    active_run_id: `balanced_active_${hex12(i)}`,
    active_status: i % 5 === 4 ? 'failed' : 'completed',
    dealer_total_pnl: '-12.75',
    dealer_total_return: '0E-28',
    total_trades: String(i * 3),
  };
  const row: CsvRow = {};
  for (const h of BALANCED_HEADER) {
    const v = values[h] ?? null;
    row[h] = v === '' ? null : v;
  }
  return row;
}

/** Dealer comparison row (newest bilancio, 33 columns, JSON objects in the last four cells). */
export function dealerRow(i: number): CsvRow {
  const row: CsvRow = {};
  for (const h of DEALER_HEADER) row[h] = `${i}.5`;
  Object.assign(row, {
    kappa: KAPPA_28,
    seed: String(7 + i),
    delta_control: '0.25',
    delta_treatment: '0.125',
    delta_reduction: ALMOST_15000,
    relief_ratio: '0E-28',
    control_run_id: `comparison_control_${hex12(i)}`,
    control_status: 'completed',
    treatment_run_id: `comparison_treatment_${hex12(i)}`,
    treatment_status: 'completed',
    dealer_profitable: i % 2 ? 'True' : 'False',
    rescue_events: null,
    dealer_mid_final: '{"short": 1.0, "mid": 1.0, "long": 1.0}',
    vbt_mid_final: '{"short": 0.98, "mid": 0.97, "long": 0.96}',
    dealer_premium_final_pct: '{"short": 2.0408163265306123, "mid": 3.1, "long": 4.2}',
    vbt_premium_final_pct: '{"short": 0E-28, "mid": 0, "long": -1.5}',
  });
  return row;
}

function registryRow(runId: string, branch: string | null, i: number): RegistryRowWrite {
  return {
    runId,
    branch,
    status: 'completed',
    parameters: {
      run_id: runId,
      experiment_id: `exp_${i}`,
      phase: branch ? `balanced_${branch}` : 'grid',
      status: 'completed',
      error: null,
      seed: String(1000 + i),
      kappa: i === 0 ? KAPPA_28 : '0.5',
      dealer_enabled: 'True',
      run_html: `../runs/${runId}/run.html`,
    },
  };
}

export function manifest(name: string, sweepType: SweepType, revision: number): RemoteManifest {
  return {
    format: 'bilancio-sync/manifest@1',
    sweep: name,
    sweepType,
    revision,
    full: false,
    createdAt: '2026-01-02T03:04:05.000Z',
    syncedAt: '2026-01-02T04:00:00.000Z',
    sourceHost: 'laptop',
    sourcePath: `/home/r/out/experiments/${name}`,
    toolVersion: '0.1.0',
    files: [{ path: 'aggregate/summary.json', size: 10, mtimeMs: 1, sha256: 'ab'.repeat(32) }],
    objects: [],
    stats: { comparisonRows: null, registryRows: 0, totalBytes: 10 },
    warnings: [],
  };
}

export function balancedWrite(name: string, rows: number, owner = 'alice@laptop'): CatalogSweepWrite {
  const comparisonRows = Array.from({ length: rows }, (_, i) => balancedRow(i));
  const registryRows = comparisonRows.flatMap((r, i) => [
    registryRow(r.passive_run_id ?? '', 'passive', i),
    registryRow(r.active_run_id ?? '', 'active', i),
  ]);
  return {
    name,
    owner,
    sweepType: 'balanced',
    revision: 1,
    createdAt: '2026-01-02T03:04:05.000Z',
    config: { n_agents: 100, kappas: ['0.25', KAPPA_28], base_seed: 42 },
    summary: { total_pairs: rows, completed_pairs: rows, mean_trading_effect: 0.125 },
    pairsTotal: rows,
    pairsCompleted: rows,
    manifest: catalogManifest(manifest(name, 'balanced', 1)),
    totalBytes: 5_000_000_000, // beyond 32 bits: bigint columns
    archiveBytes: 1_234_567,
    sourceHost: 'laptop',
    comparisonHeader: BALANCED_HEADER,
    comparisonRows,
    registryRows,
  };
}

export function dealerWrite(name: string, rows: number): CatalogSweepWrite {
  const comparisonRows = Array.from({ length: rows }, (_, i) => dealerRow(i));
  return {
    ...balancedWrite(name, 0),
    sweepType: 'dealer',
    manifest: catalogManifest(manifest(name, 'dealer', 1)),
    comparisonHeader: DEALER_HEADER,
    comparisonRows,
    registryRows: comparisonRows.map((r, i) => registryRow(r.control_run_id ?? '', 'control', i)),
  };
}
