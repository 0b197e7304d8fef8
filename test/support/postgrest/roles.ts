import pg from 'pg';

/** Supabase's API roles, as a Supabase project has them. */
export type ApiRole = 'anon' | 'authenticated' | 'service_role';

/**
 * Creates Supabase's API roles in the test cluster (they are cluster-wide; existing ones are kept) and
 * lets the connecting user switch to them, as Supabase's `authenticator` can. service_role bypasses row
 * level security, as on Supabase. Run it before applying the migration, so its grants and policies apply.
 */
export async function ensureSupabaseRoles(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const [role, extra] of [
      ['anon', ''],
      ['authenticated', ''],
      ['service_role', ' BYPASSRLS'],
    ] as const) {
      const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [role]);
      if (rowCount) continue;
      try {
        await client.query(`CREATE ROLE ${role} NOLOGIN${extra}`);
      } catch (e) {
        // Another test process on a shared TEST_DATABASE_URL server created it first.
        const code = (e as { code?: string }).code;
        if (code !== '42710' && code !== '23505') throw e;
      }
    }
    await client.query('GRANT anon, authenticated, service_role TO CURRENT_USER').catch(() => undefined);
  } finally {
    await client.end();
  }
}
