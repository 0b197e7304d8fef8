/**
 * What PostgresCatalog and SupabaseCatalog share: the schema version, the write payload handed to
 * bilancio_sync_write_sweep, and the mapping of catalog rows back to the Catalog types. One module, so
 * that both backends send and read exactly the same things.
 */

import type { SweepType } from '../../shared/states.js';
import { JsonText } from '../model/JsonText.js';
import type { CsvRow, Json } from '../model/types.js';
import type { CatalogSweep, CatalogSweepListing, CatalogSweepWrite, RegistryRowWrite } from './Catalog.js';
import { COMPARISON_COLUMNS, typedComparisonValues } from './comparisonColumns.js';

/** The catalog schema version this code writes and reads (bilancio_sync_schema.version). */
export const SCHEMA_VERSION = 1;
/** The migration that creates it, as the Supabase CLI expects it (repo-relative path). */
export const MIGRATION_FILE = 'supabase/migrations/20261126000000_bilancio_sync_catalog.sql';

/**
 * Columns of `sweeps` a list of sweeps reads: not the manifest, config and summary, which can be any size
 * (a 50 MB summary.json) and which a list does not show.
 */
export const LISTING_COLUMNS =
  'sweep_id,owner,name,sweep_type,revision,created_at,synced_at,pairs_total,pairs_completed,total_bytes,archive_bytes,source_host';
/** Columns of `sweeps` getSweep reads (the manifest, possibly large, stays in the database). */
export const SWEEP_COLUMNS = `${LISTING_COLUMNS},config,summary`;

// int columns are bigint: a digit string longer than that could not be stored, and would fail the whole
// write. Like any other cell that isn't a value of its column's type, it becomes null in the typed column
// (its text stays in `original`).
const MAX_BIGINT_DIGITS = 18;

/**
 * The JSON argument of bilancio_sync_write_sweep. Every decimal stays the CSV's own text (a JSON string):
 * nothing here passes through a JS number, and the SQL side casts text to NUMERIC.
 */
export function writePayload(w: CatalogSweepWrite, apart: PayloadApart = {}): Record<string, unknown> {
  // The engine cleans the payload before uploading anything (src/core/engine/preflight.ts, with a warning);
  // this is the last line: PostgreSQL text and jsonb can't hold U+0000 (22P05), whoever built the write.
  return withoutNul(payloadOf(w, apart)) as Record<string, unknown>;
}

/** Fields sent as parameters of their own (PostgresCatalog), null in the payload. */
export interface PayloadApart {
  summary?: boolean;
}

function payloadOf(w: CatalogSweepWrite, apart: PayloadApart): Record<string, unknown> {
  return {
    owner: w.owner,
    name: w.name,
    sweep_type: w.sweepType,
    revision: w.revision,
    created_at: w.createdAt,
    config: w.config,
    // A summary kept as text goes as a parameter of its own where it can (PostgresCatalog); here, a tree.
    summary: apart.summary ? null : w.summary instanceof JsonText ? w.summary.parse() : w.summary,
    pairs_total: w.pairsTotal,
    pairs_completed: w.pairsCompleted,
    manifest: w.manifest,
    total_bytes: w.totalBytes,
    archive_bytes: w.archiveBytes,
    source_host: w.sourceHost,
    comparison_header: w.comparisonHeader,
    comparison_rows: w.comparisonRows.map((row) => ({ ...typedValues(row), original: row })),
    registry_rows: w.registryRows.map((r) => ({
      run_id: r.runId,
      branch: r.branch,
      status: r.status,
      parameters: r.parameters,
    })),
  };
}

/** `v` with every NUL dropped from its strings and keys; `v` itself when it holds none. */
function withoutNul(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('\u0000') ? v.replaceAll('\u0000', '') : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const items = v.map(withoutNul);
    return items.some((y, i) => y !== v[i]) ? items : v;
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, x] of Object.entries(v)) {
    const key = k.includes('\u0000') ? k.replaceAll('\u0000', '') : k;
    const y = withoutNul(x);
    if (y === x && key === k) continue;
    out ??= { ...(v as Record<string, unknown>) };
    if (key !== k) delete out[k];
    Object.defineProperty(out, key, { value: y, enumerable: true, writable: true, configurable: true });
  }
  return out ?? v;
}

function typedValues(row: CsvRow): Record<string, string | null> {
  const values = typedComparisonValues(row);
  for (const col of COMPARISON_COLUMNS) {
    const v = values[col.name];
    if (col.type === 'int' && v != null && v.replace(/^[+-]/, '').length > MAX_BIGINT_DIGITS)
      values[col.name] = null;
  }
  return values;
}

/** A `sweeps` row (LISTING_COLUMNS) as either pg (Dates, bigint as string) or PostgREST (ISO strings, numbers) returns it. */
export interface ListingRecord {
  sweep_id: string;
  owner: string;
  name: string;
  sweep_type: string;
  revision: number;
  created_at: string | Date;
  synced_at: string | Date;
  pairs_total: number | null;
  pairs_completed: number | null;
  total_bytes: string | number;
  archive_bytes: string | number;
  source_host: string;
}

/** A `sweeps` row of SWEEP_COLUMNS. */
export interface SweepRecord extends ListingRecord {
  config: Json | null;
  summary: Json | null;
}

export function toCatalogSweep(r: SweepRecord): CatalogSweep {
  return { ...toCatalogListing(r), config: r.config, summary: r.summary };
}

export function toCatalogListing(r: ListingRecord): CatalogSweepListing {
  return {
    sweepId: r.sweep_id,
    name: r.name,
    owner: r.owner,
    sweepType: r.sweep_type as SweepType,
    revision: r.revision,
    createdAt: toIso(r.created_at),
    syncedAt: toIso(r.synced_at),
    pairsTotal: r.pairs_total,
    pairsCompleted: r.pairs_completed,
    totalBytes: Number(r.total_bytes),
    archiveBytes: Number(r.archive_bytes),
    sourceHost: r.source_host,
  };
}

function toIso(v: string | Date): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/**
 * A comparison row back in the CSV's column order: jsonb sorts object keys, so the header saved with the
 * sweep puts them back (any key not in it keeps its place after).
 */
export function toCsvRow(original: Record<string, string | null>, header: readonly string[]): CsvRow {
  const row: CsvRow = {};
  for (const name of header) if (Object.hasOwn(original, name)) row[name] = original[name] ?? null;
  for (const [name, value] of Object.entries(original)) if (!Object.hasOwn(row, name)) row[name] = value;
  return row;
}

export interface RegistryRecord {
  run_id: string;
  branch: string | null;
  status: string | null;
  parameters: CsvRow;
}

export function toRegistryRow(r: RegistryRecord): RegistryRowWrite {
  return { runId: r.run_id, branch: r.branch, status: r.status, parameters: r.parameters };
}

/** Sweeps are listed newest sync first, then by owner and name: a total order, so pages never overlap. */
export const SWEEP_ORDER = 'synced_at desc, owner, name';

/** A select list that includes owner, which picking the one sweep of a name needs. */
export function withOwner(columns: string): string {
  return columns.split(',').includes('owner') ? columns : `${columns},owner`;
}

export { oneSweep } from './catalogRules.js';
