/**
 * Issue 12: start-up recognises synced sweeps from their fingerprints (a few stat calls each: no folder
 * read, no manifest parsed, the engine not asked), and what changed while no watcher ran is still found.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncEngine } from '../../src/core/engine/SyncEngine.js';
import { FingerprintStore } from '../../src/core/watch/fingerprint.js';
import type { openLocalApp } from '../support/localApp.js';
import { cleanupsAfterEach, sweepsSyncedByAWatcher } from '../support/watchHarness.js';
import { ofType, waitFor, watchService } from './helpers.js';

const cleanups = cleanupsAfterEach();

describe('watch: fingerprints of synced sweeps', () => {
  it('start-up without reading a manifest; changes made while stopped are synced; then unchanged again', {
    timeout: 60_000,
  }, async () => {
    // Synced by a watcher: each sync leaves a fingerprint.
    const names = ['s0', 's1', 's2', 's3'];
    const { app, root, sweeps } = await sweepsSyncedByAWatcher(
      cleanups,
      names.map((name, i) => ({ name, seed: i + 1 })),
    );
    const quiet = { deepCheckIntervalMs: 0 };
    const fingerprints = new FingerprintStore(app.journal);
    for (const s of sweeps) {
      const row = app.journal.sweeps.byPath(s.dir)!;
      const fp = fingerprints.valid(row);
      expect(fp, s.name).not.toBeNull();
      expect(fp!.dirs).toEqual(expect.arrayContaining(['', 'aggregate', 'passive/registry', 'passive/runs']));
      expect(fp!.deepCheckedAt).not.toBeNull(); // the sync listed every file: as good as a deep check
    }

    // A restart: every sweep unchanged from its fingerprint; no revision read, the engine never asked.
    const counted = countCalls(app);
    const second = watchService(app, { roots: [root], ...quiet }, counted.engine);
    await second.service.start();
    expect(ofType(second.events, 'reconcile-finished')[0]!.event).toMatchObject({ sweeps: 4, unchanged: 4 });
    await second.service.whenIdle();
    await second.service.stop();
    expect(counted.counts).toEqual({ engine: 0, revisions: 0 });

    // While no watcher runs: s0 gets a post-hoc file, s1 a new run folder, s2 a touched registry (same bytes).
    await writeFile(join(sweeps[0]!.dir, 'aggregate', 'posthoc_note.txt'), 'kappa effect: see notebook\n');
    const newRun = join(sweeps[1]!.dir, 'passive', 'runs', 'balanced_passive_added_by_hand');
    await mkdir(newRun);
    await writeFile(join(newRun, 'notes.txt'), 'added later\n');
    const later = new Date(Date.now() + 5_000);
    await utimes(join(sweeps[2]!.dir, 'passive', 'registry', 'experiments.csv'), later, later);

    const third = watchService(app, { roots: [root], ...quiet });
    await third.service.start();
    expect(ofType(third.events, 'reconcile-finished')[0]!.event).toMatchObject({ sweeps: 4, unchanged: 1 });
    await waitFor('three syncs', () => ofType(third.events, 'sync-finished').length === 3);
    await third.service.whenIdle();
    await third.service.stop();
    const byName = new Map(ofType(third.events, 'sync-finished').map((e) => [e.event.sweep, e.event]));
    expect(byName.get('s0')).toMatchObject({ result: 'synced', revision: 2 });
    expect(byName.get('s1')).toMatchObject({ result: 'synced', revision: 2 });
    expect(byName.get('s2')).toMatchObject({ result: 'noop', revision: 1 });
    const s1 = app.journal.revisions.latest(app.journal.sweeps.byName('s1')!.id)!;
    expect(s1.manifest.files.map((f) => f.path)).toContain(
      'passive/runs/balanced_passive_added_by_hand/notes.txt',
    );

    // And after those syncs, every sweep is recognised from its (new) fingerprint again.
    const again = countCalls(app);
    const fourth = watchService(app, { roots: [root], ...quiet }, again.engine);
    cleanups.push(() => fourth.service.stop());
    await fourth.service.start();
    expect(ofType(fourth.events, 'reconcile-finished')[0]!.event).toMatchObject({ sweeps: 4, unchanged: 4 });
    expect(again.counts).toEqual({ engine: 0, revisions: 0 });
  });
});

/** The app's engine behind a counter, and a counter of the journal's revision reads (which parse a manifest). */
function countCalls(app: Awaited<ReturnType<typeof openLocalApp>>) {
  const counts = { engine: 0, revisions: 0 };
  const revisions = app.journal.revisions;
  const latest = revisions.latest.bind(revisions);
  revisions.latest = (id: number) => {
    counts.revisions++;
    return latest(id);
  };
  cleanups.push(async () => {
    revisions.latest = latest;
  });
  const engine: Pick<SyncEngine, 'syncSweep'> = {
    syncSweep: (...args) => {
      counts.engine++;
      return app.engine.syncSweep(...args);
    },
  };
  return { counts, engine };
}
