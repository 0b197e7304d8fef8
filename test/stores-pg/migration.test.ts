import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPARISON_COLUMNS } from '../../src/core/stores/comparisonColumns.js';
import { MIGRATION_FILE, SCHEMA_VERSION } from '../../src/core/stores/pgCatalogRows.js';
import { MIGRATION_SQL } from '../../src/core/stores/pgMigrationSql.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { ensureSupabaseRoles } from '../support/postgrest/roles.js';

let db: TestPostgres;
let sql: pg.Client;

beforeAll(async () => {
  db = await startTestPostgres();
  await ensureSupabaseRoles(db.url);
  sql = new pg.Client(db.url);
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await db?.stop();
});

async function apply(): Promise<void> {
  await sql.query('begin');
  await sql.query(MIGRATION_SQL);
  await sql.query('commit');
}

describe('the catalog migration', () => {
  it('is embedded verbatim for PostgresCatalog', async () => {
    const file = await readFile(new URL(`../../${MIGRATION_FILE}`, import.meta.url), 'utf8');
    // If this fails: the SQL file changed; run npx tsx test/stores-pg/regenerateMigrationSql.ts
    expect(MIGRATION_SQL).toBe(file);
  });

  it('applies, and applies again without error or change', async () => {
    await apply();
    const before = await sql.query('select version, applied_at from bilancio_sync_schema');
    await apply();
    const after = await sql.query('select version, applied_at from bilancio_sync_schema');
    expect(after.rows).toEqual(before.rows);
    expect(after.rows[0].version).toBe(SCHEMA_VERSION);
    const { rows } = await sql.query('select public.bilancio_sync_schema_version() as v');
    expect(rows[0].v).toBe(SCHEMA_VERSION);
  });

  it('has the typed comparison columns of comparisonColumns.ts', async () => {
    const { rows } = await sql.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
       where table_schema = 'public' and table_name = 'comparison_results' order by ordinal_position`,
    );
    const typed = rows.filter((r) => !['sweep_id', 'row_index', 'original'].includes(r.column_name));
    const expected = { numeric: 'numeric', int: 'bigint', text: 'text' } as const;
    expect(typed).toEqual(
      COMPARISON_COLUMNS.map((c) => ({ column_name: c.name, data_type: expected[c.type] })),
    );
  });

  it('enables row level security everywhere and gives anon nothing', async () => {
    const { rows } = await sql.query(
      `select relname, relrowsecurity from pg_class
       where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
    );
    expect(rows).toEqual(
      ['bilancio_sync_schema', 'comparison_results', 'run_registry', 'sweeps'].map((relname) => ({
        relname,
        relrowsecurity: true,
      })),
    );
    const privileges = await sql.query(
      `select r as role, has_table_privilege(r, 'public.sweeps', 'select') as read,
              has_table_privilege(r, 'public.comparison_results', 'insert') as write,
              has_function_privilege(r, 'public.bilancio_sync_write_sweep(jsonb)', 'execute') as rpc
       from unnest(array['anon', 'authenticated', 'service_role']) r order by r`,
    );
    expect(privileges.rows).toEqual([
      { role: 'anon', read: false, write: false, rpc: false },
      { role: 'authenticated', read: true, write: true, rpc: true },
      { role: 'service_role', read: true, write: true, rpc: true },
    ]);
    const fn = await sql.query("select prosecdef from pg_proc where proname = 'bilancio_sync_write_sweep'");
    expect(fn.rows).toEqual([{ prosecdef: false }]); // SECURITY INVOKER: RLS decides
  });

  it('lets an authenticated team member write and read through the policies', async () => {
    await sql.query('begin');
    try {
      // A member is a signed-in user: the policies let them write rows they own (owner_id = auth.uid()).
      await sql.query(
        `select set_config('role', 'authenticated', true),
                set_config('request.jwt.claims', '{"role":"authenticated","sub":"6f1c2d7e-0000-4000-8000-000000000001"}', true)`,
      );
      const payload = {
        owner: 'o',
        name: 'rls',
        sweep_type: 'ring',
        created_at: '2026-01-01T00:00:00Z',
        revision: 1,
        manifest: {},
        comparison_rows: [{ kappa: '0E-28', original: { kappa: '0E-28' } }],
        registry_rows: [{ run_id: 'grid_000000000001', parameters: { phi_total: '0.5' } }],
      };
      const { rows } = await sql.query('select public.bilancio_sync_write_sweep($1) as id', [payload]);
      const read = await sql.query(
        'select count(*)::int as n from public.comparison_results where sweep_id = $1',
        [rows[0].id],
      );
      expect(read.rows[0].n).toBe(1);
    } finally {
      await sql.query('rollback');
    }
  });
});
