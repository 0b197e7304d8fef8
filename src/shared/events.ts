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
  | { type: 'sync-failed'; sweep: string; message: string; category: string };

export type EngineEventListener = (event: EngineEvent) => void;
