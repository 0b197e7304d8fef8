/** The sweep state machine's owner (SweepStates) and the recorded one-shot sync (syncRecorded). */
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalSweep } from '../../src/core/journal/types.js';
import { SweepStates, TRANSITIONS } from '../../src/core/watch/SweepStates.js';
import { syncRecorded } from '../../src/core/watch/syncRecorded.js';
import { SWEEP_STATES } from '../../src/shared/states.js';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { engineOver, SwitchableStore, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const tmp = await tempDir();
  const app = await openLocalApp();
  cleanups.push(tmp.dispose, app.dispose);
  const store = new SwitchableStore(app.store);
  const states = new SweepStates(app.journal);
  const heard: JournalSweep[] = [];
  states.subscribe((row) => heard.push(row));
  const deps = { engine: engineOver(app, store), journal: app.journal, states };
  return { tmp, app, store, states, heard, deps, root: join(tmp.path, 'experiments') };
}

/** Set every mtime under `dir` to `ageMs` ago. */
async function ageTree(dir: string, ageMs: number): Promise<void> {
  const when = new Date(Date.now() - ageMs);
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      await utimes(join(d, e.name), when, when);
    }
  };
  await walk(dir);
  await utimes(dir, when, when);
}

describe('SweepStates', () => {
  it('has a rule for every state, and refuses a move the table does not allow', async () => {
    const { app, states, heard } = await setup();
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...SWEEP_STATES].sort());
    for (const [from, tos] of Object.entries(TRANSITIONS)) {
      for (const to of tos) expect(SWEEP_STATES).toContain(to);
      expect(tos, `${from} → detected`).not.toContain('detected');
    }
    const row = states.found({ path: '/x/experiments/s1', name: 's1', sweepType: 'balanced' });
    expect(row.state).toBe('detected');
    expect(states.found({ path: '/x/experiments/s1', name: 's1', sweepType: 'balanced' }).id).toBe(row.id);
    expect(() => states.move(row, 'synced', 'nonsense')).toThrow(
      expect.objectContaining({ category: 'internal' }),
    );
    expect(() => states.move(row, 'failed', 'nonsense')).toThrow(
      expect.objectContaining({ category: 'internal' }),
    );
    expect(app.journal.sweeps.get(row.id)?.state).toBe('detected');

    // Unchanged moves are not written (nor heard); a changed reason of a stable state is.
    states.move(row, 'running', 'writing pair 1');
    const stamp = app.journal.sweeps.get(row.id)!.updatedAt;
    states.move(row, 'running', 'writing pair 2'); // volatile state: the reason alone isn't news
    expect(app.journal.sweeps.get(row.id)?.updatedAt).toBe(stamp);
    expect(heard.map((r) => r.state)).toEqual(['detected', 'running']);
  });

  it('listeners hear of a change only once it is committed', async () => {
    const { app, states, heard } = await setup();
    const row = states.found({ path: '/x/experiments/s2', name: 's2', sweepType: 'ring' });
    heard.length = 0;
    expect(() =>
      states.transaction(() => {
        states.move(row, 'queued', 'complete');
        expect(heard).toEqual([]); // not yet: inside the transaction
        throw new Error('something after it failed');
      }),
    ).toThrow('something after it failed');
    expect(heard).toEqual([]);
    expect(app.journal.sweeps.get(row.id)?.state).toBe('detected');
    states.transaction(() => states.move(row, 'queued', 'complete'));
    expect(heard.map((r) => r.state)).toEqual(['queued']);
  });
});

