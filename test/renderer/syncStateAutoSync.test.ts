/**
 * The Overview's state at a glance with auto-sync off: queued sweeps that don't move by themselves are
 * said to wait for Sync now (not "Syncing … starting…"), and an idle overview mentions that auto-sync is off.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResponse } from '../../src/shared/commands.js';

type Overview = CommandResponse<'status.overview'>;
interface SyncState {
  kind: string;
  label: string;
  sentence: string;
}
// The renderer's modules are written for the bundler (imports without extensions), so tsc's Node
// settings for test/ can't follow them: loaded by path, run by vitest like any module.
const SYNC_STATE = '../../src/renderer/src/views/overview/syncState.ts';
const { deriveSyncState } = (await import(/* @vite-ignore */ SYNC_STATE)) as {
  deriveSyncState: (o: Overview, categories: ReadonlyMap<string, string>, now: number) => SyncState;
};

const now = Date.parse('2026-12-01T12:00:00Z');

function overview(autoSync: boolean, queued: string[]): Overview {
  const sweeps = queued.map((name) => ({
    name,
    path: `/x/${name}`,
    sweepType: 'balanced' as const,
    state: 'queued' as const,
    reason: 'finished · auto-sync is off: waiting for Sync now',
    nextRetryAt: null,
    attempts: 0,
    lastError: null,
    updatedAt: new Date(now).toISOString(),
  }));
  const counts = { queued: queued.length, synced: 0, waiting: 0, running: 0, incomplete: 0 };
  return {
    autoSync,
    sweeps,
    counts,
    lastResults: [],
    warnings: [],
    events: [],
    transfers: [],
    pause: null,
    watching: ['/x'],
  } as unknown as Overview;
}

describe('the overview state with auto-sync off', () => {
  it('queued sweeps wait for Sync now', () => {
    const s = deriveSyncState(overview(false, ['a', 'b']), new Map(), now);
    expect(s.kind).toBe('paused');
    expect(s.label).toBe('Waiting for Sync now');
    expect(s.sentence).toBe('Auto-sync is off · a and b are queued, waiting for Sync now');
  });

  it('with auto-sync on, the same queue is syncing', () => {
    const s = deriveSyncState(overview(true, ['a']), new Map(), now);
    expect(s.kind).toBe('syncing');
  });

  it('nothing queued: up to date, and it says auto-sync is off', () => {
    const s = deriveSyncState(overview(false, []), new Map(), now);
    expect(s.kind).toBe('up-to-date');
    expect(s.sentence).toBe('Nothing to sync yet · auto-sync is off');
  });
});
