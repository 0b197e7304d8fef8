import type { Catalog, PendingSweepWrite, SweepRowsWrite } from './Catalog.js';

/**
 * Catalog.beginSweepWrite for a catalog that gains nothing from sending the rows early: they are kept
 * and written whole, in one writeSweep, at `finish`. SQLite writes on the calling thread (a transaction
 * held open through the uploads would lock out every other writer of the file), and supabase-js sends
 * each request as a transaction of its own (PostgREST), so there is no transaction to hold.
 */
export function deferredSweepWrite(
  catalog: Pick<Catalog, 'writeSweep'>,
  rows: SweepRowsWrite,
): PendingSweepWrite {
  return {
    finish: (end) => catalog.writeSweep({ ...rows, ...end }),
    abandon: async () => {},
  };
}
