/**
 * The behaviour both Postgres-backed catalogs must share (Catalog.ts), checked against the real tables
 * with SQL over a separate pg connection.
 */
import type pg from 'pg';
import { expect, it } from 'vitest';
import type { Catalog } from '../../src/core/stores/Catalog.js';
import {
  ALMOST_15000,
  BALANCED_HEADER,
  balancedWrite,
  DEALER_HEADER,
  dealerWrite,
  KAPPA_28,
} from './rows.js';

export interface ContractContext {
  catalog: Catalog;
  /** A direct connection (as the table owner) to look at what was stored. */
  sql: pg.Client;
}

export function catalogContract(ctx: () => ContractContext): void {
  async function count(table: string, name: string): Promise<number> {
    const { rows } = await ctx().sql.query(
      `select count(*)::int as n from public.${table} t join public.sweeps s using (sweep_id) where s.name = $1`,
      [name],
    );
    return rows[0].n;
  }

  it('writes a sweep twice and keeps exactly one copy of its rows', async () => {
    const { catalog } = ctx();
    const write = balancedWrite('twice', 7);
    const first = await catalog.writeSweep(write);
    const second = await catalog.writeSweep({ ...write, revision: 2 });
    expect(second.sweepId).toBe(first.sweepId);
    expect(await count('comparison_results', 'twice')).toBe(7);
    expect(await count('run_registry', 'twice')).toBe(14);
    const { rows } = await ctx().sql.query(
      "select count(*)::int as n, max(revision) as r from sweeps where name = 'twice'",
    );
    expect(rows[0]).toEqual({ n: 1, r: 2 });

    // A later revision with fewer rows replaces the rows (a lossy resume is the engine's business).
    await catalog.writeSweep({ ...write, revision: 3, comparisonRows: write.comparisonRows.slice(0, 2) });
    expect(await count('comparison_results', 'twice')).toBe(2);
  });

  it('stores decimals exactly as NUMERIC and keeps the original text', async () => {
    const { catalog, sql } = ctx();
    await catalog.writeSweep(balancedWrite('exact', 3));
    const { rows } = await sql.query(
      `select c.row_index,
              c.kappa = '0.4861497874835116517660852997'::numeric as kappa_exact,
              c.kappa = 0 and c.kappa::text = '0.0000000000000000000000000000' as zero_exact,
              c.mu = '14999.99999999999999999999999'::numeric as mu_exact,
              c.dealer_total_return::text as dtr, c.trading_effect::text as te,
              c.trading_relief_ratio as trr, c.seed, c.total_trades,
              c.original ->> 'kappa' as kappa_text, c.original ->> 'mu' as mu_text,
              c.original -> 'big_entity_share' as bes
       from comparison_results c join sweeps s using (sweep_id) where s.name = 'exact' order by row_index`,
    );
    expect(rows[0]).toMatchObject({
      zero_exact: true,
      kappa_text: '0E-28',
      dtr: '0.0000000000000000000000000000',
    });
    expect(rows[0].te).toBe('0.00000015'); // Python's 1.5e-07, exactly
    expect(rows[0].trr).toBeNull(); // "nan" is not a NUMERIC value: null typed, text kept
    expect(rows[1]).toMatchObject({
      kappa_exact: true,
      mu_exact: true,
      kappa_text: KAPPA_28,
      mu_text: ALMOST_15000,
    });
    expect(rows[1].bes).toEqual(null); // an empty cell is JSON null
    expect(rows[2]).toMatchObject({ seed: '1002', total_trades: '6' });

    const back = await catalog.listComparisonRows('exact');
    expect(back).toEqual(balancedWrite('exact', 3).comparisonRows);
    expect(Object.keys(back[0] ?? {})).toEqual(BALANCED_HEADER); // CSV column order, not jsonb's
  });

  it('keeps all 33 columns of a dealer comparison and maps them to the typed columns', async () => {
    const { catalog, sql } = ctx();
    const write = dealerWrite('dealer33', 4);
    await catalog.writeSweep(write);
    const back = await catalog.listComparisonRows('dealer33');
    expect(back).toEqual(write.comparisonRows);
    expect(Object.keys(back[3] ?? {})).toEqual(DEALER_HEADER);
    const { rows } = await sql.query(
      `select jsonb_object_keys_count, delta_passive::text, delta_active::text, trading_effect = $1::numeric as te,
              trading_relief_ratio::text as rr, passive_run_id, active_status,
              original ->> 'vbt_premium_final_pct' as vbt
       from (select *, (select count(*) from jsonb_object_keys(original))::int as jsonb_object_keys_count
             from comparison_results) c join sweeps s using (sweep_id)
       where s.name = 'dealer33' and row_index = 3`,
      [ALMOST_15000],
    );
    expect(rows[0]).toEqual({
      jsonb_object_keys_count: 33,
      delta_passive: '0.25',
      delta_active: '0.125',
      te: true,
      rr: '0.0000000000000000000000000000',
      passive_run_id: 'comparison_control_000000000003',
      active_status: 'completed',
      vbt: '{"short": 0E-28, "mid": 0, "long": -1.5}',
    });
  });

  it('reads the sweep, its registry rows and pages of rows', async () => {
    const { catalog } = ctx();
    const write = balancedWrite('browse', 12);
    const { sweepId } = await catalog.writeSweep(write);
    const sweep = await catalog.getSweep('browse');
    expect(sweep).toMatchObject({
      sweepId,
      name: 'browse',
      owner: 'alice@laptop',
      sweepType: 'balanced',
      revision: 1,
      createdAt: '2026-01-02T03:04:05.000Z',
      config: write.config,
      summary: write.summary,
      pairsTotal: 12,
      pairsCompleted: 12,
      totalBytes: 5_000_000_000,
      archiveBytes: 1_234_567,
      sourceHost: 'laptop',
    });
    expect(Number.isNaN(Date.parse(sweep?.syncedAt ?? ''))).toBe(false);
    expect(await catalog.getSweep('no-such-sweep')).toBeNull();

    expect(await catalog.listRegistryRows('browse')).toEqual(write.registryRows);
    const page = await catalog.listComparisonRows('browse', { offset: 5, limit: 4 });
    expect(page).toEqual(write.comparisonRows.slice(5, 9));
    expect(await catalog.listRegistryRows('browse', { offset: 20, limit: 10 })).toEqual(
      write.registryRows.slice(20),
    );
    expect(await catalog.listComparisonRows('no-such-sweep')).toEqual([]);
  });

  it('keeps two owners’ sweeps of one name apart, filters and deletes', async () => {
    const { catalog } = ctx();
    await catalog.writeSweep(balancedWrite('shared', 2, 'alice@laptop'));
    await catalog.writeSweep({
      ...balancedWrite('shared', 3, 'bob@workstation'),
      sweepType: 'aggregate-only',
    });
    expect((await catalog.getSweep('shared', 'bob@workstation'))?.owner).toBe('bob@workstation');
    expect(await catalog.listComparisonRows('shared', { owner: 'alice@laptop' })).toHaveLength(2);
    // The run ids are the same in both copies: the registry key includes the sweep.
    expect(await catalog.listRegistryRows('shared', { owner: 'bob@workstation' })).toHaveLength(6);

    const bobs = await catalog.listSweeps({ owner: 'bob@workstation' });
    expect(bobs.map((s) => s.name)).toEqual(['shared']);
    expect((await catalog.listSweeps({ type: 'aggregate-only' })).map((s) => s.owner)).toEqual([
      'bob@workstation',
    ]);
    const all = await catalog.listSweeps();
    // Newest sync first: bob synced after alice.
    expect(all.filter((s) => s.name === 'shared').map((s) => s.owner)).toEqual([
      'bob@workstation',
      'alice@laptop',
    ]);
    const synced = all.map((s) => s.syncedAt);
    expect(synced).toEqual([...synced].sort().reverse());
    expect(await catalog.listSweeps({ limit: 1, offset: 1 })).toEqual(all.slice(1, 2));

    // Without an owner a shared name is ambiguous: never a silent pick of someone's sweep.
    await expect(catalog.getSweep('shared')).rejects.toMatchObject({
      category: 'usage',
      message: /Several owners/,
    });
    await expect(catalog.listComparisonRows('shared')).rejects.toMatchObject({ category: 'usage' });
    await expect(catalog.deleteSweep('shared')).rejects.toMatchObject({ category: 'usage' });
    await catalog.deleteSweep('shared', 'bob@workstation');
    expect(await catalog.getSweep('shared', 'bob@workstation')).toBeNull();
    expect(await count('run_registry', 'shared')).toBe(4); // alice's rows are untouched
    await catalog.deleteSweep('shared');
    expect(await catalog.getSweep('shared')).toBeNull();
    const { rows } = await ctx().sql.query(
      'select count(*)::int as n from comparison_results c left join sweeps s using (sweep_id) where s.sweep_id is null',
    );
    expect(rows[0].n).toBe(0); // cascaded
    await catalog.deleteSweep('never-synced'); // nothing to do
  });

  it('writes all or nothing', async () => {
    const { catalog } = ctx();
    const good = balancedWrite('atomic', 3);
    await catalog.writeSweep(good);
    const bad = { ...balancedWrite('atomic', 5), sweepType: 'not-a-type' as 'balanced' };
    await expect(catalog.writeSweep(bad)).rejects.toMatchObject({ name: 'SyncError' });
    expect(await count('comparison_results', 'atomic')).toBe(3);
    expect(await catalog.listComparisonRows('atomic')).toEqual(good.comparisonRows);
  });
}
