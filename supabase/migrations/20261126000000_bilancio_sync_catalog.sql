-- Bilancio Sync catalog, schema version 1 (SPEC §2).
--
-- Apply with "supabase db push", paste into the Supabase SQL editor, or let Bilancio Sync apply it itself
-- over a direct Postgres URL (BILANCIO_DATABASE_URL). Idempotent: running it again changes nothing.
-- Works on plain PostgreSQL >= 13 too: grants and policies for Supabase's API roles (anon, authenticated,
-- service_role) are made only where those roles exist.

-- Two first syncs applying this at once would race on CREATE TABLE IF NOT EXISTS: serialize them.
-- (Both "supabase db push" and Bilancio Sync run a migration in one transaction.)
select pg_advisory_xact_lock(7262737369);

-- Which schema version the catalog has; Bilancio Sync refuses a newer one it doesn't know.
create table if not exists public.bilancio_sync_schema (
  id boolean primary key default true check (id),
  version integer not null,
  applied_at timestamptz not null default now()
);

create table if not exists public.sweeps (
  sweep_id uuid primary key default gen_random_uuid(),
  -- Who synced it: a team catalog can hold two researchers' sweeps of the same name.
  owner text not null,
  name text not null,
  sweep_type text not null check (sweep_type in ('balanced', 'dealer', 'ring', 'aggregate-only')),
  created_at timestamptz not null,
  config jsonb,
  summary jsonb,
  pairs_total integer,
  pairs_completed integer,
  revision integer not null,
  manifest jsonb not null,
  -- comparison.csv's header in file order: jsonb objects don't keep key order, so rows are put back
  -- in this column order when read.
  comparison_header jsonb not null default '[]'::jsonb,
  synced_at timestamptz not null default now(),
  total_bytes bigint not null default 0,
  archive_bytes bigint not null default 0,
  source_host text not null default '',
  constraint sweeps_owner_name_key unique (owner, name)
);
create index if not exists sweeps_name_idx on public.sweeps (name);
-- Who may change the row: the Supabase user whose key wrote it (auth.uid(), set below where Supabase's
-- auth schema exists). "owner" stays the label shown (BILANCIO_SYNC_OWNER); owner_id is the identity the
-- policies check. Null for rows written by the table owner (a direct URL) or the service-role key: only
-- those may change them. Added by ALTER so that re-applying this file upgrades an existing catalog.
alter table public.sweeps add column if not exists owner_id uuid;
create index if not exists sweeps_owner_id_idx on public.sweeps (owner_id);

-- The typed columns are src/core/stores/comparisonColumns.ts (a test checks they match). Decimals are
-- NUMERIC (exact: bilancio prints 28 significant digits); 'int' columns are bigint so a large seed fits.
-- "original" keeps every column of every bilancio version as the CSV's text.
create table if not exists public.comparison_results (
  sweep_id uuid not null references public.sweeps (sweep_id) on delete cascade,
  row_index integer not null,
  kappa numeric,
  concentration numeric,
  mu numeric,
  monotonicity numeric,
  seed bigint,
  face_value numeric,
  outside_mid_ratio numeric,
  delta_passive numeric,
  phi_passive numeric,
  passive_run_id text,
  passive_status text,
  delta_active numeric,
  phi_active numeric,
  active_run_id text,
  active_status text,
  trading_effect numeric,
  trading_relief_ratio numeric,
  dealer_total_pnl numeric,
  dealer_total_return numeric,
  total_trades bigint,
  original jsonb not null,
  primary key (sweep_id, row_index)
);

-- Keyed by (sweep_id, run_id), not run_id alone: two researchers' copies of one sweep (or a sweep synced
-- under two owners) hold the same run ids, and each copy must keep its own rows.
create table if not exists public.run_registry (
  sweep_id uuid not null references public.sweeps (sweep_id) on delete cascade,
  run_id text not null,
  -- Position in the registry file(s), so rows read back in file order.
  row_index integer not null,
  branch text,
  parameters jsonb not null,
  status text,
  created_at timestamptz not null default now(),
  primary key (sweep_id, run_id)
);
create index if not exists run_registry_order_idx on public.run_registry (sweep_id, row_index);

