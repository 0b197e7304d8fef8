/**
 * Activity: every sync, restore and verify attempt from the journal (`history.list`), newest first, paged,
 * filtered by sweep, kind and result. A warning (e.g. a comparison.csv that shrank after a lossy resume)
 * links to the sweep at the revision it concerns.
 */
import { useState } from 'react';
import type { Attempt, CommandRequest } from '../../../../shared/commands';
import { formatBytes, formatDuration, plural } from '../../../../shared/format';
import { useHistory } from '../../api/queries';
import { type Column, DataTable } from '../../components/DataTable';
import { LabelledSelect } from '../../components/LabelledSelect';
import { QueryStatus } from '../../components/QueryStatus';
import { RelativeTime } from '../../components/RelativeTime';
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

/** What an attempt's last column says: its error (a cancel has none: it reads as cancelled, not as a
 *  failure), and its warnings, each linking to the revision it concerns. */
function Details({ a }: { a: Attempt }) {
  return (
    <>
      {a.error ? (
        <p className={a.result === 'aborted' ? 'muted' : 'error-text'}>{a.error}</p>
      ) : a.result === 'aborted' && a.kind !== 'sync' ? (
        <p className="muted">Cancelled; nothing was left behind.</p>
      ) : null}
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
    </>
  );
}

const COLUMNS: ReadonlyArray<Column<Attempt>> = [
  { id: 'when', header: 'When', cell: (a) => <RelativeTime iso={a.startedAt} /> },
  { id: 'kind', header: 'Kind', cell: (a) => a.kind },
  {
    id: 'sweep',
    header: 'Sweep',
    cell: (a) => {
      const synced = a.kind === 'sync' && (a.result === 'synced' || a.result === 'noop');
      return (
        <>
          {synced || a.kind !== 'sync' ? (
            <a href={href({ view: 'sweep', name: a.sweep, revision: a.revision ?? undefined })}>{a.sweep}</a>
          ) : (
            a.sweep
          )}
          {a.target ? <div className="muted path">to {a.target}</div> : null}
        </>
      );
    },
  },
  { id: 'result', header: 'Result', cell: (a) => <ResultBadge result={a.result} kind={a.kind} /> },
  { id: 'revision', header: 'Revision', num: true, cell: (a) => a.revision ?? '—' },
  {
    id: 'size',
    header: 'Size',
    num: true,
    cell: (a) =>
      a.bytes > 0 || a.objects > 0 ? (
        <>
          {formatBytes(a.bytes)}
          <div className="muted">{plural(a.objects, a.kind === 'restore' ? 'file' : 'object')}</div>
        </>
      ) : (
        '—'
      ),
  },
  {
    id: 'duration',
    header: 'Duration',
    num: true,
    cell: (a) => (a.durationMs === null ? '—' : formatDuration(a.durationMs)),
  },
  { id: 'details', header: 'Error or warnings', className: 'details', cell: (a) => <Details a={a} /> },
];

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
              {r === 'noop' ? 'already synced' : r === 'aborted' ? 'stopped or cancelled' : r}
            </option>
          ))}
        </LabelledSelect>
      </form>
      <QueryStatus isPending={history.isPending} error={history.error} what="the activity" />
      {history.data ? (
        <DataTable
          label="Attempts"
          columns={COLUMNS}
          rows={history.data.items}
          rowKey={(a) => a.id}
          empty="No attempt matches."
          page={{
            label: 'Activity pages',
            offset,
            limit: PAGE,
            total: history.data.total,
            onChange: setOffset,
          }}
        />
      ) : null}
    </div>
  );
}
