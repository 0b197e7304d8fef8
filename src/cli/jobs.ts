import { SyncError } from '../core/model/errors.js';
import type { AppService } from '../core/service/AppService.js';
import type { Job } from '../shared/commands.js';
import type { AppEvent } from '../shared/events.js';

/**
 * SIGINT/SIGTERM of a long command (download, sync, verify): the first signal cancels the job through its
 * AbortSignal — the same cancel the window's Cancel button sends, after which the job has cleaned up
 * (a restore removes its staging folder and any folder it created; a sync commits no manifest and aborts
 * its unfinished uploads) — then the command prints one line and exits 130 (SIGINT) or 143 (SIGTERM),
 * 128 + the signal's number as shells do. A second signal exits at once.
 */
export class Interrupted extends SyncError {
  readonly signal: NodeJS.Signals;
  readonly exitCode: number;

  constructor(signal: NodeJS.Signals, message: string) {
    super('conflict', message, 'Run the command again when you want it.', { code: 'interrupted' });
    this.signal = signal;
    this.exitCode = interruptExitCode(signal);
  }
}

export function interruptExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

let caught: NodeJS.Signals | null = null;
let catchers = 0;
const listeners = new Set<(signal: NodeJS.Signals) => void>();

const onSignal = (signal: NodeJS.Signals): void => {
  if (caught) {
    process.stderr.write(`${signal} again: exiting at once, without waiting for the clean-up.\n`);
    process.exit(interruptExitCode(signal));
  }
  caught = signal;
  for (const l of listeners) l(signal);
};

/**
 * Catch SIGINT/SIGTERM until the returned function is called (nested calls share one handler). Installed
 * before the service starts, so an interrupt during start-up is caught too: the job is then never started.
 */
export function catchInterrupts(): () => void {
  if (catchers++ === 0) {
    caught = null;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--catchers === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/** The signal caught since catchInterrupts, or null. */
export function interruptedBy(): NodeJS.Signals | null {
  return caught;
}

/**
 * Runs one job (sync, restore, verify) in the foreground: its events go to `onEvent` while it runs,
 * Ctrl-C (or SIGTERM) cancels it and waits for its clean-up, and its result is returned — or its error
 * thrown, so the CLI exits with the error's category (an interrupt: `Interrupted`, with `interrupted` as
 * its message).
 */
export async function runJob(
  service: AppService,
  start: () => Promise<{ jobId: string }>,
  onEvent: (e: AppEvent) => void,
  interrupted = 'Interrupted: nothing was changed.',
): Promise<NonNullable<Job['result']>['value']> {
  const release = catchInterrupts();
  let jobId: string | null = null;
  const early: AppEvent[] = [];
  const unsubscribe = service.subscribe((e) => {
    if (jobId === null) early.push(e);
    else if (e.jobId === jobId) onEvent(e);
  });
  const cancel = () => {
    if (jobId) void service.call('jobs.cancel', { jobId }).catch(() => {});
  };
  listeners.add(cancel);
  try {
    const before = interruptedBy();
    if (before) throw new Interrupted(before, interrupted);
    jobId = (await start()).jobId;
    for (const e of early) if (e.jobId === jobId) onEvent(e);
    if (interruptedBy()) cancel(); // the signal came while the job was being started
    const job = await service.call('jobs.wait', { jobId });
    const signal = interruptedBy();
    if (signal && job.state === 'cancelled') throw new Interrupted(signal, interrupted);
    if (job.error) throw SyncError.fromAppError(job.error);
    if (!job.result)
      throw new SyncError('internal', `The ${job.kind} of ${job.sweep} ended without a result.`);
    return job.result.value;
  } finally {
    listeners.delete(cancel);
    unsubscribe();
    release();
  }
}
