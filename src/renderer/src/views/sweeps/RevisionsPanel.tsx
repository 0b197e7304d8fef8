/** A sweep's kept revisions (from the store's manifests): when, run data or not, files, size, rows, warnings. */
import type { SweepDetail } from '../../../../shared/commands';
import { formatBytes } from '../../../../shared/format';
import { RelativeTime } from '../../components/RelativeTime';
import { href } from '../../router';

export function RevisionsPanel({ detail }: { detail: SweepDetail }) {
  const revisions = [...detail.revisions].sort((a, b) => b.revision - a.revision);
  const latest = revisions[0]?.revision;
  return (
    <section className="card" aria-labelledby="revisions-title">
      <h2 id="revisions-title">Revisions</h2>
      <div className="table-scroll">
        <table className="data-table" aria-label="Revisions">
          <thead>
            <tr>
              <th scope="col" className="num">
                Revision
              </th>
              <th scope="col">Synced</th>
              <th scope="col">Run data</th>
              <th scope="col" className="num">
                Files
              </th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col" className="num">
                Comparison rows
              </th>
              <th scope="col">From</th>
              <th scope="col">Warnings</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((r) => (
              <tr key={r.revision} className={r.revision === detail.revision ? 'current' : undefined}>
                <td className="num">
                  {r.revision}
                  {r.revision === latest ? <span className="badge badge-good">latest</span> : null}
                </td>
                <td>
                  <RelativeTime iso={r.syncedAt} />
                </td>
                <td>{r.full ? 'included' : 'aggregates only'}</td>
                <td className="num">{r.files.toLocaleString()}</td>
                <td className="num">{formatBytes(r.bytes)}</td>
                <td className="num">{r.comparisonRows ?? '—'}</td>
                <td className="path" title={r.sourcePath}>
                  {r.sourceHost}
                </td>
                <td>
                  {r.warnings.map((w) => (
                    <p key={w} className="warning-text">
                      {w}
                    </p>
                  ))}
                </td>
                <td className="actions">
                  {r.revision === detail.revision ? (
                    <span className="muted">shown</span>
                  ) : (
                    <a href={href({ view: 'sweep', name: detail.name, revision: r.revision })}>
                      View revision {r.revision}
                    </a>
                  )}{' '}
                  <a href={href({ view: 'sweep', name: detail.name, revision: r.revision, restore: true })}>
                    Restore revision {r.revision}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
