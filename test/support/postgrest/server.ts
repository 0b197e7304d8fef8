/**
 * A TEST DOUBLE of PostgREST's HTTP protocol (what Supabase's /rest/v1 is), for the requests supabase-js
 * makes in SupabaseCatalog — because PostgREST can't be installed on these machines (SPEC §5). It is
 * backed by the real test PostgreSQL through pg, so the SQL function, RLS policies, grants and types
 * under test are the real ones; only the HTTP layer is imitated:
 *
 * - POST /rest/v1/rpc/<fn> with a JSON object body → `select public.fn(arg => $1, …)`; the result as JSON.
 * - GET /rest/v1/<table>?select=a,b&<col>=eq.<v>&order=c.desc&limit=&offset= (or a `Range: 0-9` header)
 *   → a JSON array built by json_agg in SQL (numerics stay exact JSON numbers), `Content-Range: 0-9/*`,
 *   never more than `maxRows` (1000, PostgREST's and Supabase's default) rows per response.
 * - DELETE /rest/v1/<table>?<filters> → 204.
 * - Errors in PostgREST's shape {code, message, details, hint} with its statuses and codes: PGRST202
 *   (no such function) and PGRST205 (no such table) → 404; PostgreSQL errors with their SQLSTATE (42501 →
 *   401 for anon, 403 otherwise; 23xxx → 409; 22xxx/42xxx → 400; others 500).
 * - API keys as Supabase's gateway checks them: no key → 401 "No API key found in request"; a key not in
 *   `keys` → 401 {"message":"Invalid API key"}. Keys are opaque strings mapped to a role (no JWTs).
 *
 * Like PostgREST, every request runs in its own transaction (read-only for GET) after
 * `set_config('role', <role of the key>, true)` and `request.jwt.claims`, so row level security and grants
 * apply as they would on Supabase, with Supabase's per-role statement timeouts (anon 3 s, authenticated 8 s).
 * The schema "cache" is read per request, i.e. always fresh (real PostgREST reloads on NOTIFY pgrst).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { ApiIdentity, ApiRole } from './roles.js';
import { BadRequest, filters, ident, orderBy, selectList, window } from './sql.js';

export interface PostgrestDoubleOptions {
  /** The real database the requests run against (a superuser or a member of the API roles). */
  databaseUrl: string;
  /**
   * API key → role, e.g. { 'service-key': 'service_role', 'anon-key': 'anon' }, or → a user:
   * { 'alice-key': { role: 'authenticated', sub: '<uuid>' } }.
   */
  keys: Record<string, ApiRole | ApiIdentity>;
  /** Rows per response at most (PostgREST db-max-rows; Supabase's default "Max rows" is 1000). */
  maxRows?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  rows?: number;
}

export interface PostgrestDouble {
  /** The "Supabase project URL" to give supabase-js (it appends /rest/v1). */
  url: string;
  /** Every request answered, in order: lets tests see paging happen. */
  log: RequestLogEntry[];
  close(): Promise<void>;
}

const STATEMENT_TIMEOUTS: Record<ApiRole, string> = { anon: '3s', authenticated: '8s', service_role: '0' };

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  rows?: number;
}

