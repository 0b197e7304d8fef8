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
