import type { RemoteManifest } from '../engine/RemoteManifest.js';
import { SyncError } from '../errors.js';
import { openSqliteDatabase, type SqliteDb, sqliteError } from '../stores/sqliteDatabase.js';
import type { FileEntry, Json, SweepType } from '../types.js';
import { JOURNAL_MIGRATIONS } from './migrations.js';
import {
  type AttemptResult,
  type CachedFile,
  type EventLevel,
  type JournalAttempt,
  type JournalEvent,
  type JournalRevision,
  type JournalSweep,
  SWEEP_STATES,
  type SweepState,
} from './types.js';

export interface JournalOptions {
  /** The clock (tests pin it). */
  now?: () => Date;
}

export interface SweepUpsert {
  path: string;
  name: string;
  sweepType: SweepType | null;
  /** State of a newly seen sweep (default 'detected'); an existing sweep keeps its state. */
  state?: SweepState;
  stateReason?: string | null;
}

export interface AttemptOutcome {
  result: AttemptResult;
  bytesUploaded?: number;
  objectsUploaded?: number;
  error?: string | null;
}

export interface EventInput {
  level: EventLevel;
  kind: string;
  message: string;
  sweepId?: number | null;
  data?: Json;
}

const RECOVERY =
  'The journal only remembers what was synced: Bilancio Sync rebuilds it by scanning your sweeps and ' +
  'reading their manifests in the store.';

/**
 * The local source of truth of what has been synced, in the app data folder.
 *
 * synchronous=FULL: the journal commits a handful of times per sync (a state change, a revision, an
 * attempt), so the one extra WAL fsync per commit costs milliseconds, and in exchange a "revision N is
 * synced" record survives a power cut, not only a crashed process (which NORMAL already survives).
 *
 * Every method is synchronous (better-sqlite3): each call is one short transaction.
 */
export class Journal {
  readonly file: string;
  private readonly db: SqliteDb;
  private readonly now: () => Date;
  private readonly stmts: ReturnType<typeof prepare>;

  private constructor(file: string, db: SqliteDb, options: JournalOptions) {
    this.file = file;
    this.db = db;
    this.now = options.now ?? (() => new Date());
    this.stmts = prepare(db);
  }

  /** Open (creating and migrating as needed). A file that is not a journal → SyncError('configuration'). */
  static open(file: string, options: JournalOptions = {}): Journal {
    const db = openSqliteDatabase(file, {
      what: 'sync journal',
      migrations: JOURNAL_MIGRATIONS,
      synchronous: 'FULL',
      recovery: RECOVERY,
    });
    try {
      return new Journal(file, db, options);
    } catch (e) {
      db.close();
      throw sqliteError(e, file, 'sync journal', RECOVERY);
    }
  }

