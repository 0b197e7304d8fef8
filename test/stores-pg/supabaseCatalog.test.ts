/**
 * SupabaseCatalog through real supabase-js and real HTTP against the PostgREST test double (PostgREST
 * itself can't be installed here), which runs every request on the real test PostgreSQL as the key's role.
 */

import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncError } from '../../src/core/model/errors.js';
import { PostgresCatalog } from '../../src/core/stores/PostgresCatalog.js';
import { SupabaseCatalog } from '../../src/core/stores/SupabaseCatalog.js';
import { catalogContract } from '../stores-contract/catalogContract.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { ensureSupabaseRoles } from '../support/postgrest/roles.js';
import { type PostgrestDouble, startPostgrestDouble } from '../support/postgrest/server.js';
import { postgresTablesContract } from './catalogContract.js';
import { balancedWrite } from './rows.js';

const SERVICE_KEY = 'test-service-role-key';
const ANON_KEY = 'test-anon-key';

let db: TestPostgres;
let api: PostgrestDouble;
let catalog: SupabaseCatalog;
let sql: pg.Client;

beforeAll(async () => {
  db = await startTestPostgres();
  await ensureSupabaseRoles(db.url); // before the migration, so its grants and policies name them
  const migrate = new PostgresCatalog(db.url);
  await migrate.open();
  await migrate.close();
  api = await startPostgrestDouble({
    databaseUrl: db.url,
    keys: { [SERVICE_KEY]: 'service_role', [ANON_KEY]: 'anon' },
  });
  catalog = new SupabaseCatalog({ url: api.url, key: SERVICE_KEY });
  await catalog.open();
  sql = new pg.Client(db.url);
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await catalog?.close();
  await api?.close();
  await db?.stop();
});

describe('SupabaseCatalog', () => {
  catalogContract(() => catalog);
  postgresTablesContract(() => ({ catalog, sql }));

  it('writes with one rpc call and pages reads through the 1000-row limit', async () => {
    const write = balancedWrite('big', 2500);
    const before = api.log.length;
    await catalog.writeSweep(write);
    const writes = api.log.slice(before);
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /rest/v1/rpc/bilancio_sync_write_sweep',
    ]);
    const { rows } = await sql.query(
      "select count(*)::int as n from comparison_results join sweeps using (sweep_id) where name = 'big'",
    );
    expect(rows[0].n).toBe(2500);

    const start = api.log.length;
    const back = await catalog.listComparisonRows('big');
    expect(back).toHaveLength(2500);
    expect(back).toEqual(write.comparisonRows);
    const pages = api.log.slice(start).filter((r) => r.path.startsWith('/rest/v1/comparison_results'));
    expect(pages.map((p) => p.rows)).toEqual([1000, 1000, 500, 0]);

    // A window across page boundaries, and the registry's 5,000 rows.
    expect(await catalog.listComparisonRows('big', { offset: 900, limit: 1200 })).toEqual(
      write.comparisonRows.slice(900, 2100),
    );
    expect(await catalog.listRegistryRows('big')).toEqual(write.registryRows);
  });

  it('is refused by the anon key, which the catalog gives no access', async () => {
    const anon = new SupabaseCatalog({ url: api.url, key: ANON_KEY });
    const err = await anon.open().catch((e: unknown) => e);
    await anon.close();
    expect(err).toMatchObject({ name: 'SyncError', category: 'configuration' });
    expect((err as Error).message).toMatch(/may not use the Bilancio Sync tables.*anon key/);
    expect((err as Error).message).not.toContain(ANON_KEY);
    // Not even the write function through rpc (RLS + grants, not the client, decide).
    const res = await fetch(`${api.url}/rest/v1/rpc/bilancio_sync_write_sweep`, {
      method: 'POST',
      headers: { apikey: ANON_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ payload: {} }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: '42501' });
  });
});

describe('SupabaseCatalog configuration and failures', () => {
  it('reports a wrong key as configuration pointing at the key setting, never the key', async () => {
    const c = new SupabaseCatalog({ url: api.url, key: 'wrong-key-123' });
    const err = await c.open().catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ name: 'SyncError', category: 'configuration' });
    const text = `${(err as Error).message} ${(err as { hint: string }).hint}`;
    expect(text).toMatch(/rejected the API key \(Invalid API key\)/);
    expect((err as SyncError).action).toEqual({ kind: 'fix-setting', settings: ['catalog.key'] });
    expect(text).not.toContain('wrong-key-123');
  });

  it('reports an unreachable project as transient, quickly', async () => {
    const port = await closedPort();
    const c = new SupabaseCatalog({ url: `http://127.0.0.1:${port}`, key: SERVICE_KEY });
    const started = Date.now();
    const err = await c.open().catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ category: 'transient' });
    expect((err as Error).message).toMatch(
      new RegExp(`Can't reach Supabase at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect(Date.now() - started).toBeLessThan(3000); // no silent retry loop in open()
  });

  it('says how to apply the migration when the project has no tables', async () => {
    const fresh = await startTestPostgres();
    const bare = await startPostgrestDouble({
      databaseUrl: fresh.url,
      keys: { [SERVICE_KEY]: 'service_role' },
    });
    try {
      const c = new SupabaseCatalog({ url: bare.url, key: SERVICE_KEY });
      const err = await c.open().catch((e: unknown) => e);
      await c.close();
      expect(err).toMatchObject({ category: 'configuration' });
      expect((err as Error).message).toMatch(/^The Supabase project has no Bilancio Sync tables yet/);
      expect((err as { hint: string }).hint).toMatch(
        /Apply supabase\/migrations\/\d{14}_bilancio_sync_catalog\.sql with `supabase db push` or paste it into the SQL editor/,
      );
      expect(bare.log[0]).toMatchObject({ status: 404 });
    } finally {
      await bare.close();
      await fresh.stop();
    }
  });

  it('tells a URL that is not a Supabase project from missing tables', async () => {
    const c = new SupabaseCatalog({ url: `${api.url}/some/path`, key: SERVICE_KEY });
    const err = await c.open().catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ category: 'configuration' });
    expect((err as Error).message).toMatch(/the Supabase URL does not look like a Supabase project URL/);
  });

  it('reports a bad URL as configuration', async () => {
    await expect(new SupabaseCatalog({ url: 'nope', key: SERVICE_KEY }).open()).rejects.toMatchObject({
      category: 'configuration',
      message: /SUPABASE_URL is not a valid/,
    });
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
