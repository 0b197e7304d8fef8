/** SyncErrors across the process boundary, keeping what callers test: category, code, hint, sweep state. */
import { SweepNotReadyError } from '../engine/SyncEngine.js';
import { SyncError, toSyncError } from '../model/errors.js';
import type { WireError } from './protocol.js';

export function errorToWire(e: unknown): WireError {
  const aborted = e instanceof Error && e.name === 'AbortError';
  const wire: WireError = toSyncError(e).toAppError();
  if (e instanceof SweepNotReadyError) wire.sweepState = e.sweepState;
  if (aborted) wire.aborted = true;
  return wire;
}

export function errorFromWire(w: WireError): Error {
  if (w.aborted) {
    const err = new Error(w.message);
    err.name = 'AbortError';
    return err;
  }
  if (w.sweepState) {
    return new SweepNotReadyError(w.sweepState, w.message, w.hint ?? { text: '' });
  }
  return SyncError.fromAppError(w);
}
