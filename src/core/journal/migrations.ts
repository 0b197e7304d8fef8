import type { SqliteMigration } from '../stores/sqliteDatabase.js';
import { encodedParts } from './FileCacheRepository.js';

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
  {
    version: 3,
    name: 'attempts of every kind',
    // Restore and verify attempts join the sync attempts (the history the UI and CLI show). A restore of a
    // sweep this machine never synced has no local sweep row, so sweep_id becomes nullable; SQLite can't
    // drop a NOT NULL in place, so the table is rebuilt (ids and rows kept). Nothing references attempts,
    // so dropping the old table can't break a foreign key. The name is stored with each attempt (old rows
    // get it from their sweep), and the link to the sweep is cleared rather than cascaded if the sweep row
    // ever goes: history outlives it, like events. bytes_uploaded/objects_uploaded keep their names but
    // now mean bytes/objects moved: uploaded (sync), downloaded (restore) or checked (verify).
    up: (db) => {
      db.exec(`
        CREATE TABLE attempts_v3 (
          id               INTEGER PRIMARY KEY,
          kind             TEXT NOT NULL DEFAULT 'sync' CHECK (kind IN ('sync','restore','verify')),
          sweep_id         INTEGER REFERENCES sweeps (id) ON DELETE SET NULL,
          sweep_name       TEXT NOT NULL,
          revision         INTEGER,
          -- a restore's folder
          target           TEXT,
          started_at       TEXT NOT NULL,
          finished_at      TEXT,
          result           TEXT CHECK (result IN ('synced','noop','restored','verified','failed','aborted')),
          bytes_uploaded   INTEGER NOT NULL DEFAULT 0,
          objects_uploaded INTEGER NOT NULL DEFAULT 0,
          duration_ms      INTEGER,
          error            TEXT,
          warnings         TEXT NOT NULL DEFAULT '[]'
                             CHECK (json_valid(warnings) AND json_type(warnings) = 'array')
        );
        INSERT INTO attempts_v3 (id, kind, sweep_id, sweep_name, started_at, finished_at, result,
                                 bytes_uploaded, objects_uploaded, duration_ms, error)
          SELECT a.id, 'sync', s.id, COALESCE(s.name, 'sweep #' || a.sweep_id), a.started_at, a.finished_at,
                 a.result, a.bytes_uploaded, a.objects_uploaded, a.duration_ms, a.error
          FROM attempts a LEFT JOIN sweeps s ON s.id = a.sweep_id;
        DROP TABLE attempts;
        ALTER TABLE attempts_v3 RENAME TO attempts;
        CREATE INDEX attempts_sweep ON attempts (sweep_id, id);
        CREATE INDEX attempts_sweep_name ON attempts (sweep_name, id);
      `);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0)
        throw new Error(`foreign key check failed after the rebuild: ${JSON.stringify(broken)}`);
    },
  },
  {
    version: 4,
    name: 'revision manifests in parts, the latest only',
    // A revision's manifest was one TEXT value: ~25 MB for a 119,000-file sweep, which SQLite and the
    // driver copied three times over to write (+85 MB of memory), kept for every revision though only
    // the latest is ever read. Now the manifest's UTF-8 bytes go in parts of 1 MiB (revision_manifests),
    // and recording a revision drops the parts of the sweep's older ones; the revision rows (history)
    // stay. The rebuild keeps every revision row and the latest manifest of each sweep, as one part.
    up: (db) => {
      db.exec(`
        ALTER TABLE revisions RENAME TO revisions_v3;
        CREATE TABLE revisions (
          sweep_id  INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
          revision  INTEGER NOT NULL,
          synced_at TEXT NOT NULL,
          full      INTEGER NOT NULL CHECK (full IN (0, 1)),
          bytes     INTEGER NOT NULL,
          PRIMARY KEY (sweep_id, revision)
        ) WITHOUT ROWID;
        INSERT INTO revisions (sweep_id, revision, synced_at, full, bytes)
          SELECT sweep_id, revision, synced_at, full, bytes FROM revisions_v3;
        -- the parts of a manifest, in order; concatenated they are its JSON text (UTF-8)
        CREATE TABLE revision_manifests (
          sweep_id INTEGER NOT NULL,
          revision INTEGER NOT NULL,
          part     INTEGER NOT NULL,
          utf8     BLOB NOT NULL,
          PRIMARY KEY (sweep_id, revision, part),
          FOREIGN KEY (sweep_id, revision) REFERENCES revisions (sweep_id, revision) ON DELETE CASCADE
        );
        INSERT INTO revision_manifests (sweep_id, revision, part, utf8)
          SELECT sweep_id, revision, 0, CAST(manifest AS BLOB) FROM revisions_v3 r
          WHERE revision = (SELECT MAX(revision) FROM revisions_v3 WHERE sweep_id = r.sweep_id);
        DROP TABLE revisions_v3;
      `);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0)
        throw new Error(`foreign key check failed after the rebuild: ${JSON.stringify(broken)}`);
    },
  },
  {
    version: 5,
    name: 'the hash cache in parts per sweep',
    // A row per file (file_cache) cost ~30 ms to read and 50-100 ms to replace for a sweep of 12,000
    // files, and a sync reads and replaces a sweep's entries whole: now each sweep's entries are a few
    // rows of JSON columns, PART_FILES files each (FileCacheRepository.ts). Every entry is kept, so that
    // watch mode still finds the synced sweeps unchanged after the upgrade. (encodedParts is the format
    // file_hashes holds from this step on; a change of it is a new step.)
    up: (db) => {
      db.exec(`
        CREATE TABLE file_hashes (
          sweep_path TEXT NOT NULL,
          part       INTEGER NOT NULL,
          -- {"paths": [...], "sizes": [...], "mtimes": [...], "sha256": [...]}, the same length each
          files      TEXT NOT NULL CHECK (json_valid(files)),
          PRIMARY KEY (sweep_path, part)
        );
      `);
      const put = db.prepare('INSERT INTO file_hashes (sweep_path, part, files) VALUES (?, ?, ?)');
      const sweeps = db.prepare('SELECT DISTINCT sweep_path FROM file_cache').pluck().all() as string[];
      const rows = db.prepare(
        'SELECT rel_path, size, mtime_ms, sha256 FROM file_cache WHERE sweep_path = ? ORDER BY rel_path',
      );
      for (const sweep of sweeps) {
        const entries = (
          rows.all(sweep) as Array<{ rel_path: string; size: number; mtime_ms: number; sha256: string }>
        ).map((r) => ({ path: r.rel_path, size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256 }));
        let part = 0;
        for (const json of encodedParts(entries)) put.run(sweep, part++, json);
      }
      db.exec('DROP TABLE file_cache;');
    },
  },
];
