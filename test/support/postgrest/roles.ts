import pg from 'pg';

/** Supabase's API roles, as a Supabase project has them. */
export type ApiRole = 'anon' | 'authenticated' | 'service_role';

/** What a key stands for: a role, and for a signed-in user's key the user's id (the JWT's "sub"). */
export interface ApiIdentity {
  role: ApiRole;
  sub?: string;
}

/**
 * Creates Supabase's API roles and auth.uid() in the test cluster (they are cluster-wide; existing ones are kept) and
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
    // Supabase's auth.uid(), as its auth schema defines it: the "sub" of the request's JWT claims (which
    // PostgREST, and the test double, set per request). The migration's policies call it.
    await client
      .query(
        `CREATE SCHEMA IF NOT EXISTS auth;
         CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
           select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                           (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
         $$;
         GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
         GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;`,
      )
      .catch((e: { code?: string }) => {
        // Another test process created it at the same moment ("tuple concurrently updated").
        if (e.code !== 'XX000' && e.code !== '42P06' && e.code !== '23505') throw e;
      });
  } finally {
    await client.end();
  }
}
