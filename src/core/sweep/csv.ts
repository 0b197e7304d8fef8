import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import { SyncError } from '../model/errors.js';
import type { CsvRow, CsvTable } from '../model/types.js';

/**
 * Lossless CSV reading for bilancio's aggregate files.
 *
 * Every cell keeps its exact text (no casting): Python prints decimals such as `0E-28` or
 * `0.4861497874835116517660852997` that a JS number would change, booleans are `True`/`False`, and the
 * dealer-comparison file has JSON objects inside quoted cells. Only an empty cell becomes null.
 *
 * Bilancio rewrites these files in place after every pair (no temp file + rename), so a reader can meet a
 * prefix of the file. Anything that can only be a prefix is reported as SyncError('not-ready'): an empty
 * file, a last line without its line ending (bilancio ends every line with CRLF), an unterminated quote,
 * or a last row with fewer cells than the header. A file cut exactly at a line end cannot be told apart
 * from a complete one; the settle window of the completion check covers that case.
 */
export function parseCsv(text: string, file = 'CSV file'): CsvTable {
  const notReady = (why: string) =>
    new SyncError(
      'not-ready',
      `${file} is still being written (${why})`,
      'bilancio rewrites this file after every pair; wait until the sweep is finished and quiet.',
    );

  if (text.trim() === '') throw notReady('it is empty');
  if (!text.endsWith('\n')) throw notReady('its last line is not terminated');

  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      // A blank line carries no data; Python's csv module never writes one inside a table.
      skip_empty_lines: true,
    });
  } catch (e) {
    if (e instanceof CsvError && e.code === 'CSV_QUOTE_NOT_CLOSED')
      throw notReady('a quoted cell is not closed');
    throw new SyncError('integrity', `${file} is not a valid CSV file: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }

  const header = records[0];
  if (!header) throw notReady('it has no header line');
  const seen = new Set<string>();
  for (const name of header) {
    // Rows are keyed by header name, so a repeated name would silently lose a column.
    if (seen.has(name)) throw new SyncError('integrity', `${file} has the column "${name}" twice`);
    seen.add(name);
  }

  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i]!;
    if (cells.length < header.length) {
      // Only the last row can be a prefix of a row being written; a short row elsewhere is damage.
      if (i === records.length - 1)
        throw notReady(`its last row has ${cells.length} of ${header.length} cells`);
      throw new SyncError(
        'integrity',
        `${file} row ${i} has ${cells.length} cells but the header has ${header.length}`,
      );
    }
    if (cells.length > header.length) {
      throw new SyncError(
        'integrity',
        `${file} row ${i} has ${cells.length} cells but the header has ${header.length}`,
      );
    }
    rows.push(toRow(header, cells));
  }
  return { header: [...header], rows };
}

function toRow(header: string[], cells: string[]): CsvRow {
  const row: CsvRow = {};
  for (let c = 0; c < header.length; c++) {
    const cell = cells[c]!;
    // defineProperty, not assignment: a column named `__proto__` must stay an ordinary key.
    Object.defineProperty(row, header[c]!, {
      value: cell === '' ? null : cell,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return row;
}

/** Read and parse a CSV file; `displayName` (usually the sweep-relative path) names it in errors. */
export async function readCsvFile(path: string, displayName = path): Promise<CsvTable> {
  const text = await readFile(path, 'utf8');
  return parseCsv(text, displayName);
}