describe('syncRecorded', () => {
  it('records a sync: row, attempt with revision and bytes, revision, state, events; a noop after it', async () => {
    const { app, deps, heard, root } = await setup();
    const sweep = await generateSweep({ root, name: 'one_shot', type: 'balanced', pairs: 3 });
    const result = await syncRecorded(deps, sweep.dir, { full: true });
    expect(result.result).toBe('synced');
    expect(result).not.toHaveProperty('manifest');
    const row = app.journal.sweeps.byPath(sweep.dir)!;
    expect(row).toMatchObject({
      name: 'one_shot',
      sweepType: 'balanced',
      state: 'synced',
      stateReason: 'revision 1',
    });
    expect(heard.filter((r) => r.id === row.id).map((r) => r.state)).toEqual(['syncing', 'synced']);
    expect(app.journal.revisions.list(row.id).map((r) => r.revision)).toEqual([1]);
    expect(app.journal.attempts.list({ sweepId: row.id })).toEqual([
      expect.objectContaining({
        kind: 'sync',
        sweepName: 'one_shot',
        result: 'synced',
        revision: 1,
        bytes: result.bytesUploaded,
        objects: result.objectsUploaded,
        warnings: [],
      }),
    ]);
    expect(app.journal.events.recent({ limit: 5, sweepId: row.id }).map((e) => e.kind)).toEqual(['synced']);

    expect((await syncRecorded(deps, sweep.dir, { full: true })).result).toBe('noop');
    expect(app.journal.sweeps.byPath(sweep.dir)?.stateReason).toBe('already synced (revision 1)');
    expect(app.journal.attempts.list({ sweepId: row.id }).map((a) => [a.result, a.revision])).toEqual([
      ['noop', 1],
      ['synced', 1],
    ]);
    expect(app.journal.revisions.list(row.id)).toHaveLength(1);
  });

  it('not ready: deferred (running or incomplete), attempt aborted, no back-off', async () => {
    const { app, deps, root } = await setup();
    const running = await generateSweep({
      root,
      name: 'writing',
      type: 'balanced',
      pairs: 3,
      state: 'running',
    });
    await expect(syncRecorded(deps, running.dir, { full: true })).rejects.toMatchObject({
      category: 'not-ready',
    });
    expect(app.journal.sweeps.byPath(running.dir)).toMatchObject({
      state: 'running',
      attempts: 0,
      lastError: null,
    });

    const crashed = await generateSweep({
      root,
      name: 'crashed',
      type: 'balanced',
      pairs: 3,
      state: 'crashed',
    });
    await ageTree(crashed.dir, 3_600_000);
    await expect(syncRecorded(deps, crashed.dir)).rejects.toMatchObject({ category: 'not-ready' });
    const row = app.journal.sweeps.byPath(crashed.dir)!;
    expect(row).toMatchObject({ state: 'incomplete', attempts: 0 });
    expect(app.journal.attempts.list({ sweepId: row.id }).map((a) => a.result)).toEqual(['aborted']);
    expect(app.journal.events.recent({ limit: 1, sweepId: row.id })[0]?.kind).toBe('sync-deferred');

    // As it stands, on request.
    expect((await syncRecorded(deps, crashed.dir, { allowIncomplete: true })).result).toBe('synced');
    expect(app.journal.sweeps.get(row.id)?.state).toBe('synced');
  });

  it('a failure: failed with the last error, counted for the back-off, retry planned only when asked', async () => {
    const { app, deps, store, root } = await setup();
    const sweep = await generateSweep({ root, name: 'unlucky', type: 'ring', pairs: 2 });
    store.down = true;
    await expect(syncRecorded(deps, sweep.dir)).rejects.toMatchObject({ category: 'transient' });
    expect(app.journal.sweeps.byPath(sweep.dir)).toMatchObject({
      state: 'failed',
      attempts: 1,
      nextRetryAt: null,
      lastError: expect.stringMatching(/unreachable/),
    });
    const at = '2030-01-01T00:00:00.000Z';
    await expect(
      syncRecorded(deps, sweep.dir, {
        planFailure: (failures) => ({
          nextRetryAt: at,
          reason: `try ${failures + 1} later`,
          exhausted: false,
        }),
      }),
    ).rejects.toMatchObject({ category: 'transient' });
    expect(app.journal.sweeps.byPath(sweep.dir)).toMatchObject({
      state: 'failed',
      attempts: 2,
      nextRetryAt: at,
      stateReason: 'try 3 later',
    });
    store.down = false;
    await syncRecorded(deps, sweep.dir);
    expect(app.journal.sweeps.byPath(sweep.dir)).toMatchObject({
      state: 'synced',
      attempts: 0,
      lastError: null,
    });
  });

  it('an abort leaves the sweep queued; a folder that is no sweep and was never seen leaves no trace', async () => {
    const { app, deps, store, root } = await setup();
    const sweep = await generateSweep({ root, name: 'stopped', type: 'balanced', pairs: 2 });
    const controller = new AbortController();
    store.beforePut = () => {
      controller.abort(new Error('stopped by the test'));
    };
    await expect(syncRecorded(deps, sweep.dir, { full: true, signal: controller.signal })).rejects.toThrow();
    const row = app.journal.sweeps.byPath(sweep.dir)!;
    expect(row).toMatchObject({ state: 'queued', attempts: 0 });
    expect(app.journal.attempts.list({ sweepId: row.id })[0]?.result).toBe('aborted');

    const notASweep = join(root, 'notes');
    await mkdir(notASweep, { recursive: true });
    await writeFile(join(notASweep, 'todo.txt'), 'nothing here\n');
    const attempts = app.journal.attempts.count();
    await expect(syncRecorded(deps, notASweep)).rejects.toMatchObject({ name: 'SyncError' });
    expect(app.journal.sweeps.byPath(notASweep)).toBeNull();
    expect(app.journal.attempts.count()).toBe(attempts);
  });
});
