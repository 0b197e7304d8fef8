/**
 * The `sweeps` table: one row per local sweep folder (its path is its identity), with where it stands in
 * the pipeline. Which state may follow which is not decided here: src/core/watch/SweepStates.ts owns the
 * state machine and is the only caller of `setState`; this repository only checks that a state exists.
 */
import { SWEEP_STATES, type SweepState, type SweepType } from '../../shared/states.js';
import { SyncError } from '../model/errors.js';
import { type JournalDb, optional, stamp } from './JournalDb.js';
import type { JournalSweep } from './types.js';

export interface SweepUpsert {
  path: string;
  name: string;
  sweepType: SweepType | null;
  /** State of a newly seen sweep (default 'detected'); an existing sweep keeps its state. */
  state?: SweepState;
  stateReason?: string | null;
}

const COLUMNS = `id, path, name, sweep_type, state, state_reason, next_retry_at, attempts, last_error,
  created_at, updated_at`;

interface SweepRow {
  id: number;
  path: string;
  name: string;
  sweep_type: string | null;
  state: string;
  state_reason: string | null;
  next_retry_at: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export class SweepsRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      upsert: db.prepare(`
        INSERT INTO sweeps (path, name, sweep_type, state, state_reason, created_at, updated_at)
        VALUES (@path, @name, @sweep_type, @state, @state_reason, @at, @at)
        ON CONFLICT (path) DO UPDATE SET name = excluded.name, sweep_type = excluded.sweep_type,
          updated_at = CASE WHEN name IS excluded.name AND sweep_type IS excluded.sweep_type
                            THEN updated_at ELSE excluded.updated_at END
        RETURNING ${COLUMNS}`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM sweeps WHERE id = ?`),
      byPath: db.prepare(`SELECT ${COLUMNS} FROM sweeps WHERE path = ?`),
      byName: db.prepare(
        `SELECT ${COLUMNS} FROM sweeps WHERE name = ? ORDER BY updated_at DESC, id DESC LIMIT 1`,
      ),
      list: db.prepare(`SELECT ${COLUMNS} FROM sweeps
        WHERE (@state IS NULL OR state = @state) AND (@name IS NULL OR name = @name) ORDER BY name, path`),
      setState: db.prepare(`
        UPDATE sweeps SET state = @state, state_reason = @reason, next_retry_at = @next_retry_at,
          last_error = CASE WHEN @keep_error THEN last_error ELSE @last_error END, updated_at = @at
        WHERE id = @id RETURNING ${COLUMNS}`),
    };
  }

  /** Insert a sweep, or update an existing one's name and type (its state stays). */
  upsert(input: SweepUpsert): JournalSweep {
    const state = input.state ?? 'detected';
    checkState(state);
    return this.ctx.guard(() =>
      toSweep(
        this.stmts.upsert.get({
          path: input.path,
          name: input.name,
          sweep_type: input.sweepType,
          state,
          state_reason: input.stateReason ?? null,
          at: stamp(this.ctx),
        }) as SweepRow,
      ),
    );
  }

  get(id: number): JournalSweep | null {
    return this.ctx.guard(() => optional(this.stmts.byId.get(id) as SweepRow | undefined, toSweep));
  }

  byPath(path: string): JournalSweep | null {
    return this.ctx.guard(() => optional(this.stmts.byPath.get(path) as SweepRow | undefined, toSweep));
  }

  /** Names are unique in the store but two local folders may share one: the most recently updated wins.
   *  Use list({ name }) to see them all. */
  byName(name: string): JournalSweep | null {
    return this.ctx.guard(() => optional(this.stmts.byName.get(name) as SweepRow | undefined, toSweep));
  }

  /** Sweeps by name, then path. */
  list(filter: { state?: SweepState; name?: string } = {}): JournalSweep[] {
    if (filter.state !== undefined) checkState(filter.state);
    return this.ctx.guard(() =>
      (this.stmts.list.all({ state: filter.state ?? null, name: filter.name ?? null }) as SweepRow[]).map(
        toSweep,
      ),
    );
  }

  /**
   * Set the state; `nextRetryAt` is cleared unless given; `lastError` is kept unless given (it is shown
   * until a success clears it). Unknown id → 'not-found'. Only SweepStates calls this.
   */
  setState(
    id: number,
    state: SweepState,
    reason: string | null,
    options: { nextRetryAt?: string | null; lastError?: string | null } = {},
  ): JournalSweep {
    checkState(state);
    return this.ctx.guard(() => {
      const row = this.stmts.setState.get({
        id,
        state,
        reason,
        next_retry_at: options.nextRetryAt ?? null,
        last_error: options.lastError ?? null,
        keep_error: options.lastError === undefined ? 1 : 0,
        at: stamp(this.ctx),
      }) as SweepRow | undefined;
      if (!row) throw new SyncError('not-found', `No sweep with id ${id} in the journal.`);
      return toSweep(row);
    });
  }
}

function toSweep(r: SweepRow): JournalSweep {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    sweepType: r.sweep_type as SweepType | null,
    state: r.state as SweepState,
    stateReason: r.state_reason,
    nextRetryAt: r.next_retry_at,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkState(state: string): void {
  if (!(SWEEP_STATES as readonly string[]).includes(state)) {
    throw new SyncError(
      'usage',
      `Unknown sweep state "${state}" (expected one of ${SWEEP_STATES.join(', ')}).`,
    );
  }
}
