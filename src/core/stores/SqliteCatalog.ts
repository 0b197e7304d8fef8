import { randomUUID } from 'node:crypto';
import type { SweepType } from '../../shared/states.js';
import { SyncError } from '../model/errors.js';
import { JsonText } from '../model/JsonText.js';
import type { CsvRow, Json } from '../model/types.js';
import type {
  Catalog,
  CatalogSweep,
  CatalogSweepListing,
  CatalogSweepWrite,
  Page,
  PendingSweepWrite,
  RegistryRowWrite,
  SweepRowsWrite,
} from './Catalog.js';
import { oneSweep, paging } from './catalogRules.js';
import { COMPARISON_COLUMNS, typedComparisonValues } from './comparisonColumns.js';
import { deferredSweepWrite } from './deferredSweepWrite.js';
import { CATALOG_MIGRATIONS } from './sqliteCatalogSchema.js';
import { openSqliteDatabase, type SqliteDb, sqliteError, writeKnownJson } from './sqliteDatabase.js';

const WHAT = 'local catalog';
const RECOVERY =
  'The catalog can be rebuilt by syncing your sweeps again (their run data need not be sent again).';

/**
 * The embedded default catalog: the SPEC §2 tables in one SQLite file (WAL). Exact decimals are kept as
 * text (see sqliteCatalogSchema.ts). better-sqlite3 is synchronous; the async methods only keep the
 * Catalog interface shared with the Postgres backends.
 */
export class SqliteCatalog implements Catalog {
  readonly file: string;
  readonly description: string;
  private db: SqliteDb | undefined;
  private stmts: ReturnType<typeof prepare> | undefined;
  private readonly now: () => Date;

  constructor(file: string, options: { now?: () => Date } = {}) {
    this.file = file;
    this.description = `local catalog ${file}`;
    this.now = options.now ?? (() => new Date());
  }

  async open(): Promise<void> {
    if (this.db) return;
    // NORMAL: in WAL mode a crash never corrupts the file and a power cut can at worst lose the last
    // writes, which the next sync rewrites (writeSweep is idempotent; the journal is the durable record).
    const db = openSqliteDatabase(this.file, {
      what: WHAT,
      migrations: CATALOG_MIGRATIONS,
      synchronous: 'NORMAL',
      recovery: RECOVERY,
    });
    try {
      this.stmts = prepare(db);
    } catch (e) {
      db.close();
      throw this.error(e);
    }
    this.db = db;
  }

  /** Written whole at `finish` (see deferredSweepWrite.ts). */
  beginSweepWrite(rows: SweepRowsWrite): PendingSweepWrite {
    return deferredSweepWrite(this, rows);
  }

  async writeSweep(write: CatalogSweepWrite): Promise<{ sweepId: string }> {
    const { db, stmts } = this.ready();
    const syncedAt = write.manifest.syncedAt || this.now().toISOString();
    const rowCreatedAt = this.now().toISOString();
    const summaryText = write.summary instanceof JsonText ? write.summary : null;
    try {
      return db.transaction(() => {
        // Upsert by (owner, name): a re-sync keeps the sweep's id, so links to it stay valid.
        const { sweep_id: sweepId } = stmts.upsertSweep.get({
          sweep_id: randomUUID(),
          owner: write.owner,
          name: write.name,
          sweep_type: write.sweepType,
          created_at: write.createdAt,
          config: jsonOrNull(write.config),
          summary: summaryText ? null : jsonOrNull(write.summary as Json | null),
          pairs_total: write.pairsTotal,
          pairs_completed: write.pairsCompleted,
          revision: write.revision,
          manifest: JSON.stringify(write.manifest),
          synced_at: syncedAt,
          total_bytes: write.totalBytes,
          archive_bytes: write.archiveBytes,
          source_host: write.sourceHost,
        }) as { sweep_id: string };
        // A summary kept as text is valid JSON by construction (the summary's scanner, no deeper than the
        // 1000 levels json_valid allows), and it is the column that grows with the input: written without
        // the CHECK's parse (see writeKnownJson), as bytes cast to TEXT: no JS string of it is made.
        if (summaryText)
          writeKnownJson(
            db,
            'UPDATE sweeps SET summary = CAST(? AS TEXT) WHERE sweep_id = ?',
            summaryText.utf8,
            sweepId,
          );
        stmts.deleteComparison.run(sweepId);
        stmts.deleteRegistry.run(sweepId);
        write.comparisonRows.forEach((row, i) => {
          stmts.insertComparison.run({
            ...typedComparisonValues(row),
            sweep_id: sweepId,
            row_index: i,
            original: JSON.stringify(row),
          });
        });
        write.registryRows.forEach((r, i) => {
          stmts.insertRegistry.run({
            sweep_id: sweepId,
            run_id: r.runId,
            row_index: i,
            branch: r.branch,
            parameters: JSON.stringify(r.parameters),
            status: r.status,
            created_at: rowCreatedAt,
          });
        });
        return { sweepId };
      })();
    } catch (e) {
      throw this.error(e);
    }
  }

