/** Rows → the points a plot draws: the mean of a metric per value of one or two parameters. */
import { numericValue } from '../../../../../shared/format';
import type { Row } from '../columns';

export interface LinePoint {
  x: number;
  y: number;
  /** The colour parameter's value as text (an ordinal legend), or '' for one line. */
  c: string;
  n: number;
}

/** One point per (colour value, x value): the mean of y over the rows there; sorted by x for lines. */
export function meanByXAndColour(rows: Row[], x: string, y: string, colour: string | null): LinePoint[] {
  const groups = new Map<string, { x: number; c: string; sum: number; n: number }>();
  for (const r of rows) {
    const xv = numericValue(r[x]);
    const yv = numericValue(r[y]);
    if (xv === null || yv === null || !Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    const c = colour ? String(numericValue(r[colour]) ?? r[colour] ?? '') : '';
    const key = `${c}\u0000${xv}`;
    const g = groups.get(key) ?? { x: xv, c, sum: 0, n: 0 };
    g.sum += yv;
    g.n += 1;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({ x: g.x, y: g.sum / g.n, c: g.c, n: g.n }))
    .sort((a, b) => a.x - b.x);
}

/** The x axis a line plot starts with: logarithmic when every x is positive and they span two decades
 *  or more (κ from 0.1 to 10), else linear. */
export function defaultXScale(points: ReadonlyArray<{ x: number }>): 'log' | 'linear' {
  if (points.length === 0) return 'linear';
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.x <= 0) return 'linear';
    if (p.x < min) min = p.x;
    if (p.x > max) max = p.x;
  }
  return max / min >= 100 ? 'log' : 'linear';
}

/** Whether a log axis can show these values (all positive). */
export function canLog(points: ReadonlyArray<{ x: number }>): boolean {
  return points.length > 0 && points.every((p) => p.x > 0);
}

export interface Cell {
  x: string;
  y: string;
  v: number;
  n: number;
}

/** One cell per (x value, y value): the mean of the metric there. */
export function meanByCell(rows: Row[], x: string, y: string, metric: string): Cell[] {
  const groups = new Map<string, Cell & { sum: number }>();
  for (const r of rows) {
    const xv = numericValue(r[x]);
    const yv = numericValue(r[y]);
    const v = numericValue(r[metric]);
    if (xv === null || yv === null || v === null || !Number.isFinite(v)) continue;
    const key = `${xv}\u0000${yv}`;
    const g = groups.get(key) ?? { x: String(xv), y: String(yv), v: 0, n: 0, sum: 0 };
    g.sum += v;
    g.n += 1;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ x: g.x, y: g.y, v: g.sum / g.n, n: g.n }));
}
