/**
 * A team catalog on Supabase, for tests of who may change what: the real test PostgreSQL with Supabase's
 * roles and auth.uid(), migrated, behind the PostgREST test double (real supabase-js talks to it), with a
 * SupabaseCatalog per member key and one with the service-role key, as a lab's sync server has it.
 */
import pg from 'pg';
import { PostgresCatalog } from '../../src/core/stores/PostgresCatalog.js';
import { SupabaseCatalog } from '../../src/core/stores/SupabaseCatalog.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';
import { type ApiIdentity, type ApiRole, ensureSupabaseRoles } from './postgrest/roles.js';
import { type PostgrestDouble, startPostgrestDouble } from './postgrest/server.js';

export interface SupabaseTeam<Member extends string> {
  db: TestPostgres;
  /** A direct connection as the test database's superuser: sees every row, past row level security. */
  sql: pg.Client;
  /** Each member's catalog, with the key `<member>-key` (tests check that no key shows in a message). */
  members: Record<Member, SupabaseCatalog>;
  /** The catalog with the service-role key `service-key`, which row level security lets change anything. */
  service: SupabaseCatalog;
  close(): Promise<void>;
}

/** `users` maps each member's name to the user id (auth.uid()) their key signs in as. */
export async function startSupabaseTeam<Member extends string>(
  users: Record<Member, string>,
): Promise<SupabaseTeam<Member>> {
  const db = await startTestPostgres();
  let api: PostgrestDouble | undefined;
  let sql: pg.Client | undefined;
  const catalogs: SupabaseCatalog[] = [];
  const close = async () => {
    await sql?.end();
    await Promise.allSettled(catalogs.map((c) => c.close()));
    await api?.close();
    await db.stop();
  };
  try {
    await ensureSupabaseRoles(db.url); // before the migration, so its grants and policies name the roles
    const migrate = new PostgresCatalog(db.url);
    await migrate.open();
    await migrate.close();
    const names = Object.keys(users) as Member[];
    const keys: Record<string, ApiRole | ApiIdentity> = {};
    for (const name of names) keys[`${name}-key`] = { role: 'authenticated', sub: users[name] };
    keys['service-key'] = 'service_role';
    api = await startPostgrestDouble({ databaseUrl: db.url, keys });
    const { url } = api;
    const catalog = (key: string) => {
      const c = new SupabaseCatalog({ url, key });
      catalogs.push(c);
      return c;
    };
    const members = {} as Record<Member, SupabaseCatalog>;
    for (const name of names) members[name] = catalog(`${name}-key`);
    const service = catalog('service-key');
    sql = new pg.Client(db.url);
    await sql.connect();
    return { db, sql, members, service, close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}
