// The rows of the target table: a ratio of two medians against a limit, or one figure against a limit.
import type { TargetRow } from './report.js';

/** ours ÷ baseline ≤ limit (`strict`: < limit); "not measured" when either is missing. */
export function ratioTarget(
  target: string,
  ours: number | null,
  baseline: number | null,
  limit: number,
  strict = false,
): TargetRow {
  const ratio = ours !== null && baseline !== null ? ours / baseline : null;
  const pass = ratio !== null && (strict ? ratio < limit : ratio <= limit);
  const result = ratio === null ? 'not measured' : pass ? 'pass' : 'miss';
  return { target, ours, baseline, ratio, limit, unit: '×', result };
}

/** value ≤ limit; "not measured" (or `missing`, the reason) when there is no value. */
export function limitTarget(
  target: string,
  value: number | null,
  limit: number,
  unit: Exclude<TargetRow['unit'], '×'>,
  opts: { baseline?: number | null; missing?: string } = {},
): TargetRow {
  const result = value === null ? (opts.missing ?? 'not measured') : value <= limit ? 'pass' : 'miss';
  return { target, ours: value, baseline: opts.baseline ?? null, ratio: null, limit, unit, result };
}