  /** Newest sync first (then owner, name: a total order, so pages never overlap). */
  async listSweeps(query: { type?: SweepType; owner?: string } & Page = {}): Promise<CatalogSweepListing[]> {
    const { stmts } = this.ready();
    const { limit, offset } = paging(query);
    return this.guard(() =>
      (
        stmts.listSweeps.all({
          type: query.type ?? null,
          owner: query.owner ?? null,
          limit,
          offset,
        }) as SweepRow[]
      ).map(toListing),
    );
  }

  async getSweep(name: string, owner?: string): Promise<CatalogSweep | null> {
    const { stmts } = this.ready();
    const row = this.findSweep(name, owner);
    if (!row) return null;
    const content = this.guard(() => stmts.sweepContent.get(row.sweep_id) as SweepContentRow | undefined);
    return {
      ...toListing(row),
      config: parseOrNull(content?.config ?? null),
      summary: parseOrNull(content?.summary ?? null),
    };
  }

  async getSweepListing(name: string, owner?: string): Promise<CatalogSweepListing | null> {
    const row = this.findSweep(name, owner);
    return row ? toListing(row) : null;
  }

  /** Unknown sweep → [] (as a query of the Postgres tables would give). */
  async listComparisonRows(name: string, page: Page & { owner?: string } = {}): Promise<CsvRow[]> {
    const { stmts } = this.ready();
    const { limit, offset } = paging(page);
    const sweep = this.findSweep(name, page.owner);
    if (!sweep) return [];
    return this.guard(() =>
      (stmts.listComparison.all({ sweep_id: sweep.sweep_id, limit, offset }) as { original: string }[]).map(
        (r) => JSON.parse(r.original) as CsvRow,
      ),
    );
  }

  /** In registry file order. Unknown sweep → []. */
  async listRegistryRows(name: string, page: Page & { owner?: string } = {}): Promise<RegistryRowWrite[]> {
    const { stmts } = this.ready();
    const { limit, offset } = paging(page);
    const sweep = this.findSweep(name, page.owner);
    if (!sweep) return [];
    return this.guard(() =>
      (stmts.listRegistry.all({ sweep_id: sweep.sweep_id, limit, offset }) as RegistryRow[]).map((r) => ({
        runId: r.run_id,
        branch: r.branch,
        status: r.status,
        parameters: JSON.parse(r.parameters) as CsvRow,
      })),
    );
  }

  /** Deleting a missing sweep is not an error. Rows go with it (ON DELETE CASCADE). */
  async deleteSweep(name: string, owner?: string): Promise<void> {
    const { stmts } = this.ready();
    const sweep = this.findSweep(name, owner);
    if (sweep) this.guard(() => stmts.deleteSweep.run(sweep.sweep_id));
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.stmts = undefined;
  }

  /**
   * The sweep called `name` (of `owner` when given). Without an owner a name held by several owners is
   * ambiguous: that is a usage error, never a silent pick of someone's sweep.
   */
  private findSweep(name: string, owner: string | undefined): SweepRow | null {
    const { stmts } = this.ready();
    const rows = this.guard(() =>
      owner === undefined
        ? (stmts.sweepsByName.all(name) as SweepRow[])
        : (stmts.sweepByOwnerName.all(owner, name) as SweepRow[]),
    );
    return oneSweep(name, rows);
  }

  private ready(): { db: SqliteDb; stmts: ReturnType<typeof prepare> } {
    if (!this.db || !this.stmts) {
      throw new SyncError('internal', `The ${WHAT} ${this.file} is not open (call open() first).`);
    }
    return { db: this.db, stmts: this.stmts };
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw this.error(e);
    }
  }

  private error(e: unknown): SyncError {
    return sqliteError(e, this.file, WHAT, RECOVERY);
  }
}

