/**
 * The query hooks every view reads through (TanStack Query). None of them polls: the event stream
 * (useEventStream) patches or invalidates exactly these keys when the engine says something changed.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { CommandRequest, RowFilter } from '../../../shared/commands';
import { call, useClient } from './client';
import { keys } from './keys';
import { type LiveTransfer, stamp } from './transfers';

export function useOverview() {
  const client = useClient();
  return useQuery({
    queryKey: keys.overview,
    queryFn: async () => {
      const o = await call(client, 'status.overview', { recent: 20 });
      const now = Date.now();
      return { ...o, transfers: o.transfers.map((t) => stamp<LiveTransfer>({ ...t }, now)) };
    },
  });
}

export type Overview = NonNullable<ReturnType<typeof useOverview>['data']>;

export function useQueue() {
  const client = useClient();
  return useQuery({ queryKey: keys.queue, queryFn: () => call(client, 'queue.get', {}) });
}

export function useHistory(q: CommandRequest<'history.list'>) {
  const client = useClient();
  return useQuery({
    queryKey: keys.history(q),
    queryFn: () => call(client, 'history.list', q),
    placeholderData: keepPreviousData,
  });
}

export function useSweepSearch(q: CommandRequest<'sweeps.search'>) {
  const client = useClient();
  return useQuery({
    queryKey: keys.sweepSearch(q),
    queryFn: () => call(client, 'sweeps.search', q),
    placeholderData: keepPreviousData,
  });
}

export function useSweep(name: string, revision?: number) {
  const client = useClient();
  return useQuery({
    queryKey: keys.sweep(name, revision),
    queryFn: () => call(client, 'sweeps.get', revision === undefined ? { name } : { name, revision }),
    placeholderData: keepPreviousData,
  });
}

/** One page of a revision's files (`sweeps.files`), only while `enabled` (e.g. the list is open). */
export function useSweepFiles(
  name: string,
  revision: number | undefined,
  page: { offset: number; limit: number; filter: string },
  enabled = true,
) {
  const client = useClient();
  return useQuery({
    queryKey: keys.sweepFiles(name, revision, page),
    queryFn: () =>
      call(client, 'sweeps.files', {
        name,
        ...(revision === undefined ? {} : { revision }),
        ...(page.filter ? { filter: page.filter } : {}),
        offset: page.offset,
        limit: page.limit,
      }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Rows are fetched in pages of this many, all of them (the table and the plots need the whole view). */
export const ROW_PAGE = 2000;

export interface RowView {
  sort: { column: string; direction: 'asc' | 'desc' } | null;
  filters: RowFilter[];
}

/** Every row of a sweep's filtered, sorted view: the first page shows at once, the rest follow. */
export function useComparisonRows(sweep: string, view: RowView) {
  const client = useClient();
  return useInfiniteQuery({
    queryKey: keys.rows(sweep, view),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      call(client, 'sweeps.comparisonRows', {
        sweep,
        filters: view.filters,
        ...(view.sort ? { sort: view.sort } : {}),
        limit: ROW_PAGE,
        offset: pageParam,
      }),
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total && last.rows.length > 0 ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
  });
}

export function useJob(jobId: string | null) {
  const client = useClient();
  return useQuery({
    queryKey: keys.job(jobId ?? 'none'),
    queryFn: () => call(client, 'jobs.get', { jobId: jobId! }),
    enabled: jobId !== null,
  });
}

export function useSettings() {
  const client = useClient();
  return useQuery({ queryKey: keys.settings, queryFn: () => call(client, 'settings.get', {}) });
}

export function useFolders() {
  const client = useClient();
  return useQuery({ queryKey: keys.folders, queryFn: () => call(client, 'folders.list', {}) });
}
