/**
 * The SQL the PostgREST test double runs for one request, built from PostgREST's URL grammar — only the
 * parts supabase-js uses in SupabaseCatalog: select=<cols>, <col>=<op>.<value>, order=<col>[.asc|.desc],
 * limit, offset. Identifiers are always quoted and values always bound, never spliced into the SQL.
 */

const OPERATORS: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);

export class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface Filters {
  where: string;
  params: unknown[];
}

export function filters(query: URLSearchParams, params: unknown[] = []): Filters {
  const clauses: string[] = [];
  for (const [key, raw] of query) {
    if (RESERVED.has(key)) continue;
    const dot = raw.indexOf('.');
    const op = dot < 0 ? '' : raw.slice(0, dot);
    const value = raw.slice(dot + 1);
    if (op === 'is') {
      const v = { null: 'NULL', true: 'TRUE', false: 'FALSE' }[value.toLowerCase()];
      if (!v) throw new BadRequest('PGRST100', `"failed to parse filter (${raw})" (line 1, column 4)`);
      clauses.push(`${ident(key)} IS ${v}`);
    } else if (OPERATORS[op]) {
      params.push(value);
      // Compare as text on the right: PostgreSQL infers the column's type for the bound parameter.
      clauses.push(`${ident(key)} ${OPERATORS[op]} $${params.length}`);
    } else {
      throw new BadRequest('PGRST100', `"failed to parse filter (${raw})" (line 1, column ${op.length + 1})`);
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function selectList(select: string | null): string {
  if (!select || select === '*') return '*';
  return select
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) {
        // Embedding, casts and renames are PostgREST features SupabaseCatalog doesn't use.
        throw new BadRequest('PGRST100', `"failed to parse select parameter (${select})" (test double)`);
      }
      return ident(c);
    })
    .join(', ');
}

export function orderBy(order: string | null): string {
  if (!order) return '';
  const terms = order.split(',').map((term) => {
    const [col = '', ...mods] = term.split('.');
    let sql = ident(col);
    for (const m of mods) {
      if (m === 'asc' || m === 'desc') sql += ` ${m.toUpperCase()}`;
      else if (m === 'nullsfirst' || m === 'nullslast')
        sql += m === 'nullsfirst' ? ' NULLS FIRST' : ' NULLS LAST';
      else throw new BadRequest('PGRST100', `"failed to parse order (${order})" (test double)`);
    }
    return sql;
  });
  return `ORDER BY ${terms.join(', ')}`;
}

/** offset/limit from the query string or a `Range: from-to` header, capped at maxRows like db-max-rows. */
export function window(
  query: URLSearchParams,
  rangeHeader: string | undefined,
  maxRows: number,
): { offset: number; limit: number } {
  let offset = Number(query.get('offset') ?? 0);
  let limit = query.has('limit') ? Number(query.get('limit')) : Number.POSITIVE_INFINITY;
  const range = rangeHeader ? /^(\d+)-(\d*)$/.exec(rangeHeader.trim()) : null;
  if (range) {
    offset = Number(range[1]);
    if (range[2]) limit = Math.min(limit, Number(range[2]) - offset + 1);
  }
  if (!Number.isInteger(offset) || offset < 0 || !(limit >= 0)) {
    throw new BadRequest('PGRST103', 'Requested range not satisfiable');
  }
  return { offset, limit: Math.min(limit, maxRows) };
}
