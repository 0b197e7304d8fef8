/**
 * The backend-neutral catalog contract (catalogContract.ts) on the SQLite catalog, a fresh temp file per
 * case. PostgresCatalog and SupabaseCatalog run the same contract from their own files in test/stores-pg,
 * which start the embedded PostgreSQL server (and the PostgREST double) it needs, and add the checks of
 * their tables; SQLite's own (its file, its typed TEXT columns, WAL) stay in test/stores-local.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { SqliteCatalog } from '../../src/core/stores/SqliteCatalog.js';
import { catalogContract } from './catalogContract.js';

describe('SqliteCatalog on a temp file keeps the Catalog contract', () => {
  const dirs: string[] = [];
  let catalog: SqliteCatalog;
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bsync-contract-catalog-'));
    dirs.push(dir);
    catalog = new SqliteCatalog(join(dir, 'catalog.sqlite'));
    await catalog.open();
  });
  afterEach(async () => {
    await catalog?.close();
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  catalogContract(() => catalog);
});
