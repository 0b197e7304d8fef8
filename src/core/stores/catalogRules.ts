import { SyncError, settingHint } from '../model/errors.js';
import type { Page } from './Catalog.js';

/**
 * A page's limit and offset, checked the same for every backend: whole numbers ≥ 0 (a bad one is a usage
 * error, never a database error or a silently empty page). No limit is -1, SQLite's "all".
 */
export function paging(page: Page): { limit: number; offset: number } {
  const limit = page.limit ?? -1;
  const offset = page.offset ?? 0;
  for (const [what, n] of [
    ['limit', page.limit],
    ['offset', page.offset],
  ] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      throw new SyncError('usage', `A page ${what} must be a whole number ≥ 0, not ${n}.`);
    }
  }
  return { limit, offset };
}

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
