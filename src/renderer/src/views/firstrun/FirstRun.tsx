/**
 * First run (no watched folder, nothing synced yet): pick the experiments folder, see it work on the local
 * default — a real sync of what is there, its sweeps' states live from the event stream — and, once that
 * works, the offer to add a cloud destination.
 */
import { useState } from 'react';
import { appErrorOf } from '../../api/client';
import { useSyncNow } from '../../api/mutations';
import { useOverview } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';
import { href } from '../../router';
import { AddFolderForm } from '../settings/FoldersSection';

const STATE_WORDS: Record<string, string> = {
  detected: 'found',
  running: 'still being written by bilancio',
  waiting: 'waiting for the folder to be quiet',
  queued: 'queued',
  syncing: 'syncing…',
  synced: 'synced',
  failed: 'failed',
  incomplete: 'incomplete (bilancio did not finish it)',
};

export function FirstRun({ onDone }: { onDone: () => void }) {
  const [folders, setFolders] = useState<string[]>([]);
  const syncNow = useSyncNow();
  const overview = useOverview();
  const o = overview.data;
  const sweeps = o?.sweeps.filter((s) => folders.some((f) => s.path.startsWith(f))) ?? [];
  const synced = sweeps.filter((s) => s.state === 'synced').length;
  return (
    <div className="view first-run">
      <h1>Welcome to Bilancio Sync</h1>
      <p>
        Bilancio Sync keeps the results of your bilancio sweeps safe: each finished sweep is copied to an
        archive and its aggregates to a catalog you can search, and any sweep can be restored byte for byte.
      </p>
      <section className="card" aria-labelledby="step1">
        <h2 id="step1">1. The folder bilancio writes to</h2>
        <p className="muted">The folder bilancio writes its sweeps into, usually …/out/experiments.</p>
        {folders.length > 0 ? (
          <p className="good-text" role="status">
            Watching {folders.join(', ')}.
          </p>
        ) : null}
        <AddFolderForm onAdded={setFolders} />
      </section>
      <section className="card" aria-labelledby="step2">
        <h2 id="step2">2. A first sync, on this computer</h2>
        <p>
          With no cloud account set up, everything goes to{' '}
          {o ? o.destinations.objectStore.description : 'a local folder'} and{' '}
          {o ? o.destinations.catalog.description : 'a local catalog'}. Try it on what the folder holds now:
        </p>
        <button
          type="button"
          className="primary"
          disabled={folders.length === 0 || syncNow.isPending}
          onClick={() => syncNow.mutate({})}
        >
          Sync now
        </button>
        {syncNow.error ? <ErrorBox error={appErrorOf(syncNow.error)} /> : null}
        {syncNow.isSuccess || sweeps.length > 0 ? (
          <div role="status" aria-live="polite">
            {sweeps.length === 0 ? (
              <p className="muted">
                No sweep found in the folder yet; new ones are synced once bilancio finishes them.
              </p>
            ) : (
              <>
                <p>
                  {synced} of {sweeps.length} sweep{sweeps.length === 1 ? '' : 's'} synced.
                </p>
                <ul className="first-run-sweeps">
                  {sweeps.map((s) => (
                    <li key={s.path}>
                      <strong>{s.name}</strong> — {STATE_WORDS[s.state] ?? s.state}
                      {s.state === 'failed' && s.lastError ? (
                        <span className="error-text"> {s.lastError}</span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        ) : null}
      </section>
      <section className="card" aria-labelledby="step3">
        <h2 id="step3">3. A cloud destination (optional)</h2>
        <p>
          To get your results off this machine, add an object store (Cloudflare R2, Backblaze B2, AWS S3,
          MinIO) and a catalog (Supabase or PostgreSQL).
        </p>
        <div className="button-row">
          <a className="button-link" href={href({ view: 'settings' })} onClick={onDone}>
            Add a cloud destination
          </a>
          <button type="button" onClick={onDone}>
            Go to the overview
          </button>
        </div>
      </section>
    </div>
  );
}
