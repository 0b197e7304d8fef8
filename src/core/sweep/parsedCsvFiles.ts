import type { CsvTable } from '../model/types.js';
import { parseCsv } from './csv.js';

/**
 * CSV files parsed once per sync. The completion check parses every registry and comparison.csv to
 * judge them whole; the catalog payload needs the very same tables a moment later. Parsing is the
 * dearest step of both (csv-parse reads ~10 MB/s: 0.1 s for today's sweep, 0.9 s for the 10× one), so
 * the check's tables are handed on — but only for exactly the bytes they were parsed from: the payload
 * reads each file again and takes the table only if the bytes are equal, so a file bilancio rewrote in
 * between is parsed afresh. Each table is handed on once and then forgotten (no copy outlives the sync).
 */
export class ParsedCsvFiles {
  readonly #byPath = new Map<string, { bytes: Buffer; table: CsvTable }>();

  /** Parses `bytes` (the file at sweep-relative `rel`) as parseCsv does, and keeps the table for them. */
  parse(rel: string, bytes: Buffer): CsvTable {
    const table = parseCsv(bytes.toString('utf8'), rel);
    this.#byPath.set(rel, { bytes, table });
    return table;
  }

  /** The table parsed from exactly these bytes, if any (then forgotten); undefined when they differ. */
  take(rel: string, bytes: Buffer): CsvTable | undefined {
    const kept = this.#byPath.get(rel);
    this.#byPath.delete(rel);
    return kept?.bytes.equals(bytes) ? kept.table : undefined;
  }
}
