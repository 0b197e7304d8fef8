import type { SqliteMigration } from './sqliteDatabase.js';

/**
 * The embedded catalog's schema: the same three tables and columns as the Postgres/Supabase catalog
 * (SPEC §2), in SQLite terms.
 *
 * - SQLite has no exact NUMERIC: a column declared NUMERIC (or REAL) would turn
 *   "0.4861497874835116517660852997" into a double and "0E-28" into 0. So every typed comparison column
 *   is TEXT holding the exact decimal text Python printed; it sorts and compares as text, and
 *   CAST(col AS REAL) gives an approximate number for ad-hoc queries. The full row is kept as JSON too.
 * - jsonb becomes TEXT checked with json_valid (SQLite's JSON functions work on it).
 * - uuid becomes TEXT (crypto.randomUUID()).
 * - run_registry's key is (sweep_id, run_id), not run_id alone: a team catalog can hold two copies of one
 *   sweep (two owners, or a sweep re-synced under a new name), and their runs share run_ids. row_index
 *   keeps the registry's file order.
 * - The typed columns are spelled out (not generated from COMPARISON_COLUMNS): a shipped migration must
 *   never change; a new column in comparisonColumns.ts needs a new migration (a test checks they agree).
 */

export const CATALOG_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'sweeps, comparison_results, run_registry',
    up: `
CREATE TABLE sweeps (
  sweep_id        TEXT PRIMARY KEY,
  owner           TEXT NOT NULL,
  name            TEXT NOT NULL,
  sweep_type      TEXT NOT NULL CHECK (sweep_type IN ('balanced','dealer','ring','aggregate-only')),
  created_at      TEXT NOT NULL,
  config          TEXT CHECK (config IS NULL OR json_valid(config)),
  summary         TEXT CHECK (summary IS NULL OR json_valid(summary)),
  pairs_total     INTEGER,
  pairs_completed INTEGER,
  revision        INTEGER NOT NULL,
  manifest        TEXT NOT NULL CHECK (json_valid(manifest)),
  synced_at       TEXT NOT NULL,
  total_bytes     INTEGER NOT NULL,
  archive_bytes   INTEGER NOT NULL,
  source_host     TEXT NOT NULL,
  UNIQUE (owner, name)
);
CREATE INDEX sweeps_name ON sweeps (name);

CREATE TABLE comparison_results (
  sweep_id  TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
  row_index INTEGER NOT NULL,
  kappa                TEXT,
  concentration        TEXT,
  mu                   TEXT,
  monotonicity         TEXT,
  seed                 TEXT,
  face_value           TEXT,
  outside_mid_ratio    TEXT,
  delta_passive        TEXT,
  phi_passive          TEXT,
  passive_run_id       TEXT,
  passive_status       TEXT,
  delta_active         TEXT,
  phi_active           TEXT,
  active_run_id        TEXT,
  active_status        TEXT,
  trading_effect       TEXT,
  trading_relief_ratio TEXT,
  dealer_total_pnl     TEXT,
  dealer_total_return  TEXT,
  total_trades         TEXT,
  original  TEXT NOT NULL CHECK (json_valid(original)),
  PRIMARY KEY (sweep_id, row_index)
) WITHOUT ROWID;

CREATE TABLE run_registry (
  sweep_id   TEXT NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
  run_id     TEXT NOT NULL,
  row_index  INTEGER NOT NULL,
  branch     TEXT,
  parameters TEXT NOT NULL CHECK (json_valid(parameters)),
  status     TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (sweep_id, run_id)
) WITHOUT ROWID;
CREATE INDEX run_registry_order ON run_registry (sweep_id, row_index);
`,
  },
];