function prepare(db: SqliteDb) {
  const typed = COMPARISON_COLUMNS.map((c) => c.name);
  // Not config and summary: they can be any size, and only getSweep reads them (sweepContent).
  const sweepCols = `sweep_id, owner, name, sweep_type, created_at, pairs_total, pairs_completed,
    revision, synced_at, total_bytes, archive_bytes, source_host`;
  return {
    upsertSweep: db.prepare(`
      INSERT INTO sweeps (sweep_id, owner, name, sweep_type, created_at, config, summary, pairs_total,
        pairs_completed, revision, manifest, synced_at, total_bytes, archive_bytes, source_host)
      VALUES (@sweep_id, @owner, @name, @sweep_type, @created_at, @config, @summary, @pairs_total,
        @pairs_completed, @revision, @manifest, @synced_at, @total_bytes, @archive_bytes, @source_host)
      ON CONFLICT (owner, name) DO UPDATE SET sweep_type = excluded.sweep_type, created_at = excluded.created_at,
        config = excluded.config, summary = excluded.summary, pairs_total = excluded.pairs_total,
        pairs_completed = excluded.pairs_completed, revision = excluded.revision, manifest = excluded.manifest,
        synced_at = excluded.synced_at, total_bytes = excluded.total_bytes, archive_bytes = excluded.archive_bytes,
        source_host = excluded.source_host
      RETURNING sweep_id`),
    deleteComparison: db.prepare('DELETE FROM comparison_results WHERE sweep_id = ?'),
    deleteRegistry: db.prepare('DELETE FROM run_registry WHERE sweep_id = ?'),
    insertComparison: db.prepare(`
      INSERT INTO comparison_results (sweep_id, row_index, ${typed.join(', ')}, original)
      VALUES (@sweep_id, @row_index, ${typed.map((n) => `@${n}`).join(', ')}, @original)`),
    // A registry that lists one run twice (a resumed sweep re-running it) keeps the later row, at the
    // earlier row's place: one row per run, as the run_registry key demands.
    insertRegistry: db.prepare(`
      INSERT INTO run_registry (sweep_id, run_id, row_index, branch, parameters, status, created_at)
      VALUES (@sweep_id, @run_id, @row_index, @branch, @parameters, @status, @created_at)
      ON CONFLICT (sweep_id, run_id) DO UPDATE SET branch = excluded.branch, parameters = excluded.parameters,
        status = excluded.status`),
    listSweeps: db.prepare(`SELECT ${sweepCols} FROM sweeps
      WHERE (@type IS NULL OR sweep_type = @type) AND (@owner IS NULL OR owner = @owner)
      ORDER BY synced_at DESC, owner, name LIMIT @limit OFFSET @offset`),
    sweepsByName: db.prepare(`SELECT ${sweepCols} FROM sweeps WHERE name = ? ORDER BY owner LIMIT 2`),
    sweepByOwnerName: db.prepare(`SELECT ${sweepCols} FROM sweeps WHERE owner = ? AND name = ?`),
    sweepContent: db.prepare('SELECT config, summary FROM sweeps WHERE sweep_id = ?'),
    listComparison: db.prepare(`SELECT original FROM comparison_results WHERE sweep_id = @sweep_id
      ORDER BY row_index LIMIT @limit OFFSET @offset`),
    listRegistry: db.prepare(`SELECT run_id, branch, parameters, status FROM run_registry
      WHERE sweep_id = @sweep_id ORDER BY row_index LIMIT @limit OFFSET @offset`),
    deleteSweep: db.prepare('DELETE FROM sweeps WHERE sweep_id = ?'),
  };
}

interface SweepRow {
  sweep_id: string;
  owner: string;
  name: string;
  sweep_type: string;
  created_at: string;
  pairs_total: number | null;
  pairs_completed: number | null;
  revision: number;
  synced_at: string;
  total_bytes: number;
  archive_bytes: number;
  source_host: string;
}

interface SweepContentRow {
  config: string | null;
  summary: string | null;
}

interface RegistryRow {
  run_id: string;
  branch: string | null;
  parameters: string;
  status: string | null;
}

function toListing(r: SweepRow): CatalogSweepListing {
  return {
    sweepId: r.sweep_id,
    name: r.name,
    owner: r.owner,
    sweepType: r.sweep_type as SweepType,
    revision: r.revision,
    createdAt: r.created_at,
    syncedAt: r.synced_at,
    pairsTotal: r.pairs_total,
    pairsCompleted: r.pairs_completed,
    totalBytes: r.total_bytes,
    archiveBytes: r.archive_bytes,
    sourceHost: r.source_host,
  };
}

function jsonOrNull(value: Json | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

function parseOrNull(text: string | null): Json | null {
  return text === null ? null : (JSON.parse(text) as Json);
}

/** SQLite's LIMIT -1 means "all rows". */
