/**
 * One error type for everything the user can meet. The category decides the CLI exit code and
 * tells a shell or the tray how to react (retry later, fix the config, stop and look); the hint
 * says in plain words what to do next.
 */
export type ErrorCategory =
  | 'usage' // the command line or request is wrong
  | 'configuration' // a setting is missing or wrong (bad key, unknown bucket, unapplied migration)
  | 'transient' // network, server busy, destination down: retrying later can succeed
  | 'integrity' // bytes don't match their hash, hostile or corrupt archive
  | 'not-ready' // the sweep is still being written, crashed, or failed
  | 'not-found' // no such sweep / revision / object
  | 'conflict' // would overwrite existing files, or the sweep changed while it was read
  | 'internal';

export const EXIT_CODES: Record<ErrorCategory, number> = {
  usage: 2,
  configuration: 3,
  transient: 4,
  integrity: 5,
  'not-ready': 6,
  'not-found': 7,
  conflict: 8,
  internal: 1,
};

export class SyncError extends Error {
  readonly category: ErrorCategory;
  readonly hint: string | undefined;

  constructor(category: ErrorCategory, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncError';
    this.category = category;
    this.hint = hint;
  }
}

export function isSyncError(e: unknown): e is SyncError {
  return e instanceof SyncError;
}

/** Wrap anything thrown into a SyncError, keeping SyncErrors as they are. */
export function toSyncError(e: unknown, fallback: ErrorCategory = 'internal'): SyncError {
  if (e instanceof SyncError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SyncError(fallback, message, undefined, { cause: e });
}
