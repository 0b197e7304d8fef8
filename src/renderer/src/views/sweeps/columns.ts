/**
 * What the comparison columns are, read from the rows themselves: numeric columns (every filled cell is a
 * number), and of those the parameters (bilancio's known grid parameters, or few distinct values) and the
 * metrics (the rest; seeds and ids are neither). Plots pick their defaults from this.
 */
import { numericValue } from '../../../../shared/format';

export type Row = Record<string, string | null>;

export interface ColumnKinds {
  numeric: string[];
  parameters: string[];
  metrics: string[];
  /** Distinct filled values per numeric column. */
  distinct: Map<string, number>;
}

const KNOWN_PARAMETERS = new Set([
  'kappa',
  'concentration',
  'mu',
  'monotonicity',
  'face_value',
  'outside_mid_ratio',
  'big_entity_share',
  'n_agents',
  'maturity_days',
  'Q_total',
]);
const NEITHER = /(^seed$|_id$|^run_id$)/;

/** Metrics a researcher looks at first, best first. */
const PREFERRED_METRICS = [
  'trading_effect',
  'delta_reduction',
  'delta_total',
  'relief_ratio',
  'trading_relief_ratio',
  'delta_treatment',
  'delta_active',
  'phi_total',
];

export function classifyColumns(columns: string[], rows: Row[]): ColumnKinds {
  const numeric: string[] = [];
  const distinct = new Map<string, number>();
  for (const c of columns) {
    const values = new Set<string>();
    let ok = false;
    let all = true;
    for (const r of rows) {
      const cell = r[c];
      if (cell === null || cell === undefined || cell === '') continue;
      if (numericValue(cell) === null) {
        all = false;
        break;
      }
      ok = true;
      values.add(String(numericValue(cell)));
    }
    if (ok && all) {
      numeric.push(c);
      distinct.set(c, values.size);
    }
  }
  const parameters = numeric.filter(
    (c) =>
      !NEITHER.test(c) &&
      (KNOWN_PARAMETERS.has(c) ||
        ((distinct.get(c) ?? 0) <= 12 && (distinct.get(c) ?? 0) * 2 <= rows.length)),
  );
  const metrics = numeric.filter((c) => !NEITHER.test(c) && !parameters.includes(c));
  return { numeric, parameters, metrics, distinct };
}

export interface PlotDefaults {
  x: string | null;
  colour: string | null;
  y: string | null;
}

/** κ against… one line per μ, the researcher's usual picture, else the first parameters that vary. */
export function plotDefaults(kinds: ColumnKinds): PlotDefaults {
  const varying = kinds.parameters.filter((c) => (kinds.distinct.get(c) ?? 0) > 1);
  const pick = (prefer: string[], from: string[], not: Array<string | null>) =>
    prefer.find((c) => from.includes(c) && !not.includes(c)) ?? from.find((c) => !not.includes(c)) ?? null;
  const x = pick(['kappa'], varying, []);
  const colour = pick(['mu', 'concentration', 'monotonicity'], varying, [x]);
  const y = pick(PREFERRED_METRICS, kinds.metrics, []);
  return { x, colour, y };
}

/** Sort distinct cell texts by their numeric value (text after numbers). */
export function numericOrder(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => {
    const na = numericValue(a);
    const nb = numericValue(b);
    if (na !== null && nb !== null) return na - nb;
    if (na !== null) return -1;
    if (nb !== null) return 1;
    return a.localeCompare(b);
  });
}
