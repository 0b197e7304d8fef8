import type { CsvRow } from '../model/types.js';

/**
 * The typed columns of the catalog's `comparison_results` table (SPEC §2) and where each comes from.
 * Every catalog backend uses this one map, so that SQLite, Postgres and Supabase hold the same values.
 * The whole original row is always kept too (as JSON), so nothing of any bilancio version is lost.
 */
export type ColumnType = 'numeric' | 'int' | 'text';

export interface ComparisonColumn {
  name: string;
  type: ColumnType;
  /** CSV header names to read, first present wins: balanced names first, then dealer-comparison names. */
  sources: string[];
}

export const COMPARISON_COLUMNS: readonly ComparisonColumn[] = [
  { name: 'kappa', type: 'numeric', sources: ['kappa'] },
  { name: 'concentration', type: 'numeric', sources: ['concentration'] },
  { name: 'mu', type: 'numeric', sources: ['mu'] },
  { name: 'monotonicity', type: 'numeric', sources: ['monotonicity'] },
  { name: 'seed', type: 'int', sources: ['seed'] },
  { name: 'face_value', type: 'numeric', sources: ['face_value'] },
  { name: 'outside_mid_ratio', type: 'numeric', sources: ['outside_mid_ratio'] },
  { name: 'delta_passive', type: 'numeric', sources: ['delta_passive', 'delta_control'] },
  { name: 'phi_passive', type: 'numeric', sources: ['phi_passive', 'phi_control'] },
  { name: 'passive_run_id', type: 'text', sources: ['passive_run_id', 'control_run_id'] },
  { name: 'passive_status', type: 'text', sources: ['passive_status', 'control_status'] },
  { name: 'delta_active', type: 'numeric', sources: ['delta_active', 'delta_treatment'] },
  { name: 'phi_active', type: 'numeric', sources: ['phi_active', 'phi_treatment'] },
  { name: 'active_run_id', type: 'text', sources: ['active_run_id', 'treatment_run_id'] },
  { name: 'active_status', type: 'text', sources: ['active_status', 'treatment_status'] },
  { name: 'trading_effect', type: 'numeric', sources: ['trading_effect', 'delta_reduction'] },
  { name: 'trading_relief_ratio', type: 'numeric', sources: ['trading_relief_ratio', 'relief_ratio'] },
  { name: 'dealer_total_pnl', type: 'numeric', sources: ['dealer_total_pnl'] },
  { name: 'dealer_total_return', type: 'numeric', sources: ['dealer_total_return'] },
  { name: 'total_trades', type: 'int', sources: ['total_trades'] },
];

// Python prints Decimals and floats in these forms: 1, -2.5, 0E-28, 1.5e-07, 14999.99999999999999999999999.
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_TEXT = /^[+-]?\d+$/;

/**
 * The typed values of one CSV row, as text (never through a JS number: decimals have 28 digits).
 * A cell that is not a valid value of its column's type (e.g. "nan", "inf", "12.5" for an int) becomes
 * null in the typed column; the original text stays in the row's JSON copy.
 */
export function typedComparisonValues(row: CsvRow): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const col of COMPARISON_COLUMNS) {
    let raw: string | null = null;
    for (const source of col.sources) {
      const v = row[source];
      if (v !== undefined) {
        raw = v;
        break;
      }
    }
    out[col.name] = coerce(raw, col.type);
  }
  return out;
}

function coerce(raw: string | null, type: ColumnType): string | null {
  if (raw === null) return null;
  const text = raw.trim();
  if (text === '') return null;
  if (type === 'text') return raw;
  if (type === 'int') return INT_TEXT.test(text) ? text : null;
  return NUMERIC_TEXT.test(text) ? text : null;
}
