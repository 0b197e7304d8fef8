/** `status.overview` answers and history items for tray and notification tests, checked by the contract's schema. */
import type { Attempt, LocalSweep, Transfer } from '../../../src/shared/commands.js';
import { commands } from '../../../src/shared/commands.js';
import { SWEEP_STATES, type SweepState } from '../../../src/shared/states.js';
import type { StatusOverview } from '../../../src/shared/syncState.js';

export const NOW = Date.parse('2026-03-10T12:00:00.000Z');
export const ago = (ms: number) => new Date(NOW - ms).toISOString();
export const MIN = 60_000;

export function sweep(name: string, state: SweepState, extra: Partial<LocalSweep> = {}): LocalSweep {
  return {
    name,
    path: `/data/experiments/${name}`,
    sweepType: 'balanced',
    state,
    reason: null,
    nextRetryAt: null,
    attempts: 0,
    lastError: null,
    updatedAt: ago(MIN),
    ...extra,
  };
}

export function attempt(id: number, sweepName: string, extra: Partial<Attempt> = {}): Attempt {
  return {
    id,
    kind: 'sync',
    sweep: sweepName,
    sweepPath: `/data/experiments/${sweepName}`,
    startedAt: ago(5 * MIN),
    finishedAt: ago(4 * MIN),
    result: 'synced',
    revision: 1,
    bytes: 1000,
    objects: 3,
    durationMs: 60_000,
    error: null,
    warnings: [],
    target: null,
    ...extra,
  };
}

export function transfer(sweepName: string, extra: Partial<Transfer> = {}): Transfer {
  return {
    jobId: null,
    kind: 'sync',
    sweep: sweepName,
    path: null,
    phase: 'uploading',
    bytesDone: 420,
    bytesTotal: 1000,
    bytesPerSecond: 10,
    etaSeconds: 58,
    object: null,
    ...extra,
  };
}

export function overview(extra: Partial<StatusOverview> = {}): StatusOverview {
  const sweeps = extra.sweeps ?? [];
  const counts = Object.fromEntries(SWEEP_STATES.map((s) => [s, sweeps.filter((x) => x.state === s).length]));
  const o: StatusOverview = {
    destinations: {
      objectStore: {
        kind: 'local',
        description: 'local folder /data/archive',
        preset: null,
        endpoint: null,
        bucket: null,
        prefix: null,
        root: '/data/archive',
      },
      catalog: { kind: 'sqlite', description: 'SQLite /data/catalog.sqlite' },
      owner: 'ada',
      journal: '/data/journal.sqlite',
    },
    pause: null,
    watching: ['/data/experiments'],
    counts: counts as StatusOverview['counts'],
    transfers: [],
    sweeps,
    lastResults: [],
    warnings: [],
    events: [],
    autoSync: true,
    ...extra,
  };
  // Fixtures must be what the service could answer.
  return commands['status.overview'].response.parse(o) as StatusOverview;
}
