/**
 * Long operations started through the contract — a sync, a restore, a verify — as jobs: an id, progress
 * events tagged with it, cancellation through an AbortSignal (each operation cleans up after itself:
 * a restore removes its staging folder and any folder it created, a sync commits nothing before its
 * manifest), and a result or an error kept after it ends for `jobs.get`/`jobs.wait`.
 */
import { randomUUID } from 'node:crypto';
import type { Job, Transfer } from '../../shared/commands.js';
import type { EngineEvent, JobKind } from '../../shared/events.js';
import { SyncError, toSyncError } from '../model/errors.js';
import type { EventBus } from './EventBus.js';

type JobResult = NonNullable<Job['result']>;

export interface JobContext {
  signal: AbortSignal;
  emit: (event: EngineEvent) => void;
}

interface Running {
  job: Job;
  controller: AbortController;
  done: Promise<Job>;
}

/** Finished jobs kept for `jobs.get` (the history proper is the journal's attempts). */
const KEEP_FINISHED = 100;

export class JobRunner {
  private readonly jobs = new Map<string, Running>();

  constructor(private readonly bus: EventBus) {}

  start<K extends JobKind>(
    kind: K,
    sweep: string,
    path: string | null,
    run: (ctx: JobContext) => Promise<Extract<JobResult, { kind: K }>['value']>,
  ): string {
    const id = randomUUID();
    const controller = new AbortController();
    const job: Job = {
      id,
      kind,
      sweep,
      state: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      result: null,
      error: null,
    };
    const emit = (event: EngineEvent) => {
      if (event.type === 'progress') job.progress = progressOf(id, kind, path, event);
      this.bus.emit(event, id);
    };
    emit({ type: 'job-started', jobId: id, kind, sweep, path });
    const started = Date.now();
    const done = (async (): Promise<Job> => {
      try {
        // A job starts on the next tick: `start` returns its id before any of its events can be missed.
        await new Promise((r) => setImmediate(r));
        const value = await run({ signal: controller.signal, emit });
        job.result = { kind, value } as JobResult;
        job.state = 'succeeded';
      } catch (e) {
        const err = controller.signal.aborted
          ? new SyncError(
              'conflict',
              `The ${kind} of ${sweep} was cancelled; nothing was left behind.`,
              undefined,
              {
                code: 'cancelled',
              },
            )
          : toSyncError(e);
        job.error = err.toAppError();
        job.state = controller.signal.aborted ? 'cancelled' : 'failed';
      }
      job.finishedAt = new Date().toISOString();
      emit({
        type: 'job-finished',
        jobId: id,
        kind,
        sweep,
        outcome: job.state === 'succeeded' ? 'succeeded' : job.state === 'cancelled' ? 'cancelled' : 'failed',
        error: job.error,
        durationMs: Date.now() - started,
      });
      this.forgetOld();
      return job;
    })();
    this.jobs.set(id, { job, controller, done });
    return id;
  }

  get(id: string): Job {
    return this.find(id).job;
  }

  list(): Job[] {
    return [...this.jobs.values()].map((r) => r.job);
  }

  wait(id: string): Promise<Job> {
    return this.find(id).done;
  }

  /** Cancel a running job; false if it had already finished. Resolves once it has wound down. */
  async cancel(id: string): Promise<boolean> {
    const r = this.find(id);
    if (r.job.state !== 'running') return false;
    r.controller.abort(new SyncError('conflict', 'cancelled'));
    await r.done;
    return true;
  }

  /** Cancel everything (the service is closing). */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
  }

  get running(): Job[] {
    return this.list().filter((j) => j.state === 'running');
  }

  private find(id: string): Running {
    const r = this.jobs.get(id);
    if (!r) throw new SyncError('not-found', `No job ${id}.`, undefined, { code: 'job-not-found' });
    return r;
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((r) => r.job.state !== 'running');
    for (const r of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.jobs.delete(r.job.id);
  }
}

export function progressOf(
  jobId: string | null,
  kind: JobKind,
  path: string | null,
  e: Extract<EngineEvent, { type: 'progress' }>,
): Transfer {
  return {
    jobId,
    kind,
    sweep: e.sweep,
    path,
    phase: e.phase,
    bytesDone: e.bytesDone,
    bytesTotal: e.bytesTotal,
    bytesPerSecond: e.bytesPerSecond ?? null,
    etaSeconds: e.etaSeconds ?? null,
    object: e.object ?? null,
  };
}
