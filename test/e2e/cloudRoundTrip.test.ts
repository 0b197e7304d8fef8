import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/core/engine/manifestIO.js';
import { manifestKey } from '../../src/core/model/keys.js';
import { catalogManifest } from '../../src/core/model/RemoteManifest.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import type { SweepType } from '../../src/shared/states.js';
import { generateSweep } from '../fixtures/generator.js';
import { openCloudApp } from '../support/cloudApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { ensureSupabaseRoles } from '../support/postgrest/roles.js';
import { type PostgrestDouble, startPostgrestDouble } from '../support/postgrest/server.js';
import { openMultipartUploads, startTestS3, type TestS3 } from '../support/s3.js';
import { hashTree } from '../support/tree.js';

const run = promisify(execFile);
const LAYOUTS: SweepType[] = ['balanced', 'dealer', 'ring', 'aggregate-only'];

async function firstRow(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows[0];
  } finally {
    await client.end();
  }
}
async function count(url: string, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await firstRow(url, sql, params)).n);
}

/** Put a 28-digit decimal and 0E-28 into the first comparison row, as bilancio prints them. */
async function plantDecimals(sweepDir: string): Promise<string> {
  const csv = join(sweepDir, 'aggregate', 'comparison.csv');
  const [header, first, ...rest] = (await readFile(csv, 'utf8')).split('\r\n');
  const cols = header!.split(',');
  const cells = first!.split(',');
  cells[cols.indexOf('kappa')] = '0.4861497874835116517660852997';
  cells[cols.indexOf('mu')] = '14999.99999999999999999999999';
  const delta = cols.includes('delta_passive') ? 'delta_passive' : 'delta_control';
  cells[cols.indexOf(delta)] = '0E-28';
  await writeFile(csv, [header, cells.join(','), ...rest].join('\r\n'));
  return delta;
}

describe.each(['postgres', 'supabase'] as const)('round trip through S3 + %s', (catalogKind) => {
  let s3: TestS3;
  let db: TestPostgres;
  let postgrest: PostgrestDouble | null = null;
  let app: Awaited<ReturnType<typeof openCloudApp>>;
  let work: string;

  beforeAll(async () => {
    [s3, db] = await Promise.all([startTestS3(), startTestPostgres()]);
    work = await mkdtemp(join(tmpdir(), `bsync-cloud-${catalogKind}-`));
    if (catalogKind === 'postgres') {
      app = await openCloudApp(s3, { BILANCIO_DATABASE_URL: db.url });
    } else {
      // A Supabase project has its API roles; the migration is applied the way the README says
      // (here by the direct-URL catalog, which applies the same migration file), then supabase-js talks
      // to the PostgREST-protocol test server in front of the same database.
      await ensureSupabaseRoles(db.url);
      const migrator = await openCloudApp(s3, { BILANCIO_DATABASE_URL: db.url });
      await migrator.dispose();
      postgrest = await startPostgrestDouble({
        databaseUrl: db.url,
        keys: { 'test-service-key': 'service_role' },
      });
      app = await openCloudApp(s3, { SUPABASE_URL: postgrest.url, SUPABASE_KEY: 'test-service-key' });
    }
  });
  afterAll(async () => {
    await app?.dispose();
    await postgrest?.close();
    await Promise.allSettled([s3?.stop(), db?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it.each(LAYOUTS)('%s: restored bytes identical, rows exactly once after two syncs', async (type) => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: `${type}_cloud`,
      type,
      pairs: 3,
      extras: true,
    });
    const deltaColumn = type === 'ring' ? null : await plantDecimals(sweep.dir);
    const before = await hashTree(sweep.dir);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('synced');
    const second = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(second).toMatchObject({ result: 'noop', objectsUploaded: 0, bytesUploaded: 0 });

    const sweepRows = await count(db.url, 'select count(*) n from sweeps where name = $1', [sweep.name]);
    expect(sweepRows).toBe(1);
    // The row's manifest is the store's manifest.json without its per-file lists, counted instead.
    const stored = (await readManifest(app.store, manifestKey(sweep.name)))!;
    const row = await firstRow(db.url, 'select manifest from sweeps where name = $1', [sweep.name]);
    expect(row.manifest).toEqual(catalogManifest(stored));
    expect(row.manifest).toMatchObject({ fileCount: stored.files.length, revision: 1 });
    expect(row.manifest).not.toHaveProperty('files');
    if (type !== 'ring') {
      const rows = await count(
        db.url,
        'select count(*) n from comparison_results c join sweeps s using (sweep_id) where s.name = $1',
        [sweep.name],
      );
      expect(rows).toBe(3);
      const exact = await count(
        db.url,
        `select count(*) n from comparison_results c join sweeps s using (sweep_id)
         where s.name = $1 and c.kappa = '0.4861497874835116517660852997'::numeric
           and c.mu = '14999.99999999999999999999999'::numeric and c.delta_passive = '0E-28'::numeric
           and c.original->>'kappa' = '0.4861497874835116517660852997' and c.original->>'${deltaColumn}' = '0E-28'`,
        [sweep.name],
      );
      expect(exact).toBe(1);
    }
    const registry = await count(
      db.url,
      'select count(*) n from run_registry r join sweeps s using (sweep_id) where s.name = $1',
      [sweep.name],
    );
    if (type !== 'aggregate-only') expect(registry).toBeGreaterThan(0);

    await rm(sweep.dir, { recursive: true });
    const out = join(work, 'restored', sweep.name);
    await restoreSweep(app.store, sweep.name, out);
    expect(await hashTree(out)).toEqual(before);
    expect((await verifyRemote(app.store, sweep.name, { deep: true })).problems).toEqual([]);
    expect(await openMultipartUploads(s3)).toEqual([]);
  });

  it('objects follow the SPEC layout and archives open with GNU tar', async () => {
    const sweep = await generateSweep({
      root: join(work, 'layout'),
      name: 'layout_check',
      type: 'balanced',
      pairs: 2,
    });
    await app.engine.syncSweep(sweep.dir, { full: true });
    const keys: string[] = [];
    for await (const o of app.store.list('layout_check/')) keys.push(o.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'layout_check/aggregate/comparison.csv',
        'layout_check/aggregate/summary.json',
        'layout_check/passive.tar.gz',
        'layout_check/active.tar.gz',
        'layout_check/manifest.json',
      ]),
    );
    const dest = join(work, 'gnu-tar');
    await mkdir(dest, { recursive: true });
    for (const branch of ['passive', 'active']) {
      const file = join(dest, `${branch}.tar.gz`);
      await pipeline(await app.store.get(`layout_check/${branch}.tar.gz`), createWriteStream(file));
      await run('tar', ['-xzf', file, '-C', dest]);
      await rm(file);
    }
    await run('cp', ['-r', join(sweep.dir, 'aggregate'), dest]);
    for (const entry of (await run('ls', [sweep.dir])).stdout.trim().split('\n')) {
      if (!['passive', 'active', 'aggregate'].includes(entry))
        await run('cp', ['-r', join(sweep.dir, entry), dest]);
    }
    expect(await hashTree(dest)).toEqual(await hashTree(sweep.dir));
  });
});
