import { SyncError } from '../model/errors.js';
import { fromOsError } from '../model/osErrors.js';

/** Node's errno code of a file system error, or ''. */
export function errnoCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A file system error met by the local object store, in the user's terms. */
export function localFsError(e: unknown, root: string, doing: string): SyncError {
  if (e instanceof SyncError) return e;
  const code = errnoCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  const options = { cause: e };
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'EMFILE':
    case 'ENFILE':
    case 'EIO':
      // The same words as everywhere else (src/core/model/osErrors.ts); the store folder is a setting.
      return fromOsError(e, { path: root, doing: `${doing} in the local store`, role: 'setting' });
    case 'EISDIR':
    case 'ENOTDIR':
    case 'EEXIST':
      return new SyncError(
        'conflict',
        `The local store ${root} can't hold this key (${doing}): one key is a folder of another.`,
        'Keys like "a" and "a/b" can both exist in S3 but not in a folder; use another prefix.',
        options,
      );
    case 'EBUSY':
    case 'EAGAIN':
    case 'ETIMEDOUT':
      return new SyncError(
        'transient',
        `The local store ${root} failed (${doing}): ${detail}`,
        undefined,
        options,
      );
    default:
      return new SyncError(
        'internal',
        `The local store ${root} failed (${doing}): ${detail}`,
        undefined,
        options,
      );
  }
}
