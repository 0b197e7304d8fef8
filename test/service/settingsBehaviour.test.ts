/**
 * Issue 9's behaviour settings, end to end through the service as a shell uses it (real engine, the
 * embedded default: a local folder store and a SQLite catalog in a temp home):
 * - auto-sync off: a finished sweep in a watched folder is found, settles and is queued — and nothing
 *   reaches the store until Sync now; turned on again, the queue runs by itself;
 * - include run data off: a sync stores the aggregates only (no branch archive), the manifest says so,
 *   verify finds nothing wrong and restore gives the aggregates; on again, the next sync is a new
 *   revision with the run data, restored byte for byte; the CLI's --no-run-data / --full override it;
 * - notifications: stored, shown, validated; each of the three can be locked by its environment variable.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDataWanted } from '../../src/cli/commands/sync.js';
import type { RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import { AppService } from '../../src/core/service/AppService.js';
import type { CommandResponse } from '../../src/shared/commands.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';
import { waitFor } from '../watch/helpers.js';

type Settings = CommandResponse<'settings.get'>;
const settingOf = (v: Settings, key: string) => v.settings.find((s) => s.key === key);
/** `sync --json`: JSON lines of progress, then the result as one (indented) document. */
const resultOf = (stdout: string): unknown => JSON.parse(stdout.slice(stdout.search(/^\{$/m)));

describe('behaviour settings: auto-sync, include run data, notifications', () => {
  let work: string;
  let home: string;
  let experiments: string;
  let env: Record<string, string>;
  let service: AppService;

  const archive = () => join(home, 'data', 'archive');
  /** Every object the store holds for a sweep (paths relative to the sweep's prefix). */
  const stored = async (sweep: string): Promise<string[]> => {
    const dir = join(archive(), sweep);
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
    }
    return out.sort();
  };
  const manifestOf = async (sweep: string): Promise<RemoteManifest> =>
    JSON.parse(await readFile(join(archive(), sweep, 'manifest.json'), 'utf8')) as RemoteManifest;
  const sweepState = async (name: string) =>
    (await service.call('status.overview', {})).sweeps.find((s) => s.name === name);
  const wait = (jobId: string) => service.call('jobs.wait', { jobId });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-behaviour-'));
    home = join(work, 'home');
    experiments = join(work, 'experiments');
    await mkdir(experiments, { recursive: true });
    env = { BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', BILANCIO_SYNC_SECRETS: 'file' };
    service = new AppService({ env, cwd: work, checkResponses: true });
  });

  afterAll(async () => {
    await service?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the three settings: defaults, saved to config.json, validated before saving, locked by the environment', async () => {
    const before = await service.call('settings.get', {});
    expect(settingOf(before, 'autoSync')).toMatchObject({ value: true, source: 'default', locked: false });
    expect(settingOf(before, 'includeRunData')).toMatchObject({ value: true, source: 'default' });
    expect(settingOf(before, 'notifications')).toMatchObject({
      value: 'all',
      source: 'default',
      variable: 'BILANCIO_SYNC_NOTIFICATIONS',
    });

    // A bad value is explained for its field, before anything is saved.
    const bad = await service.call('settings.validate', { changes: { notifications: 'loud' } });
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]?.key).toBe('notifications');
    expect(bad.problems[0]?.message).toMatch(/all, errors-only, off/);
    const refused = await service.invoke('settings.save', { changes: { notifications: 'loud' } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.field).toBe('notifications');
    expect(existsSync(join(home, 'config.json'))).toBe(false);
    // On/off settings take true or false; anything else is a request naming the field.
    const notBoolean = await service.invoke('settings.validate', { changes: { autoSync: 'yes' } });
    expect(notBoolean.ok).toBe(false);
    if (!notBoolean.ok) expect(notBoolean.error.field).toBe('changes.autoSync');
    const notNumber = await service.invoke('settings.validate', { changes: { compressionLevel: true } });
    expect(notNumber.ok).toBe(false);
    if (!notNumber.ok) expect(notNumber.error.field).toBe('changes.compressionLevel');

    const saved = await service.call('settings.save', { changes: { notifications: 'errors-only' } });
    expect(settingOf(saved, 'notifications')).toMatchObject({ value: 'errors-only', source: 'config-file' });
    const file = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(file.notifications).toBe('errors-only');

    // Set by the environment: shown as locked, with the variable; a bad variable is the settings' problem.
    const locked = new AppService({
      env: {
        ...env,
        BILANCIO_SYNC_AUTO_SYNC: 'off',
        BILANCIO_SYNC_INCLUDE_RUN_DATA: '0',
        BILANCIO_SYNC_NOTIFICATIONS: 'off',
      },
      cwd: work,
      checkResponses: true,
    });
    try {
      const v = await locked.call('settings.get', {});
      expect(v.problem).toBeNull();
      expect(settingOf(v, 'autoSync')).toMatchObject({
        value: false,
        source: 'environment',
        locked: true,
        variable: 'BILANCIO_SYNC_AUTO_SYNC',
      });
      expect(settingOf(v, 'includeRunData')).toMatchObject({
        value: false,
        locked: true,
        variable: 'BILANCIO_SYNC_INCLUDE_RUN_DATA',
      });
      expect(settingOf(v, 'notifications')).toMatchObject({ value: 'off', locked: true });
      const check = await locked.call('settings.validate', { changes: { autoSync: true } });
      expect(check.locked).toEqual(['autoSync']);
      expect((await locked.call('status.overview', {})).autoSync).toBe(false);
    } finally {
      await locked.close();
    }
    const wrong = new AppService({ env: { ...env, BILANCIO_SYNC_NOTIFICATIONS: 'loud' }, cwd: work });
    try {
      const v = await wrong.call('settings.get', {});
      expect(v.problem?.message).toMatch(/notifications setting is "loud"/);
      expect(v.problem?.hint?.action).toEqual({ kind: 'fix-setting', settings: ['notifications'] });
    } finally {
      await wrong.close();
    }
  });

  it('auto-sync off: a finished sweep waits, queued, and nothing is uploaded until Sync now; on again, the queue runs', async () => {
    await service.call('settings.save', { changes: { autoSync: false } });
    await service.startWatching({ roots: [experiments], journalPollMs: 0, reconcileIntervalMs: 0 });
    try {
      const a = await generateSweep({ root: experiments, name: 'held-a', type: 'balanced', pairs: 2 });
      await waitFor('held-a queued', async () => (await sweepState('held-a'))?.state === 'queued');
      // Given time it would have synced (settle time 0): it stays queued, and the store has nothing of it.
      await new Promise((r) => setTimeout(r, 2_000));
      const row = await sweepState('held-a');
      expect(row?.state).toBe('queued');
      expect(row?.reason).toMatch(/auto-sync is off: waiting for Sync now/);
      expect(await stored('held-a')).toEqual([]);
      const queue = await service.call('queue.get', {});
      expect(queue.autoSync).toBe(false);
      expect(queue.queued).toEqual([{ name: 'held-a', path: a.dir, held: true }]);
      expect(queue.syncing).toEqual([]);
      expect((await service.call('status.overview', {})).autoSync).toBe(false);
      expect((await service.call('sweeps.search', { query: 'held-a' })).total).toBe(0);

      // Sync now sends it.
      const now = await service.call('sync.now', {});
      expect(now.queued).toContain('held-a');
      await waitFor('held-a synced', async () => (await sweepState('held-a'))?.state === 'synced', 60_000);
      const objects = await stored('held-a');
      expect(objects).toContain('manifest.json');
      expect(objects.some((k) => k.endsWith('.tar.gz'))).toBe(true); // include run data is on
      expect((await service.call('sweeps.search', { query: 'held-a' })).items[0]?.revision).toBe(1);

      // The next sweep waits again: Sync now sent the sweeps queued then, it didn't turn auto-sync on.
      await generateSweep({ root: experiments, name: 'held-b', type: 'balanced', pairs: 2 });
      await waitFor('held-b queued', async () => (await sweepState('held-b'))?.state === 'queued');
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await sweepState('held-b'))?.state).toBe('queued');
      expect(await stored('held-b')).toEqual([]);

      // A one-shot sync of a held sweep uploads it (as `bilancio-sync sync` does); it leaves the queue.
      const c = await generateSweep({ root: experiments, name: 'held-c', type: 'balanced', pairs: 2 });
      await waitFor('held-c queued', async () => (await sweepState('held-c'))?.state === 'queued');
      const oneShot = await wait((await service.call('sync.start', { path: c.dir })).jobId);
      expect(oneShot.error).toBeNull();
      expect((await sweepState('held-c'))?.state).toBe('synced');
      expect(await stored('held-c')).toContain('manifest.json');
      const meanwhile = await service.call('queue.get', {});
      expect(meanwhile.queued.map((s) => s.name)).toEqual(['held-b']);
      expect(await stored('held-b')).toEqual([]);

      // Auto-sync on again: the queue runs by itself — on the same watcher (a restart would abort an
      // upload in flight); a change of the notification preference doesn't restart it either.
      const stops: string[] = [];
      const unsubscribe = service.subscribe(({ event }) => {
        if (event.type === 'watch-stopped') stops.push(event.reason);
      });
      await service.call('settings.save', { changes: { notifications: 'errors-only' } });
      const on = await service.call('settings.save', { changes: { autoSync: true } });
      expect(settingOf(on, 'autoSync')).toMatchObject({ value: true, source: 'config-file' });
      await waitFor('held-b synced', async () => (await sweepState('held-b'))?.state === 'synced', 60_000);
      expect(await stored('held-b')).toContain('manifest.json');
      const after = await service.call('queue.get', {});
      expect(after.autoSync).toBe(true);
      expect(after.queued).toEqual([]);
      unsubscribe();
      expect(stops).toEqual([]);
      expect(service.watching).not.toBeNull();
    } finally {
      await service.stopWatching('test over');
    }
  });

  it('include run data off: aggregates only, verify clean, restore the aggregates; on again: a new revision with the run data', async () => {
    await service.call('settings.save', { changes: { includeRunData: false } });
    const sweep = await generateSweep({
      root: join(work, 'elsewhere'),
      name: 'no-runs',
      type: 'balanced',
      pairs: 3,
    });
    const source = await hashTree(sweep.dir);

    // A sync that doesn't say: the setting decides (as `bilancio-sync sync` without a flag).
    const first = await wait((await service.call('sync.start', { path: sweep.dir })).jobId);
    expect(first.error).toBeNull();
    expect(first.result?.kind).toBe('sync');
    if (first.result?.kind !== 'sync') return;
    expect(first.result.value).toMatchObject({ result: 'synced', revision: 1, full: false });

    // The store: loose files and the manifest, no branch archive; the manifest records it.
    const objects = await stored('no-runs');
    expect(objects).toContain('manifest.json');
    expect(objects).toContain('aggregate/comparison.csv');
    expect(objects.filter((k) => k.endsWith('.tar.gz'))).toEqual([]);
    const m1 = await manifestOf('no-runs');
    expect(m1.full).toBe(false);
    expect(m1.objects.every((o) => o.kind === 'aggregate')).toBe(true);
    const aggregateFiles = new Set(m1.files.map((f) => f.path));
    expect(aggregateFiles.size).toBeGreaterThan(0);
    expect(aggregateFiles.size).toBeLessThan(source.size); // run data is left out…
    expect(
      [...source.keys()].filter((p) => !aggregateFiles.has(p)).every((p) => /^(passive|active)\//.test(p)),
    ).toBe(true); // …and only run data

    // The catalog has the rows.
    const listed = await service.call('sweeps.search', { query: 'no-runs' });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ revision: 1, pairsTotal: 3 });
    expect((await service.call('sweeps.comparisonRows', { sweep: 'no-runs' })).total).toBe(3);
    expect((await service.call('sweeps.revisions', { name: 'no-runs' })).revisions).toMatchObject([
      { revision: 1, full: false },
    ]);

    // Verify: nothing missing (the archives were never part of this revision).
    const verified = await wait((await service.call('verify.start', { sweep: 'no-runs', deep: true })).jobId);
    expect(verified.result?.kind).toBe('verify');
    if (verified.result?.kind === 'verify') {
      expect(verified.result.value.problems).toEqual([]);
      expect(verified.result.value.objects).toBe(m1.objects.length);
    }
    // Restore: the aggregates, byte for byte, and a word that the run data was never synced.
    const target1 = join(work, 'restored-1');
    const restored1 = await wait(
      (await service.call('restore.start', { sweep: 'no-runs', target: target1 })).jobId,
    );
    expect(restored1.error).toBeNull();
    if (restored1.result?.kind === 'restore') {
      expect(restored1.result.value.full).toBe(false);
      expect(restored1.result.value.warnings.join(' ')).toMatch(/aggregates only/);
    }
    const want1 = new Map([...source].filter(([p]) => aggregateFiles.has(p)));
    expect(await hashTree(target1)).toEqual(want1);

    // Unchanged, still off: nothing to do.
    const again = await wait((await service.call('sync.start', { path: sweep.dir })).jobId);
    if (again.result?.kind === 'sync')
      expect(again.result.value).toMatchObject({ result: 'noop', revision: 1 });

    // On again: the next sync is a new revision with the run data.
    await service.call('settings.save', { changes: { includeRunData: true } });
    const second = await wait((await service.call('sync.start', { path: sweep.dir })).jobId);
    expect(second.error).toBeNull();
    if (second.result?.kind === 'sync')
      expect(second.result.value).toMatchObject({ result: 'synced', revision: 2, full: true });
    expect((await stored('no-runs')).filter((k) => k.endsWith('.tar.gz')).sort()).toEqual([
      'active.tar.gz',
      'passive.tar.gz',
    ]);
    const m2 = await manifestOf('no-runs');
    expect(m2).toMatchObject({ revision: 2, full: true });
    const verified2 = await wait(
      (await service.call('verify.start', { sweep: 'no-runs', deep: true })).jobId,
    );
    if (verified2.result?.kind === 'verify') expect(verified2.result.value.problems).toEqual([]);
    const target2 = join(work, 'restored-2');
    const restored2 = await wait(
      (await service.call('restore.start', { sweep: 'no-runs', target: target2 })).jobId,
    );
    expect(restored2.error).toBeNull();
    expect(await hashTree(target2)).toEqual(source);
    // Revision 1 (aggregates only) is still there to restore.
    const target3 = join(work, 'restored-3');
    const old = await wait(
      (await service.call('restore.start', { sweep: 'no-runs', target: target3, revision: 1 })).jobId,
    );
    expect(old.error).toBeNull();
    expect(await hashTree(target3)).toEqual(want1);
  });

  it('the CLI: `sync` follows the setting, --no-run-data and --full override it', async () => {
    expect(runDataWanted({}, false)).toBeUndefined();
    expect(runDataWanted({ full: true }, false)).toBe(true);
    expect(runDataWanted({}, true)).toBe(false);
    expect(() => runDataWanted({ full: true }, true)).toThrow(/contradict/);

    // Include run data is on (the last test turned it back on): --no-run-data leaves the archives out.
    const sweep = await generateSweep({
      root: join(work, 'cli'),
      name: 'cli-sweep',
      type: 'balanced',
      pairs: 2,
    });
    const off = await runCli(['sync', sweep.dir, '--no-run-data', '--json'], env, work);
    expect(off.code, off.stderr).toBe(0);
    expect(resultOf(off.stdout)).toMatchObject({ revision: 1, full: false });
    expect((await stored('cli-sweep')).filter((k) => k.endsWith('.tar.gz'))).toEqual([]);
    // No flag: the setting (on) — a new revision with the run data.
    const plain = await runCli(['sync', sweep.dir, '--json'], env, work);
    expect(plain.code, plain.stderr).toBe(0);
    expect(resultOf(plain.stdout)).toMatchObject({ revision: 2, full: true });
    const both = await runCli(['sync', sweep.dir, '--full', '--no-run-data'], env, work);
    expect(both.code).toBe(2);
  });
});
