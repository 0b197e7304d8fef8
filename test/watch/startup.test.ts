/** Issue 4, "must show" 5: start-up over 100 synced sweeps of 1,000+ files: nothing re-hashed or re-uploaded. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runPool } from '../../src/core/async/runPool.js';
import { SweepStates } from '../../src/core/watch/SweepStates.js';
import { syncRecorded } from '../../src/core/watch/syncRecorded.js';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { tempDir, watchService } from './helpers.js';

const SWEEPS = 100;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('watch: start-up over many synced sweeps', () => {
  it(`${SWEEPS} synced sweeps of 1,000+ files: no sync attempt, no hashing, no upload`, {
    timeout: 170_000,
  }, async () => {
    const tmp = await tempDir();
    const app = await openLocalApp({ BILANCIO_SYNC_COMPRESSION_LEVEL: '1' });
    cleanups.push(tmp.dispose, app.dispose);
    const root = join(tmp.path, 'experiments');
    let t = Date.now();
    const first = await generateSweep({
      root,
      name: 'sweep_000',
      type: 'balanced',
      pairs: 56,
      runHtmlBytes: 600,
    });
    expect(first.files.length).toBeGreaterThanOrEqual(1000);
    const names = Array.from({ length: SWEEPS }, (_, i) => `sweep_${String(i).padStart(3, '0')}`);
    // cp(1) copies 1,000 small files several times faster than fs.cp.
    await runPool(names.slice(1), 4, async (n) => {
      await promisify(execFile)('cp', ['-r', first.dir, join(root, n)]);
    });
    const generatedMs = Date.now() - t;
    t = Date.now();
    await runPool(names, 3, async (n) => {
      const r = await syncRecorded(
        { engine: app.engine, journal: app.journal, states: new SweepStates(app.journal) },
        join(root, n),
        { full: true },
      );
      expect(r.result).toBe('synced');
    });
    const syncedMs = Date.now() - t;
    const attemptsBefore = app.journal.attempts.list().length;
    expect(attemptsBefore).toBe(SWEEPS);

    // The watch service, on a counting engine: it must not even ask the engine (which would stat every file).
    let engineCalls = 0;
    const engine = {
      syncSweep: (...args: Parameters<typeof app.engine.syncSweep>) => {
        engineCalls++;
        return app.engine.syncSweep(...args);
      },
    };
    const { service, events } = watchService(app, { roots: [root] }, engine);
    cleanups.push(() => service.stop());
    t = Date.now();
    await service.start();
    const startMs = Date.now() - t;
    const reconciled = events.find((e) => e.event.type === 'reconcile-finished')?.event;
    expect(reconciled).toMatchObject({ sweeps: SWEEPS, unchanged: SWEEPS, trigger: 'startup' });
    await service.whenIdle();
    expect(engineCalls).toBe(0);
    const after = app.journal.attempts.list();
    expect(after.length).toBe(attemptsBefore);
    expect(after.every((a) => a.result === 'synced')).toBe(true);
    expect(app.journal.sweeps.list().every((s) => s.state === 'synced')).toBe(true);
    console.log(
      `start-up over ${SWEEPS} synced sweeps × ${first.files.length} files: ${startMs} ms ` +
        `(watcher + reconcile; generation ${generatedMs} ms, first sync of all ${syncedMs} ms)`,
    );
  });
});
