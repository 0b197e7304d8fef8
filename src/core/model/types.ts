/** Domain types shared by the engine's parts. Plain data only: every value here survives JSON. */

/** complete: finished and quiet; running: still being written; incomplete: crashed; failed: bilancio said so. */
export type CompletionState = 'complete' | 'running' | 'incomplete' | 'failed';

export interface Completion {
  state: CompletionState;
  /** Plain-language reason, e.g. "aggregate/summary.json present, no running registry rows". */
  reason: string;
}

/** One file of a sweep. `path` is relative to the sweep root, always with forward slashes. */
export interface FileEntry {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** A CSV row by header name. Cells keep their exact original text; an empty cell is null. */
export type CsvRow = Record<string, string | null>;

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
}

/** A JSON value as parsed; numbers that would lose precision must be kept as their original text. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