  /** Run several journal writes as one transaction (e.g. record a revision and mark the sweep synced). */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn)());
  }

  // ---- sweeps -------------------------------------------------------------------------------------

  upsertSweep(input: SweepUpsert): JournalSweep {
    const state = input.state ?? 'detected';
    checkState(state);
    return this.guard(() => {
      const at = this.stamp();
      const row = this.stmts.upsertSweep.get({
        path: input.path,
        name: input.name,
        sweep_type: input.sweepType,
        state,
        state_reason: input.stateReason ?? null,
        at,
      }) as SweepRow;
      return toSweep(row);
    });
  }

  getSweep(id: number): JournalSweep | null {
    return this.guard(() => optional(this.stmts.sweepById.get(id) as SweepRow | undefined, toSweep));
  }

  getSweepByPath(path: string): JournalSweep | null {
    return this.guard(() => optional(this.stmts.sweepByPath.get(path) as SweepRow | undefined, toSweep));
  }

  /** Names are unique in the store but two local folders may share one: the most recently updated wins.
   *  Use listSweeps({ name }) to see them all. */
  getSweepByName(name: string): JournalSweep | null {
    return this.guard(() => optional(this.stmts.sweepByName.get(name) as SweepRow | undefined, toSweep));
  }

  /** Sweeps by name, then path. */
  listSweeps(filter: { state?: SweepState; name?: string } = {}): JournalSweep[] {
    if (filter.state !== undefined) checkState(filter.state);
    return this.guard(() =>
      (
        this.stmts.listSweeps.all({ state: filter.state ?? null, name: filter.name ?? null }) as SweepRow[]
      ).map(toSweep),
    );
  }

  /** Set the state; `nextRetryAt` and `lastError` are cleared unless given. Unknown id → 'not-found'. */
  setState(
    id: number,
    state: SweepState,
    reason: string | null,
    options: { nextRetryAt?: string | null; lastError?: string | null } = {},
  ): JournalSweep {
    checkState(state);
    return this.guard(() => {
      const row = this.stmts.setState.get({
        id,
        state,
        reason,
        next_retry_at: options.nextRetryAt ?? null,
        // A state change that doesn't mention the error keeps the old one (it is shown until a success).
        last_error: options.lastError === undefined ? null : options.lastError,
        keep_error: options.lastError === undefined ? 1 : 0,
        at: this.stamp(),
      }) as SweepRow | undefined;
      if (!row) throw new SyncError('not-found', `No sweep with id ${id} in the journal.`);
      return toSweep(row);
    });
  }

  /** Forget a sweep locally: its revisions, attempts and file cache go; its events stay (unlinked). */
  removeSweep(id: number): void {
    this.guard(() =>
      this.db.transaction(() => {
        const row = this.stmts.sweepById.get(id) as SweepRow | undefined;
        if (!row) return;
        this.stmts.clearFileCache.run(row.path);
        this.stmts.deleteSweep.run(id);
      })(),
    );
  }

  // ---- revisions ----------------------------------------------------------------------------------

  /** Record a committed revision (its manifest was written). Recording the same revision again replaces it.
   *  `bytes` defaults to the sum of the manifest's object sizes. */
  recordRevision(
    sweepId: number,
    manifest: RemoteManifest,
    options: { bytes?: number } = {},
  ): JournalRevision {
    const bytes = options.bytes ?? manifest.objects.reduce((sum, o) => sum + o.size, 0);
    return this.guard(() => {
      this.stmts.putRevision.run({
        sweep_id: sweepId,
        revision: manifest.revision,
        manifest: JSON.stringify(manifest),
        synced_at: manifest.syncedAt,
        full: manifest.full ? 1 : 0,
        bytes,
      });
      return {
        sweepId,
        revision: manifest.revision,
        manifest,
        syncedAt: manifest.syncedAt,
        full: manifest.full,
        bytes,
      };
    });
  }

  latestRevision(sweepId: number): JournalRevision | null {
    return this.guard(() =>
      optional(this.stmts.latestRevision.get(sweepId) as RevisionRow | undefined, toRevision),
    );
  }

  /** Newest first. */
  listRevisions(sweepId: number): JournalRevision[] {
    return this.guard(() => (this.stmts.listRevisions.all(sweepId) as RevisionRow[]).map(toRevision));
  }

  // ---- attempts -----------------------------------------------------------------------------------

  /** Returns the attempt id, to pass to finishAttempt. */
  startAttempt(sweepId: number): number {
    return this.guard(() => Number(this.stmts.startAttempt.run(sweepId, this.stamp()).lastInsertRowid));
  }

  /** Close an attempt. A failure counts towards the sweep's back-off and sets its last error; a success
   *  (synced or noop) resets both; an abort touches neither. */
  finishAttempt(attemptId: number, outcome: AttemptOutcome): JournalAttempt {
    return this.guard(() =>
      this.db.transaction(() => {
        const started = this.stmts.attemptById.get(attemptId) as AttemptRow | undefined;
        if (!started) throw new SyncError('not-found', `No attempt with id ${attemptId} in the journal.`);
        const finished = this.now();
        const row = this.stmts.finishAttempt.get({
          id: attemptId,
          finished_at: finished.toISOString(),
          result: outcome.result,
          bytes: outcome.bytesUploaded ?? 0,
          objects: outcome.objectsUploaded ?? 0,
          duration_ms: Math.max(0, finished.getTime() - Date.parse(started.started_at)),
          error: outcome.error ?? null,
        }) as AttemptRow;
        if (outcome.result === 'failed') {
          this.stmts.countFailure.run({ id: row.sweep_id, error: outcome.error ?? 'sync failed' });
        } else if (outcome.result !== 'aborted') {
          this.stmts.resetFailures.run(row.sweep_id);
        }
        return toAttempt(row);
      })(),
    );
  }

  /** Newest first. */
  listAttempts(options: { sweepId?: number; limit?: number } = {}): JournalAttempt[] {
    return this.guard(() =>
      (
        this.stmts.listAttempts.all({
          sweep_id: options.sweepId ?? null,
          limit: limitOf(options.limit),
        }) as AttemptRow[]
      ).map(toAttempt),
    );
  }

  /** Mark attempts left open by a process that died as aborted (call at startup, single instance only). */
  abandonUnfinishedAttempts(error = 'Bilancio Sync stopped during this attempt'): number {
    return this.guard(() => this.stmts.abandonAttempts.run({ at: this.stamp(), error }).changes);
  }

  // ---- events -------------------------------------------------------------------------------------

  addEvent(event: EventInput): number {
    return this.guard(() =>
      Number(
        this.stmts.addEvent.run({
          at: this.stamp(),
          sweep_id: event.sweepId ?? null,
          level: event.level,
          kind: event.kind,
          message: event.message,
          data: event.data === undefined ? null : JSON.stringify(event.data),
        }).lastInsertRowid,
      ),
    );
  }

  /** Newest first; only one sweep's when `sweepId` is given. */
  recentEvents(limit: number, sweepId?: number): JournalEvent[] {
    return this.guard(() =>
      (this.stmts.recentEvents.all({ sweep_id: sweepId ?? null, limit: limitOf(limit) }) as EventRow[]).map(
        toEvent,
      ),
    );
  }

  /** Keep only the newest `keepLatest` events (the activity log must not grow forever). */
  pruneEvents(keepLatest: number): number {
    return this.guard(() => this.stmts.pruneEvents.run(limitOf(keepLatest)).changes);
  }

  // ---- file hash cache ----------------------------------------------------------------------------

  /** What was hashed last time, by sweep-relative path: a file with the same size and mtime keeps its hash. */
  getFileCache(sweepPath: string): Map<string, CachedFile> {
    return this.guard(() => {
      const map = new Map<string, CachedFile>();
      for (const r of this.stmts.fileCache.iterate(sweepPath) as Iterable<FileCacheRow>) {
        map.set(r.rel_path, { size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256 });
      }
      return map;
    });
  }

  /** Replace a sweep's cached hashes with `entries`, in one transaction (12,000 rows take tens of ms). */
  replaceFileCache(sweepPath: string, entries: readonly FileEntry[]): void {
    this.guard(() =>
      this.db.transaction(() => {
        this.stmts.clearFileCache.run(sweepPath);
        for (const e of entries) this.stmts.putFileCache.run(sweepPath, e.path, e.size, e.mtimeMs, e.sha256);
      })(),
    );
  }

  // ---- settings -----------------------------------------------------------------------------------

  getSetting<T extends Json = Json>(key: string): T | undefined {
    return this.guard(() => {
      const row = this.stmts.getSetting.get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  setSetting(key: string, value: Json): void {
    this.guard(() => this.stmts.setSetting.run(key, JSON.stringify(value)));
  }

  deleteSetting(key: string): void {
    this.guard(() => this.stmts.deleteSetting.run(key));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /** Runtime SQLite errors (disk full, locked, corrupted page) become SyncErrors naming the file. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw sqliteError(e, this.file, 'sync journal', RECOVERY);
    }
  }
}

function prepare(db: SqliteDb) {
  const sweepCols = `id, path, name, sweep_type, state, state_reason, next_retry_at, attempts, last_error,
    created_at, updated_at`;
  return {
    upsertSweep: db.prepare(`
      INSERT INTO sweeps (path, name, sweep_type, state, state_reason, created_at, updated_at)
      VALUES (@path, @name, @sweep_type, @state, @state_reason, @at, @at)
      ON CONFLICT (path) DO UPDATE SET name = excluded.name, sweep_type = excluded.sweep_type,
        updated_at = CASE WHEN name IS excluded.name AND sweep_type IS excluded.sweep_type
                          THEN updated_at ELSE excluded.updated_at END
      RETURNING ${sweepCols}`),
    sweepById: db.prepare(`SELECT ${sweepCols} FROM sweeps WHERE id = ?`),
    sweepByPath: db.prepare(`SELECT ${sweepCols} FROM sweeps WHERE path = ?`),
    sweepByName: db.prepare(
      `SELECT ${sweepCols} FROM sweeps WHERE name = ? ORDER BY updated_at DESC, id DESC LIMIT 1`,
    ),
    listSweeps: db.prepare(`SELECT ${sweepCols} FROM sweeps
      WHERE (@state IS NULL OR state = @state) AND (@name IS NULL OR name = @name) ORDER BY name, path`),
    setState: db.prepare(`
      UPDATE sweeps SET state = @state, state_reason = @reason, next_retry_at = @next_retry_at,
        last_error = CASE WHEN @keep_error THEN last_error ELSE @last_error END, updated_at = @at
      WHERE id = @id RETURNING ${sweepCols}`),
    deleteSweep: db.prepare('DELETE FROM sweeps WHERE id = ?'),
    putRevision:
      db.prepare(`INSERT OR REPLACE INTO revisions (sweep_id, revision, manifest, synced_at, full, bytes)
      VALUES (@sweep_id, @revision, @manifest, @synced_at, @full, @bytes)`),
    latestRevision: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC LIMIT 1'),
    listRevisions: db.prepare('SELECT * FROM revisions WHERE sweep_id = ? ORDER BY revision DESC'),
    startAttempt: db.prepare('INSERT INTO attempts (sweep_id, started_at) VALUES (?, ?)'),
    attemptById: db.prepare('SELECT * FROM attempts WHERE id = ?'),
    finishAttempt: db.prepare(`UPDATE attempts SET finished_at = @finished_at, result = @result,
        bytes_uploaded = @bytes, objects_uploaded = @objects, duration_ms = @duration_ms, error = @error
      WHERE id = @id RETURNING *`),
    countFailure: db.prepare('UPDATE sweeps SET attempts = attempts + 1, last_error = @error WHERE id = @id'),
    resetFailures: db.prepare('UPDATE sweeps SET attempts = 0, last_error = NULL WHERE id = ?'),
    listAttempts: db.prepare(`SELECT * FROM attempts WHERE (@sweep_id IS NULL OR sweep_id = @sweep_id)
      ORDER BY id DESC LIMIT @limit`),
    abandonAttempts: db.prepare(`UPDATE attempts SET finished_at = @at, result = 'aborted', error = @error,
        duration_ms = MAX(0, CAST(ROUND((julianday(@at) - julianday(started_at)) * 86400000) AS INTEGER))
      WHERE finished_at IS NULL`),
    addEvent: db.prepare(`INSERT INTO events (at, sweep_id, level, kind, message, data)
      VALUES (@at, @sweep_id, @level, @kind, @message, @data)`),
    recentEvents: db.prepare(`SELECT * FROM events WHERE (@sweep_id IS NULL OR sweep_id = @sweep_id)
      ORDER BY id DESC LIMIT @limit`),
    pruneEvents: db.prepare(
      'DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ),
    fileCache: db.prepare('SELECT rel_path, size, mtime_ms, sha256 FROM file_cache WHERE sweep_path = ?'),
    clearFileCache: db.prepare('DELETE FROM file_cache WHERE sweep_path = ?'),
    putFileCache: db.prepare(
      'INSERT OR REPLACE INTO file_cache (sweep_path, rel_path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)',
    ),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    deleteSetting: db.prepare('DELETE FROM settings WHERE key = ?'),
  };
}

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
interface RevisionRow {
  sweep_id: number;
  revision: number;
  manifest: string;
  synced_at: string;
  full: number;
  bytes: number;
}
interface AttemptRow {
  id: number;
  sweep_id: number;
  started_at: string;
  finished_at: string | null;
  result: string | null;
  bytes_uploaded: number;
  objects_uploaded: number;
  duration_ms: number | null;
  error: string | null;
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
interface FileCacheRow {
  rel_path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
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

function toRevision(r: RevisionRow): JournalRevision {
  return {
    sweepId: r.sweep_id,
    revision: r.revision,
    manifest: JSON.parse(r.manifest) as RemoteManifest,
    syncedAt: r.synced_at,
    full: r.full === 1,
    bytes: r.bytes,
  };
}

function toAttempt(r: AttemptRow): JournalAttempt {
  return {
    id: r.id,
    sweepId: r.sweep_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    result: r.result as AttemptResult | null,
    bytesUploaded: r.bytes_uploaded,
    objectsUploaded: r.objects_uploaded,
    durationMs: r.duration_ms,
    error: r.error,
  };
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

function optional<R, T>(row: R | undefined, map: (r: R) => T): T | null {
  return row === undefined ? null : map(row);
}

function checkState(state: string): void {
  if (!(SWEEP_STATES as readonly string[]).includes(state)) {
    throw new SyncError(
      'usage',
      `Unknown sweep state "${state}" (expected one of ${SWEEP_STATES.join(', ')}).`,
    );
  }
}

/** SQLite's LIMIT -1 means "no limit". */
function limitOf(n: number | undefined): number {
  if (n === undefined) return -1;
  if (!Number.isInteger(n) || n < 0)
    throw new SyncError('usage', `A limit must be a whole number ≥ 0, not ${n}.`);
  return n;
}
