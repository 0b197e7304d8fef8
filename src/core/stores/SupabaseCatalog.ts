import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import ws from 'ws';
import type { SweepType } from '../../shared/states.js';
import { SyncError, settingHint } from '../model/errors.js';
import type { CsvRow } from '../model/types.js';
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
import { deferredSweepWrite } from './deferredSweepWrite.js';
import {
  LISTING_COLUMNS,
  type ListingRecord,
  MIGRATION_FILE,
  oneSweep,
  type RegistryRecord,
  SCHEMA_VERSION,
  SWEEP_COLUMNS,
  type SweepRecord,
  toCatalogListing,
  toCatalogSweep,
  toCsvRow,
  toRegistryRow,
  withOwner,
  writePayload,
} from './pgCatalogRows.js';
import {
  isRowSecurityRefusal,
  missingSchemaError,
  notOwnerError,
  type PostgrestFailure,
  supabaseError,
} from './supabaseErrors.js';

export interface SupabaseCatalogConfig {
  /** The project URL, https://<ref>.supabase.co (SUPABASE_URL). */
  url: string;
  /** An API key whose role may use the catalog: the service_role key (SUPABASE_KEY). */
  key: string;
}

// ws's class is a WebSocket for realtime-js, but its typings differ from the DOM-like interface it declares.
type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']>;

// PostgREST (Supabase's default "Max rows") returns at most this many rows per request.
const PAGE_ROWS = 1000;

type Result<T> = { data: T | null; error: PostgrestFailure | null; status: number };

/**
 * The catalog in a Supabase project through its REST API (PostgREST) with supabase-js. Writes are one
 * rpc() of bilancio_sync_write_sweep — the same function PostgresCatalog calls — which PostgREST runs in
 * its own transaction; reads page through PostgREST's row limit with range().
 */
export class SupabaseCatalog implements Catalog {
  readonly description: string;
  private readonly config: SupabaseCatalogConfig;
  private readonly host: string;
  private client: SupabaseClient | null = null;
  private opening: Promise<void> | null = null;

  constructor(config: SupabaseCatalogConfig) {
    this.config = config;
    let host = '(invalid URL)';
    try {
      host = new URL(config.url).host;
    } catch {
      // reported by open()
    }
    this.host = host;
    this.description = `Supabase catalog at ${host}`;
  }

