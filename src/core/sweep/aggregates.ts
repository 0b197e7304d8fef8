import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSyncError } from '../model/errors.js';
import type { CsvTable, Json } from '../model/types.js';
import { parseCsv, parseCsvAsItStands } from './csv.js';
import { parseJsonLossless } from './json.js';
import { type CatalogJson, catalogJsonOfFile } from './jsonBytes.js';
import type { SweepLayout } from './layout.js';
import type { ParsedCsvFiles } from './parsedCsvFiles.js';

/** A JSON file with both its exact text (for byte-identical upload) and its lossless parse. */
export interface JsonFile {
  path: string;
  raw: string;
  data: Json;
}

/**
 * aggregate/summary.json. A summary of any size is read straight into its catalog text (`catalog`): its
 * tree and its exact text are then built only when asked for (`data`, `raw`), which a sync never does
 * (files are uploaded from disk). Without `catalog` — the file is no valid JSON (reported as before), is
 * not valid UTF-8 or holds a NUL (which the catalog's copy must lose with a warning: preflight.ts), or
 * nests deeper than 900 levels — `raw` and `data` are read as they always were (jsonBytes.ts).
 */
export interface SummaryFile extends JsonFile {
  catalog?: CatalogJson;
}

/** Top-level members of summary.json that catalog columns of their own take (engine/catalogWrite.ts). */
export const SUMMARY_FIELDS: readonly string[] = ['config', 'total_pairs', 'completed_pairs'];

const SUMMARY_PATH = 'aggregate/summary.json';

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
  summary: SummaryFile | null;
  /** Every registry/experiments.csv, per branch ('' = ring root), parsed by header name. */
  registries: RegistryTable[];
  jobManifests: JobManifestFile[];
  /** Read as it stands (see ReadAggregatesOptions): what was left out of the catalog, by file and row. */
  warnings?: string[];
  /** Aggregate files whose bytes are not valid UTF-8 (their text holds U+FFFD where those bytes were). */
  invalidUtf8?: string[];
}

export interface ReadAggregatesOptions {
  /**
   * The sweep can't change any more (crashed: old and quiet) and is synced as it stands: a torn or
   * damaged aggregate file is not "still being written" but permanent damage. Its complete rows are
   * kept, the rest is reported in `warnings`; a summary or job manifest that is not valid JSON is left
   * out of the catalog (reported too). The files themselves are stored byte for byte all the same.
   */
  asItStands?: boolean;
  /** Tables the completion check parsed from the same bytes moments ago (see parsedCsvFiles.ts). */
  parsedCsv?: ParsedCsvFiles;
}

/**
 * Read a sweep's aggregate files. Throws SyncError('not-ready') when any of them is half-written, so a
 * caller never stores a prefix of a file bilancio is rewriting.
 */
export async function readAggregates(
  sweepDir: string,
  layout: SweepLayout,
  options: ReadAggregatesOptions = {},
): Promise<SweepAggregates> {
  const warnings: string[] = [];
  const invalidUtf8: string[] = [];
  const decode = (buf: Buffer, rel: string): string => {
    try {
      return STRICT_UTF8.decode(buf);
    } catch {
      invalidUtf8.push(rel);
      return buf.toString('utf8');
    }
  };
  const csv = (text: string, rel: string) => {
    if (!options.asItStands) return parseCsv(text, rel);
    const read = parseCsvAsItStands(text, rel);
    warnings.push(...read.warnings);
    return read.table;
  };
  /** A JSON file; as it stands, one that is torn or not JSON is left out (null) with a warning. */
  const json = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (e) {
      if (
        !options.asItStands ||
        !isSyncError(e) ||
        (e.category !== 'not-ready' && e.category !== 'integrity')
      )
        throw e;
      warnings.push(
        `${e.message.replace(' is still being written (', ' is torn (')}: it was not catalogued (the file is stored as it is)`,
      );
      return null;
    }
  };
  /** A CSV file's table: the completion check's if it parsed these very bytes, else parsed here. */
  const table = (bytes: Buffer, rel: string) => {
    const parsed = options.asItStands ? undefined : options.parsedCsv?.take(rel, bytes);
    if (parsed === undefined) return csv(decode(bytes, rel), rel);
    if (!isUtf8(bytes)) invalidUtf8.push(rel); // as decode would note it (the table is the same)
    return parsed;
  };
  const comparisonBytes = await readOptional(sweepDir, layout.comparisonPath);
  const registries = await Promise.all(
    layout.registries.map(async (r) => ({
      branch: r.branch,
      path: r.path,
      table: table(await readFile(join(sweepDir, r.path)), r.path),
    })),
  );
  const jobManifests = (
    await Promise.all(
      layout.jobManifests.map(async (p) => {
        const raw = decode(await readFile(join(sweepDir, p)), p);
        return json(() => jobManifestOf(p, raw));
      }),
    )
  ).filter((m): m is JobManifestFile => m !== null);
  const summary = await readSummary(sweepDir, decode, json);
  const out: SweepAggregates = {
    comparison:
      comparisonBytes === null
        ? null
        : {
            path: layout.comparisonPath,
            table: table(comparisonBytes, layout.comparisonPath),
          },
    summary,
    registries,
    jobManifests,
  };
  if (warnings.length > 0) out.warnings = warnings;
  if (invalidUtf8.length > 0) out.invalidUtf8 = invalidUtf8;
  return out;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * summary.json (null when there is none): its catalog text, read from the file in pieces, when the byte
 * scanner can give it (any valid summary in UTF-8 without NULs); else text and tree as before (the tree
 * parser also reports a torn or damaged file).
 */
async function readSummary(
  sweepDir: string,
  decode: (buf: Buffer, rel: string) => string,
  json: <T>(read: () => T) => T | null,
): Promise<SummaryFile | null> {
  const file = join(sweepDir, SUMMARY_PATH);
  let catalog: CatalogJson | null;
  try {
    catalog = catalogJsonOfFile(file, SUMMARY_FIELDS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (catalog) return new SummaryText(file, catalog);
  const bytes = await readOptional(sweepDir, SUMMARY_PATH);
  if (bytes === null) return null;
  const raw = decode(bytes, SUMMARY_PATH);
  const data = json(() => parseJsonLossless(raw, SUMMARY_PATH));
  return data === null ? null : { path: SUMMARY_PATH, raw, data };
}

/** A summary kept as its catalog text only; the rest on demand. */
class SummaryText implements SummaryFile {
  readonly path = SUMMARY_PATH;

  constructor(
    private readonly file: string,
    readonly catalog: CatalogJson,
  ) {}

  /** The file's text, read again (it was valid UTF-8 when read). */
  get raw(): string {
    return readFileSync(this.file, 'utf8');
  }

  /** The lossless tree, parsed from the catalog text (the same value: that text is its JSON.stringify). */
  get data(): Json {
    return this.catalog.text === null ? null : this.catalog.text.parse();
  }
}

export async function readJobManifest(sweepDir: string, path: string): Promise<JobManifestFile> {
  return jobManifestOf(path, await readFile(join(sweepDir, path), 'utf8'));
}

function jobManifestOf(path: string, raw: string): JobManifestFile {
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

async function readOptional(dir: string, rel: string): Promise<Buffer | null> {
  try {
    return await readFile(join(dir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
