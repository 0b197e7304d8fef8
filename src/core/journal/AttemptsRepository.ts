/**
 * The `attempts` table: every sync, restore and verify attempt, open while it runs — the history the UI
 * and the CLI show. Closing a *sync* attempt also keeps the sweep's back-off count: a failure counts
 * towards it and sets the sweep's last error, a success (synced or noop) resets both; an abort, and
 * restore or verify attempts, touch neither (a failed download says nothing about uploading).
 */
import { SyncError } from '../model/errors.js';
import { type JournalDb, limitOf, offsetOf, stamp } from './JournalDb.js';
import {
  ATTEMPT_KINDS,
  ATTEMPT_RESULTS,
  type AttemptKind,
  type AttemptResult,
  type JournalAttempt,
} from './types.js';

export interface AttemptStart {
  kind: AttemptKind;
  /** The local sweep row, or null when there is none (a restore of a sweep never synced here). */
  sweepId: number | null;
  sweepName: string;
  revision?: number | null;
  /** A restore's target folder. */
  target?: string | null;
}

export interface AttemptFinish {
  result: AttemptResult;
  /** Bytes uploaded (sync), downloaded (restore) or checked (verify). */
  bytes?: number;
  objects?: number;
  error?: string | null;
  /** The revision, when it became known only during the attempt (a sync's, a restore of "the latest"). */
  revision?: number | null;
  warnings?: readonly string[];
}

export interface AttemptFilter {
  sweepId?: number;
  sweepName?: string;
  kind?: AttemptKind;
  result?: AttemptResult;
}

/** The results an attempt of each kind can end with. */
const RESULTS_OF: Record<AttemptKind, readonly AttemptResult[]> = {
  sync: ['synced', 'noop', 'failed', 'aborted'],
  restore: ['restored', 'failed', 'aborted'],
  verify: ['verified', 'failed', 'aborted'],
};

interface AttemptRow {
  id: number;
  kind: string;
  sweep_id: number | null;
  sweep_name: string;
  revision: number | null;
  target: string | null;
  started_at: string;
  finished_at: string | null;
  result: string | null;
  bytes_uploaded: number;
  objects_uploaded: number;
  duration_ms: number | null;
  error: string | null;
  warnings: string;
}

const WHERE = `WHERE (@sweep_id IS NULL OR sweep_id = @sweep_id) AND (@sweep_name IS NULL OR sweep_name = @sweep_name)
  AND (@kind IS NULL OR kind = @kind) AND (@result IS NULL OR result = @result)`;

