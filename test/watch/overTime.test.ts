/** Issue 4, "must show" 1: a sweep written the way bilancio writes it syncs once, after completion, not before. */
import { mkdir, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { generateSweep, writeSweepOverTime } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { hashTree } from '../support/tree.js';
import { ofType, tempDir, waitFor, watchService } from './helpers.js';

const SETTLE_MS = 400;

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
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('watch: a sweep written over time', () => {
  it.each([
    { type: 'balanced' as const, jobManifest: true, last: 'the job manifest' },
    { type: 'dealer' as const, jobManifest: false, last: 'summary.json' },
    { type: 'ring' as const, jobManifest: false, last: 'dashboard.html' },
  ])(
    '$type ($last last): synced exactly once, after completion, within settle + 5 s',
    async ({ type, jobManifest }) => {
      const tmp = await tempDir();
      const app = await openLocalApp();
      cleanups.push(tmp.dispose, app.dispose);
      const root = join(tmp.path, 'experiments');
      await mkdir(root);
      const { service, events } = watchService(app, { roots: [root], settleMs: SETTLE_MS });
      cleanups.push(() => service.stop());
      await service.start();

      const name = `${type}_over_time`;
      const checks: Array<Promise<void>> = [];
      const checkNothingSynced = (when: string) => {
        const row = app.journal.sweeps.byName(name);
        if (row) {
          expect(app.journal.revisions.latest(row.id), when).toBeNull();
          expect(row.state, when).not.toBe('syncing');
          expect(row.state, when).not.toBe('synced');
        }
        expect(ofType(events, 'sync-started'), when).toHaveLength(0);
        checks.push(
          app.store.head(`${name}/manifest.json`).then((m) => {
            expect(m, `${when}: manifest in the store`).toBeNull();
          }),
        );
      };

      const generated = await writeSweepOverTime({
        root,
        name,
        type,
        pairs: 6,
        pauseMs: 150,
        jobManifest,
        extras: true,
        onPair: (i) => checkNothingSynced(`after pair ${i}`),
      });
      const writtenAt = Date.now();
      checkNothingSynced('right after the last write');
      await Promise.all(checks);

      const finished = await waitFor(
        'the sync to finish',
        () => ofType(events, 'sync-finished')[0],
        SETTLE_MS + 15_000,
      );
      const started = ofType(events, 'sync-started');
      expect(started).toHaveLength(1);
      expect(started[0]!.at).toBeGreaterThanOrEqual(writtenAt);
      expect(finished.event.result).toBe('synced');
      expect(finished.at - writtenAt).toBeLessThan(SETTLE_MS + 5_000);

      // Nothing more happens afterwards: one attempt, one revision.
      await new Promise((r) => setTimeout(r, SETTLE_MS * 2));
      const row = app.journal.sweeps.byName(name)!;
      expect(row.state).toBe('synced');
      expect(app.journal.attempts.list({ sweepId: row.id }).map((a) => a.result)).toEqual(['synced']);
      expect(app.journal.revisions.list(row.id).map((r) => r.revision)).toEqual([1]);
      // The states went through the pipeline in order, ending synced.
      const states = ofType(events, 'sweep-state')
        .filter((e) => e.event.sweep === name)
        .map((e) => e.event.state);
      expect(states[0]).toBe('detected');
      expect(states.slice(-3)).toEqual(['queued', 'syncing', 'synced']);
      expect(states).toContain('waiting');

      const out = join(tmp.path, 'restored');
      await restoreSweep(app.store, name, out);
      expect(await hashTree(out)).toEqual(await hashTree(generated.dir));
    },
  );

  it('a crashed sweep stays incomplete until the user asks, then syncs as it stands', async () => {
    const tmp = await tempDir();
    const app = await openLocalApp();
    cleanups.push(tmp.dispose, app.dispose);
    const root = join(tmp.path, 'experiments');
    const crashed = await generateSweep({
      root,
      name: 'crashed',
      type: 'balanced',
      pairs: 3,
      state: 'crashed',
    });
    await ageTree(crashed.dir, 3_600_000); // crashed an hour ago: nothing written since
    const { service, events } = watchService(app, { roots: [root] });
    cleanups.push(() => service.stop());
    await service.start();
    const row = app.journal.sweeps.byPath(crashed.dir)!;
    expect(row.state).toBe('incomplete');
    await new Promise((r) => setTimeout(r, 300));
    expect(ofType(events, 'sync-started')).toHaveLength(0);

    service.retry('crashed', { allowIncomplete: true });
    await waitFor('the incomplete sweep to sync', () => app.journal.sweeps.get(row.id)?.state === 'synced');
    expect(app.journal.revisions.latest(row.id)?.revision).toBe(1);
  });
});
