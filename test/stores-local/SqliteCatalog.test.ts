import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { catalogManifest, type RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import type { CsvRow } from '../../src/core/model/types.js';
import type { CatalogSweepWrite, RegistryRowWrite } from '../../src/core/stores/Catalog.js';
import { COMPARISON_COLUMNS } from '../../src/core/stores/comparisonColumns.js';
import { SqliteCatalog } from '../../src/core/stores/SqliteCatalog.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BALANCED_HEADER =
  'kappa,concentration,mu,monotonicity,seed,face_value,outside_mid_ratio,big_entity_share,delta_passive,delta_active,trading_effect,trading_relief_ratio,phi_passive,phi_active,passive_run_id,passive_status,active_run_id,active_status,dealer_total_pnl,dealer_total_return,total_trades'.split(
    ',',
  );
const DEALER_HEADER =
  'kappa,concentration,mu,monotonicity,seed,delta_control,delta_treatment,delta_reduction,relief_ratio,phi_control,phi_treatment,control_run_id,control_status,treatment_run_id,treatment_status,dealer_total_pnl,dealer_total_return,dealer_profitable,spread_income_total,mean_trader_return,fraction_profitable_traders,liquidity_driven_sales,rescue_events,total_trades,unsafe_buy_count,fraction_unsafe_buys,initial_total_debt,initial_total_money,debt_to_money_ratio,dealer_mid_final,vbt_mid_final,dealer_premium_final_pct,vbt_premium_final_pct'.split(
    ',',
  );

function hex12(i: number): string {
  return i.toString(16).padStart(12, '0');
}

function balancedRow(i: number): CsvRow {
  const row: CsvRow = {};
  for (const h of BALANCED_HEADER) row[h] = null;
  Object.assign(row, {
    kappa: '0.25',
    concentration: '1',
    mu: '0.5',
    monotonicity: '0',
    seed: String(42 + i),
    face_value: '20',
    delta_passive: i === 0 ? '0.4861497874835116517660852997' : '0.1',
    delta_active: i === 0 ? '0E-28' : '-0.05',
    trading_effect: '14999.99999999999999999999999',
    passive_run_id: `balanced_passive_${hex12(i)}`,
    passive_status: 'completed',
    active_run_id: `balanced_active_${hex12(i)}`,
    active_status: 'completed',
    total_trades: i % 7 === 0 ? 'nan' : String(i),
  });
  return row;
}

function registryRows(pairs: number): RegistryRowWrite[] {
  const rows: RegistryRowWrite[] = [];
  for (const branch of ['passive', 'active']) {
    for (let i = 0; i < pairs; i++) {
      const runId = `balanced_${branch}_${hex12(i)}`;
      rows.push({
        runId,
        branch,
        status: 'completed',
        parameters: {
          run_id: runId,
          phase: `balanced_${branch}`,
          status: 'completed',
          kappa: '0.25',
          error: null,
        },
      });
    }
  }
  return rows;
}

function manifest(name: string, revision: number): RemoteManifest {
  return {
    format: 'bilancio-sync/manifest@1',
    sweep: name,
    sweepType: 'balanced',
    revision,
    full: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    syncedAt: `2025-01-0${revision}T00:00:00.000Z`,
    sourceHost: 'laptop',
    sourcePath: `/home/u/out/experiments/${name}`,
    toolVersion: '0.1.0',
    files: [],
    objects: [],
    stats: { comparisonRows: 0, registryRows: 0, totalBytes: 0 },
    warnings: [],
  };
}

function write(name: string, pairs: number, overrides: Partial<CatalogSweepWrite> = {}): CatalogSweepWrite {
  return {
    name,
    owner: 'alice',
    sweepType: 'balanced',
    revision: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    config: { n_agents: 100, kappas: ['0.25', '0.5'] },
    summary: {
      total_pairs: pairs,
      completed_pairs: pairs,
      mean_trading_effect: '0.4861497874835116517660852997',
    },
    pairsTotal: pairs,
    pairsCompleted: pairs,
    manifest: catalogManifest(manifest(name, overrides.revision ?? 1)),
    totalBytes: 5_000_000_000,
    archiveBytes: 1_500_000_000,
    sourceHost: 'laptop',
    comparisonHeader: BALANCED_HEADER,
    comparisonRows: Array.from({ length: pairs }, (_, i) => balancedRow(i)),
    registryRows: registryRows(pairs),
    ...overrides,
  };
}

let file: string;
let catalog: SqliteCatalog;
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsync-catalog-'));
  dirs.push(dir);
  file = join(dir, 'catalog.sqlite');
  catalog = new SqliteCatalog(file);
  await catalog.open();
});
afterEach(async () => {
  await catalog.close();
});

