import pg from 'pg';
import type { SweepType } from '../../shared/states.js';
import { SyncError, settingHint } from '../model/errors.js';
import { JsonText } from '../model/JsonText.js';
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
import { paging } from './catalogRules.js';
import {
  LISTING_COLUMNS,
  type ListingRecord,
  MIGRATION_FILE,
  oneSweep,
  type RegistryRecord,
  SCHEMA_VERSION,
  SWEEP_COLUMNS,
  SWEEP_ORDER,
  type SweepRecord,
  toCatalogListing,
  toCatalogSweep,
  toCsvRow,
  toRegistryRow,
  withOwner,
  writePayload,
} from './pgCatalogRows.js';
import { type PgTarget, pgError } from './pgErrors.js';
import { MIGRATION_SQL } from './pgMigrationSql.js';
import { HOLD_MS, PgPendingSweepWrite } from './pgPendingSweepWrite.js';

export interface PostgresCatalogOptions {
  /** Apply the migration when the tables are missing or older (default true: a direct URL can). */
  autoMigrate?: boolean;
  /** Connections kept open (default 3: one sync writes with one, the browser reads with another). */
  poolSize?: number;
  /** How long to wait for a connection before calling the server unreachable (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a begun sweep write holds its transaction (default HOLD_MS, pgPendingSweepWrite.ts). */
  pendingWriteHoldMs?: number;
}

/**
 * The catalog in any PostgreSQL reached by a direct URL (BILANCIO_DATABASE_URL), including a Supabase
 * project's own connection string. Writes go through bilancio_sync_write_sweep, as SupabaseCatalog's do.
 */
export class PostgresCatalog implements Catalog {
  readonly description: string;
  private readonly url: string;
  private readonly target: PgTarget;
  private readonly options: Required<PostgresCatalogOptions>;
  private pool: pg.Pool | null = null;
  private opening: Promise<void> | null = null;

