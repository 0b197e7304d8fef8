/**
 * A sync to a PostgreSQL catalog sends the sweep's rows while its archives upload, in a transaction it
 * commits after them (src/core/stores/pgPendingSweepWrite.ts). What a researcher would check: a sync
 * cancelled mid-upload leaves no row of its sweep and no transaction open; the next sync writes every
 * row, once. (That the rows stay invisible until the commit: test/stores-pg/postgresCatalog.test.ts.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { tempDir } from '../watch/helpers.js';

let db: TestPostgres;
let sql: pg.Client;
let app: Awaited<ReturnType<typeof openLocalApp>>;
let work: Awaited<ReturnType<typeof tempDir>>;
let sweep: GeneratedSweep;

beforeAll(async () => {
  db = await startTestPostgres();
  sql = new pg.Client(db.url);
  await sql.connect();
  work = await tempDir('bsync-pending-catalog-');
  sweep = await generateSweep({ root: join(work.path, 'exp'), name: 'pending', type: 'balanced', pairs: 40 });
  app = await openLocalApp({ BILANCIO_DATABASE_URL: db.url });
}, 120_000);

afterAll(async () => {
  await app?.dispose();
  await sql?.end();
  await db?.stop();
  await work?.dispose();
});

async function catalogRows(name: string): Promise<{ revision: number; rows: number }[]> {
  const { rows } = await sql.query(
    `select s.revision, count(c.*)::int as rows from sweeps s left join comparison_results c using (sweep_id)
     where s.name = $1 group by s.revision`,
    [name],
  );
  return rows;
}

async function openTransactions(): Promise<number> {
  const { rows } = await sql.query(
    "select count(*)::int as n from pg_stat_activity where application_name = 'bilancio-sync' and state like 'idle in transaction%'",
  );
  return rows[0].n;
}

describe('a sync to a PostgreSQL catalog', () => {
  it('cancelled while uploading: no row of the sweep, no transaction left open; the next sync writes it once', async () => {
    const abort = new AbortController();
    const cancelled = app.engine.syncSweep(sweep.dir, {
      name: 'pending_cut',
      full: true,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.phase === 'uploading' && !abort.signal.aborted) abort.abort();
      },
    });
    await expect(cancelled).rejects.toMatchObject({ name: 'SyncError' });
    expect(await catalogRows('pending_cut')).toEqual([]);
    expect(await openTransactions()).toBe(0);

    const synced = await app.engine.syncSweep(sweep.dir, { name: 'pending_cut', full: true });
    expect(synced.result).toBe('synced');
    const csvRows =
      (await readFile(join(sweep.dir, 'aggregate', 'comparison.csv'), 'utf8')).trim().split(/\r?\n/).length -
      1;
    expect(await catalogRows('pending_cut')).toEqual([{ revision: 1, rows: csvRows }]);
    expect(await openTransactions()).toBe(0);
  }, 120_000);
});
