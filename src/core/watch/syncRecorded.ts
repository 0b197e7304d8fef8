/**
 * A sync whose meaning for the sweep is journaled: the one path by which both `bilancio-sync sync <path>`
 * (through the application service) and the watch queue sync a sweep. The engine syncs and returns an
 * outcome or throws; this records it through SweepStates — the sweep row, `syncing`, the attempt, then
 * revision + attempt + state + events in one transaction. A dry run records nothing at all.
 */
import { resolve } from 'node:path';
import { identifySweep, type SweepIdentity } from '../engine/identifySweep.js';
import type { SyncEngine, SyncOptions, SyncOutcome, SyncResult } from '../engine/SyncEngine.js';
import type { Journal } from '../journal/Journal.js';
import { SyncError, toSyncError } from '../model/errors.js';
import type { PlanFailure, SweepStates } from './SweepStates.js';

export interface RecordedSyncDeps {
  engine: Pick<SyncEngine, 'syncSweep'>;
  journal: Journal;
  /** The state owner on the same journal. */
  states: SweepStates;
}

export interface RecordedSyncOptions extends SyncOptions {
  /** When a failed attempt is tried again (watch mode's back-off); without it a failed sweep waits. */
  planFailure?: PlanFailure;
}

/**
 * Sync one sweep folder and record the outcome. Resolves to the engine's result; rejects with the
 * engine's SyncError once it is recorded: not ready or changed while read → deferred (`running`,
 * `incomplete` or `waiting`, attempt aborted, no back-off); aborted through `signal` → `queued`; anything
 * else → `failed` with the error as the sweep's last error. A folder that is no sweep and was never
 * journaled is refused without a trace.
 */
export async function syncRecorded(
  deps: RecordedSyncDeps,
  sweepPath: string,
  options: RecordedSyncOptions = {},
): Promise<SyncResult> {
  const { engine, journal, states } = deps;
  if (states.journal !== journal) {
    throw new SyncError('internal', 'syncRecorded: the sweep states belong to another journal.');
  }
  const { planFailure, ...engineOptions } = options;
  if (options.dryRun) return plain(await engine.syncSweep(sweepPath, engineOptions));

  const path = resolve(sweepPath);
  let identity: SweepIdentity;
  try {
    identity = await identifySweep(path, options);
  } catch (e) {
    const err = toSyncError(e);
    // A journaled sweep that can't be read now (folder gone, half-written job manifest) is an attempt
    // like any other: watch mode's back-off must count it. An unknown folder leaves no trace.
    const row = journal.sweeps.byPath(path);
    if (row) {
      const sync = states.beginSync({ path, name: row.name, sweepType: row.sweepType });
      states.recordSyncError(sync, err, { aborted: options.signal?.aborted === true, planFailure });
    }
    throw err;
  }

  const sync = states.beginSync(identity);
  let outcome: SyncOutcome;
  try {
    outcome = await engine.syncSweep(path, {
      ...engineOptions,
      name: identity.name,
      type: identity.sweepType,
    });
  } catch (e) {
    const err = toSyncError(e);
    states.recordSyncError(sync, err, { aborted: options.signal?.aborted === true, planFailure });
    throw err;
  }
  states.recordSynced(sync, outcome);
  return plain(outcome);
}

/** The result as shells show it (the manifest and clean-up count were for the journal). */
function plain(outcome: SyncOutcome): SyncResult {
  const { manifest: _manifest, uploadsCleaned: _cleaned, ...result } = outcome;
  return result;
}
