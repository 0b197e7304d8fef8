/** The experiments folders the app watches: the list, Remove, and a path field to add one. */
import { useId, useState } from 'react';
import { appErrorOf } from '../../api/client';
import { useAddFolder, useRemoveFolder } from '../../api/mutations';
import { useFolders, useOverview } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';
import { QueryStatus } from '../../components/QueryStatus';

export function AddFolderForm({
  onAdded,
  label = 'Experiments folder',
}: {
  onAdded?: (folders: string[]) => void;
  label?: string;
}) {
  const [path, setPath] = useState('');
  const add = useAddFolder();
  const id = useId();
  return (
    <form
      className="add-folder"
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim() === '') return;
        add.mutate(
          { path: path.trim() },
          {
            onSuccess: (v) => {
              setPath('');
              onAdded?.(v.folders);
            },
          },
        );
      }}
    >
      <label htmlFor={id}>{label}</label>
      <div className="input-row">
        <input
          id={id}
          value={path}
          spellCheck={false}
          autoComplete="off"
          placeholder="/home/you/bilancio/out/experiments"
          onChange={(e) => {
            setPath(e.target.value);
            add.reset();
          }}
        />
        <button type="submit" disabled={add.isPending || path.trim() === ''}>
          Add folder
        </button>
      </div>
      {add.error ? <ErrorBox error={appErrorOf(add.error)} /> : null}
    </form>
  );
}

export function FoldersSection() {
  const folders = useFolders();
  const remove = useRemoveFolder();
  const overview = useOverview();
  const listed = folders.data?.folders ?? [];
  const givenAtStart = (overview.data?.watching ?? []).filter((f) => !listed.includes(f));
  return (
    <section className="card" aria-labelledby="folders-title">
      <h2 id="folders-title">Watched folders</h2>
      <p className="muted">
        Bilancio Sync syncs each sweep that appears in these folders once bilancio has finished it.
      </p>
      <QueryStatus isPending={folders.isPending} error={folders.error} what="the watched folders" />
      {folders.data ? (
        folders.data.folders.length === 0 ? (
          <p>No folder is watched yet.</p>
        ) : (
          <ul className="folder-list">
            {folders.data.folders.map((f) => (
              <li key={f}>
                <span className="path">{f}</span>
                <button
                  type="button"
                  aria-label={`Remove ${f}`}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ path: f })}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
      {givenAtStart.length > 0 ? (
        <p className="muted">
          Also watched now, as named when the app was started:{' '}
          <span className="path">{givenAtStart.join(', ')}</span>
        </p>
      ) : null}
      {remove.error ? <ErrorBox error={appErrorOf(remove.error)} /> : null}
      <AddFolderForm />
    </section>
  );
}