function count(table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// What every catalog must do through the Catalog interface is the contract in
// test/stores-contract/catalogContract.ts, which catalogs.test.ts runs on SQLite; these are SQLite's own.
describe('SqliteCatalog', () => {
  it('writes a sweep idempotently: two writes leave each row once, same sweep id', async () => {
    const t0 = performance.now();
    const first = await catalog.writeSweep(write('s1', 625));
    const ms = performance.now() - t0;
    const second = await catalog.writeSweep(write('s1', 625, { revision: 2 }));
    expect(second.sweepId).toBe(first.sweepId);
    expect(first.sweepId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(count('sweeps')).toBe(1);
    expect(count('comparison_results')).toBe(625);
    expect(count('run_registry')).toBe(1250);
    expect(ms).toBeLessThan(2000);
    const sweep = await catalog.getSweep('s1');
    expect(sweep).toMatchObject({
      sweepId: first.sweepId,
      owner: 'alice',
      revision: 2,
      syncedAt: '2025-01-02T00:00:00.000Z',
      totalBytes: 5_000_000_000,
      pairsTotal: 625,
      summary: { mean_trading_effect: '0.4861497874835116517660852997' },
      config: { kappas: ['0.25', '0.5'] },
    });
  });

  it('stores the manifest as JSON (first write and upsert), its CHECK still on for every other write', async () => {
    const w = write('s1', 3);
    await catalog.writeSweep(w);
    await catalog.writeSweep({ ...w, revision: 2, manifest: catalogManifest(manifest('s1', 2)) }); // the upsert path too
    await catalog.close();
    const db = new Database(file);
    try {
      const row = db.prepare("SELECT typeof(manifest) t, manifest FROM sweeps WHERE name = 's1'").get() as {
        t: string;
        manifest: string;
      };
      expect(row.t).toBe('text');
      // The manifest without its per-file lists (the store's manifest.json has them).
      expect(JSON.parse(row.manifest)).toEqual(catalogManifest(manifest('s1', 2)));
      expect(JSON.parse(row.manifest)).not.toHaveProperty('files');
      expect(() => db.prepare("UPDATE sweeps SET manifest = 'not json' WHERE name = 's1'").run()).toThrow(
        /CHECK constraint failed/,
      );
    } finally {
      db.close();
      await catalog.open();
    }
  });

  it('keeps exact decimal text in the typed columns and the original row', async () => {
    await catalog.writeSweep(write('s1', 8));
    const rows = await catalog.listComparisonRows('s1');
    expect(rows[0]).toEqual(balancedRow(0));
    expect(rows[0]?.delta_passive).toBe('0.4861497874835116517660852997');
    expect(rows[0]?.delta_active).toBe('0E-28');
    expect(Object.keys(rows[0]!)).toEqual(BALANCED_HEADER);
    const db = new Database(file, { readonly: true });
    const typed = db
      .prepare(
        'SELECT delta_passive, delta_active, trading_effect, total_trades, typeof(delta_passive) AS t FROM comparison_results ORDER BY row_index',
      )
      .all() as Record<string, string | null>[];
    db.close();
    expect(typed[0]).toEqual({
      delta_passive: '0.4861497874835116517660852997',
      delta_active: '0E-28',
      trading_effect: '14999.99999999999999999999999',
      total_trades: null, // "nan" is no int: null in the typed column, kept in the original
      t: 'text',
    });
    expect(typed[1]?.total_trades).toBe('1');
    expect(rows[0]?.total_trades).toBe('nan');
  });

  it('keeps every column of a 33-column dealer row, mapped to the typed columns', async () => {
    const row: CsvRow = {};
    DEALER_HEADER.forEach((h, i) => {
      row[h] = `${i}.5`;
    });
    Object.assign(row, {
      control_run_id: 'comparison_control_0123456789ab',
      treatment_status: 'completed',
      dealer_profitable: 'True',
      rescue_events: null,
      dealer_premium_final_pct: '{"short": 1.0, "mid": 1.0, "long": 1.0}',
    });
    await catalog.writeSweep(
      write('d1', 0, {
        sweepType: 'dealer',
        comparisonHeader: DEALER_HEADER,
        comparisonRows: [row],
        registryRows: [],
      }),
    );
    const [back] = await catalog.listComparisonRows('d1');
    expect(back).toEqual(row);
    expect(Object.keys(back!)).toHaveLength(33);
    const db = new Database(file, { readonly: true });
    const typed = db
      .prepare('SELECT passive_run_id, delta_active, trading_effect FROM comparison_results')
      .get();
    db.close();
    expect(typed).toEqual({
      passive_run_id: 'comparison_control_0123456789ab',
      delta_active: '6.5',
      trading_effect: '7.5',
    });
    expect((await catalog.getSweep('d1'))?.sweepType).toBe('dealer');
  });

  // The contract checks the later row is the one kept; SQLite keeps it at the earlier row's place
  // (PostgreSQL's write function at the later row's).
  it('a duplicated run in a registry is kept once (the later row, at the earlier place)', async () => {
    const rows = registryRows(2);
    rows.push({ ...rows[0]!, status: 'failed' });
    await catalog.writeSweep(write('s1', 2, { registryRows: rows }));
    const back = await catalog.listRegistryRows('s1');
    expect(back).toHaveLength(4);
    expect(back[0]?.status).toBe('failed');
  });

  it('deletes a sweep with its rows; unknown sweeps read as empty', async () => {
    await catalog.writeSweep(write('s1', 5));
    await catalog.deleteSweep('s1');
    await catalog.deleteSweep('s1');
    expect(count('comparison_results')).toBe(0);
    expect(count('run_registry')).toBe(0);
    expect(await catalog.getSweep('s1')).toBeNull();
    expect(await catalog.listComparisonRows('s1')).toEqual([]);
  });

  it('survives reopening and has the typed columns of comparisonColumns.ts', async () => {
    await catalog.writeSweep(write('s1', 2));
    await catalog.close();
    await catalog.open();
    expect(await catalog.listComparisonRows('s1')).toHaveLength(2);
    const db = new Database(file, { readonly: true });
    const cols = (
      db.prepare('PRAGMA table_info(comparison_results)').all() as { name: string; type: string }[]
    ).map((c) => c.name);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    for (const c of COMPARISON_COLUMNS) expect(cols).toContain(c.name);
  });

  it('a file that is not a catalog → configuration error naming it', async () => {
    await catalog.close();
    writeFileSync(
      file,
      'this is not sqlite, just text that is long enough to look like a header '.repeat(20),
    );
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    const c = new SqliteCatalog(file);
    const e = await c.open().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SyncError);
    expect(e).toMatchObject({ category: 'configuration' });
    expect((e as SyncError).message).toContain(file);
    expect((e as SyncError).hint).toMatch(/move the file aside/);
  });

  it('using it before open() is an internal error', async () => {
    const c = new SqliteCatalog(join(tmpdir(), 'never-opened.sqlite'));
    await expect(c.listSweeps()).rejects.toMatchObject({ category: 'internal' });
  });
});
