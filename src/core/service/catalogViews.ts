/**
 * The synced sweeps as the catalog and the store know them: search, one sweep's page (its catalog row,
 * revisions, objects and files), and its comparison and registry rows. A sweep's revisions, objects and
 * files come from the store's manifests, so they answer while the catalog is unreachable; the catalog's
 * part then says why it is missing.
 */
import type { CommandInput, CommandResponse } from '../../shared/commands.js';
import { RevisionKeeper } from '../engine/RevisionKeeper.js';
import type { Journal } from '../journal/Journal.js';
import { SyncError, toSyncError } from '../model/errors.js';
import type { RemoteManifest } from '../model/RemoteManifest.js';
import { findRevision } from '../restore/Restorer.js';
import type { Catalog, CatalogSweepListing } from '../stores/Catalog.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import { queryRows, type Row } from './rows.js';
import { localSweep } from './views.js';

export function catalogSummary(s: CatalogSweepListing) {
  return {
    name: s.name,
    owner: s.owner,
    sweepType: s.sweepType,
    revision: s.revision,
    createdAt: s.createdAt,
    syncedAt: s.syncedAt,
    pairsTotal: s.pairsTotal,
    pairsCompleted: s.pairsCompleted,
    totalBytes: s.totalBytes,
    archiveBytes: s.archiveBytes,
    sourceHost: s.sourceHost,
  };
}

export function revisionSummary(m: RemoteManifest) {
  return {
    revision: m.revision,
    syncedAt: m.syncedAt,
    full: m.full,
    files: m.files.length,
    bytes: m.stats.totalBytes,
    comparisonRows: m.stats.comparisonRows,
    warnings: m.warnings,
    sourceHost: m.sourceHost,
    sourcePath: m.sourcePath,
  };
}

/** Every sweep listed once, for searching in memory (catalogs hold hundreds, not millions). */
const SEARCH_LIMIT = 100_000;

export async function searchSweeps(
  catalog: Catalog,
  owner: string,
  q: CommandInput<'sweeps.search'>,
): Promise<CommandResponse<'sweeps.search'>> {
  const all = await catalog.listSweeps({
    type: q.type,
    owner: q.allOwners ? undefined : owner,
    limit: SEARCH_LIMIT,
  });
  const text = q.query?.trim().toLowerCase();
  const after = q.syncedAfter ? Date.parse(q.syncedAfter) : null;
  const before = q.syncedBefore ? Date.parse(q.syncedBefore) : null;
  for (const [field, t] of [
    ['syncedAfter', after],
    ['syncedBefore', before],
  ] as const) {
    if (t !== null && Number.isNaN(t))
      throw new SyncError(
        'usage',
        `${field} is not a date.`,
        { text: 'Use a date like 2026-11-30.' },
        { field },
      );
  }
  const hits = all.filter(
    (s) =>
      (!text || s.name.toLowerCase().includes(text)) &&
      (after === null || Date.parse(s.syncedAt) >= after) &&
      (before === null || Date.parse(s.syncedAt) <= before),
  );
  return { items: hits.slice(q.offset, q.offset + q.limit).map(catalogSummary), total: hits.length };
}

export async function listRevisions(store: ObjectStore, name: string): Promise<RemoteManifest[]> {
  const all = await new RevisionKeeper(store, name).all();
  if (all.length === 0) {
    throw new SyncError(
      'not-found',
      `There is no synced sweep named "${name}" in ${store.description}.`,
      { text: 'Look at the list of synced sweeps for the right name.', action: { kind: 'list-sweeps' } },
      { code: 'sweep-not-found' },
    );
  }
  return all.sort((a, b) => a.revision - b.revision);
}

