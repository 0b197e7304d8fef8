/** Issue 4, "must show" 3 and 4: a file modified mid-archive; a destination that is down for a while. */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import { nextRetryDelay } from '../../src/core/watch/backoff.js';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { hashTree } from '../support/tree.js';
import { engineOver, ofType, SwitchableStore, tempDir, waitFor, watchService } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const tmp = await tempDir();
  const app = await openLocalApp();
  cleanups.push(tmp.dispose, app.dispose);
  const store = new SwitchableStore(app.store);
  return { tmp, app, store, engine: engineOver(app, store), root: join(tmp.path, 'experiments') };
}

describe('watch: failures', () => {
  it('a file modified while its archive is written: attempt abandoned, synced correctly once quiet', async () => {
    const { tmp, app, store, engine, root } = await setup();
    const sweep = await generateSweep({ root, name: 'touched', type: 'balanced', pairs: 6 });
    // The last member of the first archive written: the archive stream is not read before put() is
    // called, so this file has certainly not been archived yet when it changes.
    let modified: string | null = null;
    store.beforePut = async (key) => {
      if (modified || !key.endsWith('.tar.gz')) return;
      const branch = key.slice(key.lastIndexOf('/') + 1, -'.tar.gz'.length);
      const last = sweep.files
        .filter((f) => f.startsWith(`${branch}/`))
        .sort()
        .at(-1)!;
      modified = last;
      await appendFile(join(sweep.dir, last), '\nappended while the archive was being written\n');
    };
    const { service, events } = watchService(app, { roots: [root], settleMs: 300 }, engine);
    cleanups.push(() => service.stop());
    await service.start();

    const row = await waitFor('synced', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'synced' ? r : null;
    });
    expect(modified).not.toBeNull();
    const attempts = app.journal.attempts.list({ sweepId: row.id }).reverse();
    expect(attempts.map((a) => a.result)).toEqual(['aborted', 'synced']);
    expect(attempts[0]!.error).toMatch(/changed while it was being archived/);
    const states = ofType(events, 'sweep-state').map((e) => e.event.state);
    expect(states.slice(states.indexOf('syncing'))).toEqual([
      'syncing',
      'waiting',
      'queued',
      'syncing',
      'synced',
    ]);
    expect(app.journal.revisions.latest(row.id)?.revision).toBe(1); // the abandoned attempt committed nothing

    const out = join(tmp.path, 'restored');
    await restoreSweep(app.store, 'touched', out);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
    expect((await verifyRemote(app.store, 'touched', { deep: true })).problems).toEqual([]);
  });

  it('a destination down for a while: retries back off (full jitter, capped), the sweep syncs when it returns', async () => {
    const { tmp, app, store, engine, root } = await setup();
    const sweep = await generateSweep({ root, name: 'patient', type: 'dealer', pairs: 3 });
    store.down = true;
    const retry = { baseMs: 200, maxMs: 800, minMs: 10, maxAttempts: 20 };
    const { service, events } = watchService(app, { roots: [root], retry, random: () => 0.999 }, engine);
    cleanups.push(() => service.stop());
    await service.start();

    await waitFor(
      'four failed attempts',
      () => ofType(events, 'sweep-state').filter((e) => e.event.state === 'failed').length >= 4,
      15_000,
    );
    store.down = false;
    const row = await waitFor('synced after the destination returned', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'synced' ? r : null;
    });

    const failed = ofType(events, 'sweep-state').filter((e) => e.event.state === 'failed');
    // Each failure planned its retry at min(max, base·2^(n-1))·random after it happened.
    const delays = failed.map((e) => Date.parse(e.event.nextRetryAt!) - e.at);
    for (const [i, d] of delays.entries()) {
      const expected = nextRetryDelay(i + 1, { ...retry }, () => 0.999)!;
      expect(Math.abs(d - expected), `delay ${i + 1}: ${d} vs ${expected}`).toBeLessThan(60);
    }
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[2]!).toBeGreaterThan(delays[1]!);
    expect(Math.max(...delays)).toBeLessThan(retry.maxMs + 60);
    // Retries ran no earlier than planned.
    const syncingAt = ofType(events, 'sweep-state')
      .filter((e) => e.event.state === 'syncing')
      .map((e) => e.at);
    for (const [i, f] of failed.entries()) {
      if (syncingAt[i + 1] !== undefined)
        expect(syncingAt[i + 1]!).toBeGreaterThanOrEqual(Date.parse(f.event.nextRetryAt!) - 5);
    }
    const results = app.journal.attempts.list({ sweepId: row.id }).map((a) => a.result);
    expect(results[0]).toBe('synced');
    expect(results.filter((r) => r === 'failed').length).toBe(failed.length);
    expect(app.journal.sweeps.get(row.id)?.attempts).toBe(0); // a success resets the back-off

    const out = join(tmp.path, 'restored');
    await restoreSweep(app.store, 'patient', out);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
  });

  it('retries run out: failed with the reason, no more attempts, until a manual retry', async () => {
    const { app, store, engine, root } = await setup();
    const sweep = await generateSweep({ root, name: 'given_up', type: 'ring', pairs: 3 });
    store.down = true;
    const { service, events } = watchService(
      app,
      { roots: [root], retry: { baseMs: 50, maxMs: 100, minMs: 10, maxAttempts: 3 } },
      engine,
    );
    cleanups.push(() => service.stop());
    await service.start();
    const row = await waitFor('given up', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'failed' && r.nextRetryAt === null && r.attempts >= 3 ? r : null;
    });
    expect(row.stateReason).toMatch(/gave up after 3 failed attempts: The destination is unreachable/);
    expect(row.lastError).toMatch(/unreachable/);
    await new Promise((r) => setTimeout(r, 500));
    expect(app.journal.attempts.list({ sweepId: row.id })).toHaveLength(3);

    store.down = false;
    service.retry('given_up');
    await waitFor('synced after the manual retry', () => app.journal.sweeps.get(row.id)?.state === 'synced');
    expect(ofType(events, 'sync-finished')).toHaveLength(1);
  });

  it('pause (timed) is persisted with who paused; nothing syncs while paused; the app cannot lift a user pause', async () => {
    const { app, root } = await setup();
    const sweep = await generateSweep({ root, name: 'paused_one', type: 'balanced', pairs: 2 });
    const first = watchService(app, { roots: [root] });
    first.service.pauseSyncing({ by: 'user', forMs: 60_000, reason: 'test' });
    await first.service.stop();

    // A new process sees the pause from the journal.
    const { service, events } = watchService(app, { roots: [root] });
    cleanups.push(() => service.stop());
    await service.start();
    expect(service.paused).toMatchObject({ by: 'user', reason: 'test' });
    await waitFor('queued (settled)', () => app.journal.sweeps.byPath(sweep.dir)?.state === 'queued');
    await new Promise((r) => setTimeout(r, 200));
    expect(ofType(events, 'sync-started')).toHaveLength(0);
    expect(service.resumeSyncing('app')).toBe(false);
    expect(service.paused).not.toBeNull();

    // A short timed pause (replacing the user's) ends by itself.
    service.pauseSyncing({ by: 'app', forMs: 300 });
    await new Promise((r) => setTimeout(r, 100));
    expect(ofType(events, 'sync-started')).toHaveLength(0);
    await waitFor(
      'synced after the timed pause',
      () => app.journal.sweeps.byPath(sweep.dir)?.state === 'synced',
    );
    expect(ofType(events, 'resumed').map((e) => e.event.by)).toEqual(['timer']);
  });
});
