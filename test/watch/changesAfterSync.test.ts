/**
 * Issue 12: under the folder-watch scheme (folders only, nothing inside a run folder watched) a change in
 * an already-synced sweep is still noticed — a new run folder at once (runs/ is watched), a file added,
 * edited in place or removed inside a run folder by the deep check, which stats every file against the
 * synced revision now and then. A file only touched (same bytes) costs one noop sync, then no more.
 */
import { appendFile, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { ofType, tempDir, waitFor, watchService } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function syncedSweep(deep: { deepCheckIntervalMs: number }, recursiveWatch = false) {
  const tmp = await tempDir();
  const app = await openLocalApp();
  cleanups.push(tmp.dispose, app.dispose);
  const root = join(tmp.path, 'experiments');
  const sweep = await generateSweep({ root, name: 'done', type: 'balanced', pairs: 3, runHtmlBytes: 500 });
  const { service, events } = watchService(app, {
    roots: [root],
    deepCheckDelayMs: 0,
    backgroundCpuShare: 0.5,
    recursiveWatch,
    ...deep,
  });
  cleanups.push(() => service.stop());
  await service.start();
  await waitFor('the first sync', () => ofType(events, 'sync-finished')[0]);
  const row = app.journal.sweeps.byPath(sweep.dir)!;
  const runsDir = join(sweep.dir, 'passive', 'runs');
  const firstRun = join(runsDir, (await readdir(runsDir)).sort()[0]!);
  /** The sweep's next sync-finished event after those seen so far. */
  const nextSync = async (what: string, timeoutMs = 15_000) => {
    const seen = ofType(events, 'sync-finished').length;
    return (await waitFor(what, () => ofType(events, 'sync-finished')[seen], timeoutMs)).event;
  };
  const latestFiles = () => app.journal.revisions.latest(row.id)!.manifest.files;
  const deepFinds = () =>
    app.journal.events
      .recent({ limit: 100, sweepId: row.id })
      .filter((e) => e.kind === 'changed-since-synced')
      .map((e) => e.message);
  return { app, service, events, sweep, row, firstRun, nextSync, latestFiles, deepFinds, root };
}

describe('watch: changes inside an already-synced sweep', () => {
  it('a new run folder is noticed at once (runs/ is watched), without any deep check', async () => {
    const s = await syncedSweep({ deepCheckIntervalMs: 0 });
    const added = join(s.sweep.dir, 'active', 'runs', 'balanced_active_added');
    const t = Date.now();
    await mkdir(added);
    await writeFile(join(added, 'run.html'), '<html>added after the sync</html>\n');
    const e = await s.nextSync('the sync of the new run folder');
    expect(e).toMatchObject({ result: 'synced', revision: 2 });
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(s.latestFiles().map((f) => f.path)).toContain('active/runs/balanced_active_added/run.html');
    expect(s.deepFinds()).toEqual([]);
  });

  it('added, edited in place, removed inside a run folder: found by the deep check, synced as new revisions', {
    timeout: 60_000,
  }, async () => {
    const s = await syncedSweep({ deepCheckIntervalMs: 300 });

    // A file added inside an existing run folder: no watched folder changes.
    await writeFile(join(s.firstRun, 'posthoc.csv'), 'metric,value\ndelta,0.25\n');
    expect(await s.nextSync('the added file synced')).toMatchObject({ result: 'synced', revision: 2 });
    const rel = (name: string) => `passive/runs/${s.firstRun.split('/').at(-1)}/${name}`;
    expect(s.latestFiles().map((f) => f.path)).toContain(rel('posthoc.csv'));
    expect(s.deepFinds()[0]).toMatch(/posthoc\.csv is new since it was synced/);

    // Edited in place, same size: only the file's own mtime and bytes differ.
    const file = join(s.firstRun, 'posthoc.csv');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('0.25', '0.75'));
    expect(await s.nextSync('the edit synced')).toMatchObject({ result: 'synced', revision: 3 });
    const edited = s.latestFiles().find((f) => f.path === rel('posthoc.csv'))!;
    expect(edited.size).toBe(text.length);
    expect(s.deepFinds()[0]).toMatch(/posthoc\.csv was modified/);

    // Removed again.
    await rm(file);
    expect(await s.nextSync('the removal synced')).toMatchObject({ result: 'synced', revision: 4 });
    expect(s.latestFiles().map((f) => f.path)).not.toContain(rel('posthoc.csv'));
    expect(s.deepFinds()[0]).toMatch(/1 synced file\(s\) are gone/);
  });

  it('a file touched with the same bytes: one noop sync, then the deep check is satisfied', {
    timeout: 60_000,
  }, async () => {
    const s = await syncedSweep({ deepCheckIntervalMs: 300 });
    const file = join(s.firstRun, 'run.html');
    const earlier = new Date(Date.now() - 3_600_000); // (a future mtime would count as still being written)
    await utimes(file, earlier, earlier);
    expect(await s.nextSync('the noop sync')).toMatchObject({ result: 'noop', revision: 1 });
    const attempts = s.app.journal.attempts.list({ sweepId: s.row.id }).length;
    // Several more deep checks pass: nothing is queued again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(s.app.journal.attempts.list({ sweepId: s.row.id })).toHaveLength(attempts);
    expect(s.app.journal.sweeps.get(s.row.id)?.state).toBe('synced');
    expect(s.deepFinds()).toHaveLength(1);
  });

  it('recursive watching (as on macOS and Windows): a write deep in run data asks for a deep check at once', {
    timeout: 60_000,
  }, async () => {
    // Deep checks hourly only: what finds the change here is the recursive watch's event.
    const s = await syncedSweep({ deepCheckIntervalMs: 3_600_000 }, true);
    await appendFile(join(s.firstRun, 'run.html'), '<!-- appended -->\n');
    expect(await s.nextSync('the append synced')).toMatchObject({ result: 'synced', revision: 2 });
    expect(s.deepFinds()[0]).toMatch(/run\.html was modified/);
    // A new sweep appearing is seen through the same watch.
    await generateSweep({ root: s.root, name: 'second', type: 'ring', pairs: 2, runHtmlBytes: 500 });
    const e = await s.nextSync('the new sweep synced');
    expect(e).toMatchObject({ sweep: 'second', result: 'synced', revision: 1 });
  });
});
