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
  return parseCsvChecked(text, file, null);
}

/**
 * Parse a CSV file that can't change any more (a crashed sweep, old and quiet) as it stands: a torn
 * end (a last line cut off, an unclosed quote, a short last row) and damaged rows (too few or too many
 * cells) are left out and reported in `warnings` (file and row), the complete rows are kept. The file
 * itself is stored byte for byte; only the catalog misses the torn part.
 */
export function parseCsvAsItStands(text: string, file = 'CSV file'): { table: CsvTable; warnings: string[] } {
  const warnings: string[] = [];
  let body = text;
  if (body.trim() === '') {
    warnings.push(`${file} is empty: nothing of it was catalogued (the file is stored as it is)`);
    return { table: { header: [], rows: [] }, warnings };
  }
  const cut = (why: string) => {
    const end = body.lastIndexOf('\n', body.length - 2);
    const dropped = body.length - (end + 1);
    body = body.slice(0, end + 1);
    warnings.push(`${file} is torn (${why}): its last ${dropped} characters were not catalogued`);
  };
  if (!body.endsWith('\n')) cut('its last line is not terminated');
  // An unclosed quote swallows every line after it: drop whole lines from the end until it parses.
  for (let i = 0; i < 10_000 && body !== ''; i++) {
    try {
      const table = parseCsvChecked(body, file, warnings);
      return { table, warnings };
    } catch (e) {
      if (!(e instanceof SyncError && e.code === 'csv-unclosed-quote')) throw e;
      cut('a quoted cell is not closed');
    }
  }
  warnings.push(`${file} has no complete line: nothing of it was catalogued (the file is stored as it is)`);
  return { table: { header: [], rows: [] }, warnings };
}

/** How csv-parse reads bilancio's tables; splitPlainCsv gives the same records where it applies. */
export const CSV_PARSE_OPTIONS = {
  bom: true,
  relax_column_count: true,
  // A blank line carries no data; Python's csv module never writes one inside a table.
  skip_empty_lines: true,
} as const;

/** `lenient`: null = strict (throw); an array = leave out torn or damaged rows and report them there. */
function parseCsvChecked(text: string, file: string, lenient: string[] | null): CsvTable {
  const notReady = (why: string) =>
    new SyncError(
      'not-ready',
      `${file} is still being written (${why})`,
      'bilancio rewrites this file after every pair; wait until the sweep is finished and quiet.',
    );

  if (lenient && text.trim() === '') return { header: [], rows: [] };
  if (text.trim() === '') throw notReady('it is empty');
  if (!text.endsWith('\n')) throw notReady('its last line is not terminated');

  let records: string[][] | null = splitPlainCsv(text);
  try {
    records ??= parse(text, CSV_PARSE_OPTIONS);
  } catch (e) {
    if (e instanceof CsvError && e.code === 'CSV_QUOTE_NOT_CLOSED') {
      if (lenient)
        throw new SyncError('not-ready', `${file}: a quoted cell is not closed`, undefined, {
          code: 'csv-unclosed-quote',
        });
      throw notReady('a quoted cell is not closed');
    }
    throw new SyncError('integrity', `${file} is not a valid CSV file: ${(e as Error).message}`, undefined, {
      cause: e,
      code: 'sweep-damaged',
    });
  }

  const header = records[0];
  if (!header && lenient) return { header: [], rows: [] };
  if (!header) throw notReady('it has no header line');
  const seen = new Set<string>();
  for (const name of header) {
    // Rows are keyed by header name, so a repeated name would silently lose a column.
    if (seen.has(name))
      throw new SyncError('integrity', `${file} has the column "${name}" twice`, undefined, {
        code: 'sweep-damaged',
      });
    seen.add(name);
  }

  const rows: CsvRow[] = [];
  const toRow = rowMaker(header);
  for (let i = 1; i < records.length; i++) {
    const cells = records[i]!;
    if (lenient && cells.length !== header.length) {
      lenient.push(
        i === records.length - 1 && cells.length < header.length
          ? `${file} is torn: its last row (row ${i}) has ${cells.length} of ${header.length} cells and was not catalogued`
          : `${file} row ${i} has ${cells.length} cells but the header has ${header.length}: it was not catalogued`,
      );
      continue;
    }
    if (cells.length < header.length) {
      // Only the last row can be a prefix of a row being written; a short row elsewhere is damage.
      if (i === records.length - 1)
        throw notReady(`its last row has ${cells.length} of ${header.length} cells`);
      throw new SyncError(
        'integrity',
        `${file} row ${i} has ${cells.length} cells but the header has ${header.length}`,
        undefined,
        { code: 'sweep-damaged' },
      );
    }
    if (cells.length > header.length) {
      throw new SyncError(
        'integrity',
        `${file} row ${i} has ${cells.length} cells but the header has ${header.length}`,
        undefined,
        { code: 'sweep-damaged' },
      );
    }
    rows.push(toRow(cells));
  }
  return { header: [...header], rows };
}

/**
 * The records of a CSV text without a single quote character and with one kind of line ending
 * throughout (CRLF, as bilancio and Python's csv module write, or LF), by splitting it. With no quote,
 * every comma separates two cells and every line ending ends a record, so this is exactly what
 * csv-parse returns for the text with CSV_PARSE_OPTIONS (BOM dropped, empty lines skipped, rows
 * of any length): test/sweep/csv.test.ts compares the two on thousands of random texts. csv-parse takes
 * every character through several function calls: 0.2 s for the "today" sweep's three tables in a CLI
 * that has just started, 8 ms split. Null for anything else (a quoted cell, a lone CR, CRLF and LF
 * mixed): csv-parse reads that.
 */
export function splitPlainCsv(text: string): string[][] | null {
  if (text.includes('"')) return null;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  // After the last line ending comes nothing (the callers require it; a text without one goes to csv-parse).
  if (lines.pop() !== '') return null;
  const crlf = lines.length > 0 && lines[0]!.endsWith('\r');
  const records: string[][] = [];
  for (const line of lines) {
    const cr = line.indexOf('\r');
    // CRLF: one CR, at the end (an empty element is a bare LF); LF: no CR at all.
    if (crlf ? line.length === 0 || cr !== line.length - 1 : cr !== -1) return null;
    const content = crlf ? line.slice(0, -1) : line;
    if (content !== '') records.push(content.split(','));
  }
  return records;
}

/**
 * Rows of one header as objects of one shape. Each row is a copy of a template that has every column
 * already, made by JSON.parse, so filling in a row only sets existing members. Built up one computed key
 * at a time instead, V8 turns an object of more than about a dozen members into a hash table: ~1.3 KB
 * a row of 30 columns, 5× the memory (measured: 20,000 registry rows, 33 MB vs 7 MB of heap). JSON.parse
 * makes a column named `__proto__` an ordinary member (never the prototype), and setting it on the copy
 * sets that member.
 */
function rowMaker(header: readonly string[]): (cells: readonly string[]) => CsvRow {
  const template = JSON.parse(
    `{${header.map((name) => `${JSON.stringify(name)}:null`).join(',')}}`,
  ) as CsvRow;
  return (cells) => {
    const row: CsvRow = { ...template };
    for (let c = 0; c < header.length; c++) {
      const cell = cells[c]!;
      row[header[c]!] = cell === '' ? null : cell;
    }
    return row;
  };
}

/** Read and parse a CSV file; `displayName` (usually the sweep-relative path) names it in errors. */
export async function readCsvFile(path: string, displayName = path): Promise<CsvTable> {
  const text = await readFile(path, 'utf8');
  return parseCsv(text, displayName);
}