-- The whole write of one sweep revision, atomic because it is one statement (one transaction), and
-- idempotent because it replaces the sweep's rows. Both PostgresCatalog (one query) and SupabaseCatalog
-- (rpc(), which PostgREST runs in its own transaction) call it, so both write exactly the same rows.
--
-- Payload (built by src/core/stores/pgPayload.ts): sweep fields in snake_case; comparison_rows: array of
-- objects holding the typed columns as JSON strings plus "original"; registry_rows: array of
-- { run_id, branch, status, parameters }. Typed values arrive as text and go through each column's own
-- input function (numeric_in), never through a float.
--
-- SECURITY INVOKER: the function can do nothing the caller's role couldn't do with plain
-- INSERT/UPDATE/DELETE, so row level security and grants below stay the one place that decides who may
-- write. A SECURITY DEFINER function in an API-exposed schema would let any role with EXECUTE bypass RLS.
create or replace function public.bilancio_sync_write_sweep(payload jsonb)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_sweep_id uuid;
begin
  if payload is null or jsonb_typeof(payload) <> 'object' then
    raise exception 'bilancio_sync_write_sweep: payload must be a JSON object' using errcode = '22023';
  end if;

  insert into public.sweeps as s (
    owner, name, sweep_type, created_at, config, summary, pairs_total, pairs_completed, revision,
    manifest, comparison_header, synced_at, total_bytes, archive_bytes, source_host
  ) values (
    payload ->> 'owner',
    payload ->> 'name',
    payload ->> 'sweep_type',
    (payload ->> 'created_at')::timestamptz,
    nullif(payload -> 'config', 'null'::jsonb),
    nullif(payload -> 'summary', 'null'::jsonb),
    (payload ->> 'pairs_total')::integer,
    (payload ->> 'pairs_completed')::integer,
    (payload ->> 'revision')::integer,
    payload -> 'manifest',
    coalesce(payload -> 'comparison_header', '[]'::jsonb),
    now(),
    coalesce((payload ->> 'total_bytes')::bigint, 0),
    coalesce((payload ->> 'archive_bytes')::bigint, 0),
    coalesce(payload ->> 'source_host', '')
  )
  on conflict (owner, name) do update set
    sweep_type = excluded.sweep_type,
    created_at = excluded.created_at,
    config = excluded.config,
    summary = excluded.summary,
    pairs_total = excluded.pairs_total,
    pairs_completed = excluded.pairs_completed,
    revision = excluded.revision,
    manifest = excluded.manifest,
    comparison_header = excluded.comparison_header,
    synced_at = excluded.synced_at,
    total_bytes = excluded.total_bytes,
    archive_bytes = excluded.archive_bytes,
    source_host = excluded.source_host
  returning s.sweep_id into v_sweep_id;

  delete from public.comparison_results where sweep_id = v_sweep_id;
  -- jsonb_populate_record fills every typed column by name from the table's own definition, so this
  -- function never drifts from the table; sweep_id and row_index are set here, not taken from the payload.
  -- Called in FROM (lateral), once per row: "select (f(x)).*" would call it once per column (~40 here),
  -- which made a 625-row write take ~0.5 s instead of ~0.1 s.
  insert into public.comparison_results
  select p.*
  from jsonb_array_elements(coalesce(payload -> 'comparison_rows', '[]'::jsonb)) with ordinality as r(value, ord)
  cross join lateral jsonb_populate_record(
    null::public.comparison_results,
    r.value || jsonb_build_object('sweep_id', v_sweep_id, 'row_index', r.ord - 1)
  ) as p;

  delete from public.run_registry where sweep_id = v_sweep_id;
  -- A run id seen twice (a registry rewritten during a resume) keeps its last row, as the file would.
  insert into public.run_registry (sweep_id, run_id, row_index, branch, parameters, status)
  select distinct on (r.value ->> 'run_id')
    v_sweep_id, r.value ->> 'run_id', (r.ord - 1)::integer, r.value ->> 'branch',
    coalesce(r.value -> 'parameters', '{}'::jsonb), r.value ->> 'status'
  from jsonb_array_elements(coalesce(payload -> 'registry_rows', '[]'::jsonb)) with ordinality as r(value, ord)
  order by r.value ->> 'run_id', r.ord desc;

  return v_sweep_id;
end;
$$;

-- Lets a client that can't read tables (e.g. over rpc only) learn the schema version.
create or replace function public.bilancio_sync_schema_version()
returns integer
language sql
stable
security invoker
set search_path = ''
as $$ select version from public.bilancio_sync_schema where id $$;

insert into public.bilancio_sync_schema (id, version) values (true, 1)
on conflict (id) do update set
  version = greatest(public.bilancio_sync_schema.version, excluded.version),
  applied_at = case when excluded.version > public.bilancio_sync_schema.version
    then now() else public.bilancio_sync_schema.applied_at end;

