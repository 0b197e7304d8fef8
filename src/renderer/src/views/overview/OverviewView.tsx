/**
 * Overview: the state at a glance (one of five, with a sentence), Sync now and Pause/Resume, the transfers
 * in flight, the queue, and the last results and warnings. Everything here is live: the event stream
 * patches the transfers and refetches the rest when the engine says something changed.
 */
import { appErrorOf } from '../../api/client';
import { useFailureCategories } from '../../api/failureCategories';
import { useSyncNow } from '../../api/mutations';
import { useOverview } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';
import { QueryStatus } from '../../components/QueryStatus';
import { useNow } from '../../hooks/useNow';
import { PauseControls } from './PauseMenu';
import { QueuePanel } from './QueuePanel';
import { RecentPanel } from './RecentPanel';
import { deriveSyncState } from './syncState';
import { TransferCard } from './TransferCard';

export function OverviewView() {
  const overview = useOverview();
  const categories = useFailureCategories();
  const now = useNow();
  const syncNow = useSyncNow();
  const o = overview.data;
  const state = o ? deriveSyncState(o, categories, now) : null;
  return (
    <div className="view">
      <h1 className="visually-hidden">Overview</h1>
      <QueryStatus isPending={overview.isPending} error={overview.error} what="the overview" />
      {o && state ? (
        <>
          <section className={`card state-card state-${state.kind}`} aria-labelledby="sync-state">
            <div className="state-text">
              <h2 id="sync-state" data-testid="sync-state" aria-live="polite">
                <span className="state-dot" aria-hidden="true" />
                {state.label}
              </h2>
              <p data-testid="sync-sentence">{state.sentence}</p>
              <p className="muted destinations">
                To {o.destinations.objectStore.description} · catalog {o.destinations.catalog.description}
              </p>
              <p className="muted">
                {o.watching.length > 0
                  ? `Watching ${o.watching.join(', ')}${o.autoSync ? '' : ' · auto-sync is off: finished sweeps wait for Sync now'}`
                  : 'Not watching any folder here.'}
              </p>
            </div>
            <div className="state-actions">
              <button
                type="button"
                className="primary"
                disabled={syncNow.isPending}
                onClick={() => syncNow.mutate({})}
              >
                Sync now
              </button>
              <PauseControls paused={o.pause !== null} />
            </div>
          </section>
          {syncNow.error ? <ErrorBox error={appErrorOf(syncNow.error)} /> : null}
          {syncNow.data ? (
            <p className="notice" role="status">
              {syncNow.data.queued.length > 0
                ? `Queued ${syncNow.data.queued.join(', ')}.`
                : 'Everything finished is already synced or queued.'}
            </p>
          ) : null}
          <section className="card" aria-labelledby="transfers-title">
            <h2 id="transfers-title">Transfers</h2>
            {o.transfers.length === 0 ? (
              <p className="muted">Nothing is being transferred right now.</p>
            ) : (
              o.transfers.map((t) => <TransferCard key={t.jobId ?? `${t.kind}:${t.sweep}`} transfer={t} />)
            )}
          </section>
          <QueuePanel />
          <RecentPanel overview={o} />
        </>
      ) : null}
    </div>
  );
}
