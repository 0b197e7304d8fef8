/**
 * Sweeps: the catalog's synced sweeps (`sweeps.search`) — search by name, filter by type and by the date
 * they were synced — with type, revision, pairs, sizes and when; a name opens the sweep's page.
 */
import { useState } from 'react';
import type { CatalogSweepSummary, CommandRequest } from '../../../../shared/commands';
import { formatBytes } from '../../../../shared/format';
import { SWEEP_TYPES, type SweepType } from '../../../../shared/states';
import { useSweepSearch } from '../../api/queries';
import { type Column, DataTable } from '../../components/DataTable';
import { LabelledSelect } from '../../components/LabelledSelect';
import { QueryStatus } from '../../components/QueryStatus';
import { RelativeTime } from '../../components/RelativeTime';
import { useDebounced } from '../../hooks/useDebounced';
import { href } from '../../router';

const PAGE = 50;

const COLUMNS: ReadonlyArray<Column<CatalogSweepSummary>> = [
  { id: 'name', header: 'Name', cell: (s) => <a href={href({ view: 'sweep', name: s.name })}>{s.name}</a> },
  { id: 'type', header: 'Type', cell: (s) => s.sweepType },
  { id: 'revision', header: 'Revision', num: true, cell: (s) => s.revision },
  {
    id: 'pairs',
    header: 'Pairs',
    num: true,
    cell: (s) =>
      s.pairsTotal === null
        ? '—'
        : s.pairsCompleted !== null && s.pairsCompleted !== s.pairsTotal
          ? `${s.pairsCompleted} / ${s.pairsTotal}`
          : s.pairsTotal,
  },
  { id: 'size', header: 'Size', num: true, cell: (s) => formatBytes(s.totalBytes) },
  {
    id: 'archives',
    header: 'Archives',
    num: true,
    cell: (s) => (s.archiveBytes > 0 ? formatBytes(s.archiveBytes) : '—'),
  },
  { id: 'synced', header: 'Synced', cell: (s) => <RelativeTime iso={s.syncedAt} /> },
];

/** A local date (yyyy-mm-dd) as the ISO time its day starts (or ends) here. */
function dayBound(date: string, end: boolean): string | undefined {
  if (!date) return undefined;
  const d = new Date(`${date}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  if (end) d.setDate(d.getDate() + 1);
  return new Date(d.getTime() - (end ? 1 : 0)).toISOString();
}

export function SweepsView() {
  const [query, setQuery] = useState('');
  const [type, setType] = useState<'' | SweepType>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [offset, setOffset] = useState(0);
  const text = useDebounced(query.trim(), 250);
  const after = dayBound(from, false);
  const before = dayBound(to, true);
  const request: CommandRequest<'sweeps.search'> = {
    limit: PAGE,
    offset,
    ...(text ? { query: text } : {}),
    ...(type ? { type } : {}),
    ...(after ? { syncedAfter: after } : {}),
    ...(before ? { syncedBefore: before } : {}),
  };
  const search = useSweepSearch(request);
  const change =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setOffset(0);
    };
  return (
    <div className="view">
      <h1>Sweeps</h1>
      <search>
        <form className="filters" aria-label="Find sweeps" onSubmit={(e) => e.preventDefault()}>
          <label>
            Search
            <input
              type="search"
              value={query}
              placeholder="part of a name"
              onChange={(e) => change(setQuery)(e.target.value)}
            />
          </label>
          <LabelledSelect label="Type" value={type} onChange={(v) => change(setType)(v as '' | SweepType)}>
            <option value="">any</option>
            {SWEEP_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </LabelledSelect>
          <label>
            Synced from
            <input type="date" value={from} onChange={(e) => change(setFrom)(e.target.value)} />
          </label>
          <label>
            to
            <input type="date" value={to} onChange={(e) => change(setTo)(e.target.value)} />
          </label>
        </form>
      </search>
      <QueryStatus isPending={search.isPending} error={search.error} what="the synced sweeps" />
      {search.data ? (
        <DataTable
          label="Synced sweeps"
          columns={COLUMNS}
          rows={search.data.items}
          rowKey={(s) => `${s.owner}/${s.name}`}
          empty={text || type || from || to ? 'No synced sweep matches.' : 'No sweep has been synced yet.'}
          page={
            search.data.total > 0
              ? { label: 'Sweep pages', offset, limit: PAGE, total: search.data.total, onChange: setOffset }
              : undefined
          }
        />
      ) : null}
    </div>
  );
}
