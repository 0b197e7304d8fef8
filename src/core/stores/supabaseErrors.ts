/**
 * Turns what supabase-js returns ({ error, status } — it does not throw) into a SyncError the user can act
 * on. Never includes the key.
 */
import { SyncError, settingHint } from '../model/errors.js';
import { MIGRATION_FILE } from './pgCatalogRows.js';

export interface PostgrestFailure {
  message?: string;
  code?: string;
  details?: string | null;
  hint?: string | null;
}

export function missingSchemaError(detail?: string): SyncError {
  return new SyncError(
    'configuration',
    `The Supabase project has no Bilancio Sync tables yet${detail ? ` (${detail})` : ''}.`,
    `Apply ${MIGRATION_FILE} with \`supabase db push\` or paste it into the SQL editor of the Supabase dashboard.`,
  );
}

/** The code of every write refused (or silently skipped) because the sweep is another member's. */
export const NOT_OWNER = 'not-sweep-owner';

/** PostgreSQL's refusal by a row level security policy (an upsert over a row the UPDATE policy hides). */
export function isRowSecurityRefusal(error: PostgrestFailure): boolean {
  return error.code === '42501' && /row-level security/i.test(error.message ?? '');
}

/**
 * A change of sweep `name` (owner label `owner`) that the team catalog's policies refused — an overwrite
 * failing on the UPDATE policy, or a DELETE the policy turned into 0 rows (PostgREST answers that as a
 * success). Only the member whose key wrote the sweep, or the service-role key, may change it.
 */
export function notOwnerError(
  host: string,
  change: 'overwrite' | 'delete',
  sweep: { name: string; owner: string },
  cause?: unknown,
): SyncError {
  return new SyncError(
    'configuration',
    `Supabase at ${host} did not let this key ${change} sweep "${sweep.name}" of owner "${sweep.owner}": it ` +
      'belongs to another member of the team catalog, and only its owner (the member whose key wrote it) ' +
      'or the service-role key may change or delete it.',
    change === 'delete'
      ? settingHint("Ask the sweep's owner to delete it, or use the service_role key.", 'catalog.key')
      : settingHint(
          "Sync it under your own owner name, ask the sweep's owner, or use the service_role key (a lab's sync server).",
          'owner',
          'catalog.key',
        ),
    { cause, code: NOT_OWNER },
  );
}

export function supabaseError(
  error: PostgrestFailure,
  status: number,
  host: string,
  doing: string,
): SyncError {
  const code = error.code ?? '';
  const message = error.message ?? '';
  const details = error.details ?? '';

  // supabase-js reports a failed fetch as status 0 with "TypeError: fetch failed" and the cause in details.
  if (status === 0 || /fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT/i.test(`${message} ${details}`)) {
    const cause = /\((E[A-Z_]+|UND_ERR_[A-Z_]+)\)/.exec(details)?.[1] ?? message;
    return new SyncError(
      'transient',
      `Can't reach Supabase at ${host} (${cause}) while ${doing}.`,
      settingHint('Check the network and the Supabase URL; syncing tries again later.', 'catalog.url'),
      { cause: error },
    );
  }
  if (
    /Invalid API key|No API key|JWS|JWT|Expected 3 parts/i.test(message) ||
    code === 'PGRST301' ||
    code === 'PGRST302' ||
    code === 'PGRST303' ||
    (status === 401 && code !== '42501')
  ) {
    return new SyncError(
      'configuration',
      `Supabase at ${host} rejected the API key (${message || `HTTP ${status}`}).`,
      settingHint("Copy the project's service_role (secret) key from Project Settings → API.", 'catalog.key'),
      { cause: error },
    );
  }
  if (isRowSecurityRefusal(error)) {
    // The catalog's policies: a member may change only the sweeps written with their own key.
    return new SyncError(
      'configuration',
      `Supabase at ${host} refused ${doing}: that sweep belongs to another member of the team catalog, and only its owner (or the service-role key) may change it (${message}).`,
      settingHint(
        'Sync it under your own owner name, or ask its owner; a lab sync server uses the service_role key.',
        'owner',
        'catalog.key',
      ),
      { cause: error, code: NOT_OWNER },
    );
  }
  if (code === '42501') {
    return new SyncError(
      'configuration',
      `The Supabase key may not use the Bilancio Sync tables at ${host} (${message}). ` +
        'It is probably the public anon key, which the catalog deliberately gives no access.',
      settingHint('Use the service_role (secret) key.', 'catalog.key'),
      { cause: error },
    );
  }
  if (code === 'PGRST202' || code === 'PGRST205' || code === '42P01' || code === '42883') {
    return missingSchemaError(message);
  }
  if (status === 404) {
    // A 404 that isn't PostgREST's own (no code): the URL leads somewhere else.
    return new SyncError(
      'configuration',
      `${host} answered 404 Not Found for its REST API: the Supabase URL does not look like a Supabase project URL.`,
      'Use the project URL from Project Settings → API, e.g. https://abcdefgh.supabase.co (without /rest/v1).',
      { cause: error },
    );
  }
  if (
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    /^PGRST00[0-3]$/.test(code) || // PostgREST can't reach its database
    code === '57014' || // statement timeout (role timeouts are a few seconds)
    code.startsWith('08') ||
    code.startsWith('53') ||
    code === '40001' ||
    code === '40P01'
  ) {
    return new SyncError(
      'transient',
      `Supabase at ${host} failed while ${doing}: ${message || `HTTP ${status}`}${code ? ` (${code})` : ''}.`,
      'The sync will be retried.',
      { cause: error },
    );
  }
  return new SyncError(
    'internal',
    `Supabase error while ${doing}: ${message || `HTTP ${status}`}${code ? ` (${code})` : ''}`,
    error.hint ?? undefined,
    { cause: error },
  );
}