export async function sweepDetail(
  store: ObjectStore,
  openCatalog: () => Promise<Catalog>,
  journal: Journal | null,
  owner: string,
  q: CommandInput<'sweeps.get'>,
): Promise<CommandResponse<'sweeps.get'>> {
  const revisions = await listRevisions(store, q.name);
  const shown =
    q.revision === undefined
      ? revisions[revisions.length - 1]!
      : revisions.find((m) => m.revision === q.revision);
  if (!shown) {
    throw new SyncError(
      'not-found',
      `${q.name} has no revision ${q.revision}; kept revisions: ${revisions.map((m) => m.revision).join(', ')}.`,
      {
        text: 'Choose one of those revisions.',
        action: { kind: 'choose-revision', sweep: q.name, revisions: revisions.map((m) => m.revision) },
      },
      { code: 'revision-not-found', field: 'revision' },
    );
  }
  let catalogRow: CommandResponse<'sweeps.get'>['catalog'] = null;
  let catalogError: CommandResponse<'sweeps.get'>['catalogError'] = null;
  try {
    const row = await (await openCatalog()).getSweep(q.name, q.owner ?? owner);
    if (row) catalogRow = { ...catalogSummary(row), config: row.config, summary: row.summary };
  } catch (e) {
    catalogError = toSyncError(e).toAppError();
  }
  const local = journal?.sweeps.byName(q.name) ?? null;
  return {
    name: q.name,
    catalog: catalogRow,
    catalogError,
    revisions: revisions.map(revisionSummary),
    revision: shown.revision,
    objects: shown.objects.map((o) => ({
      key: o.key,
      size: o.size,
      sha256: o.sha256,
      kind: o.kind,
      branch: o.branch ?? null,
      files: o.files.length,
    })),
    fileCount: shown.files.length,
    fileBytes: shown.files.reduce((n, f) => n + f.size, 0),
    branches: shown.objects.flatMap((o) => (o.kind === 'archive' && o.branch ? [o.branch] : [])),
    local: local ? localSweep(local) : null,
  };
}

/**
 * One page of a revision's files, in path order, optionally those whose path contains `filter` (any
 * case), each with the object that holds it. Read from the store's manifest (the catalog isn't needed).
 */
export async function sweepFiles(
  store: ObjectStore,
  q: CommandInput<'sweeps.files'>,
): Promise<CommandResponse<'sweeps.files'>> {
  const manifest = await findRevision(store, q.name, q.revision);
  const holder = new Map<string, string>();
  for (const o of manifest.objects) for (const p of o.files) holder.set(p, o.key);
  const f = q.filter?.trim().toLowerCase();
  const matching = (f ? manifest.files.filter((x) => x.path.toLowerCase().includes(f)) : manifest.files)
    .slice()
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    name: q.name,
    revision: manifest.revision,
    total: matching.length,
    files: matching.slice(q.offset, q.offset + q.limit).map((x) => ({
      path: x.path,
      size: x.size,
      sha256: x.sha256,
      object: holder.get(x.path) ?? x.path,
    })),
  };
}

/** The rows of one sweep, fetched once per revision and kept for paging and re-sorting (a table scrolls). */
export class RowCache {
  private readonly entries = new Map<string, { columns: string[]; rows: Row[] }>();

  async get(key: string, load: () => Promise<{ columns: string[]; rows: Row[] }>) {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const value = await load();
    this.entries.set(key, value);
    if (this.entries.size > 8) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

export async function comparisonRows(
  catalog: Catalog,
  cache: RowCache,
  owner: string,
  q: CommandInput<'sweeps.comparisonRows'>,
): Promise<CommandResponse<'sweeps.comparisonRows'>> {
  const who = q.owner ?? owner;
  const sweep = await requireCatalogSweep(catalog, q.sweep, who);
  const data = await cache.get(`comparison:${who}:${q.sweep}:${sweep.revision}`, async () => {
    const rows = await catalog.listComparisonRows(q.sweep, { owner: who });
    return { columns: columnsOf(rows), rows };
  });
  return queryRows(data.columns, data.rows, q);
}

export async function registryRows(
  catalog: Catalog,
  cache: RowCache,
  owner: string,
  q: CommandInput<'sweeps.registryRows'>,
): Promise<CommandResponse<'sweeps.registryRows'>> {
  const who = q.owner ?? owner;
  const sweep = await requireCatalogSweep(catalog, q.sweep, who);
  const data = await cache.get(`registry:${who}:${q.sweep}:${sweep.revision}`, async () => {
    const rows = (await catalog.listRegistryRows(q.sweep, { owner: who })).map(
      (r): Row => ({ run_id: r.runId, branch: r.branch, status: r.status, ...r.parameters }),
    );
    return { columns: columnsOf(rows), rows };
  });
  return queryRows(data.columns, data.rows, q);
}

/** The sweep's row without its config and summary: only its revision is needed (to key the row cache). */
async function requireCatalogSweep(
  catalog: Catalog,
  name: string,
  owner: string,
): Promise<CatalogSweepListing> {
  const row = await catalog.getSweepListing(name, owner);
  if (!row) {
    throw new SyncError(
      'not-found',
      `There is no sweep named "${name}" in ${catalog.description}.`,
      { text: 'Look at the list of synced sweeps for the right name.', action: { kind: 'list-sweeps' } },
      { code: 'sweep-not-found', field: 'sweep' },
    );
  }
  return row;
}

/** Columns in file order: the first row's, then any a later row adds (registries of several branches). */
function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}
