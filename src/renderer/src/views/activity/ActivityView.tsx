/**
 * Activity: every sync, restore and verify attempt from the journal (`history.list`), newest first, paged,
 * filtered by sweep, kind and result. A warning (e.g. a comparison.csv that shrank after a lossy resume)
 * links to the sweep at the revision it concerns.
 */
import { useState } from 'react';
import type { Attempt, CommandRequest } from '../../../../shared/commands';
import { useHistory } from '../../api/queries';
import { LabelledSelect } from '../../components/LabelledSelect';
import { Pager } from '../../components/Pager';
import { QueryStatus } from '../../components/QueryStatus';
import { RelativeTime } from '../../components/RelativeTime';
import { formatBytes, formatDuration, plural } from '../../format';
import { useDebounced } from '../../hooks/useDebounced';
import { href } from '../../router';
import { ResultBadge } from './ResultBadge';
import { warningRevision } from './warnings';

const PAGE = 25;
const RESULTS: Array<NonNullable<Attempt['result']>> = [
  'synced',
  'noop',
  'restored',
  'verified',
  'failed',
  'aborted',
];

function AttemptRow({ a }: { a: Attempt }) {
  const synced = a.kind === 'sync' && (a.result === 'synced' || a.result === 'noop');
  return (
    <tr>
      <td>
        <RelativeTime iso={a.startedAt} />
      </td>
      <td>{a.kind}</td>
      <td>
        {synced || a.kind !== 'sync' ? (
          <a href={href({ view: 'sweep', name: a.sweep, revision: a.revision ?? undefined })}>{a.sweep}</a>
        ) : (
          a.sweep
        )}
        {a.target ? <div className="muted path">to {a.target}</div> : null}
      </td>
      <td>
        <ResultBadge result={a.result} />
      </td>
      <td className="num">{a.revision ?? '—'}</td>
      <td className="num">
        {a.bytes > 0 || a.objects > 0 ? (
          <>
            {formatBytes(a.bytes)}
            <div className="muted">{plural(a.objects, a.kind === 'restore' ? 'file' : 'object')}</div>
          </>
        ) : (
          '—'
        )}
      </td>
      <td className="num">{a.durationMs === null ? '—' : formatDuration(a.durationMs)}</td>
      <td className="details">
        {a.error ? <p className="error-text">{a.error}</p> : null}
        {a.warnings.map((w) => {
          const revision = warningRevision(w) ?? a.revision ?? undefined;
          return (
            <p key={w} className="warning-text">
              {w}{' '}
              <a href={href({ view: 'sweep', name: a.sweep, revision })}>
                {revision ? `Open revision ${revision}` : `Open ${a.sweep}`}
              </a>
            </p>
          );
        })}
      </td>
    </tr>
  );
}

export function ActivityView({ sweep: initialSweep }: { sweep?: string }) {
  const [sweep, setSweep] = useState(initialSweep ?? '');
  const [kind, setKind] = useState<'' | Attempt['kind']>('');
  const [result, setResult] = useState<'' | NonNullable<Attempt['result']>>('');
  const [offset, setOffset] = useState(0);
  const sweepQuery = useDebounced(sweep.trim(), 300);
  const request: CommandRequest<'history.list'> = {
    limit: PAGE,
    offset,
    ...(sweepQuery ? { sweep: sweepQuery } : {}),
    ...(kind ? { kind } : {}),
    ...(result ? { result } : {}),
  };
  const history = useHistory(request);
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setOffset(0);
    };
  return (
    <div className="view">
      <h1>Activity</h1>
      <form className="filters" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
        <label>
          Sweep
          <input
            type="search"
            value={sweep}
            placeholder="exact sweep name"
            onChange={(e) => reset(setSweep)(e.target.value)}
          />
        </label>
        <LabelledSelect label="Kind" value={kind} onChange={(v) => reset(setKind)(v as typeof kind)}>
          <option value="">any</option>
          <option value="sync">sync</option>
          <option value="restore">restore</option>
          <option value="verify">verify</option>
        </LabelledSelect>
        <LabelledSelect label="Result" value={result} onChange={(v) => reset(setResult)(v as typeof result)}>
          <option value="">any</option>
          {RESULTS.map((r) => (
            <option key={r} value={r}>
              {r === 'noop' ? 'already synced' : r === 'aborted' ? 'stopped' : r}
            </option>
          ))}
        </LabelledSelect>
      </form>
      <QueryStatus isPending={history.isPending} error={history.error} what="the activity" />
      {history.data ? (
        <>
          {history.data.items.length === 0 ? (
            <p className="muted">No attempt matches.</p>
          ) : (
            <div className="table-scroll">
              <table className="data-table" aria-label="Attempts">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Sweep</th>
                    <th scope="col">Result</th>
                    <th scope="col" className="num">
                      Revision
                    </th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col" className="num">
                      Duration
                    </th>
                    <th scope="col">Error or warnings</th>
                  </tr>
                </thead>
                <tbody>
                  {history.data.items.map((a) => (
                    <AttemptRow key={a.id} a={a} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            label="Activity pages"
            offset={offset}
            limit={PAGE}
            total={history.data.total}
            onChange={setOffset}
          />
        </>
      ) : null}
    </div>
  );
}