export async function startPostgrestDouble(options: PostgrestDoubleOptions): Promise<PostgrestDouble> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  const maxRows = options.maxRows ?? 1000;
  const log: RequestLogEntry[] = [];

  const server: Server = createServer((req, res) => {
    handle(req, pool, options.keys, maxRows)
      .catch((e: unknown) => errorReply(e, 'service_role'))
      .then((reply) => {
        log.push({ method: req.method ?? '', path: req.url ?? '', status: reply.status, rows: reply.rows });
        send(res, reply);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

async function handle(
  req: IncomingMessage,
  pool: pg.Pool,
  keys: Record<string, ApiRole | ApiIdentity>,
  maxRows: number,
): Promise<Reply> {
  const body = await readBody(req);
  const apikey = header(req, 'apikey');
  if (!apikey) {
    return json(401, {
      message: 'No API key found in request',
      hint: 'No `apikey` request header or url param was found.',
    });
  }
  const entry = keys[apikey];
  const identity: ApiIdentity | undefined = typeof entry === 'string' ? { role: entry } : entry;
  const role = identity?.role;
  if (!identity || !role) {
    return json(401, {
      message: 'Invalid API key',
      hint: 'Double check your Supabase `anon` or `service_role` API key.',
    });
  }
  const url = new URL(req.url ?? '/', 'http://double');
  // Supabase's gateway answers paths outside its APIs itself, without a PostgREST code.
  if (!url.pathname.startsWith('/rest/v1/'))
    return json(404, { message: 'no Route matched with those values' });
  const match = /^\/rest\/v1\/(rpc\/)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(url.pathname);
  if (!match)
    return json(404, {
      code: 'PGRST125',
      message: `Invalid path specified in request URL`,
      details: null,
      hint: null,
    });
  const name = match[2] ?? '';
  const method = req.method ?? 'GET';

  return inTransaction(pool, identity, method === 'GET' || method === 'HEAD', async (client) => {
    try {
      if (match[1]) {
        if (method !== 'POST')
          return json(405, {
            code: 'PGRST117',
            message: `Unsupported HTTP method: ${method}`,
            details: null,
            hint: null,
          });
        return await rpc(client, name, body);
      }
      if (!(await tableExists(client, name))) {
        return json(404, {
          code: 'PGRST205',
          details: null,
          hint: null,
          message: `Could not find the table 'public.${name}' in the schema cache`,
        });
      }
      if (method === 'GET')
        return await select(client, name, url.searchParams, header(req, 'range'), maxRows);
      if (method === 'DELETE') {
        const f = filters(url.searchParams);
        await client.query(`DELETE FROM public.${ident(name)} ${f.where}`, f.params);
        return { status: 204 };
      }
      return json(405, {
        code: 'PGRST117',
        message: `Unsupported HTTP method: ${method} (test double)`,
        details: null,
        hint: null,
      });
    } catch (e) {
      if (e instanceof BadRequest)
        return json(400, { code: e.code, message: e.message, details: null, hint: null });
      throw e;
    }
  }).catch((e: unknown) => errorReply(e, role));
}

/** One transaction per request, as PostgREST: role and claims set locally, committed unless it failed. */
async function inTransaction(
  pool: pg.Pool,
  identity: ApiIdentity,
  readOnly: boolean,
  work: (client: pg.PoolClient) => Promise<Reply>,
): Promise<Reply> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
    await client.query(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
              set_config('statement_timeout', $3, true)`,
      [
        identity.role,
        JSON.stringify(identity.sub ? { role: identity.role, sub: identity.sub } : { role: identity.role }),
        STATEMENT_TIMEOUTS[identity.role],
      ],
    );
    const reply = await work(client);
    await client.query(reply.status < 400 ? 'COMMIT' : 'ROLLBACK');
    return reply;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

async function tableExists(client: pg.PoolClient, name: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relname = $1 and c.relkind in ('r', 'v', 'm', 'p', 'f')`,
    [name],
  );
  return (rowCount ?? 0) > 0;
}

async function select(
  client: pg.PoolClient,
  table: string,
  query: URLSearchParams,
  range: string | undefined,
  maxRows: number,
): Promise<Reply> {
  const f = filters(query);
  const { offset, limit } = window(query, range, maxRows);
  const limitSql = Number.isFinite(limit) ? `LIMIT ${limit}` : '';
  const sql = `select coalesce(json_agg(t), '[]')::text as body, count(*)::int as n from (
      select ${selectList(query.get('select'))} from public.${ident(table)} ${f.where}
      ${orderBy(query.get('order'))} ${limitSql} OFFSET ${offset}) t`;
  const { rows } = await client.query<{ body: string; n: number }>(sql, f.params);
  const n = rows[0]?.n ?? 0;
  return {
    status: 200,
    body: rows[0]?.body ?? '[]',
    rows: n,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Range': n > 0 ? `${offset}-${offset + n - 1}/*` : '*/*',
    },
  };
}

async function rpc(client: pg.PoolClient, fn: string, rawBody: string): Promise<Reply> {
  let args: Record<string, unknown>;
  try {
    args = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
  } catch {
    return json(400, { code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
  }
  const names = Object.keys(args).sort();
  // PostgREST finds a function by name and the set of argument names in the body.
  const { rows: candidates } = await client.query<{
    oid: number;
    argnames: string[] | null;
    types: string[];
    retset: boolean;
  }>(
    `select p.oid, p.proargnames as argnames, p.proretset as retset,
            array(select format_type(t, null) from unnest(p.proargtypes) t) as types
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.proname = $1`,
    [fn],
  );
  const found = candidates.find((c) => [...(c.argnames ?? [])].sort().join(',') === names.join(','));
  if (!found) {
    return json(404, {
      code: 'PGRST202',
      details: `Searched for the function public.${fn} with parameters ${names.join(', ')} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      hint: null,
      message: `Could not find the function public.${fn}(${names.join(', ')}) in the schema cache`,
    });
  }
  const argNames = found.argnames ?? [];
  const params = argNames.map((a) => {
    const v = args[a];
    return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  });
  const call = `public.${ident(fn)}(${argNames
    .map((a, i) => `${ident(a)} => $${i + 1}::${found.types[i]}`)
    .join(', ')})`;
  const sql = found.retset
    ? `select coalesce(json_agg(t), '[]')::text as body from ${call} t`
    : `select coalesce(to_json(${call})::text, 'null') as body`;
  const { rows } = await client.query<{ body: string }>(sql, params);
  return {
    status: 200,
    body: rows[0]?.body ?? 'null',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  };
}

/** A PostgreSQL error as PostgREST reports it. */
function errorReply(e: unknown, role: ApiRole): Reply {
  const err = e as { code?: string; message?: string; detail?: string; hint?: string };
  const code = err.code ?? '';
  let status = 500;
  if (code === '42501') status = role === 'anon' ? 401 : 403;
  else if (code === '42883' || code === '42P01') status = 404;
  else if (code.startsWith('23')) status = 409;
  else if (code.startsWith('22') || code.startsWith('42')) status = 400;
  else if (code === '57014') status = 500;
  else if (code.startsWith('08')) status = 503;
  return json(status, {
    code,
    message: err.message ?? String(e),
    details: err.detail ?? null,
    hint: err.hint ?? null,
  });
}

function json(status: number, value: unknown): Reply {
  return {
    status,
    body: JSON.stringify(value),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
