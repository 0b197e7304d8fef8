import { expect, test } from 'vitest';
import pg from 'pg';
import { startTestPostgres } from '../support/postgres.js';
test('smoke', async () => {
  const t0 = Date.now();
  const a = await startTestPostgres();
  const t1 = Date.now();
  const b = await startTestPostgres();
  const c = new pg.Client(a.url); await c.connect();
  const r = await c.query('select current_database() db, version()'); await c.end();
  console.log(Date.now()-t0, t1-t0, r.rows[0], a.url, b.url);
  await a.stop(); await b.stop();
  expect(1).toBe(1);
});
