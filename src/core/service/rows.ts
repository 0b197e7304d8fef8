/**
 * Sorting, filtering and paging of a sweep's comparison and registry rows, the same for every catalog.
 * Cells keep their original text (the SQLite catalog stores decimals as text, Postgres keeps the CSV's
 * text too), so a sort by text would put '10' before '2': numbers are compared by value, text by text,
 * empty cells last in either direction.
 */
import type { RowFilter, RowsPage } from '../../shared/commands.js';
import { SyncError } from '../model/errors.js';

export type Row = Record<string, string | null>;

/** Python's and bilancio's number spellings: 1, -2.5, 1e-05, 0E-28, NaN, inf, Infinity. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|NaN|inf|Infinity|infinity)$/;

export function numericValue(cell: string | null): number | null {
  if (cell === null) return null;
  const t = cell.trim();
  if (!NUMBER.test(t)) return null;
  const lower = t.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity'))
    return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

function compareCells(a: string | null, b: string | null): number {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== null && nb !== null) {
    // NaN sorts after every number (as pandas does), before empty cells.
    if (Number.isNaN(na) || Number.isNaN(nb)) return Number.isNaN(na) ? (Number.isNaN(nb) ? 0 : 1) : -1;
    return na - nb || 0;
  }
  if (na !== null) return -1; // numbers before text
  if (nb !== null) return 1;
  return (a ?? '').localeCompare(b ?? '');
}

function matches(row: Row, f: RowFilter): boolean {
  const cell = row[f.column] ?? null;
  switch (f.op) {
    case 'empty':
      return cell === null || cell === '';
    case 'not-empty':
      return cell !== null && cell !== '';
    case 'eq':
      return (cell ?? '') === f.value;
    case 'ne':
      return (cell ?? '') !== f.value;
    case 'contains':
      return (cell ?? '').toLowerCase().includes(f.value.toLowerCase());
    default: {
      const a = numericValue(cell);
      const b = numericValue(f.value);
      if (a === null || b === null || Number.isNaN(a)) return false;
      if (f.op === 'lt') return a < b;
      if (f.op === 'le') return a <= b;
      if (f.op === 'gt') return a > b;
      return a >= b;
    }
  }
}

export function queryRows(
  columns: string[],
  rows: Row[],
  request: {
    sort?: { column: string; direction: 'asc' | 'desc' };
    filters: RowFilter[];
    limit: number;
    offset: number;
  },
): RowsPage {
  const known = new Set(columns);
  const unknown = [request.sort?.column, ...request.filters.map((f) => f.column)].find(
    (c) => c !== undefined && !known.has(c),
  );
  if (unknown !== undefined) {
    throw new SyncError(
      'usage',
      `There is no column "${unknown}" in these rows.`,
      {
        text: `Use one of: ${columns.slice(0, 12).join(', ')}${columns.length > 12 ? ', …' : ''}.`,
      },
      { code: 'unknown-column', field: request.sort?.column === unknown ? 'sort.column' : 'filters' },
    );
  }
  let out = request.filters.length ? rows.filter((r) => request.filters.every((f) => matches(r, f))) : rows;
  const sort = request.sort;
  if (sort) {
    const sign = sort.direction === 'desc' ? -1 : 1;
    out = out
      .map((row, i) => ({ row, i }))
      .sort((x, y) => {
        const a = x.row[sort.column] ?? null;
        const b = y.row[sort.column] ?? null;
        const emptyA = a === null || a === '';
        const emptyB = b === null || b === '';
        if (emptyA || emptyB) return emptyA === emptyB ? x.i - y.i : emptyA ? 1 : -1;
        return sign * compareCells(a, b) || x.i - y.i; // stable: file order breaks ties
      })
      .map((x) => x.row);
  }
  return { columns, rows: out.slice(request.offset, request.offset + request.limit), total: out.length };
}
