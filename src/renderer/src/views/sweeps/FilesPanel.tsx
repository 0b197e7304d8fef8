/** The shown revision's objects in the store, and its files (searchable; a full sweep has thousands). */
import { useMemo, useState } from 'react';
import type { SweepDetail } from '../../../../shared/commands';
import { formatBytes, plural } from '../../format';

const FILES_SHOWN = 200;

export function FilesPanel({ detail }: { detail: SweepDetail }) {
  const [filter, setFilter] = useState('');
  const files = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? detail.files.filter((x) => x.path.toLowerCase().includes(f)) : detail.files;
  }, [detail.files, filter]);
  return (
    <section className="card" aria-labelledby="objects-title">
      <h2 id="objects-title">Objects and files</h2>
      <div className="table-scroll">
        <table className="data-table" aria-label="Objects">
          <thead>
            <tr>
              <th scope="col">Object</th>
              <th scope="col">Kind</th>
              <th scope="col">Branch</th>
              <th scope="col" className="num">
                Files
              </th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">sha256</th>
            </tr>
          </thead>
          <tbody>
            {detail.objects.map((o) => (
              <tr key={o.key}>
                <td className="path">{o.key}</td>
                <td>{o.kind}</td>
                <td>{o.branch ?? '—'}</td>
                <td className="num">{o.files.toLocaleString()}</td>
                <td className="num">{formatBytes(o.size)}</td>
                <td className="hash" title={o.sha256}>
                  {o.sha256.slice(0, 12)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details className="files">
        <summary>{plural(detail.files.length, 'file')} in this revision</summary>
        <label>
          Find a file
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
        <ul className="file-list">
          {files.slice(0, FILES_SHOWN).map((f) => (
            <li key={f.path}>
              <span className="path">{f.path}</span> <span className="muted">{formatBytes(f.size)}</span>
            </li>
          ))}
        </ul>
        {files.length > FILES_SHOWN ? (
          <p className="muted">
            {FILES_SHOWN} of {files.length.toLocaleString()} shown; narrow the search to see others.
          </p>
        ) : null}
      </details>
    </section>
  );
}
