/**
 * Commands that change something, as TanStack mutations. Each refreshes what it knows it changed right
 * away; the events that follow (queue-state, paused, job-finished…) keep the rest up to date.
 */
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import type { CommandName, CommandRequest, CommandResponse } from '../../../shared/commands';
import { call, useClient } from './client';
import { keys } from './keys';

function useCommand<N extends CommandName>(
  name: N,
  after?: (qc: QueryClient, value: CommandResponse<N>, request: CommandRequest<N>) => void,
) {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (request: CommandRequest<N>) => call(client, name, request),
    onSuccess: (value, request) => after?.(qc, value, request),
  });
}

const refreshState = (qc: QueryClient) => {
  void qc.invalidateQueries({ queryKey: keys.overview });
  void qc.invalidateQueries({ queryKey: keys.queue });
};

export const useSyncNow = () => useCommand('sync.now', refreshState);
export const usePause = () => useCommand('sync.pause', refreshState);
export const useResume = () => useCommand('sync.resume', refreshState);
export const useRetry = () => useCommand('sync.retry', refreshState);
export const useSyncStart = () => useCommand('sync.start', refreshState);
export const useVerifyStart = () => useCommand('verify.start');
export const useRestoreStart = () => useCommand('restore.start');
export const useCancelJob = () =>
  useCommand('jobs.cancel', (qc, _v, req) => void qc.invalidateQueries({ queryKey: keys.job(req.jobId) }));

export const useSaveSettings = () =>
  useCommand('settings.save', (qc, view) => {
    qc.setQueryData(keys.settings, view);
    void qc.invalidateQueries({ queryKey: keys.overview });
  });
export const useValidateSettings = () => useCommand('settings.validate');
export const useTestConnection = () => useCommand('settings.test');

const foldersChanged = (qc: QueryClient, value: { folders: string[] }) => {
  qc.setQueryData(keys.folders, value);
  refreshState(qc);
};
export const useAddFolder = () => useCommand('folders.add', foldersChanged);
export const useRemoveFolder = () => useCommand('folders.remove', foldersChanged);
