/**
 * Sweeps: the catalog's synced sweeps (`sweeps.search`) — search by name, filter by type and by the date
 * they were synced — with type, revision, pairs, sizes and when; a name opens the sweep's page.
 */
import { useState } from 'react';
import type { CommandRequest } from '../../../../shared/commands';
import { SWEEP_TYPES, type SweepType } from '../../../../shared/states';
import { useSweepSearch } from '../../api/queries';
import { LabelledSelect } from '../../components/LabelledSelect';
import { Pager } from '../../components/Pager';
import { QueryStatus } from '../../components/QueryStatus';
import { RelativeTime } from '../../components/RelativeTime';
import { formatBytes } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { href } from '../../router';

const PAGE = 50;

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
        search.data.items.length === 0 ? (
          <p className="muted">
            {text || type || from || to ? 'No synced sweep matches.' : 'No sweep has been synced yet.'}
          </p>
        ) : (
          <>
            <div className="table-scroll">
              <table className="data-table" aria-label="Synced sweeps">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">
                      Revision
                    </th>
                    <th scope="col" className="num">
                      Pairs
                    </th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col" className="num">
                      Archives
                    </th>
                    <th scope="col">Synced</th>
                  </tr>
                </thead>
                <tbody>
                  {search.data.items.map((s) => (
                    <tr key={`${s.owner}/${s.name}`}>
                      <td>
                        <a href={href({ view: 'sweep', name: s.name })}>{s.name}</a>
                      </td>
                      <td>{s.sweepType}</td>
                      <td className="num">{s.revision}</td>
                      <td className="num">
                        {s.pairsTotal === null
                          ? '—'
                          : s.pairsCompleted !== null && s.pairsCompleted !== s.pairsTotal
                            ? `${s.pairsCompleted} / ${s.pairsTotal}`
                            : s.pairsTotal}
                      </td>
                      <td className="num">{formatBytes(s.totalBytes)}</td>
                      <td className="num">{s.archiveBytes > 0 ? formatBytes(s.archiveBytes) : '—'}</td>
                      <td>
                        <RelativeTime iso={s.syncedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              label="Sweep pages"
              offset={offset}
              limit={PAGE}
              total={search.data.total}
              onChange={setOffset}
            />
          </>
        )
      ) : null}
    </div>
  );
}