  constructor(url: string, options: PostgresCatalogOptions = {}) {
    this.url = url;
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported by open(), which can throw a SyncError
    }
    this.target = {
      host: parsed ? `${parsed.hostname}:${parsed.port || '5432'}` : '(invalid URL)',
      user: parsed ? decodeURIComponent(parsed.username) : '',
      database: parsed ? decodeURIComponent(parsed.pathname.slice(1)) : '',
    };
    this.description = `PostgreSQL catalog at ${this.target.host}/${this.target.database}`;
    this.options = {
      autoMigrate: options.autoMigrate ?? true,
      poolSize: options.poolSize ?? 3,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      pendingWriteHoldMs: options.pendingWriteHoldMs ?? HOLD_MS,
    };
  }

  open(): Promise<void> {
    // A failed open can be retried (e.g. after the server comes back).
    this.opening ??= this.doOpen().catch((e: unknown) => {
      this.opening = null;
      throw e;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(this.url);
    } catch {
      throw new SyncError(
        'configuration',
        'The PostgreSQL URL of the catalog is not a valid URL.',
        settingHint('Use the form postgres://user:password@host:5432/database.', 'catalog.databaseUrl'),
      );
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new SyncError(
        'configuration',
        `The PostgreSQL URL of the catalog must start with postgres:// (it starts with ${parsed.protocol}//).`,
        settingHint('Use the form postgres://user:password@host:5432/database.', 'catalog.databaseUrl'),
      );
    }
    if (!this.pool) {
      this.pool = new pg.Pool({
        connectionString: this.url,
        max: this.options.poolSize,
        connectionTimeoutMillis: this.options.connectTimeoutMs,
        idleTimeoutMillis: 10_000,
        application_name: 'bilancio-sync',
      });
      // An idle connection dropped by the server must not crash the app; the next query reconnects.
      this.pool.on('error', () => undefined);
    }
    const client = await this.pool.connect().catch((e: unknown) => {
      throw pgError(e, this.target, 'connecting');
    });
    try {
      const version = await readSchemaVersion(client);
      if (version !== null && version > SCHEMA_VERSION) {
        throw new SyncError(
          'configuration',
          `The catalog at ${this.target.host} has schema version ${version}, newer than this Bilancio Sync knows (${SCHEMA_VERSION}).`,
          'Update Bilancio Sync on this machine.',
        );
      }
      if (version === SCHEMA_VERSION) return;
      if (!this.options.autoMigrate) {
        throw new SyncError(
          'configuration',
          version === null
            ? `The database at ${this.target.host} has no Bilancio Sync tables yet.`
            : `The catalog at ${this.target.host} has schema version ${version}; this Bilancio Sync needs ${SCHEMA_VERSION}.`,
          `Apply ${MIGRATION_FILE} to the database with psql -f (or "supabase db push"), as the database owner.`,
        );
      }
      await client.query('begin');
      try {
        await client.query(MIGRATION_SQL);
        await client.query('commit');
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        throw e;
      }
    } catch (e) {
      throw pgError(e, this.target, 'checking the catalog schema');
    } finally {
      client.release();
    }
  }

  async writeSweep(write: CatalogSweepWrite): Promise<{ sweepId: string }> {
    const { text, values } = this.writeStatement(write);
    const { rows } = await this.query<{ sweep_id: string }>(text, values, `writing sweep ${write.name}`);
    const sweepId = rows[0]?.sweep_id;
    if (!sweepId) throw new SyncError('internal', `The catalog returned no id for sweep ${write.name}.`);
    return { sweepId };
  }

  /** The rows go to the server at once, in a transaction `finish` commits (pgPendingSweepWrite.ts). */
  beginSweepWrite(rows: SweepRowsWrite): PendingSweepWrite {
    return new PgPendingSweepWrite(
      {
        connect: async () => {
          await this.open();
          if (!this.pool) throw new SyncError('internal', 'The Postgres catalog was closed.');
          return this.pool.connect();
        },
        statement: (write) => this.writeStatement(write),
        writeWhole: (write) => this.writeSweep(write),
        holdMs: this.options.pendingWriteHoldMs,
      },
      rows,
    );
  }

  /**
   * One statement = one transaction: the function upserts the sweep and replaces its rows, or fails whole.
   * A summary kept as text (src/core/sweep/jsonBytes.ts: NUL-free, like every write here) goes as bytes
   * of its own, merged into the payload by the server: no JS string or tree of it is made here.
   */
  private writeStatement(write: CatalogSweepWrite): { text: string; values: unknown[] } {
    const summary = write.summary instanceof JsonText ? write.summary : null;
    const payload = JSON.stringify(writePayload(write, { summary: summary !== null }));
    const values: unknown[] = [payload];
    const merged = summary
      ? ` || jsonb_build_object('summary', convert_from($${values.push(summary.utf8)}::bytea, 'UTF8')::jsonb)`
      : '';
    return { text: `select public.bilancio_sync_write_sweep($1::jsonb${merged}) as sweep_id`, values };
  }

  async listSweeps(query: { type?: SweepType; owner?: string } & Page = {}): Promise<CatalogSweepListing[]> {
    paging(query);
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.type) where.push(`sweep_type = $${params.push(query.type)}`);
    if (query.owner !== undefined) where.push(`owner = $${params.push(query.owner)}`);
    const { rows } = await this.query<ListingRecord>(
      `select ${LISTING_COLUMNS} from public.sweeps ${where.length ? `where ${where.join(' and ')}` : ''}
       order by ${SWEEP_ORDER} limit $${params.push(query.limit ?? null)} offset $${params.push(query.offset ?? 0)}`,
      params,
      'listing sweeps',
    );
    return rows.map(toCatalogListing);
  }

  async getSweep(name: string, owner?: string): Promise<CatalogSweep | null> {
    const row = await this.findSweep<SweepRecord>(SWEEP_COLUMNS, name, owner);
    return row ? toCatalogSweep(row) : null;
  }

  async getSweepListing(name: string, owner?: string): Promise<CatalogSweepListing | null> {
    const row = await this.findSweep<ListingRecord>(LISTING_COLUMNS, name, owner);
    return row ? toCatalogListing(row) : null;
  }

  async listComparisonRows(name: string, page: Page & { owner?: string } = {}) {
    paging(page);
    const sweep = await this.findSweep<{ sweep_id: string; comparison_header: string[] }>(
      'sweep_id,comparison_header',
      name,
      page.owner,
    );
    if (!sweep) return [];
    const { rows } = await this.query<{ original: Record<string, string | null> }>(
      `select original from public.comparison_results where sweep_id = $1
       order by row_index limit $2 offset $3`,
      [sweep.sweep_id, page.limit ?? null, page.offset ?? 0],
      `reading comparison rows of ${name}`,
    );
    return rows.map((r) => toCsvRow(r.original, sweep.comparison_header));
  }

  async listRegistryRows(name: string, page: Page & { owner?: string } = {}): Promise<RegistryRowWrite[]> {
    paging(page);
    const sweep = await this.findSweep<{ sweep_id: string }>('sweep_id', name, page.owner);
    if (!sweep) return [];
    const { rows } = await this.query<RegistryRecord>(
      `select run_id, branch, status, parameters from public.run_registry where sweep_id = $1
       order by row_index limit $2 offset $3`,
      [sweep.sweep_id, page.limit ?? null, page.offset ?? 0],
      `reading registry rows of ${name}`,
    );
    return rows.map(toRegistryRow);
  }

  /** Deleting a missing sweep is not an error. */
  async deleteSweep(name: string, owner?: string): Promise<void> {
    const sweep = await this.findSweep<{ sweep_id: string }>('sweep_id', name, owner);
    if (!sweep) return;
    // comparison_results and run_registry rows go with it (ON DELETE CASCADE).
    await this.query('delete from public.sweeps where sweep_id = $1', [sweep.sweep_id], `deleting ${name}`);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.opening = null;
    await pool?.end();
  }

  /** The sweep called `name` (of `owner` when given; without one, a name of several owners is a usage error). */
  private async findSweep<T extends pg.QueryResultRow>(
    columns: string,
    name: string,
    owner: string | undefined,
  ): Promise<T | null> {
    const { rows } =
      owner === undefined
        ? await this.query<T & { owner: string }>(
            `select ${withOwner(columns)} from public.sweeps where name = $1 order by owner limit 2`,
            [name],
            `finding sweep ${name}`,
          )
        : await this.query<T & { owner: string }>(
            `select ${withOwner(columns)} from public.sweeps where name = $1 and owner = $2`,
            [name, owner],
            `finding sweep ${name}`,
          );
    return oneSweep(name, rows);
  }

  private async query<T extends pg.QueryResultRow>(
    sql: string,
    params: unknown[],
    doing: string,
  ): Promise<pg.QueryResult<T>> {
    await this.open();
    const pool = this.pool;
    if (!pool) throw new SyncError('internal', 'The Postgres catalog was closed.');
    try {
      return await pool.query<T>(sql, params);
    } catch (e) {
      throw pgError(e, this.target, doing);
    }
  }
}

async function readSchemaVersion(client: pg.PoolClient): Promise<number | null> {
  const { rows } = await client.query<{ present: boolean }>(
    "select to_regclass('public.bilancio_sync_schema') is not null as present",
  );
  if (!rows[0]?.present) return null;
  const v = await client.query<{ version: number }>(
    'select version from public.bilancio_sync_schema where id',
  );
  return v.rows[0]?.version ?? null;
}
