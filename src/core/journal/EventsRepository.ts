/**
 * The `events` table: the activity log (found, synced, warnings, failures, pauses) that `status` and the
 * UI show. It is bounded: the newest EVENTS_KEPT events and nothing older than EVENTS_MAX_AGE_DAYS stay;
 * pruning runs when the journal opens and after every PRUNE_EVERY_ADDS additions, as one DELETE of an id
 * range (ids only grow and pruning only removes the oldest, so "the newest N" is an id threshold).
 */
import type { Json } from '../model/types.js';
import { type JournalDb, limitOf } from './JournalDb.js';
import type { EventLevel, JournalEvent } from './types.js';

/**
 * How many events are kept. Watch mode writes a handful per sweep and sync (found, synced, a warning or
 * two), so 20,000 is months of a busy researcher's history — far more than anyone pages through — while
 * the table stays a few MB and the newest-first queries stay instant.
 */
export const EVENTS_KEPT = 20_000;
/** Events older than this go even below EVENTS_KEPT: half a year covers a project's sweep campaign,
 *  and what happened before lives on in the catalog and the store, not in this log. */
export const EVENTS_MAX_AGE_DAYS = 180;
/** Prune after this many additions by one process (plus on every open): the table can exceed EVENTS_KEPT
 *  by at most this many rows, and the DELETE runs rarely enough to cost nothing. */
export const PRUNE_EVERY_ADDS = 500;

export interface EventInput {
  level: EventLevel;
  kind: string;
  message: string;
  sweepId?: number | null;
  data?: Json;
}

interface EventRow {
  id: number;
  at: string;
  sweep_id: number | null;
  level: string;
  kind: string;
  message: string;
  data: string | null;
}

export class EventsRepository {
  private readonly stmts;
  private addsSincePrune = 0;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      add: db.prepare(`INSERT INTO events (at, sweep_id, level, kind, message, data)
        VALUES (@at, @sweep_id, @level, @kind, @message, @data)`),
      recent: db.prepare(`SELECT * FROM events WHERE (@sweep_id IS NULL OR sweep_id = @sweep_id)
        ORDER BY id DESC LIMIT @limit`),
      // Everything below the larger of two ids goes: the oldest of the newest @keep (ids are dense, see
      // the file comment), and the oldest event at or after the cutoff (events are added in time order;
      // should the clock have gone back, the age rule is approximate, the count rule still holds). Both
      // subqueries walk the id b-tree from one end; the DELETE is one rowid range.
      prune: db.prepare(`DELETE FROM events WHERE id < MAX(
          (SELECT max(id) FROM events) - @keep + 1,
          COALESCE((SELECT id FROM events WHERE at >= @cutoff ORDER BY id LIMIT 1),
                   (SELECT max(id) + 1 FROM events)))`),
    };
  }

  add(event: EventInput): number {
    const id = this.ctx.guard(() =>
      Number(
        this.stmts.add.run({
          at: this.ctx.now().toISOString(),
          sweep_id: event.sweepId ?? null,
          level: event.level,
          kind: event.kind,
          message: event.message,
          data: event.data === undefined ? null : JSON.stringify(event.data),
        }).lastInsertRowid,
      ),
    );
    if (++this.addsSincePrune >= PRUNE_EVERY_ADDS) this.prune();
    return id;
  }

  /** Newest first; only one sweep's when `sweepId` is given. */
  recent(options: { limit: number; sweepId?: number }): JournalEvent[] {
    return this.ctx.guard(() =>
      (
        this.stmts.recent.all({
          sweep_id: options.sweepId ?? null,
          limit: limitOf(options.limit),
        }) as EventRow[]
      ).map(toEvent),
    );
  }

  /** Apply the bounds above now; returns how many events went. (Journal.open and `add` call it.) */
  prune(): number {
    this.addsSincePrune = 0;
    const cutoff = new Date(this.ctx.now().getTime() - EVENTS_MAX_AGE_DAYS * 86_400_000).toISOString();
    return this.ctx.guard(() => this.stmts.prune.run({ keep: EVENTS_KEPT, cutoff }).changes);
  }
}

function toEvent(r: EventRow): JournalEvent {
  return {
    id: r.id,
    at: r.at,
    sweepId: r.sweep_id,
    level: r.level as EventLevel,
    kind: r.kind,
    message: r.message,
    data: r.data === null ? null : (JSON.parse(r.data) as Json),
  };
}
