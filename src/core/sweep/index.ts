/** Reading a bilancio sweep folder: layout, aggregates, completion state and the file manifest. */
export {
  countComparisonRows,
  countRegistryRows,
  type JobManifestFile,
  type JsonFile,
  type RegistryTable,
  readAggregates,
  readJobManifest,
  type SweepAggregates,
} from './aggregates.js';
export {
  assessCompletion,
  type CompletionOptions,
  DEFAULT_SETTLE_MS,
  DEFAULT_STALE_MS,
  lastModified,
  type SweepCompletion,
} from './completion.js';
export { parseCsv, readCsvFile } from './csv.js';
export { parseJsonLossless } from './json.js';
export {
  type ArchiveUnit,
  archiveUnitOf,
  detectLayout,
  type RegistryRef,
  type SweepLayout,
} from './layout.js';
export {
  buildFileManifest,
  type HashCache,
  type HashCacheEntry,
  type ManifestOptions,
  type ManifestProgress,
} from './manifest.js';
export { type ReadSweepOptions, readSweep, SweepReader, type SweepSnapshot } from './readSweep.js';
