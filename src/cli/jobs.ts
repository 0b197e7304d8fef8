import { SyncError } from '../core/model/errors.js';
import type { AppService } from '../core/service/AppService.js';
import type { Job } from '../shared/commands.js';
import type { AppEvent } from '../shared/events.js';

/**
 * Runs one job (sync, restore, verify) in the foreground: its events go to `onEvent` while it runs,
 * Ctrl-C cancels it (the job cleans up after itself), and its result is returned — or its error thrown,
 * so the CLI exits with the error's category.
 */
export async function runJob(
  service: AppService,
  start: () => Promise<{ jobId: string }>,
  onEvent: (e: AppEvent) => void,
): Promise<NonNullable<Job['result']>['value']> {
  let jobId: string | null = null;
  const early: AppEvent[] = [];
  const unsubscribe = service.subscribe((e) => {
    if (jobId === null) early.push(e);
    else if (e.jobId === jobId) onEvent(e);
  });
  const cancel = () => {
    if (jobId) void service.call('jobs.cancel', { jobId });
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    jobId = (await start()).jobId;
    for (const e of early) if (e.jobId === jobId) onEvent(e);
    const job = await service.call('jobs.wait', { jobId });
    if (job.error) throw SyncError.fromAppError(job.error);
    if (!job.result)
      throw new SyncError('internal', `The ${job.kind} of ${job.sweep} ended without a result.`);
    return job.result.value;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    unsubscribe();
  }
}
