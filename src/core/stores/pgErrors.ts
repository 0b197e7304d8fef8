/**
 * Turns what node-postgres throws into a SyncError the user can act on. Messages name the host and port,
 * the user and the setting to fix, never the password or the full URL.
 */
import { SyncError, settingHint } from '../model/errors.js';
import { MIGRATION_FILE } from './pgCatalogRows.js';

/** The environment variable holding the direct Postgres URL of the catalog. */

export interface PgTarget {
  /** host:port */
  host: string;
  user: string;
  database: string;
}

// Network failures: retrying later can succeed.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

export function pgError(e: unknown, target: PgTarget, doing: string): SyncError {
  if (e instanceof SyncError) return e;
  const err = e as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  // Happy-eyeballs connects throw an AggregateError whose parts carry the codes.
  const codes = [
    code,
    ...(Array.isArray(err?.errors) ? err.errors.map((x: { code?: unknown }) => x?.code) : []),
  ];

  if (
    codes.some((c) => typeof c === 'string' && UNREACHABLE.has(c)) ||
    /timeout expired|connection timeout|Connection terminated/i.test(message) ||
    code.startsWith('08') || // connection exceptions
    code === '57P01' || // admin shutdown
    code === '57P02' ||
    code === '57P03' || // cannot connect now (starting up)
    code.startsWith('53') || // too many connections, out of memory or disk
    code === '40001' || // serialization failure
    code === '40P01' // deadlock
  ) {
    const why = codes.find((c) => typeof c === 'string' && c !== '') ?? message;
    return new SyncError(
      'transient',
      `Can't reach the database at ${target.host} (${why}) while ${doing}.`,
      'Check that the server is running and reachable from this machine; syncing tries again later.',
      { cause: e },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new SyncError(
      'configuration',
      `The database at ${target.host} refused user "${target.user}": wrong password or user not allowed.`,
      settingHint('Check the user and password in the PostgreSQL URL.', 'catalog.databaseUrl'),
      { cause: e },
    );
  }
  if (code === '3D000') {
    return new SyncError(
      'configuration',
      `The database "${target.database}" does not exist on ${target.host}.`,
      settingHint('Create it, or fix the database name in the PostgreSQL URL.', 'catalog.databaseUrl'),
      { cause: e },
    );
  }
  if (code === '42501') {
    return new SyncError(
      'configuration',
      `User "${target.user}" may not do this on ${target.host} while ${doing}: ${message}`,
      `Grant the user rights on the Bilancio Sync tables, or have the database owner apply ${MIGRATION_FILE}.`,
      { cause: e },
    );
  }
  if (/SSL|certificate/i.test(message)) {
    return new SyncError(
      'configuration',
      `TLS to the database at ${target.host} failed: ${message}`,
      settingHint(
        'Adjust sslmode in the PostgreSQL URL (e.g. ?sslmode=require, or ?sslmode=disable for a local server).',
        'catalog.databaseUrl',
      ),
      { cause: e },
    );
  }
  return new SyncError(
    'internal',
    `Database error while ${doing}: ${message}${code ? ` (${code})` : ''}`,
    undefined,
    {
      cause: e,
    },
  );
}
