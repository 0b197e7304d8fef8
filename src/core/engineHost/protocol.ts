/**
 * The messages between the service and its engine process (see OffloadedEngine.ts). Everything here is
 * plain data: it crosses a process boundary by structured clone (`serialization: 'advanced'`).
 */
import type { AppError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import type { SweepType } from '../../shared/states.js';
import type { AppConfig } from '../config/loadConfig.js';
import type { SweepNotReadyError, SyncOutcome } from '../engine/SyncEngine.js';

/** The SyncOptions that can travel: the signal becomes an `abort` message, onEvent `event` messages. */
export interface WireSyncOptions {
  name?: string;
  type?: SweepType;
  full?: boolean;
  dryRun?: boolean;
  allowIncomplete?: boolean;
  waitForSettle?: boolean;
}

export type ToEngine =
  /** First message: the configuration, secrets resolved (they never travel in argv or the environment). */
  | { type: 'init'; config: AppConfig }
  | { type: 'sync'; id: number; path: string; options: WireSyncOptions }
  | { type: 'abort'; id: number }
  /** Close the destinations and the journal, then exit. */
  | { type: 'close' };

export interface WireError extends AppError {
  /** Set for a SweepNotReadyError, whose state the journal records. */
  sweepState?: SweepNotReadyError['sweepState'];
  /** An abort, as node names it. */
  aborted?: boolean;
}

export type FromEngine =
  | { type: 'event'; id: number; event: EngineEvent }
  | { type: 'result'; id: number; outcome: SyncOutcome }
  | { type: 'error'; id: number; error: WireError };
