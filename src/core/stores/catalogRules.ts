import { SyncError, settingHint } from '../model/errors.js';

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
      settingHint('Set the owner to the one whose sweep you mean.', 'owner'),
    );
  }
  return rows[0] ?? null;
}
