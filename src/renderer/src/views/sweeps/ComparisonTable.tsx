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
  useReactTable,
  type VisibilityState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useState } from 'react';
import { shortNumber } from '../../../../shared/format';
import type { Row } from './columns';

const ROW_HEIGHT = 30;
const COLUMN_WIDTH = 132;
const HEADER_HEIGHT = 34;
const MAX_HEIGHT = 480;

export interface Sort {
  column: string;
  direction: 'asc' | 'desc';
}

/** A cell as shown: the shortened text, and the full text for its title when it was shortened. */
interface ShownCell {
  text: string;
  title: string | undefined;
  empty: boolean;
}

/**
 * What a row's cells show, worked out once per row object (a row scrolled back into sight costs no number
 * formatting again); keyed by the column list too, which changes only when the sweep's columns do.
 */
const shownCache = new WeakMap<Row, { columns: readonly string[]; cells: ShownCell[] }>();

function shownCells(row: Row, columns: readonly string[]): ShownCell[] {
  const hit = shownCache.get(row);
  if (hit && hit.columns === columns) return hit.cells;
  const cells = columns.map((c): ShownCell => {
    const v = row[c] ?? null;
    if (v === null || v === '') return { text: '—', title: undefined, empty: true };
    const short = shortNumber(v);
    return { text: short, title: short === v ? undefined : v, empty: false };
  });
  shownCache.set(row, { columns, cells });
  return cells;
}

interface VisibleColumn {
  index: number;
  id: string;
  width: number;
}

/**
 * One body row, memoised: while the table scrolls only the rows whose data changed render. Rows are keyed
 * by slot (their index modulo the number of rows ever in sight), so a row that scrolls out hands its DOM to
 * the one that comes in: a long wheel step updates the text of a few dozen rows instead of unmounting and
 * mounting them. Cells are plain text (no table-library call per cell).
 */
const BodyRow = memo(function BodyRow({
  row,
  columns,
  visible,
  index,
  start,
  width,
}: {
  row: Row;
  columns: readonly string[];
  visible: readonly VisibleColumn[];
  index: number;
  start: number;
  width: number;
}) {
  const cells = shownCells(row, columns);
  return (
    <tr
      // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
      role="row"
      aria-rowindex={index + 2}
      className={index % 2 ? 'grid-row odd' : 'grid-row'}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, width }}
    >
      {visible.map((c) => {
        const cell = cells[c.index]!;
        return (
          <td
            key={c.id}
            // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
            role="cell"
            className="grid-cell"
            style={{ width: c.width }}
          >
            <span className={cell.empty ? 'muted' : undefined} title={cell.title}>
              {cell.text}
            </span>
          </td>
        );
      })}
    </tr>
  );
});

/** Rows rendered beyond each edge of the view (fewer = less to mount per wheel step). */
const OVERSCAN = 6;
/** Row slots: more than the rows ever in sight at once (view + overscan both ways + partial rows). */
const SLOTS = Math.ceil(MAX_HEIGHT / ROW_HEIGHT) + 2 * OVERSCAN + 4;

/**
 * The body on its own: the virtualiser's scroll state lives here, so a scroll re-renders the body (and in
 * it only the rows that changed), never the header or the table around it.
 */
function VirtualBody({
  scrollElement,
  rows,
  columns,
  visible,
  width,
}: {
  /** The scrolling box, once it is in the page (state, not a ref: the body renders again when it comes,
   *  and the virtualiser then measures it — a child's layout effect runs before its parent's ref is set). */
  scrollElement: HTMLDivElement | null;
  rows: Row[];
  columns: readonly string[];
  visible: readonly VisibleColumn[];
  width: number;
}) {
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollElement,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  return (
    // biome-ignore lint/a11y/noRedundantRoles: display:grid can drop the implicit role
    <tbody role="rowgroup" className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((item) => (
        <BodyRow
          key={item.index % SLOTS}
          row={rows[item.index]!}
          columns={columns}
          visible={visible}
          index={item.index}
          start={item.start}
          width={width}
        />
      ))}
    </tbody>
  );
}

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
        // (The body draws its cells itself: see BodyRow.)
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
  const [scrollElement, setScrollElement] = useState<HTMLDivElement | null>(null);
  const leaves = table.getVisibleLeafColumns();
  const width = leaves.reduce((n, c) => n + c.getSize(), 0);
  const visibleKey = leaves.map((c) => `${c.id}:${c.getSize()}`).join('\u0000');
  // biome-ignore lint/correctness/useExhaustiveDependencies: visibleKey stands for the visible columns
  const visible = useMemo<VisibleColumn[]>(
    () => leaves.map((c) => ({ index: columns.indexOf(c.id), id: c.id, width: c.getSize() })),
    [visibleKey, columns],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: viewKey is the trigger, not an input
  useEffect(() => {
    if (scrollElement) scrollElement.scrollTop = 0;
  }, [viewKey]);
  return (
    <div
      className="grid-scroll"
      ref={setScrollElement}
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
        <VirtualBody
          scrollElement={scrollElement}
          rows={rows}
          columns={columns}
          visible={visible}
          width={width}
        />
      </table>
    </div>
  );
}
