/**
 * The shown revision's objects in the store, and its files: counted in the sweep's summary, listed page
 * by page (`sweeps.files`, a full sweep has tens of thousands), searchable by part of a path. The list is
 * fetched once it is opened.
 */
import { useState } from 'react';
import type { SweepDetail, SweepFile } from '../../../../shared/commands';
import { formatBytes, plural } from '../../../../shared/format';
import { useSweepFiles } from '../../api/queries';
import { type Column, DataTable } from '../../components/DataTable';
import { QueryStatus } from '../../components/QueryStatus';
import { useDebounced } from '../../hooks/useDebounced';

export const FILES_PAGE = 100;

type SweepObject = SweepDetail['objects'][number];

const hash = (sha256: string) => <span title={sha256}>{sha256.slice(0, 12)}…</span>;

const OBJECT_COLUMNS: ReadonlyArray<Column<SweepObject>> = [
  { id: 'key', header: 'Object', className: 'path', cell: (o) => o.key },
  { id: 'kind', header: 'Kind', cell: (o) => o.kind },
  { id: 'branch', header: 'Branch', cell: (o) => o.branch ?? '—' },
  { id: 'files', header: 'Files', num: true, cell: (o) => o.files.toLocaleString() },
  { id: 'size', header: 'Size', num: true, cell: (o) => formatBytes(o.size) },
  { id: 'sha256', header: 'sha256', className: 'hash', cell: (o) => hash(o.sha256) },
];

const FILE_COLUMNS: ReadonlyArray<Column<SweepFile>> = [
  { id: 'path', header: 'Path', className: 'path', cell: (f) => f.path },
  { id: 'size', header: 'Size', num: true, cell: (f) => formatBytes(f.size) },
  {
    id: 'object',
    header: 'In',
    className: 'path',
    cell: (f) =>
      f.object.endsWith(f.path) ? <span className="muted">itself</span> : f.object.split('/').pop(),
  },
  { id: 'sha256', header: 'sha256', className: 'hash', cell: (f) => hash(f.sha256) },
];

export function FilesPanel({ detail }: { detail: SweepDetail }) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const [offset, setOffset] = useState(0);
  const search = useDebounced(filter.trim(), 250);
  const files = useSweepFiles(
    detail.name,
    detail.revision ?? undefined,
    { offset, limit: FILES_PAGE, filter: search },
    open,
  );
  return (
    <section className="card" aria-labelledby="objects-title">
      <h2 id="objects-title">Objects and files</h2>
      <DataTable label="Objects" columns={OBJECT_COLUMNS} rows={detail.objects} rowKey={(o) => o.key} />
      <details className="files" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          {plural(detail.fileCount, 'file')} in this revision ({formatBytes(detail.fileBytes)})
        </summary>
        <label>
          Find a file
          <input
            type="search"
            value={filter}
            placeholder="part of a path"
            onChange={(e) => {
              setFilter(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <QueryStatus isPending={open && files.isPending} error={files.error} what="the files" />
        {files.data ? (
          <DataTable
            label="Files"
            columns={FILE_COLUMNS}
            rows={files.data.files}
            rowKey={(f) => f.path}
            empty={search ? 'No file matches.' : 'This revision has no files.'}
            page={{
              label: 'File pages',
              offset,
              limit: FILES_PAGE,
              total: files.data.total,
              onChange: setOffset,
            }}
          />
        ) : null}
      </details>
    </section>
  );
}
