/**
 * The one table of rows the views list (attempts, sweeps, objects, files): a labelled table with column
 * headers, one row per item, an optional message when there is none, and an optional Pager under it.
 * (The comparison rows are another thing: a virtualised grid, see views/sweeps/ComparisonTable.)
 */
import type { ReactNode } from 'react';
import { Pager } from './Pager';
import './components.css';

export interface Column<T> {
  /** Stable id of the column (React key). */
  id: string;
  header: ReactNode;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  /** Class of its cells (e.g. "path", "hash", "details"). */
  className?: string;
  cell: (row: T) => ReactNode;
}

export interface PageProps {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
  /** The pager's accessible name ("Activity pages"). */
  label: string;
}

export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  rowClassName,
  empty,
  page,
}: {
  /** The table's accessible name. */
  label: string;
  columns: ReadonlyArray<Column<T>>;
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  rowClassName?: (row: T) => string | undefined;
  /** Shown instead of the table when there are no rows (the pager still shows, at "0–0 of 0"). */
  empty?: ReactNode;
  page?: PageProps;
}) {
  const cellClass = (c: Column<T>) => [c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined;
  return (
    <>
      {rows.length === 0 && empty !== undefined ? (
        <div className="data-table-empty muted">{empty}</div>
      ) : (
        <div className="table-scroll">
          <table className="data-table" aria-label={label}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.id} scope="col" className={c.num ? 'num' : undefined}>
                    {c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={rowKey(r)} className={rowClassName?.(r)}>
                  {columns.map((c) => (
                    <td key={c.id} className={cellClass(c)}>
                      {c.cell(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page ? <Pager {...page} /> : null}
    </>
  );
}
