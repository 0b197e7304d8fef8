/**
 * The comparison rows as a table (TanStack Table) whose body is virtualised (TanStack Virtual): only the
 * rows in sight are in the page, so 6,250 rows scroll like 12. Sorting is the server's (by numeric value):
 * a header button cycles ascending → descending → none and the parent refetches. Cells show a long
 * decimal shortened, with its full text in the title.
 */
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  type Row as TableRow,
  useReactTable,
  type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef } from 'react';
import { shortNumber } from '../../format';
import type { Row } from './columns';

const ROW_HEIGHT = 30;
const COLUMN_WIDTH = 132;
const HEADER_HEIGHT = 34;
const MAX_HEIGHT = 480;

export interface Sort {
  column: string;
  direction: 'asc' | 'desc';
}

/**
 * One body row, memoised: while the table scrolls only the rows that come into sight render (the others
 * keep their props; `visibility` is passed so that hiding a column re-renders them all).
 */
const BodyRow = memo(function BodyRow({
  row,
  index,
  start,
  width,
}: {
  row: TableRow<Row>;
  index: number;
  start: number;
  width: number;
  visibility: VisibilityState;
}) {
  return (
    <tr
      // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
      role="row"
      aria-rowindex={index + 2}
      className={index % 2 ? 'grid-row odd' : 'grid-row'}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, width }}
    >
      {row.getVisibleCells().map((cell) => (
        <td
          key={cell.id}
          // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
          role="cell"
          className="grid-cell"
          style={{ width: cell.column.getSize() }}
        >
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </td>
      ))}
    </tr>
  );
});

export function ComparisonTable({
  columns,
  rows,
  total,
  sort,
  onSortChange,
  visibility,
  busy,
  viewKey,
}: {
  busy: boolean;
  /** Changes with the sort and filters: the table goes back to its first row. */
  viewKey: string;
  columns: string[];
  rows: Row[];
  total: number;
  sort: Sort | null;
  onSortChange: (sort: Sort | null) => void;
  visibility: VisibilityState;
}) {
  const defs = useMemo<ColumnDef<Row>[]>(
    () =>
      columns.map((c) => ({
        id: c,
        accessorFn: (r: Row) => r[c] ?? null,
        header: c,
        size: c.endsWith('_run_id') ? 220 : COLUMN_WIDTH,
        cell: (info) => {
          const v = info.getValue<string | null>();
          if (v === null || v === '') return <span className="muted">—</span>;
          const short = shortNumber(v);
          return <span title={short === v ? undefined : v}>{short}</span>;
        },
      })),
    [columns],
  );
  const sorting: SortingState = sort ? [{ id: sort.column, desc: sort.direction === 'desc' }] : [];
  const table = useReactTable({
    data: rows,
    columns: defs,
    state: { sorting, columnVisibility: visibility },
    manualSorting: true,
    enableMultiSort: false,
    sortDescFirst: false,
    onSortingChange: (updater) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater;
      const first = next[0];
      onSortChange(first ? { column: first.id, direction: first.desc ? 'desc' : 'asc' } : null);
    },
    getCoreRowModel: getCoreRowModel(),
  });
  const scrollRef = useRef<HTMLDivElement>(null);
  const tableRows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const width = table.getVisibleLeafColumns().reduce((n, c) => n + c.getSize(), 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: viewKey is the trigger, not an input
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [viewKey]);
  return (
    <div
      className="grid-scroll"
      ref={scrollRef}
      style={{ height: Math.min(MAX_HEIGHT, HEADER_HEIGHT + Math.max(1, rows.length) * ROW_HEIGHT + 18) }}
    >
      {/* Table elements laid out as a grid for virtualisation: the roles are explicit because some
          browsers drop table semantics from a table whose display changed. */}
      <table
        // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
        role="table"
        className={busy ? 'grid-table busy' : 'grid-table'}
        aria-busy={busy}
        aria-label="Comparison rows"
        aria-rowcount={total + 1}
        aria-colcount={table.getVisibleLeafColumns().length}
        style={{ width }}
      >
        {/* biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role */}
        <thead role="rowgroup" className="grid-head">
          {table.getHeaderGroups().map((group) => (
            // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
            <tr key={group.id} role="row" aria-rowindex={1} className="grid-row">
              {group.headers.map((h) => {
                const dir = h.column.getIsSorted();
                return (
                  <th
                    key={h.id}
                    // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
                    role="columnheader"
                    scope="col"
                    className="grid-cell grid-header"
                    style={{ width: h.getSize() }}
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                  >
                    <button
                      type="button"
                      className="sort-button"
                      onClick={h.column.getToggleSortingHandler()}
                    >
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span className="sort-mark" aria-hidden="true">
                        {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        {/* biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role */}
        <tbody role="rowgroup" className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => (
            <BodyRow
              key={item.key}
              row={tableRows[item.index]!}
              index={item.index}
              start={item.start}
              width={width}
              visibility={visibility}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
