import { SyncError } from '../errors.js';

/**
 * The one sweep called `name` among `rows` (all sweeps of that name, or of that name and owner). Every
 * catalog backend applies this rule: without an owner a name held by several owners is ambiguous, a usage
 * error, never a silent pick of someone's sweep.
 */
export function oneSweep<T extends { owner: string }>(name: string, rows: T[]): T | null {
  if (rows.length > 1) {
    throw new SyncError(
      'usage',
      `Several owners have a sweep named "${name}" (${rows.map((r) => r.owner).join(', ')}).`,
      'Set BILANCIO_SYNC_OWNER to the owner whose sweep you mean.',
    );
  }
  return rows[0] ?? null;
}
