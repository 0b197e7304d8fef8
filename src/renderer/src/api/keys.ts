/** Query keys, in one place, so that the event wiring invalidates exactly what each view reads. */
import type { CommandRequest, RowFilter } from '../../../shared/commands';

export const keys = {
  overview: ['overview'] as const,
  queue: ['queue'] as const,
  history: (q?: CommandRequest<'history.list'>) => (q ? (['history', q] as const) : (['history'] as const)),
  sweepSearch: (q?: CommandRequest<'sweeps.search'>) =>
    q ? (['sweeps', 'search', q] as const) : (['sweeps', 'search'] as const),
  sweep: (name?: string, revision?: number) =>
    name === undefined
      ? (['sweeps', 'detail'] as const)
      : (['sweeps', 'detail', name, revision ?? null] as const),
  /** Under the sweep's detail key: whatever refreshes a sweep's page refreshes its file pages too. */
  sweepFiles: (
    name: string,
    revision: number | undefined,
    page: { offset: number; limit: number; filter: string },
  ) => ['sweeps', 'detail', name, revision ?? null, 'files', page] as const,
  rows: (
    sweep?: string,
    view?: { sort: { column: string; direction: 'asc' | 'desc' } | null; filters: RowFilter[] },
  ) =>
    sweep === undefined
      ? (['sweeps', 'rows'] as const)
      : view
        ? (['sweeps', 'rows', sweep, view] as const)
        : (['sweeps', 'rows', sweep] as const),
  job: (jobId?: string) => (jobId ? (['jobs', jobId] as const) : (['jobs'] as const)),
  settings: ['settings'] as const,
  folders: ['folders'] as const,
};
