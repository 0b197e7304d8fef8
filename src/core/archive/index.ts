/** Branch archives: deterministic streaming tar.gz out, verified hostile-safe extraction in. */
export { type ExtractOptions, type ExtractResult, extractArchive } from './ArchiveExtractor.js';
export {
  type ArchiveHandle,
  type ArchiveOptions,
  type ArchiveResult,
  createArchive,
} from './ArchiveWriter.js';
export { memberPathProblem } from './memberPath.js';
export { type MoveOptions, moveIntoPlace } from './moveIntoPlace.js';
