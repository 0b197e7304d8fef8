/**
 * Class 3 of issue 11: damage that can't change any more is not "still being written". A crashed sweep
 * (old, `running` rows, quiet for long) whose aggregate files are torn syncs as it stands on request:
 * files byte-exact in the store, complete rows catalogued, the torn part reported. Watch mode never
 * retries by itself a failure that waiting can't fix.
 */
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSyncError } from '../../src/core/model/errors.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { generateSweep, truncateMidRow } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { hashTree } from '../support/tree.js';
import { tempDir, waitFor, watchService } from '../watch/helpers.js';

const HOURS_AGO = Date.now() / 1000 - 3 * 3600;

/** Make every file and folder of `dir` three hours old: nothing was written for long. */
async function age(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await age(p);
    await utimes(p, HOURS_AGO, HOURS_AGO);
  }
  await utimes(dir, HOURS_AGO, HOURS_AGO);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the sync to fail');
}

const dataRows = (text: string) => text.split('\r\n').filter((l) => l.length > 0).length - 1;

describe('permanent damage in an old crashed sweep', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Awaited<ReturnType<typeof openLocalApp>>;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    tmp = await tempDir('bsync-damage-');
    app = await openLocalApp();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await app?.dispose();
    await tmp?.dispose();
  });

  it('comparison.csv torn mid-row: refused as crashed (not "still being written"), synced as it stands with the complete rows', async () => {
    const sweep = await generateSweep({
      root: join(tmp.path, 'a'),
      name: 'torn_cmp',
      type: 'balanced',
      pairs: 5,
      state: 'crashed',
    });
    const csv = join(sweep.dir, 'aggregate/comparison.csv');
    await truncateMidRow(csv);
    const complete = dataRows(
      (await readFile(csv, 'utf8')).slice(0, (await readFile(csv, 'utf8')).lastIndexOf('\r\n') + 2),
    );
    await age(sweep.dir);
    const before = await hashTree(sweep.dir);

    const refused = await rejection(app.engine.syncSweep(sweep.dir, { full: true }));
    expect(isSyncError(refused) && refused.code).toBe('sweep-incomplete');
    expect((refused as Error).message).not.toMatch(/still being written/);

    const result = await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true });
    expect(result.result).toBe('synced');
    expect(result.warnings.join('\n')).toMatch(
      /aggregate\/comparison\.csv is torn \(its last line is not terminated\)/,
    );
    const rows = await app.catalog.listComparisonRows('torn_cmp', { owner: app.config.owner });
    expect(rows).toHaveLength(complete);
    expect(complete).toBeGreaterThan(0);

    const out = join(tmp.path, 'restored-a');
    await restoreSweep(app.store, 'torn_cmp', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('summary.json torn (invalid JSON) and a registry torn mid-row: synced as it stands, both reported, registry rows that are whole catalogued', async () => {
    const sweep = await generateSweep({
      root: join(tmp.path, 'b'),
      name: 'torn_summary',
      type: 'balanced',
      pairs: 4,
      state: 'crashed',
    });
    await writeFile(
      join(sweep.dir, 'aggregate/summary.json'),
      '{"total_pairs": 4, "completed_pairs": 3, "mean_delta_pa',
    );
    const registry = join(sweep.dir, 'active/registry/experiments.csv');
    const whole = dataRows(await readFile(registry, 'utf8'));
    await truncateMidRow(registry);
    const text = await readFile(registry, 'utf8');
    const kept = dataRows(text.slice(0, text.lastIndexOf('\r\n') + 2));
    await age(sweep.dir);
    const before = await hashTree(sweep.dir);

    const result = await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true });
    expect(result.result).toBe('synced');
    const warnings = result.warnings.join('\n');
    expect(warnings).toMatch(
      /aggregate\/summary\.json is torn \(it ends in the middle of a [a-z]+\): it was not catalogued/,
    );
    expect(warnings).not.toMatch(/still being written/);
    expect(warnings).toMatch(/active\/registry\/experiments\.csv is torn/);
    const sweepRow = await app.catalog.getSweep('torn_summary', app.config.owner);
    expect(sweepRow?.summary).toBeNull();
    expect(sweepRow?.revision).toBe(1);
    const runs = await app.catalog.listRegistryRows('torn_summary', { owner: app.config.owner });
    expect(runs.filter((r) => r.branch === 'active')).toHaveLength(kept);
    expect(kept).toBeLessThan(whole);

    const out = join(tmp.path, 'restored-b');
    await restoreSweep(app.store, 'torn_summary', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('summary.json damaged (text after the value) in an old crashed sweep: incomplete, not a failure to retry; synced as it stands', async () => {
    const sweep = await generateSweep({
      root: join(tmp.path, 'd'),
      name: 'bad_json',
      type: 'balanced',
      pairs: 3,
      state: 'crashed',
    });
    await writeFile(join(sweep.dir, 'aggregate/summary.json'), '{"total_pairs": 3}}');
    await age(sweep.dir);
    const before = await hashTree(sweep.dir);
    const refused = await rejection(app.engine.syncSweep(sweep.dir, { full: true }));
    expect(isSyncError(refused) && refused.code).toBe('sweep-incomplete');
    const result = await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true });
    expect(result.result).toBe('synced');
    expect(result.warnings.join('\n')).toMatch(
      /aggregate\/summary\.json is not valid JSON: .*it was not catalogued/,
    );
    expect((await app.catalog.getSweep('bad_json', app.config.owner))?.summary).toBeNull();
    const out = join(tmp.path, 'restored-d');
    await restoreSweep(app.store, 'bad_json', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('ring results.csv torn inside a quoted cell: synced as it stands', async () => {
    const sweep = await generateSweep({
      root: join(tmp.path, 'c'),
      name: 'torn_ring',
      type: 'ring',
      pairs: 4,
      state: 'crashed',
    });
    const results = join(sweep.dir, 'aggregate/results.csv');
    const exists = await stat(results).then(
      () => true,
      () => false,
    );
    const header =
      'run_id,phase,seed,n_agents,kappa,concentration,mu,monotonicity,S1,L0,phi_total,delta_total,max_G_t,alpha_1,Mpeak_1,v_1,HHIplus_1,time_to_stability,metrics_csv\r\n';
    const full = exists ? await readFile(results, 'utf8') : header;
    await writeFile(results, `${full}grid_0123456789ab,grid,1,5,"0.5\r\n`);
    await age(sweep.dir);
    const before = await hashTree(sweep.dir);

    const result = await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true });
    expect(result.result).toBe('synced');
    expect(result.warnings.join('\n')).toMatch(
      /aggregate\/results\.csv is torn \(a quoted cell is not closed\)/,
    );
    const out = join(tmp.path, 'restored-c');
    await restoreSweep(app.store, 'torn_ring', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('watch: a torn crashed sweep waits as incomplete (no retry timer) and syncs when asked to sync it as it stands', async () => {
    const root = join(tmp.path, 'w1');
    const sweep = await generateSweep({
      root,
      name: 'watch_torn',
      type: 'dealer',
      pairs: 3,
      state: 'crashed',
    });
    await truncateMidRow(join(sweep.dir, 'aggregate/comparison.csv'));
    await age(sweep.dir);
    const before = await hashTree(sweep.dir);
    const { service } = watchService(app, { roots: [root] });
    cleanups.push(() => service.stop());
    await service.start();
    const row = await waitFor('incomplete', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'incomplete' ? r : null;
    });
    expect(row.nextRetryAt).toBeNull();
    expect(row.stateReason).not.toMatch(/still being written/);
    service.retry('watch_torn', { allowIncomplete: true });
    const synced = await waitFor('synced as it stands', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'synced' ? r : null;
    });
    expect(synced.nextRetryAt).toBeNull();
    const out = join(tmp.path, 'restored-w1');
    await restoreSweep(app.store, 'watch_torn', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('watch: a failure waiting cannot fix (a run file name no archive can hold) is not retried, not even after a restart', async () => {
    const root = join(tmp.path, 'w2');
    const sweep = await generateSweep({ root, name: 'watch_badname', type: 'balanced', pairs: 2 });
    await writeFile(join(sweep.dir, 'passive/runs/back\\slash.txt'), 'x');
    await age(sweep.dir);
    const retry = { baseMs: 50, maxMs: 100, minMs: 10, maxAttempts: 5 };
    const first = watchService(app, { roots: [root], retry });
    await first.service.start();
    const row = await waitFor('failed', () => {
      const r = app.journal.sweeps.byPath(sweep.dir);
      return r?.state === 'failed' ? r : null;
    });
    expect(row.nextRetryAt).toBeNull();
    expect(row.stateReason).toMatch(
      /^waiting cannot fix this: .*back\\slash\.txt: its name contains a backslash/s,
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(app.journal.attempts.list({ sweepId: row.id })).toHaveLength(1);
    await first.service.stop();

    // A restart (recover → schedule) must not plan a retry for it either.
    const second = watchService(app, { roots: [root], retry });
    cleanups.push(() => second.service.stop());
    await second.service.start();
    await new Promise((r) => setTimeout(r, 800));
    const after = app.journal.sweeps.byPath(sweep.dir);
    expect(after?.state).toBe('failed');
    expect(after?.nextRetryAt).toBeNull();
    expect(app.journal.attempts.list({ sweepId: row.id })).toHaveLength(1);
    const stored: string[] = [];
    for await (const o of app.store.list('watch_badname/')) stored.push(o.key);
    expect(stored).toEqual([]);
  }, 120_000);
});
