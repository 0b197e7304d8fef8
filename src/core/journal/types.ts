import type { RemoteManifest } from '../engine/RemoteManifest.js';
import type { Json, SweepType } from '../types.js';

/** Where a sweep stands in the local pipeline, as the tray and the sweep list show it. */
export type SweepState =
  | 'detected' // seen, not yet examined
  | 'waiting' // complete-looking, waiting for the folder to be quiet (settle window)
  | 'queued' // ready, waiting for an upload slot
  | 'syncing'
  | 'synced'
  | 'failed' // the last attempt failed; next_retry_at says when the next one runs
  | 'incomplete' // bilancio crashed: synced only on request
  | 'running'; // bilancio is still writing it

export const SWEEP_STATES: readonly SweepState[] = [
  'detected',
  'waiting',
  'queued',
  'syncing',
  'synced',
  'failed',
  'incomplete',
  'running',
];

export interface JournalSweep {
  id: number;
  /** Absolute path of the sweep folder: the identity of a local sweep. */
  path: string;
  name: string;
  sweepType: SweepType | null;
  state: SweepState;
  stateReason: string | null;
  nextRetryAt: string | null;
  /** Consecutive failed attempts since the last successful one. */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JournalRevision {
  sweepId: number;
  revision: number;
  manifest: RemoteManifest;
  syncedAt: string;
  full: boolean;
  /** Bytes held in the object store by this revision's objects. */
  bytes: number;
}

export type AttemptResult = 'synced' | 'noop' | 'failed' | 'aborted';

export interface JournalAttempt {
  id: number;
  sweepId: number;
  startedAt: string;
  finishedAt: string | null;
  /** null while the attempt runs (or if the process died during it). */
  result: AttemptResult | null;
  bytesUploaded: number;
  objectsUploaded: number;
  durationMs: number | null;
  error: string | null;
}

export type EventLevel = 'info' | 'warning' | 'error';

export interface JournalEvent {
  id: number;
  at: string;
  sweepId: number | null;
  level: EventLevel;
  kind: string;
  message: string;
  data: Json | null;
}

export interface CachedFile {
  size: number;
  mtimeMs: number;
  sha256: string;
}
