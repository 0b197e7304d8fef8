import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CsvTable, Json } from '../model/types.js';
import { parseCsv } from './csv.js';
import { parseJsonLossless } from './json.js';
import type { SweepLayout } from './layout.js';

/** A JSON file with both its exact text (for byte-identical upload) and its lossless parse. */
export interface JsonFile {
  path: string;
  raw: string;
  data: Json;
}

export interface JobManifestFile extends JsonFile {
  /** `{job_id}` folder name. */
  jobId: string;
  /** The manifest's "status" (pending|running|completed|failed), or null when absent/not a string. */
  status: string | null;
}

export interface RegistryTable {
  branch: string;
  path: string;
  table: CsvTable;
}

/** Everything a sync sends to the catalog. Paths are sweep-relative. Missing files are null / absent. */
export interface SweepAggregates {
  /** aggregate/comparison.csv, or aggregate/results.csv for a ring sweep. */
  comparison: { path: string; table: CsvTable } | null;
  /** aggregate/summary.json. */
  summary: JsonFile | null;
  /** Every registry/experiments.csv, per branch ('' = ring root), parsed by header name. */
  registries: RegistryTable[];
  jobManifests: JobManifestFile[];
}

/**
 * Read a sweep's aggregate files. Throws SyncError('not-ready') when any of them is half-written, so a
 * caller never stores a prefix of a file bilancio is rewriting.
 */
export async function readAggregates(sweepDir: string, layout: SweepLayout): Promise<SweepAggregates> {
  const [comparisonText, summaryRaw] = await Promise.all([
    readOptional(sweepDir, layout.comparisonPath),
    readOptional(sweepDir, 'aggregate/summary.json'),
  ]);
  const registries = await Promise.all(
    layout.registries.map(async (r) => ({
      branch: r.branch,
      path: r.path,
      table: parseCsv(await readFile(join(sweepDir, r.path), 'utf8'), r.path),
    })),
  );
  const jobManifests = await Promise.all(layout.jobManifests.map((p) => readJobManifest(sweepDir, p)));
  return {
    comparison:
      comparisonText === null
        ? null
        : { path: layout.comparisonPath, table: parseCsv(comparisonText, layout.comparisonPath) },
    summary:
      summaryRaw === null
        ? null
        : {
            path: 'aggregate/summary.json',
            raw: summaryRaw,
            data: parseJsonLossless(summaryRaw, 'aggregate/summary.json'),
          },
    registries,
    jobManifests,
  };
}

export async function readJobManifest(sweepDir: string, path: string): Promise<JobManifestFile> {
  const raw = await readFile(join(sweepDir, path), 'utf8');
  const data = parseJsonLossless(raw, path);
  const status =
    data !== null && typeof data === 'object' && !Array.isArray(data) && typeof data.status === 'string'
      ? data.status
      : null;
  return { path, jobId: path.slice(0, path.indexOf('/')), raw, data, status };
}

/** Rows of the comparison table (results.csv for ring), or null when there is none yet. */
export function countComparisonRows(from: SweepAggregates | { aggregates: SweepAggregates }): number | null {
  const a = 'aggregates' in from ? from.aggregates : from;
  return a.comparison ? a.comparison.table.rows.length : null;
}

/** Rows over every registry: keeps growing across resumes, unlike comparison.csv. */
export function countRegistryRows(from: SweepAggregates | { aggregates: SweepAggregates }): number {
  const a = 'aggregates' in from ? from.aggregates : from;
  return a.registries.reduce((n, r) => n + r.table.rows.length, 0);
}

async function readOptional(dir: string, rel: string): Promise<string | null> {
  try {
    return await readFile(join(dir, rel), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