export class AttemptsRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      start: db.prepare(`INSERT INTO attempts (kind, sweep_id, sweep_name, revision, target, started_at)
        VALUES (@kind, @sweep_id, @sweep_name, @revision, @target, @at)`),
      byId: db.prepare('SELECT * FROM attempts WHERE id = ?'),
      finish: db.prepare(`UPDATE attempts SET finished_at = @finished_at, result = @result,
          bytes_uploaded = @bytes, objects_uploaded = @objects, duration_ms = @duration_ms, error = @error,
          revision = COALESCE(@revision, revision), warnings = @warnings
        WHERE id = @id RETURNING *`),
      countFailure: db.prepare(
        'UPDATE sweeps SET attempts = attempts + 1, last_error = @error WHERE id = @id',
      ),
      resetFailures: db.prepare('UPDATE sweeps SET attempts = 0, last_error = NULL WHERE id = ?'),
      list: db.prepare(`SELECT * FROM attempts ${WHERE} ORDER BY id DESC LIMIT @limit OFFSET @offset`),
      count: db.prepare(`SELECT count(*) AS n FROM attempts ${WHERE}`),
      abandon: db.prepare(`UPDATE attempts SET finished_at = @at, result = 'aborted', error = @error,
          duration_ms = MAX(0, CAST(ROUND((julianday(@at) - julianday(started_at)) * 86400000) AS INTEGER))
        WHERE finished_at IS NULL`),
    };
  }

  /** Open an attempt; returns its id, to pass to finish. */
  start(input: AttemptStart): number {
    if (!ATTEMPT_KINDS.includes(input.kind)) {
      throw new SyncError('usage', `Unknown attempt kind "${String(input.kind)}".`, undefined, {
        field: 'kind',
      });
    }
    return this.ctx.guard(() =>
      Number(
        this.stmts.start.run({
          kind: input.kind,
          sweep_id: input.sweepId,
          sweep_name: input.sweepName,
          revision: input.revision ?? null,
          target: input.target ?? null,
          at: stamp(this.ctx),
        }).lastInsertRowid,
      ),
    );
  }

  /** Close an attempt (see the file comment for what a sync attempt does to the sweep's back-off). */
  finish(id: number, outcome: AttemptFinish): JournalAttempt {
    return this.ctx.guard(() =>
      this.ctx.db.transaction(() => {
        const started = this.stmts.byId.get(id) as AttemptRow | undefined;
        if (!started) throw new SyncError('not-found', `No attempt with id ${id} in the journal.`);
        const kind = started.kind as AttemptKind;
        if (!RESULTS_OF[kind].includes(outcome.result)) {
          throw new SyncError(
            'usage',
            `A ${kind} attempt can't end "${String(outcome.result)}" (expected ${RESULTS_OF[kind].join(', ')}).`,
            undefined,
            { field: 'result' },
          );
        }
        const finished = this.ctx.now();
        const row = this.stmts.finish.get({
          id,
          finished_at: finished.toISOString(),
          result: outcome.result,
          bytes: outcome.bytes ?? 0,
          objects: outcome.objects ?? 0,
          duration_ms: Math.max(0, finished.getTime() - Date.parse(started.started_at)),
          error: outcome.error ?? null,
          revision: outcome.revision ?? null,
          warnings: JSON.stringify(outcome.warnings ?? []),
        }) as AttemptRow;
        if (kind === 'sync' && row.sweep_id !== null) {
          if (outcome.result === 'failed') {
            this.stmts.countFailure.run({ id: row.sweep_id, error: outcome.error ?? 'sync failed' });
          } else if (outcome.result === 'synced' || outcome.result === 'noop') {
            this.stmts.resetFailures.run(row.sweep_id);
          }
        }
        return toAttempt(row);
      })(),
    );
  }

  /** Newest first. */
  list(filter: AttemptFilter & { limit?: number; offset?: number } = {}): JournalAttempt[] {
    const params = { ...filterParams(filter), limit: limitOf(filter.limit), offset: offsetOf(filter.offset) };
    return this.ctx.guard(() => (this.stmts.list.all(params) as AttemptRow[]).map(toAttempt));
  }

  /** How many attempts `list` would page through with the same filter. */
  count(filter: AttemptFilter = {}): number {
    return this.ctx.guard(() => (this.stmts.count.get(filterParams(filter)) as { n: number }).n);
  }

  /** Mark attempts left open by a process that died as aborted (call at startup, single instance only). */
  abandonUnfinished(error = 'Bilancio Sync stopped during this attempt'): number {
    return this.ctx.guard(() => this.stmts.abandon.run({ at: stamp(this.ctx), error }).changes);
  }
}

function filterParams(f: AttemptFilter) {
  if (f.kind !== undefined && !ATTEMPT_KINDS.includes(f.kind)) {
    throw new SyncError('usage', `Unknown attempt kind "${String(f.kind)}".`, undefined, { field: 'kind' });
  }
  if (f.result !== undefined && !ATTEMPT_RESULTS.includes(f.result)) {
    throw new SyncError('usage', `Unknown attempt result "${String(f.result)}".`, undefined, {
      field: 'result',
    });
  }
  return {
    sweep_id: f.sweepId ?? null,
    sweep_name: f.sweepName ?? null,
    kind: f.kind ?? null,
    result: f.result ?? null,
  };
}

function toAttempt(r: AttemptRow): JournalAttempt {
  return {
    id: r.id,
    kind: r.kind as AttemptKind,
    sweepId: r.sweep_id,
    sweepName: r.sweep_name,
    revision: r.revision,
    target: r.target,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    result: r.result as AttemptResult | null,
    bytes: r.bytes_uploaded,
    objects: r.objects_uploaded,
    durationMs: r.duration_ms,
    error: r.error,
    warnings: JSON.parse(r.warnings) as string[],
  };
}
