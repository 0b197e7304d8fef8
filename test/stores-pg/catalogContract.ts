/**
 * What both Postgres-backed catalogs must store in their tables, checked with SQL over a separate pg
 * connection: NUMERIC typing of the comparison columns, one copy of each row, cascades. Everything a
 * Catalog must do through its interface is the backend-neutral contract every catalog runs
 * (test/stores-contract/catalogContract.ts); the Postgres and Supabase tests run both.
 */
import type pg from 'pg';
import { expect, it } from 'vitest';
import type { Catalog } from '../../src/core/stores/Catalog.js';
import { ALMOST_15000, balancedWrite, dealerWrite, KAPPA_28 } from './rows.js';

export interface ContractContext {
  catalog: Catalog;
  /** A direct connection (as the table owner) to look at what was stored. */
  sql: pg.Client;
}

export function postgresTablesContract(ctx: () => ContractContext): void {
  async function count(table: string, name: string): Promise<number> {
    const { rows } = await ctx().sql.query(
      `select count(*)::int as n from public.${table} t join public.sweeps s using (sweep_id) where s.name = $1`,
      [name],
    );
    return rows[0].n;
  }

  it('holds one sweep row and one copy of its rows after a sweep is written twice', async () => {
    const { catalog, sql } = ctx();
    const write = balancedWrite('pg-twice', 7);
    await catalog.writeSweep(write);
    await catalog.writeSweep({ ...write, revision: 2 });
    expect(await count('comparison_results', 'pg-twice')).toBe(7);
    expect(await count('run_registry', 'pg-twice')).toBe(14);
    const { rows } = await sql.query(
      "select count(*)::int as n, max(revision) as r from sweeps where name = 'pg-twice'",
    );
    expect(rows[0]).toEqual({ n: 1, r: 2 });
    await catalog.writeSweep({ ...write, revision: 3, comparisonRows: write.comparisonRows.slice(0, 2) });
    expect(await count('comparison_results', 'pg-twice')).toBe(2);
  });

  it('stores the manifest as written; a NUL in one of its strings is dropped, as everywhere', async () => {
    const { catalog, sql } = ctx();
    const write = balancedWrite('pg-manifest', 2);
    await catalog.writeSweep(write);
    const read = async () =>
      (await sql.query("select manifest from sweeps where name = 'pg-manifest'")).rows[0].manifest;
    expect(await read()).toEqual(write.manifest);
    const withNul = { ...write.manifest, revision: 2, warnings: ['torn row in comparison\u0000.csv'] };
    await catalog.writeSweep({ ...write, revision: 2, manifest: withNul });
    expect(await read()).toEqual({ ...withNul, warnings: ['torn row in comparison.csv'] });
  });

  it('stores decimals exactly as NUMERIC and keeps the original text', async () => {
    const { catalog, sql } = ctx();
    await catalog.writeSweep(balancedWrite('pg-exact', 3));
    const { rows } = await sql.query(
      `select c.row_index,
              c.kappa = '0.4861497874835116517660852997'::numeric as kappa_exact,
              c.kappa = 0 and c.kappa::text = '0.0000000000000000000000000000' as zero_exact,
              c.mu = '14999.99999999999999999999999'::numeric as mu_exact,
              c.dealer_total_return::text as dtr, c.trading_effect::text as te,
              c.trading_relief_ratio as trr, c.seed, c.total_trades,
              c.original ->> 'kappa' as kappa_text, c.original ->> 'mu' as mu_text,
              c.original -> 'big_entity_share' as bes
       from comparison_results c join sweeps s using (sweep_id) where s.name = 'pg-exact' order by row_index`,
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
  });

  it('maps a dealer comparison’s 33 columns to the typed columns', async () => {
    const { catalog, sql } = ctx();
    await catalog.writeSweep(dealerWrite('pg-dealer33', 4));
    const { rows } = await sql.query(
      `select jsonb_object_keys_count, delta_passive::text, delta_active::text, trading_effect = $1::numeric as te,
              trading_relief_ratio::text as rr, passive_run_id, active_status,
              original ->> 'vbt_premium_final_pct' as vbt
       from (select *, (select count(*) from jsonb_object_keys(original))::int as jsonb_object_keys_count
             from comparison_results) c join sweeps s using (sweep_id)
       where s.name = 'pg-dealer33' and row_index = 3`,
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

  it('deleting one owner’s sweep cascades to its rows only', async () => {
    const { catalog, sql } = ctx();
    await catalog.writeSweep(balancedWrite('pg-shared', 2, 'alice@laptop'));
    await catalog.writeSweep(balancedWrite('pg-shared', 3, 'bob@workstation'));
    expect(await count('run_registry', 'pg-shared')).toBe(10);
    await catalog.deleteSweep('pg-shared', 'bob@workstation');
    expect(await count('run_registry', 'pg-shared')).toBe(4); // alice's rows are untouched
    await catalog.deleteSweep('pg-shared', 'alice@laptop');
    const { rows } = await sql.query(
      `select (select count(*)::int from comparison_results c left join sweeps s using (sweep_id)
               where s.sweep_id is null) as comparison,
              (select count(*)::int from run_registry r left join sweeps s using (sweep_id)
               where s.sweep_id is null) as registry`,
    );
    expect(rows[0]).toEqual({ comparison: 0, registry: 0 }); // cascaded
  });

  it('a refused write leaves the tables as they were', async () => {
    const { catalog } = ctx();
    await catalog.writeSweep(balancedWrite('pg-atomic', 3));
    const bad = { ...balancedWrite('pg-atomic', 5), sweepType: 'not-a-type' as 'balanced' };
    await expect(catalog.writeSweep(bad)).rejects.toMatchObject({ name: 'SyncError' });
    expect(await count('comparison_results', 'pg-atomic')).toBe(3);
    expect(await count('run_registry', 'pg-atomic')).toBe(6);
  });
}
