/** Watch mode: detection, the durable queue, reconcile scans, pause and retry. */
export { DEFAULT_RETRY_POLICY, nextRetryDelay, type RetryPolicy } from './backoff.js';
export { clearPause, PAUSE_SETTING, parseDuration, readPause, writePause } from './pause.js';
export { checkUnchanged, listSweepFolders, type UnchangedCheck } from './Reconciler.js';
export { findSweep, requestRetry } from './requests.js';
export { isIgnoredPath, SweepDetector, type SweepDetectorOptions, WATCH_DEPTH } from './SweepDetector.js';
export {
  type ExamineResult,
  WatchService,
  type WatchServiceDeps,
  type WatchServiceOptions,
} from './WatchService.js';
