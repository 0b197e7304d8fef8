// Number formatting shared by the bench's Markdown tables (report.ts and the per-sweep tables of sweepCase.ts).
import type { Stat } from './lib.js';

export function num(x: number, digits: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median (min–max)`, or the one value; `–` when not measured. */
export function fmt(st: Stat | null | undefined, digits = 2): string {
  if (!st) return '–';
  if (st.n === 1 || st.min === st.max) return num(st.median, digits);
  return `${num(st.median, digits)} (${num(st.min, digits)}–${num(st.max, digits)})`;
}
