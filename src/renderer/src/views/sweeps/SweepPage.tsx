/**
 * One synced sweep (`sweeps.get`): what it is, its key figures and config, its comparison rows (table,
 * plots, export), its revisions, its objects and files; Restore… opens the restore dialog (also from a
 * link: `#/sweeps/<name>?revision=N&restore=1`), Verify checks the stored copy.
 */
import { useSweep } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';
import { LabelledSelect } from '../../components/LabelledSelect';
import { QueryStatus } from '../../components/QueryStatus';
import { RelativeTime } from '../../components/RelativeTime';
import { href, navigate } from '../../router';
import { RestoreDialog } from '../restore/RestoreDialog';
import { ComparisonSection } from './ComparisonSection';
import { FilesPanel } from './FilesPanel';
import { RevisionsPanel } from './RevisionsPanel';
import { SummaryCards } from './SummaryCards';
import { VerifyButton } from './VerifyButton';

export function SweepPage({
  name,
  revision,
  restore,
}: {
  name: string;
  revision?: number;
  restore?: boolean;
}) {
  const sweep = useSweep(name, revision);
  const d = sweep.data;
  const setRoute = (r: { revision?: number; restore?: boolean }) =>
    navigate({ view: 'sweep', name, revision: r.revision, restore: r.restore }, { replace: true });
  const latest = d ? Math.max(...d.revisions.map((r) => r.revision)) : undefined;
  const current = d?.revisions.find((r) => r.revision === d.revision);
  return (
    <div className="view">
      <p className="breadcrumb">
        <a href="#/sweeps">Back to the list</a>
      </p>
      <h1>{name}</h1>
      <QueryStatus isPending={sweep.isPending} error={sweep.error} what={name} />
      {d ? (
        <>
          <div className="sweep-head">
            <p className="muted">
              {d.catalog ? `${d.catalog.sweepType} sweep · ` : ''}
              {d.catalog && d.revision === d.catalog.revision && d.catalog.pairsTotal !== null
                ? `${d.catalog.pairsTotal} pairs · `
                : current?.comparisonRows !== null && current?.comparisonRows !== undefined
                  ? `${current.comparisonRows} comparison rows · `
                  : ''}
              revision {d.revision}
              {d.revision !== latest ? ` (latest is ${latest})` : ''} · synced{' '}
              <RelativeTime iso={current?.syncedAt} />
              {current ? ` from ${current.sourceHost}:${current.sourcePath}` : ''}
            </p>
            <div className="button-row">
              <LabelledSelect
                label="Show revision"
                value={d.revision ?? ''}
                onChange={(v) => setRoute({ revision: Number(v) })}
              >
                {[...d.revisions]
                  .sort((a, b) => b.revision - a.revision)
                  .map((r) => (
                    <option key={r.revision} value={r.revision}>
                      {r.revision}
                      {r.revision === latest ? ' (latest)' : ''}
                    </option>
                  ))}
              </LabelledSelect>
              <button type="button" className="primary" onClick={() => setRoute({ revision, restore: true })}>
                Restore…
              </button>
              <VerifyButton sweep={name} revision={d.revision} />
            </div>
          </div>
          {d.catalogError ? (
            <ErrorBox
              error={d.catalogError}
              title="The catalog can't be read: figures and rows are missing"
            />
          ) : null}
          {d.local?.state === 'failed' ? (
            <p className="warning-text">
              The last sync of this sweep failed: {d.local.lastError ?? d.local.reason}
            </p>
          ) : null}
          {d.catalog && d.revision !== d.catalog.revision ? (
            <p className="notice">
              The summary and rows below are revision {d.catalog.revision}'s: the catalog keeps the latest
              only. Revision {d.revision}'s files are kept in full:{' '}
              <a href={href({ view: 'sweep', name, revision: d.revision ?? undefined, restore: true })}>
                restore revision {d.revision}
              </a>
              .
            </p>
          ) : null}
          <SummaryCards detail={d} />
        </>
      ) : null}
      {/* The rows load alongside the sweep's page (a full sweep's file list takes a while to arrive). */}
      {(!d && !sweep.error) || d?.catalog ? <ComparisonSection sweep={name} /> : null}
      {d ? (
        <>
          <RevisionsPanel detail={d} />
          <FilesPanel detail={d} />
          {restore ? (
            <RestoreDialog detail={d} initialRevision={revision} onClose={() => setRoute({ revision })} />
          ) : null}
        </>
      ) : null}
    </div>
  );
}
