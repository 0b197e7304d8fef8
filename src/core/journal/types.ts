import type { z } from 'zod';
import { attemptResultSchema } from '../../shared/commands.js';
import { JOB_KINDS, type JobKind } from '../../shared/events.js';
import type { SweepState, SweepType } from '../../shared/states.js';
import type { RemoteManifest } from '../model/RemoteManifest.js';
import type { Json } from '../model/types.js';

export interface JournalSweep {
  id: number;
  /** Absolute path of the sweep folder: the identity of a local sweep. */
  path: string;
  name: string;
  sweepType: SweepType | null;
  state: SweepState;
  stateReason: string | null;
  nextRetryAt: string | null;
  /** Consecutive failed sync attempts since the last successful one. */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JournalRevisionInfo {
  sweepId: number;
  revision: number;
  syncedAt: string;
  full: boolean;
  /** Bytes held in the object store by this revision's objects. */
  bytes: number;
}

/** A revision with its manifest (the journal keeps the latest revision's only). */
export interface JournalRevision extends JournalRevisionInfo {
  manifest: RemoteManifest;
}

/** The contract's job kinds and attempt results are the journal's. */
export const ATTEMPT_KINDS = JOB_KINDS;
export type AttemptKind = JobKind;

export const ATTEMPT_RESULTS = attemptResultSchema.options;
export type AttemptResult = z.infer<typeof attemptResultSchema>;

/** One sync, restore or verify attempt: the history the UI and the CLI show. */
export interface JournalAttempt {
  id: number;
  kind: AttemptKind;
  /** The local sweep, or null (a restore or verify of a sweep this machine never synced). */
  sweepId: number | null;
  sweepName: string;
  /** The revision synced, restored or verified, once known. */
  revision: number | null;
  /** A restore's target folder. */
  target: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** null while the attempt runs (or if the process died during it). */
  result: AttemptResult | null;
  /** Bytes uploaded (sync), downloaded (restore) or checked (verify). */
  bytes: number;
  /** Objects uploaded (sync) or checked (verify); files written (restore). */
  objects: number;
  durationMs: number | null;
  error: string | null;
  warnings: string[];
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
