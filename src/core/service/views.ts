/**
 * Read-only answers built from the journal: the overview, the queue as the journal records it, and the
 * history of attempts. They need no destination, so they answer while the store and the catalog are down.
 */
import type { Attempt, LocalSweep } from '../../shared/commands.js';
import { SWEEP_STATES, type SweepState } from '../../shared/states.js';
import type { Journal } from '../journal/Journal.js';
import type { JournalAttempt, JournalEvent, JournalSweep } from '../journal/types.js';

export function localSweep(row: JournalSweep): LocalSweep {
  return {
    name: row.name,
    path: row.path,
    sweepType: row.sweepType,
    state: row.state,
    reason: row.stateReason,
    nextRetryAt: row.nextRetryAt,
    attempts: row.attempts,
    lastError: row.lastError,
    updatedAt: row.updatedAt,
  };
}

export function attemptView(journal: Journal, a: JournalAttempt): Attempt {
  return {
    id: a.id,
    kind: a.kind,
    sweep: a.sweepName,
    sweepPath: a.sweepId === null ? null : (journal.sweeps.get(a.sweepId)?.path ?? null),
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    result: a.result,
    revision: a.revision,
    bytes: a.bytes,
    objects: a.objects,
    durationMs: a.durationMs,
    error: a.error,
    warnings: a.warnings,
    target: a.target,
  };
}

export function eventView(journal: Journal, e: JournalEvent) {
  return {
    at: e.at,
    level: e.level,
    kind: e.kind,
    sweep: e.sweepId === null ? null : (journal.sweeps.get(e.sweepId)?.name ?? null),
    message: e.message,
  };
}

export function stateCounts(sweeps: JournalSweep[]): Record<SweepState, number> {
  const counts = Object.fromEntries(SWEEP_STATES.map((s) => [s, 0])) as Record<SweepState, number>;
  for (const s of sweeps) counts[s.state] += 1;
  return counts;
}

/** The queue as the journal's states say it (when this service hosts no watcher). */
export function queueFromJournal(sweeps: JournalSweep[], settleMs: number) {
  const pick = (state: SweepState) => sweeps.filter((s) => s.state === state);
  const ref = (s: JournalSweep) => ({ name: s.name, path: s.path });
  return {
    watching: false,
    waiting: pick('waiting').map((s) => ({
      ...ref(s),
      settlesAt: new Date(Date.parse(s.updatedAt) + settleMs).toISOString(),
    })),
    queued: pick('queued').map(ref),
    syncing: pick('syncing').map(ref),
    failed: pick('failed').map((s) => ({
      ...ref(s),
      reason: s.lastError ?? s.stateReason,
      nextRetryAt: s.nextRetryAt,
      attempts: s.attempts,
    })),
    incomplete: pick('incomplete').map((s) => ({ ...ref(s), reason: s.stateReason })),
    running: pick('running').map((s) => ({ ...ref(s), reason: s.stateReason })),
  };
}
