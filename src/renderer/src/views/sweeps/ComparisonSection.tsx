/**
 * A sweep's comparison rows: filters, a column picker, the virtualised sortable table, the plots, and
 * "Export CSV" of exactly that view. Every row of the view is fetched (pages of 2,000, the first shown at
 * once); sort and filters go to the service, which compares numbers by value.
 */
import type { VisibilityState } from '@tanstack/react-table';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { RowFilter } from '../../../../shared/commands';
import { type RowView, useComparisonRows } from '../../api/queries';
import { QueryStatus } from '../../components/QueryStatus';
import { ColumnPicker } from './ColumnPicker';
import { ComparisonTable, type Sort } from './ComparisonTable';
import type { Row } from './columns';
import { downloadCsv, toCsv } from './csvExport';
import { FilterBar } from './FilterBar';

const PlotsPanel = lazy(() => import('./plots/PlotsPanel'));

export function ComparisonSection({ sweep }: { sweep: string }) {
  const [sort, setSort] = useState<Sort | null>(null);
  const [filters, setFilters] = useState<RowFilter[]>([]);
  const [visibility, setVisibility] = useState<VisibilityState>({});
  const view: RowView = useMemo(() => ({ sort, filters }), [sort, filters]);
  const rowsQuery = useComparisonRows(sweep, view);
  const { data, hasNextPage, isFetchingNextPage, fetchNextPage } = rowsQuery;

  // The whole view, page after page (the plots and the export need every row).
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const pages = data?.pages ?? [];
  const columns = pages[0]?.columns ?? [];
  const total = pages[0]?.total ?? 0;
  const rows = useMemo<Row[]>(() => (data ? data.pages.flatMap((p) => p.rows) : []), [data]);
  // While a new sort or filter loads, the last view stays up (dimmed) and nothing claims to be done.
  const updating = rowsQuery.isPlaceholderData;
  const complete = !updating && !hasNextPage && rows.length >= total;
  const visible = columns.filter((c) => visibility[c] !== false);

  return (
    <section className="card" aria-labelledby="rows-title">
      <h2 id="rows-title">Comparison rows</h2>
      <QueryStatus isPending={rowsQuery.isPending} error={rowsQuery.error} what="the comparison rows" />
      {data && columns.length === 0 && total === 0 && filters.length === 0 ? (
        <p className="muted">This sweep has no comparison rows in the catalog.</p>
      ) : null}
      {columns.length > 0 ? (
        <>
          <div className="toolbar">
            <FilterBar columns={columns} filters={filters} onChange={setFilters} />
            <div className="toolbar-end">
              <ColumnPicker columns={columns} visibility={visibility} onChange={setVisibility} />
              <button
                type="button"
                disabled={!complete}
                onClick={() =>
                  downloadCsv(
                    `${sweep}-comparison${filters.length > 0 ? '-filtered' : ''}.csv`,
                    toCsv(visible, rows),
                  )
                }
              >
                Export CSV
              </button>
            </div>
          </div>
          <p className="muted" data-testid="row-count" aria-live="polite">
            {updating
              ? 'Updating…'
              : complete
                ? `${total.toLocaleString()} ${total === 1 ? 'row' : 'rows'}${filters.length > 0 ? ' match the filters' : ''}`
                : `Loading rows… ${rows.length.toLocaleString()} of ${total.toLocaleString()}`}
            {sort
              ? ` · sorted by ${sort.column} ${sort.direction === 'asc' ? 'ascending' : 'descending'}`
              : ''}
          </p>
          <ComparisonTable
            columns={columns}
            rows={rows}
            total={total}
            sort={sort}
            onSortChange={setSort}
            visibility={visibility}
            busy={updating}
            viewKey={JSON.stringify(view)}
          />
          <h3>Plots</h3>
          {complete ? (
            <Suspense fallback={<p className="muted">Loading the plots…</p>}>
              <PlotsPanel columns={columns} rows={rows} />
            </Suspense>
          ) : (
            <p className="muted">The plots draw once every row is here.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
