/**
 * A progress event as the transfer it describes (`status.overview`'s `transfers`): what the window's
 * cache and the tray patch in place between two overview fetches, so both read a progress event the same
 * way.
 */
import type { Transfer } from './commands.js';
import type { AppEvent, EngineEvent, JobKind } from './events.js';

/** The kind of job a progress phase belongs to, when nothing else says. */
export const KIND_OF_PHASE: Record<Transfer['phase'] & string, JobKind> = {
  uploading: 'sync',
  cataloguing: 'sync',
  downloading: 'restore',
  verifying: 'verify',
};

/** The transfer a progress event describes; `known` keeps what an earlier copy of it said. */
export function transferFromProgress(
  envelope: AppEvent,
  e: Extract<EngineEvent, { type: 'progress' }>,
  known?: { kind: JobKind; path: string | null },
): Transfer {
  return {
    jobId: envelope.jobId,
    kind: known?.kind ?? KIND_OF_PHASE[e.phase],
    sweep: e.sweep,
    path: known?.path ?? null,
    phase: e.phase,
    bytesDone: e.bytesDone,
    bytesTotal: e.bytesTotal,
    bytesPerSecond: e.bytesPerSecond ?? null,
    etaSeconds: e.etaSeconds ?? null,
    object: e.object ?? null,
  };
}