  open(): Promise<void> {
    this.opening ??= this.doOpen().catch((e: unknown) => {
      this.opening = null;
      throw e;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    const { url, key } = this.config;
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // below
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new SyncError(
        'configuration',
        'The Supabase URL is not a valid http(s) URL.',
        settingHint(
          'Use the project URL from Project Settings → API, e.g. https://abcdefgh.supabase.co.',
          'catalog.url',
        ),
      );
    }
    if (!key) {
      throw new SyncError(
        'configuration',
        'The Supabase key is empty.',
        settingHint('Set it to the service_role key.', 'catalog.key'),
      );
    }
    this.client ??= createClient(url, key, {
      // A CLI/desktop process: no browser storage, no session to keep or refresh.
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no global WebSocket; realtime is never used but the client constructs it.
      realtime: { transport: ws as unknown as RealtimeTransport },
    });
    // The first request tells apart: unreachable, bad key, no tables, older/newer schema. No retries here:
    // the engine decides when to try again.
    const res = (await this.db().from('bilancio_sync_schema').select('version').retry(false)) as Result<
      { version: number }[]
    >;
    const rows = this.check(res, 'checking the catalog schema');
    const version = rows[0]?.version ?? null;
    if (version === null) throw missingSchemaError('no schema version recorded');
    if (version > SCHEMA_VERSION) {
      throw new SyncError(
        'configuration',
        `The Supabase catalog at ${this.host} has schema version ${version}, newer than this Bilancio Sync knows (${SCHEMA_VERSION}).`,
        'Update Bilancio Sync on this machine.',
      );
    }
    if (version < SCHEMA_VERSION) {
      throw new SyncError(
        'configuration',
        `The Supabase catalog at ${this.host} has schema version ${version}; this Bilancio Sync needs ${SCHEMA_VERSION}.`,
        `Apply ${MIGRATION_FILE} with \`supabase db push\` or paste it into the SQL editor.`,
      );
    }
  }

  /** Written whole at `finish` (see deferredSweepWrite.ts). */
  beginSweepWrite(rows: SweepRowsWrite): PendingSweepWrite {
    return deferredSweepWrite(this, rows);
  }

  async writeSweep(write: CatalogSweepWrite): Promise<{ sweepId: string }> {
    await this.open();
    const res = (await this.db().rpc('bilancio_sync_write_sweep', {
      payload: writePayload(write),
    })) as Result<string>;
    if (res.error && isRowSecurityRefusal(res.error))
      throw notOwnerError(this.host, 'overwrite', write, res.error);
    const sweepId = this.check(res, `writing sweep ${write.name}`);
    if (typeof sweepId !== 'string')
      throw new SyncError('internal', `Supabase returned no id for sweep ${write.name}.`);
    return { sweepId };
  }

  async listSweeps(query: { type?: SweepType; owner?: string } & Page = {}): Promise<CatalogSweepListing[]> {
    await this.open();
    const rows = await this.paged<ListingRecord>(query, 'listing sweeps', (from, to) => {
      let q = this.db().from('sweeps').select(LISTING_COLUMNS);
      if (query.type) q = q.eq('sweep_type', query.type);
      if (query.owner !== undefined) q = q.eq('owner', query.owner);
      // SWEEP_ORDER: newest sync first, then owner, name.
      return q.order('synced_at', { ascending: false }).order('owner').order('name').range(from, to);
    });
    return rows.map(toCatalogListing);
  }

  async getSweep(name: string, owner?: string): Promise<CatalogSweep | null> {
    await this.open();
    const row = await this.findSweep<SweepRecord>(SWEEP_COLUMNS, name, owner);
    return row ? toCatalogSweep(row) : null;
  }

  async getSweepListing(name: string, owner?: string): Promise<CatalogSweepListing | null> {
    await this.open();
    const row = await this.findSweep<ListingRecord>(LISTING_COLUMNS, name, owner);
    return row ? toCatalogListing(row) : null;
  }

  async listComparisonRows(name: string, page: Page & { owner?: string } = {}): Promise<CsvRow[]> {
    paging(page);
    await this.open();
    const sweep = await this.findSweep<{ sweep_id: string; comparison_header: string[] }>(
      'sweep_id,comparison_header',
      name,
      page.owner,
    );
    if (!sweep) return [];
    const rows = await this.paged<{ original: Record<string, string | null> }>(
      page,
      `reading comparison rows of ${name}`,
      (from, to) =>
        this.db()
          .from('comparison_results')
          .select('original')
          .eq('sweep_id', sweep.sweep_id)
          .order('row_index')
          .range(from, to),
    );
    return rows.map((r) => toCsvRow(r.original, sweep.comparison_header));
  }

  async listRegistryRows(name: string, page: Page & { owner?: string } = {}): Promise<RegistryRowWrite[]> {
    paging(page);
    await this.open();
    const sweep = await this.findSweep<{ sweep_id: string }>('sweep_id', name, page.owner);
    if (!sweep) return [];
    const rows = await this.paged<RegistryRecord>(page, `reading registry rows of ${name}`, (from, to) =>
      this.db()
        .from('run_registry')
        .select('run_id,branch,status,parameters')
        .eq('sweep_id', sweep.sweep_id)
        .order('row_index')
        .range(from, to),
    );
    return rows.map(toRegistryRow);
  }

  /**
   * Deleting a missing sweep is not an error; deleting another member's is. The delete policy makes a
   * DELETE of a row the key may not change match 0 rows, which PostgREST answers as a success: the sweep
   * still being there afterwards (same id) is that refusal.
   */
  async deleteSweep(name: string, owner?: string): Promise<void> {
    await this.open();
    const sweep = await this.findSweep<{ sweep_id: string; owner: string }>('sweep_id', name, owner);
    if (!sweep) return;
    // Its comparison and registry rows go with it (ON DELETE CASCADE), in the same request/transaction.
    const res = (await this.db().from('sweeps').delete().eq('sweep_id', sweep.sweep_id)) as Result<null>;
    this.check(res, `deleting ${name}`);
    const left = (await this.db().from('sweeps').select('sweep_id').eq('sweep_id', sweep.sweep_id)) as Result<
      { sweep_id: string }[]
    >;
    if (this.check(left, `checking the delete of ${name}`).length > 0)
      throw notOwnerError(this.host, 'delete', { name, owner: sweep.owner });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.opening = null;
    await client?.removeAllChannels();
  }

  private db(): SupabaseClient {
    if (!this.client) throw new SyncError('internal', 'The Supabase catalog is not open.');
    return this.client;
  }

  /** The sweep called `name` (of `owner` when given; without one, a name of several owners is a usage error). */
  private async findSweep<T>(columns: string, name: string, owner: string | undefined): Promise<T | null> {
    let q = this.db().from('sweeps').select(withOwner(columns)).eq('name', name);
    q = owner === undefined ? q.order('owner').limit(2) : q.eq('owner', owner);
    const res = (await q) as Result<(T & { owner: string })[]>;
    return oneSweep(name, this.check(res, `finding sweep ${name}`));
  }

  /**
   * Reads `page` (all rows when no limit) in requests of at most PAGE_ROWS. A short page does not prove the
   * end — a project may set "Max rows" below 1000 — so reading stops at an empty page or at the limit.
   */
  private async paged<T>(
    page: Page,
    doing: string,
    request: (from: number, to: number) => PromiseLike<unknown>,
  ): Promise<T[]> {
    paging(page);
    const out: T[] = [];
    const limit = page.limit ?? Number.POSITIVE_INFINITY;
    let offset = page.offset ?? 0;
    while (out.length < limit) {
      const n = Math.min(PAGE_ROWS, limit - out.length);
      const rows = this.check((await request(offset, offset + n - 1)) as Result<T[]>, doing);
      if (rows.length === 0) break;
      out.push(...rows);
      offset += rows.length;
    }
    return out;
  }

  private check<T>(res: Result<T>, doing: string): T {
    if (res.error) throw supabaseError(res.error, res.status, this.host, doing);
    return res.data as T;
  }
}
