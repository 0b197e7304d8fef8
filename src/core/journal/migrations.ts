import type { SqliteMigration } from '../stores/sqliteDatabase.js';

/**
 * The journal's schema, one step per released change. Never edit a shipped step: add a new one.
 * Times are ISO 8601 UTC text (sortable, readable in the sqlite3 shell); JSON is text checked by json_valid.
 */
export const JOURNAL_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'core tables',
    up: `
      CREATE TABLE sweeps (
        id            INTEGER PRIMARY KEY,
        path          TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        sweep_type    TEXT,
        state         TEXT NOT NULL CHECK (state IN
                        ('detected','waiting','queued','syncing','synced','failed','incomplete','running')),
        state_reason  TEXT,
        next_retry_at TEXT,
        -- consecutive failed attempts (for back-off); reset by a successful one
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE INDEX sweeps_name ON sweeps (name);

      CREATE TABLE revisions (
        sweep_id  INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
        revision  INTEGER NOT NULL,
        manifest  TEXT NOT NULL CHECK (json_valid(manifest)),
        synced_at TEXT NOT NULL,
        full      INTEGER NOT NULL CHECK (full IN (0, 1)),
        bytes     INTEGER NOT NULL,
        PRIMARY KEY (sweep_id, revision)
      ) WITHOUT ROWID;

      CREATE TABLE attempts (
        id               INTEGER PRIMARY KEY,
        sweep_id         INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
        started_at       TEXT NOT NULL,
        finished_at      TEXT,
        result           TEXT CHECK (result IN ('synced','noop','failed','aborted')),
        bytes_uploaded   INTEGER NOT NULL DEFAULT 0,
        objects_uploaded INTEGER NOT NULL DEFAULT 0,
        duration_ms      INTEGER,
        error            TEXT
      );
      CREATE INDEX attempts_sweep ON attempts (sweep_id, id);

      CREATE TABLE events (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        -- events outlive a forgotten sweep (history), so the link is cleared rather than cascaded
        sweep_id INTEGER REFERENCES sweeps (id) ON DELETE SET NULL,
        level    TEXT NOT NULL CHECK (level IN ('info','warning','error')),
        kind     TEXT NOT NULL,
        message  TEXT NOT NULL,
        data     TEXT CHECK (data IS NULL OR json_valid(data))
      );
      CREATE INDEX events_sweep ON events (sweep_id, id);

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'file hash cache',
    // Keyed by the sweep's path, not its id: the cache is about files on disk and is valid before the
    // sweep is ever journaled. mtime_ms is REAL: a double holds fs.Stats.mtimeMs exactly.
    up: `
      CREATE TABLE file_cache (
        sweep_path TEXT NOT NULL,
        rel_path   TEXT NOT NULL,
        size       INTEGER NOT NULL,
        mtime_ms   REAL NOT NULL,
        sha256     TEXT NOT NULL,
        PRIMARY KEY (sweep_path, rel_path)
      ) WITHOUT ROWID;
    `,
  },
];
