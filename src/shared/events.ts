/**
 * The engine's one event stream, typed for every shell (CLI progress bars, JSON lines, the desktop UI).
 * Plain data only, so events cross IPC and JSON unchanged.
 */
export type SyncPhase = 'scanning' | 'hashing' | 'uploading' | 'cataloguing' | 'downloading' | 'verifying';

export type EngineEvent =
  | { type: 'sync-started'; sweep: string; path: string; revision: number; bytesTotal: number; full: boolean }
  | {
      type: 'progress';
      sweep: string;
      phase: SyncPhase;
      /** The object being transferred, when the progress is about one. */
      key?: string;
      /** That object's own progress, in source bytes (an archive's is estimated from the bytes sent). */
      object?: { key: string; bytesDone: number; bytesTotal: number };
      bytesDone: number;
      bytesTotal: number;
      /** Moving-average speed in bytes per second, when known. */
      bytesPerSecond?: number;
      /** Seconds left, or null when it can't be estimated yet. */
      etaSeconds?: number | null;
    }
  | { type: 'object-done'; sweep: string; key: string; size: number; skipped: boolean }
  | { type: 'warning'; sweep?: string; message: string }
  | {
      type: 'sync-finished';
      sweep: string;
      result: 'synced' | 'noop';
      revision: number;
      bytesUploaded: number;
      objectsUploaded: number;
      durationMs: number;
    }
  | { type: 'sync-failed'; sweep: string; message: string; category: string }
  // watch mode: the queue's own events (below)
  | WatchEvent;

export type EngineEventListener = (event: EngineEvent) => void;

// ---- watch mode (the background queue) ------------------------------------------------------------

/** Where a sweep stands in the watch pipeline (mirrors the journal's sweep states). */
export type WatchSweepState =
  | 'detected'
  | 'waiting'
  | 'queued'
  | 'syncing'
  | 'synced'
  | 'failed'
  | 'incomplete'
  | 'running';

/** Who paused syncing: the researcher, or the app itself (e.g. metered network, battery, shutdown). */
export type PausedBy = 'user' | 'app';

export interface PauseInfo {
  by: PausedBy;
  /** ISO time the pause began. */
  since: string;
  /** ISO time a timed pause ends by itself, or null for "until resumed". */
  until: string | null;
  reason: string | null;
}

export type WatchEvent =
  | {
      type: 'sweep-state';
      sweep: string;
      path: string;
      state: WatchSweepState;
      /** The state before, or null for a sweep seen for the first time. */
      previous: WatchSweepState | null;
      reason: string | null;
      /** For `failed`: when the next automatic attempt runs (ISO), or null once retries are exhausted. */
      nextRetryAt: string | null;
      /** Consecutive failed attempts. */
      attempts: number;
    }
  | {
      type: 'queue-state';
      /** Names of sweeps waiting for an upload slot, in order. */
      queued: string[];
      syncing: string[];
      /** Sweeps finished but settling (quiet window). */
      waiting: number;
      /** Sweeps whose last attempt failed (retrying or given up). */
      failed: number;
      paused: PauseInfo | null;
    }
  | { type: 'paused'; pause: PauseInfo }
  | { type: 'resumed'; by: PausedBy | 'timer' }
  | {
      type: 'reconcile-finished';
      /** Sweep folders looked at. */
      sweeps: number;
      /** Of those, how many were skipped as unchanged since their synced revision (no hashing). */
      unchanged: number;
      durationMs: number;
      trigger: 'startup' | 'periodic' | 'request';
    }
  | { type: 'watch-started'; roots: string[]; full: boolean; settleMs: number; concurrency: number }
  | { type: 'watch-stopped'; reason: string };
