/**
 * The event stream → the query cache. Progress patches the transfer it is about (the overview's list and
 * the job's own copy) without a request; state changes invalidate the queries that show them: sweep-state
 * and queue-state the queue and the overview, a finished sync the history and the catalog's lists, a
 * finished job that job and the history, settings or folders changing everything they feed.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { Job } from '../../../shared/commands';
import type { AppEvent, JobKind } from '../../../shared/events';
import { clearFailure, recordFailure } from './failureCategories';
import { keys } from './keys';
import type { Overview } from './queries';
import { objectDone, removeTransfers, transferOf, upsertTransfer } from './transfers';

/** What the stream has told about jobs so far (progress events don't repeat the kind and the path). */
export type JobsSeen = Map<string, { kind: JobKind; path: string | null }>;

const invalidate = (qc: QueryClient, ...queryKeys: ReadonlyArray<readonly unknown[]>) => {
  for (const queryKey of queryKeys) void qc.invalidateQueries({ queryKey });
};

const patchOverview = (qc: QueryClient, patch: (o: Overview) => Overview) =>
  qc.setQueryData<Overview>(keys.overview, (o) => (o ? patch(o) : o));

export function applyEvent(qc: QueryClient, envelope: AppEvent, jobs: JobsSeen): void {
  const e = envelope.event;
  switch (e.type) {
    case 'progress': {
      const job = envelope.jobId ? jobs.get(envelope.jobId) : undefined;
      const t = transferOf(envelope, e, job);
      patchOverview(qc, (o) => ({ ...o, transfers: upsertTransfer(o.transfers, t) }));
      if (envelope.jobId) {
        qc.setQueryData<Job>(keys.job(envelope.jobId), (j) => (j ? { ...j, progress: t } : j));
      }
      return;
    }
    case 'sync-started':
      invalidate(qc, keys.overview, keys.queue);
      return;
    case 'object-done':
      patchOverview(qc, (o) => ({ ...o, transfers: objectDone(o.transfers, e.sweep, e.key) }));
      return;
    case 'sync-finished':
    case 'sync-failed':
      patchOverview(qc, (o) => ({
        ...o,
        transfers: removeTransfers(
          o.transfers,
          (t) => t.kind === 'sync' && t.sweep === e.sweep && (t.jobId === null || t.jobId === envelope.jobId),
        ),
      }));
      invalidate(qc, keys.overview, keys.queue, keys.history());
      if (e.type === 'sync-failed') recordFailure(e.sweep, e.category);
      else clearFailure(e.sweep);
      if (e.type === 'sync-finished') {
        invalidate(qc, keys.sweepSearch(), keys.sweep(e.sweep), keys.rows(e.sweep));
      }
      return;
    case 'warning':
      invalidate(qc, keys.overview);
      return;
    case 'sweep-state':
      invalidate(qc, keys.overview, keys.queue);
      if (e.state === 'synced') invalidate(qc, keys.history(), keys.sweepSearch());
      return;
    case 'queue-state':
      patchOverview(qc, (o) => ({ ...o, pause: e.paused }));
      invalidate(qc, keys.queue, keys.overview);
      return;
    case 'paused':
      patchOverview(qc, (o) => ({ ...o, pause: e.pause }));
      invalidate(qc, keys.overview, keys.queue);
      return;
    case 'resumed':
      patchOverview(qc, (o) => ({ ...o, pause: null }));
      invalidate(qc, keys.overview, keys.queue);
      return;
    case 'reconcile-finished':
    case 'watch-started':
    case 'watch-stopped':
      invalidate(qc, keys.overview, keys.queue);
      return;
    case 'job-started':
      jobs.set(e.jobId, { kind: e.kind, path: e.path });
      invalidate(qc, keys.overview, keys.job(e.jobId));
      return;
    case 'job-finished': {
      jobs.delete(e.jobId);
      patchOverview(qc, (o) => ({
        ...o,
        transfers: removeTransfers(o.transfers, (t) => t.jobId === e.jobId),
      }));
      // A fetch of the job still in flight may answer "running" after this event: drop it, take the event's
      // outcome at once, then fetch the finished job (its result) afresh.
      const jobKey = keys.job(e.jobId);
      void qc.cancelQueries({ queryKey: jobKey }).then(() => {
        qc.setQueryData<Job>(jobKey, (j) =>
          j
            ? {
                ...j,
                state: e.outcome,
                error: e.error,
                finishedAt: j.finishedAt ?? envelope.at,
              }
            : j,
        );
        return qc.refetchQueries({ queryKey: jobKey });
      });
      invalidate(qc, keys.overview, keys.queue, keys.history());
      if (e.kind === 'sync' && e.error) recordFailure(e.sweep, e.error.category);
      if (e.kind === 'sync' && e.outcome === 'succeeded') {
        invalidate(qc, keys.sweepSearch(), keys.sweep(e.sweep), keys.rows(e.sweep));
      }
      return;
    }
    case 'settings-changed':
      invalidate(qc, keys.settings, keys.overview, keys.queue, ['sweeps']);
      return;
    case 'folders-changed':
      qc.setQueryData(keys.folders, { folders: e.folders });
      invalidate(qc, keys.overview, keys.queue, keys.settings);
      return;
    default:
      e satisfies never;
  }
}