-- Row level security on every table. The table owner (a direct Postgres URL, the SQL editor) is not
-- subject to it. Policies name Supabase's API roles:
--   * service_role — the secret key a lab's sync server uses; bypasses RLS on Supabase anyway (the
--     documented exception: it may change every sweep), the policies make that explicit and keep working
--     where it doesn't.
--   * authenticated — a team member signed in with their own Supabase account: reads every sweep of the
--     catalog (the team's), but inserts, updates and deletes only the sweeps it owns (owner_id =
--     auth.uid()), and the rows of those sweeps. Someone else's sweep of the same owner label and name
--     can't be overwritten: the write function's upsert fails on the UPDATE policy.
--   * anon — the public (publishable) key, which ends up in browsers and repos: no access at all, so a
--     leaked project URL + anon key can neither read results nor overwrite or delete them.
alter table public.bilancio_sync_schema enable row level security;
alter table public.sweeps enable row level security;
alter table public.comparison_results enable row level security;
alter table public.run_registry enable row level security;

do $$
declare
  api_roles text;
  t text;
  uid text;
  mine text;
  pol text;
begin
  select string_agg(quote_ident(rolname), ', ' order by rolname) into api_roles
  from pg_catalog.pg_roles where rolname in ('authenticated', 'service_role');

  -- The signed-in user: Supabase's auth.uid() where it exists, else the same claim it reads (the "sub" of
  -- the JWT claims PostgREST sets per request), so the policies mean the same on any PostgREST.
  if exists (select from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
             where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0) then
    uid := 'auth.uid()';
  else
    uid := $u$(nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', ''))::uuid$u$;
  end if;
  execute format('alter table public.sweeps alter column owner_id set default %s', uid);

  -- Nothing of this catalog for PUBLIC / anon (Supabase's default privileges grant them everything).
  revoke all on public.bilancio_sync_schema, public.sweeps, public.comparison_results, public.run_registry
    from public;
  revoke execute on function public.bilancio_sync_write_sweep(jsonb), public.bilancio_sync_schema_version()
    from public;
  if exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on public.bilancio_sync_schema, public.sweeps, public.comparison_results, public.run_registry
      from anon;
    revoke execute on function public.bilancio_sync_write_sweep(jsonb), public.bilancio_sync_schema_version()
      from anon;
  end if;

  if api_roles is null then
    return; -- plain PostgreSQL without Supabase's roles: only the owner uses the catalog.
  end if;

  -- Browse: read everything. Sync: the write function's upsert + delete/insert. Forget: delete a sweep
  -- (its rows go by ON DELETE CASCADE). The schema version is read-only. Grants say which statements a
  -- role may run at all; the policies below say on which rows.
  execute format('grant select on public.bilancio_sync_schema to %s', api_roles);
  execute format('grant select, insert, update, delete on public.sweeps, public.comparison_results, '
    'public.run_registry to %s', api_roles);
  execute format('grant execute on function public.bilancio_sync_write_sweep(jsonb), '
    'public.bilancio_sync_schema_version() to %s', api_roles);

  drop policy if exists bilancio_sync_read on public.bilancio_sync_schema;
  execute format('create policy bilancio_sync_read on public.bilancio_sync_schema for select to %s using (true)',
    api_roles);
  foreach t in array array['sweeps', 'comparison_results', 'run_registry'] loop
    -- The policy of schema 1 as first released (every member could change everything): gone.
    execute format('drop policy if exists bilancio_sync_team on public.%I', t);
    foreach pol in array array['bilancio_sync_service', 'bilancio_sync_member_read', 'bilancio_sync_member_insert',
        'bilancio_sync_member_update', 'bilancio_sync_member_delete'] loop
      execute format('drop policy if exists %I on public.%I', pol, t);
    end loop;
  end loop;

  foreach t in array array['sweeps', 'comparison_results', 'run_registry'] loop
    if exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
      execute format('create policy bilancio_sync_service on public.%I for all to service_role '
        'using (true) with check (true)', t);
    end if;
    if exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
      -- "(select …)" is evaluated once per statement, not per row (Supabase's RLS performance advice).
      execute format('create policy bilancio_sync_member_read on public.%I for select to authenticated '
        'using (true)', t);
      -- A sweep's rows belong to whoever owns the sweep.
      mine := case when t = 'sweeps' then format('owner_id = (select %s)', uid)
        else format('exists (select from public.sweeps s where s.sweep_id = %I.sweep_id '
          'and s.owner_id = (select %s))', t, uid) end;
      execute format('create policy bilancio_sync_member_insert on public.%I for insert to authenticated '
        'with check (%s)', t, mine);
      execute format('create policy bilancio_sync_member_update on public.%I for update to authenticated '
        'using (%s) with check (%s)', t, mine, mine);
      execute format('create policy bilancio_sync_member_delete on public.%I for delete to authenticated '
        'using (%s)', t, mine);
    end if;
  end loop;
end;
$$;

-- Tell PostgREST (Supabase's API) to reload its schema cache so the new tables and functions are
-- visible at once. Harmless elsewhere: nobody listens.
notify pgrst, 'reload schema';
