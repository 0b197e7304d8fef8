import type { SweepType } from '../../shared/states.js';
import type { JsonText } from '../model/JsonText.js';
import type { CatalogManifest } from '../model/RemoteManifest.js';
import type { CsvRow, Json } from '../model/types.js';

/** One registry row with the branch it came from (null for a ring sweep's root registry). */
export interface RegistryRowWrite {
  runId: string;
  branch: string | null;
  status: string | null;
  /** The registry row as parsed (every column, original text). For a ring sweep, the results.csv row's
   *  columns are merged in under their own names (prefixed `result.` where a name collides). */
  parameters: CsvRow;
}

/** Everything one sync writes to the catalog for one sweep revision: replaces what was there. */
export interface CatalogSweepWrite {
  name: string;
  owner: string;
  sweepType: SweepType;
  revision: number;
  /** When the sweep was created (earliest file mtime), ISO 8601. */
  createdAt: string;
  config: Json | null;
  /** The summary's tree, or its text (a summary read from a file: no tree of it is ever built). */
  summary: Json | JsonText | null;
  pairsTotal: number | null;
  pairsCompleted: number | null;
  /** The revision's manifest without its per-file lists (see CatalogManifest). */
  manifest: CatalogManifest;
  totalBytes: number;
  archiveBytes: number;
  sourceHost: string;
  /** comparison.csv (or an aggregate-only sweep's comparison.csv) rows, by header name. Empty for ring. */
  comparisonHeader: string[];
  comparisonRows: CsvRow[];
  registryRows: RegistryRowWrite[];
}

/** The part of a sweep write known before its archives are uploaded: everything but the manifest. */
export type SweepRowsWrite = Omit<CatalogSweepWrite, 'manifest' | 'archiveBytes'>;

/** What only the finished upload knows: the revision's manifest and the bytes of its archives. */
export type SweepWriteEnd = Pick<CatalogSweepWrite, 'manifest' | 'archiveBytes'>;

/**
 * A writeSweep begun before its manifest is known (Catalog.beginSweepWrite). Nothing of it is visible
 * until `finish`; a write never finished leaves the catalog as it was.
 */
export interface PendingSweepWrite {
  /** Completes the write: the same outcome as writeSweep of the rows with `end`, and its errors. */
  finish(end: SweepWriteEnd): Promise<{ sweepId: string }>;
  /** Drops the write (the sync failed): the catalog keeps what it had. Never rejects. */
  abandon(): Promise<void>;
}

/**
 * A sweep's row without its config and summary, which can be any size (a summary.json of 50 MB): what a
 * list of sweeps and a check of a sweep's revision read.
 */
export interface CatalogSweepListing {
  sweepId: string;
  name: string;
  owner: string;
  sweepType: SweepType;
  revision: number;
  createdAt: string;
  syncedAt: string;
  pairsTotal: number | null;
  pairsCompleted: number | null;
  totalBytes: number;
  archiveBytes: number;
  sourceHost: string;
}

export interface CatalogSweep extends CatalogSweepListing {
  config: Json | null;
  summary: Json | null;
}

export interface Page {
  limit?: number;
  offset?: number;
}

/**
 * Where aggregate results become queryable rows. Implementations: SqliteCatalog (embedded default),
 * PostgresCatalog (direct URL), SupabaseCatalog (supabase-js + rpc). Same tables, same semantics.
 *
 * writeSweep is atomic (all rows or none) and idempotent (the same write twice leaves one copy):
 * it replaces the sweep's comparison and registry rows with the ones given.
 */
export interface Catalog {
  readonly description: string;
  /** Connect and check (or apply) the schema. Throws SyncError('configuration') with what to run if the
   *  schema is missing or too old. */
  open(): Promise<void>;
  writeSweep(write: CatalogSweepWrite): Promise<{ sweepId: string }>;
  /**
   * writeSweep in two steps, for a sync: the rows as its uploads start, the manifest once they are done.
   * A catalog may send the rows meanwhile (PostgresCatalog: in a transaction that `finish` commits) or
   * keep them and write them whole at `finish` (deferredSweepWrite.ts).
   */
  beginSweepWrite(rows: SweepRowsWrite): PendingSweepWrite;
  listSweeps(query?: { type?: SweepType; owner?: string } & Page): Promise<CatalogSweepListing[]>;
  getSweep(name: string, owner?: string): Promise<CatalogSweep | null>;
  /** getSweep without the config and summary (which are not even read). */
  getSweepListing(name: string, owner?: string): Promise<CatalogSweepListing | null>;
  /** The original comparison rows (every column, original text), in file order. */
  listComparisonRows(name: string, page?: Page & { owner?: string }): Promise<CsvRow[]>;
  listRegistryRows(name: string, page?: Page & { owner?: string }): Promise<RegistryRowWrite[]>;
  /** Delete a sweep and its rows (used by tests and by `forget`). */
  deleteSweep(name: string, owner?: string): Promise<void>;
  close(): Promise<void>;
}
