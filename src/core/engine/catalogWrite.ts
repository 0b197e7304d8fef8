import type { SweepType } from '../../shared/states.js';
import type { JsonText } from '../model/JsonText.js';
import { catalogManifest, type RemoteManifest } from '../model/RemoteManifest.js';
import type { CsvRow, Json } from '../model/types.js';
import type {
  CatalogSweepWrite,
  RegistryRowWrite,
  SweepRowsWrite,
  SweepWriteEnd,
} from '../stores/Catalog.js';
import type { SweepAggregates } from '../sweep/aggregates.js';

/** Turn a sweep's aggregates into the catalog rows of one revision (SPEC §2). */
export function buildCatalogWrite(args: {
  name: string;
  owner: string;
  sweepType: SweepType;
  aggregates: SweepAggregates;
  manifest: RemoteManifest;
}): CatalogSweepWrite {
  const { manifest } = args;
  return {
    ...buildCatalogRows({
      ...args,
      revision: manifest.revision,
      createdAt: manifest.createdAt,
      totalBytes: manifest.stats.totalBytes,
      sourceHost: manifest.sourceHost,
    }),
    ...catalogWriteEnd(manifest),
  };
}

/** The rows of a revision whose manifest is still to be made (Catalog.beginSweepWrite). */
export function buildCatalogRows(args: {
  name: string;
  owner: string;
  sweepType: SweepType;
  aggregates: SweepAggregates;
  revision: number;
  /** As the manifest will say (its createdAt, stats.totalBytes, sourceHost). */
  createdAt: string;
  totalBytes: number;
  sourceHost: string;
}): SweepRowsWrite {
  const { aggregates } = args;
  const { summary, fields } = summaryOf(aggregates);
  const isRing = args.sweepType === 'ring';
  const comparison = aggregates.comparison?.table ?? null;
  return {
    name: args.name,
    owner: args.owner,
    sweepType: args.sweepType,
    revision: args.revision,
    createdAt: args.createdAt,
    config: objectField(fields, 'config') ?? jobManifestConfig(aggregates),
    summary,
    pairsTotal: intField(fields, 'total_pairs') ?? (isRing ? (comparison?.rows.length ?? null) : null),
    pairsCompleted: intField(fields, 'completed_pairs') ?? (isRing ? completedRingRuns(aggregates) : null),
    totalBytes: args.totalBytes,
    sourceHost: args.sourceHost,
    comparisonHeader: isRing ? [] : (comparison?.header ?? []),
    comparisonRows: isRing ? [] : (comparison?.rows ?? []),
    registryRows: registryRows(aggregates, isRing ? (comparison?.rows ?? []) : []),
  };
}

/** What the catalog takes of a revision's manifest. */
export function catalogWriteEnd(manifest: RemoteManifest): SweepWriteEnd {
  return {
    manifest: catalogManifest(manifest),
    archiveBytes: manifest.objects.filter((o) => o.kind === 'archive').reduce((n, o) => n + o.size, 0),
  };
}

/**
 * The summary as the catalog takes it — its catalog text when it was read as such (the tree is never
 * built), else its tree — and where its config and pair counts are read from (the top-level members
 * SUMMARY_FIELDS names, or the tree itself).
 */
function summaryOf(aggregates: SweepAggregates): { summary: Json | JsonText | null; fields: Json | null } {
  const s = aggregates.summary;
  if (!s) return { summary: null, fields: null };
  if (s.catalog) return { summary: s.catalog.text, fields: s.catalog.fields };
  return { summary: s.data, fields: s.data };
}

/**
 * Registry rows of every branch. A ring sweep has no comparison.csv: each results.csv row's metrics are
 * kept with its run (SPEC §2), under their own names, or `result.<name>` where a registry column has it.
 */
function registryRows(aggregates: SweepAggregates, results: CsvRow[]): RegistryRowWrite[] {
  const resultsByRun = new Map(results.filter((r) => r.run_id).map((r) => [r.run_id as string, r]));
  const rows: RegistryRowWrite[] = [];
  const seen = new Set<string>();
  for (const registry of aggregates.registries) {
    for (const row of registry.table.rows) {
      const runId = row.run_id;
      if (!runId || seen.has(runId)) continue; // a run listed twice (resume) is one run: first wins
      seen.add(runId);
      const result = resultsByRun.get(runId);
      if (result) resultsByRun.delete(runId);
      rows.push({
        runId,
        branch: registry.branch === '' ? null : registry.branch,
        status: row.status ?? null,
        // The registry's own row where there is nothing to add (a balanced sweep): the catalog only
        // reads it, and a copy of each of the 10x sweep's 12,500 rows held ~9 MB through the uploads.
        parameters: result ? withResults(row, result) : row,
      });
    }
  }
  // Results whose run has no registry row (older ring sweeps) are kept as rows of their own.
  for (const [runId, result] of resultsByRun) {
    rows.push({ runId, branch: null, status: null, parameters: { ...result } });
  }
  return rows;
}

/**
 * A run's registry row with its results.csv metrics, as a fresh object filled key by key, not
 * `{ ...row }` and then the result's keys: V8 gives each spread copy a shape of its own, and adding 19
 * keys to each of a ring sweep's 1,250 copies took ~70 ms of its sync against ~10 ms this way.
 */
function withResults(row: CsvRow, result: CsvRow): CsvRow {
  const parameters: CsvRow = {};
  for (const k of Object.keys(row)) parameters[k] = row[k] as string | null;
  for (const [k, v] of Object.entries(result)) parameters[k in row ? `result.${k}` : k] = v;
  return parameters;
}

function completedRingRuns(aggregates: SweepAggregates): number | null {
  if (aggregates.registries.length === 0) return null;
  return aggregates.registries.reduce(
    (n, r) => n + r.table.rows.filter((x) => x.status === 'completed').length,
    0,
  );
}

function jobManifestConfig(aggregates: SweepAggregates): Json | null {
  for (const m of aggregates.jobManifests) {
    const config = objectField(m.data, 'config');
    if (config) return config;
  }
  return null;
}

function objectField(value: Json | null, key: string): Json | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value[key];
  return v !== undefined && v !== null && typeof v === 'object' ? v : null;
}

function intField(value: Json | null, key: string): number | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value[key];
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}
