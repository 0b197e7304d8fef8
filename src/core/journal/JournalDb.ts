/**
 * What every journal repository shares: the open database, the clock, and the guard that turns runtime
 * SQLite errors (disk full, locked, corrupted page) into SyncErrors naming the journal file. The
 * repositories get it from Journal.open; nothing else builds one.
 */
import { SyncError } from '../model/errors.js';
import type { SqliteDb } from '../stores/sqliteDatabase.js';

export interface JournalDb {
  readonly db: SqliteDb;
  /** The clock (tests pin it). */
  now(): Date;
  /** Run `fn`; a SQLite error becomes a SyncError that says which file and what to do. */
  guard<T>(fn: () => T): T;
}

/** The current time as the journal stores it: ISO 8601 UTC text. */
export function stamp(ctx: JournalDb): string {
  return ctx.now().toISOString();
}

/** SQLite's LIMIT -1 means "no limit". */
export function limitOf(n: number | undefined): number {
  if (n === undefined) return -1;
  if (!Number.isInteger(n) || n < 0)
    throw new SyncError('usage', `A limit must be a whole number ≥ 0, not ${n}.`, undefined, {
      field: 'limit',
    });
  return n;
}

export function offsetOf(n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0)
    throw new SyncError('usage', `An offset must be a whole number ≥ 0, not ${n}.`, undefined, {
      field: 'offset',
    });
  return n;
}

export function optional<R, T>(row: R | undefined, map: (r: R) => T): T | null {
  return row === undefined ? null : map(row);
}
