import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCatalog } from '../../src/core/stores/PostgresCatalog.js';
import { catalogContract } from '../stores-contract/catalogContract.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { postgresTablesContract } from './catalogContract.js';
import { balancedWrite } from './rows.js';

let db: TestPostgres;
let catalog: PostgresCatalog;
let sql: pg.Client;

beforeAll(async () => {
  db = await startTestPostgres();
  catalog = new PostgresCatalog(db.url);
  await catalog.open(); // applies the migration to the fresh database
  sql = new pg.Client(db.url);
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await catalog?.close();
  await db?.stop();
});

describe('PostgresCatalog', () => {
  catalogContract(() => catalog);
  postgresTablesContract(() => ({ catalog, sql }));

  it('applied the migration itself and opens again without changing anything', async () => {
    const { rows } = await sql.query('select version from bilancio_sync_schema');
    expect(rows).toEqual([{ version: 1 }]);
    const again = new PostgresCatalog(db.url);
    await again.open();
    await again.close();
  });
});

/** The backends of `url`'s catalogs holding a transaction open and idle (a begun sweep write). */
async function idleInTransaction(): Promise<number[]> {
  const { rows } = await sql.query<{ pid: number }>(
    "select pid from pg_stat_activity where application_name = 'bilancio-sync' and state = 'idle in transaction'",
  );
  return rows.map((r) => r.pid);
}

async function until(what: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PostgresCatalog: a sweep write begun early', () => {
  it('sends the rows in a transaction other readers do not see, and commits them at finish', async () => {
    await catalog.writeSweep(balancedWrite('staged', 2));
    const { manifest, archiveBytes, ...rows } = { ...balancedWrite('staged', 4), revision: 2 };
    const pending = catalog.beginSweepWrite(rows);
    await until(async () => (await idleInTransaction()).length === 1);
    // The server holds the new rows already; another session sees the revision before.
    const { rows: seen } = await sql.query(
      "select s.revision, count(c.*)::int as rows from sweeps s left join comparison_results c using (sweep_id) where s.name = 'staged' group by s.revision",
    );
    expect(seen).toEqual([{ revision: 1, rows: 2 }]);

    const before = Date.now();
    const { sweepId } = await pending.finish({ manifest, archiveBytes });
    expect(await idleInTransaction()).toEqual([]);
    const row = await catalog.getSweepListing('staged');
    expect(row).toMatchObject({ sweepId, revision: 2, pairsTotal: 4, archiveBytes });
    // synced_at is the commit's time, not the transaction's start (when the rows were sent).
    expect(Date.parse(row?.syncedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    const { rows: stored } = await sql.query("select manifest from sweeps where name = 'staged'");
    expect(stored[0].manifest).toEqual(JSON.parse(JSON.stringify(manifest)));
  });

  it('writes the sweep whole at finish when the server ended the transaction meanwhile', async () => {
    await catalog.writeSweep(balancedWrite('cut', 2));
    const { manifest, archiveBytes, ...rows } = { ...balancedWrite('cut', 3), revision: 2 };
    const pending = catalog.beginSweepWrite(rows);
    await until(async () => (await idleInTransaction()).length === 1);
    const [pid] = await idleInTransaction();
    await sql.query('select pg_terminate_backend($1)', [pid]);
    const { sweepId } = await pending.finish({ manifest, archiveBytes });
    expect(await catalog.getSweepListing('cut')).toMatchObject({ sweepId, revision: 2, pairsTotal: 3 });
    expect(await catalog.listComparisonRows('cut')).toEqual(rows.comparisonRows);
  });

  it('holds the transaction no longer than pendingWriteHoldMs, and then writes whole at finish', async () => {
    const short = new PostgresCatalog(db.url, { pendingWriteHoldMs: 200 });
    try {
      const { manifest, archiveBytes, ...rows } = balancedWrite('held', 3);
      const pending = short.beginSweepWrite(rows);
      await until(async () => (await idleInTransaction()).length === 1);
      await until(async () => (await idleInTransaction()).length === 0, 3000);
      expect(await catalog.getSweepListing('held')).toBeNull(); // rolled back, not committed
      const { sweepId } = await pending.finish({ manifest, archiveBytes });
      expect(await catalog.getSweepListing('held')).toMatchObject({ sweepId, revision: 1, pairsTotal: 3 });
    } finally {
      await short.close();
    }
  });
});

describe('PostgresCatalog configuration and failures', () => {
  it('says what to run when the tables are missing and it may not apply them', async () => {
    const fresh = await startTestPostgres();
    try {
      const c = new PostgresCatalog(fresh.url, { autoMigrate: false });
      const err = await c.open().catch((e: unknown) => e);
      await c.close();
      expect(err).toMatchObject({ name: 'SyncError', category: 'configuration' });
      expect((err as Error).message).toMatch(/has no Bilancio Sync tables yet/);
      expect((err as { hint: string }).hint).toMatch(
        /supabase\/migrations\/\d{14}_bilancio_sync_catalog\.sql.*psql -f/,
      );
    } finally {
      await fresh.stop();
    }
  });

  it('refuses a schema newer than it knows', async () => {
    const fresh = await startTestPostgres();
    try {
      const first = new PostgresCatalog(fresh.url);
      await first.open();
      await first.close();
      const client = new pg.Client(fresh.url);
      await client.connect();
      await client.query('update bilancio_sync_schema set version = 99');
      await client.end();
      const c = new PostgresCatalog(fresh.url);
      const err = await c.open().catch((e: unknown) => e);
      await c.close();
      expect(err).toMatchObject({ category: 'configuration' });
      expect((err as Error).message).toMatch(/schema version 99, newer than this Bilancio Sync knows \(1\)/);
    } finally {
      await fresh.stop();
    }
  });

  it('reports a wrong password as configuration, naming the setting and never the password', async () => {
    const url = new URL(db.url);
    url.password = 'definitely-wrong-pw';
    const c = new PostgresCatalog(url.toString());
    const err = await c.open().catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ name: 'SyncError', category: 'configuration' });
    const text = `${(err as Error).message} ${(err as { hint: string }).hint}`;
    expect(text).toContain(`refused user "${decodeURIComponent(url.username)}": wrong password`);
    // The setting to fix is named as a structured action (each shell words it: a variable, a field).
    expect((err as { action?: unknown }).action).toEqual({
      kind: 'fix-setting',
      settings: ['catalog.databaseUrl'],
    });
    expect(text).not.toContain('definitely-wrong-pw');
    expect(text).not.toContain(new URL(db.url).password);
  });

  it('reports an unreachable server as transient', async () => {
    const port = await closedPort();
    const c = new PostgresCatalog(`postgres://u:secret-pw@127.0.0.1:${port}/x`);
    const err = await c.open().catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ category: 'transient' });
    expect((err as Error).message).toMatch(
      new RegExp(`Can't reach the database at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect((err as Error).message).not.toContain('secret-pw');
  });

  it('reports an unknown host as transient and a bad URL as configuration', async () => {
    const c = new PostgresCatalog('postgres://u:p@no-such-host.invalid:5432/x');
    const err = await c.writeSweep(balancedWrite('x', 1)).catch((e: unknown) => e);
    await c.close();
    expect(err).toMatchObject({ category: 'transient' });
    expect((err as Error).message).toMatch(
      /Can't reach the database at no-such-host\.invalid:5432 \((ENOTFOUND|EAI_AGAIN)\)/,
    );

    const bad = new PostgresCatalog('not a url');
    await expect(bad.open()).rejects.toMatchObject({
      category: 'configuration',
      message: /BILANCIO_DATABASE_URL is not a valid URL/,
    });
  });
});

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
