/**
 * Class 4 of the hardening issue: recovery trusts the store, not the local state.
 * - `verify --deep --repair` re-uploads damaged or missing objects from the local sweep when its files
 *   still match the manifest, and says which files differ when they don't (nothing uploaded for them).
 * - a deleted manifest.json is reported as such (what is there, what to do), not as "no such sweep".
 * Through the real CLI on the embedded default, and on s3rver.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { createObjectStore } from '../../src/core/stores/createStores.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { s3Env } from '../support/cloudApp.js';
import { startTestS3, type TestS3 } from '../support/s3.js';
import { hashTree } from '../support/tree.js';

/** The command's result document (`--json`); a failure prints `{"error": …}` after it. */
// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI
function report(stdout: string): any {
  const start = stdout.startsWith('{') ? 0 : stdout.indexOf('\n{') + 1;
  return JSON.parse(stdout.slice(start).split('\n{"error"')[0]!);
}
/** `sync --json`: progress lines first, the result last. */
// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI
function syncResult(stdout: string): any {
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1));
}
// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI
function errorOf(stdout: string): any {
  return JSON.parse(stdout.slice(stdout.indexOf('{"error"'))).error;
}

describe('verify --deep --repair and a missing manifest (embedded default)', () => {
  let home: string;
  let work: string;
  const env = () => ({
    HOME: home,
    BILANCIO_SYNC_HOME: home,
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    BILANCIO_SYNC_FROM_SOURCE: '1',
  });
  const run = (args: string[]) => runCli(args, env(), work);
  const objectFile = (key: string) => join(home, 'data', 'archive', key);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bsync-h4-home-'));
    work = await mkdtemp(join(tmpdir(), 'bsync-h4-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('a truncated archive in the store: verify names the repair command, --repair restores it, verify is clean', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'trunc_sweep',
      type: 'balanced',
      pairs: 2,
    });
    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    await truncate(objectFile('trunc_sweep/passive.tar.gz'), 100);

    const damaged = await run(['verify', 'trunc_sweep', '--deep']);
    expect(damaged.code).toBe(5);
    expect(damaged.stdout).toMatch(/trunc_sweep\/passive\.tar\.gz/);
    expect(damaged.stderr).toMatch(/verify trunc_sweep --deep --repair/);

    const repaired = await run(['verify', 'trunc_sweep', '--deep', '--repair']);
    expect(repaired.stderr).toBe('');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/trunc_sweep\/passive\.tar\.gz: repaired/);

    const clean = await run(['verify', 'trunc_sweep', '--deep', '--json']);
    expect(clean.code).toBe(0);
    expect(report(clean.stdout).problems).toEqual([]);
    const out = join(work, 'restored-trunc');
    expect((await run(['download', 'trunc_sweep', out])).code).toBe(0);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
  });

  it('a local file edited since the sync: that object is refused naming the file, the other one is repaired', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'edited_sweep',
      type: 'balanced',
      pairs: 2,
    });
    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    // Damage two objects in the store: an aggregate (deleted) and an archive (overwritten with garbage).
    await rm(objectFile('edited_sweep/aggregate/comparison.csv'));
    await writeFile(objectFile('edited_sweep/active.tar.gz'), 'not an archive');
    // …and edit one file of the archive locally since the sync.
    const edited = (await hashTree(sweep.dir)).keys();
    const runFile = [...edited].find((p) => p.startsWith('active/') && p.endsWith('.csv'))!;
    await writeFile(join(sweep.dir, runFile), 'edited,after,the,sync\n');
    const garbageBefore = await readFile(objectFile('edited_sweep/active.tar.gz'));

    const result = await run(['verify', 'edited_sweep', '--deep', '--repair', '--json']);
    expect(result.code).toBe(5);
    const found = report(result.stdout);
    expect(found.repairs).toEqual([
      expect.objectContaining({ key: 'edited_sweep/active.tar.gz', result: 'not-repaired' }),
      expect.objectContaining({ key: 'edited_sweep/aggregate/comparison.csv', result: 'repaired' }),
    ]);
    expect(found.repairs[0].detail).toContain(runFile);
    expect(found.repairs[0].detail).toMatch(/nothing uploaded/);
    const human = await run(['verify', 'edited_sweep', '--deep', '--repair']);
    expect(human.stdout).toContain(
      `active.tar.gz: could not repair: the local files differ from the manifest (${runFile}:`,
    );
    expect(human.stderr).toMatch(/could not be repaired/);
    // Nothing was uploaded for the refused object; the repaired one verifies.
    expect(await readFile(objectFile('edited_sweep/active.tar.gz'))).toEqual(garbageBefore);
    const after = report((await run(['verify', 'edited_sweep', '--deep', '--json'])).stdout);
    expect(new Set(after.problems.map((p: { key: string }) => p.key))).toEqual(
      new Set(['edited_sweep/active.tar.gz']),
    );
  });

  it('--repair needs --deep; a folder given with --path that lacks the files is reported per object', async () => {
    const noDeep = await run(['verify', 'trunc_sweep', '--repair']);
    expect(noDeep.code).toBe(2);
    expect(noDeep.stderr).toMatch(/--deep/);
    await rm(objectFile('trunc_sweep/aggregate/summary.json'));
    const empty = join(work, 'empty-folder');
    await writeFile(join(work, 'placeholder'), '');
    const elsewhere = await run(['verify', 'trunc_sweep', '--deep', '--repair', '--path', empty]);
    expect(elsewhere.code).toBe(5);
    expect(elsewhere.stdout).toMatch(
      /summary\.json: could not repair: the local folder .*empty-folder is not there/,
    );
    const back = await run([
      'verify',
      'trunc_sweep',
      '--deep',
      '--repair',
      '--path',
      join(work, 'exp', 'trunc_sweep'),
    ]);
    expect(back.code).toBe(0);
  });

  it('a deleted manifest.json: download and verify say the manifest is missing and what to do; sync again repairs it', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'nomani_sweep',
      type: 'dealer',
      pairs: 2,
    });
    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    await rm(objectFile('nomani_sweep/manifest.json'));

    const list = await run(['list-sweeps', '--json']);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain('nomani_sweep');
    const down = await run(['download', 'nomani_sweep', join(work, 'restored-nomani'), '--json']);
    expect(down.code).toBe(5);
    const err = errorOf(down.stdout);
    expect(err.code).toBe('manifest-missing');
    expect(err.message).toMatch(/manifest of nomani_sweep .* is missing/);
    expect(err.message).toMatch(/object\(s\) of the sweep are there/);
    expect(err.message).not.toMatch(/no synced sweep/i);
    expect(err.hint).toMatch(/[Ss]ync the sweep again from its local folder/);
    const verify = await run(['verify', 'nomani_sweep']);
    expect(verify.code).toBe(5);
    expect(verify.stderr).toMatch(/manifest of nomani_sweep .* is missing/);

    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    const out = join(work, 'restored-nomani2');
    expect((await run(['download', 'nomani_sweep', out])).code).toBe(0);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
  });

  it('a deleted manifest.json with an earlier revision kept: offers it, restores it, and a new sync continues after it', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'kept_sweep',
      type: 'balanced',
      pairs: 2,
    });
    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    const rev1 = await hashTree(sweep.dir);
    await writeFile(
      join(sweep.dir, 'aggregate', 'comparison.csv'),
      `${await readFile(join(sweep.dir, 'aggregate', 'comparison.csv'), 'utf8')}`.replace(/\n$/, '\n'),
    );
    await writeFile(join(sweep.dir, 'sweep_notes.txt'), 'second revision\n');
    const second = await run(['sync', sweep.dir, '--full', '--json']);
    expect(second.code).toBe(0);
    expect(syncResult(second.stdout).revision).toBe(2);
    await rm(objectFile('kept_sweep/manifest.json'));

    const down = await run(['download', 'kept_sweep', join(work, 'restored-kept'), '--json']);
    expect(down.code).toBe(5);
    const err = errorOf(down.stdout);
    expect(err.message).toMatch(/earlier revisions kept in kept_sweep\/\.revisions\/: 1/);
    expect(err.hint).toMatch(/--revision 1/);
    const old = join(work, 'restored-kept-1');
    expect((await run(['download', 'kept_sweep', old, '--revision', '1'])).code).toBe(0);
    expect(await hashTree(old)).toEqual(rev1);

    const again = await run(['sync', sweep.dir, '--full', '--json']);
    expect(again.code).toBe(0);
    expect(syncResult(again.stdout).revision).toBe(2);
    const latest = join(work, 'restored-kept-2');
    expect((await run(['download', 'kept_sweep', latest])).code).toBe(0);
    expect(await hashTree(latest)).toEqual(await hashTree(sweep.dir));
    const old2 = join(work, 'restored-kept-1b');
    expect((await run(['download', 'kept_sweep', old2, '--revision', '1'])).code).toBe(0);
    expect(await hashTree(old2)).toEqual(rev1);
  });
});

describe('verify --deep --repair on s3rver', () => {
  let s3: TestS3;
  let home: string;
  let work: string;
  const run = (args: string[]) =>
    runCli(
      args,
      {
        HOME: home,
        BILANCIO_SYNC_HOME: home,
        BILANCIO_SYNC_SETTLE_SECONDS: '0',
        BILANCIO_SYNC_FROM_SOURCE: '1',
        ...s3Env(s3),
      },
      work,
    );

  beforeAll(async () => {
    s3 = await startTestS3();
    home = await mkdtemp(join(tmpdir(), 'bsync-h4s3-home-'));
    work = await mkdtemp(join(tmpdir(), 'bsync-h4s3-'));
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('a deleted archive and an overwritten aggregate come back from the local sweep', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 's3_repair', type: 'ring', pairs: 3 });
    expect((await run(['sync', sweep.dir, '--full'])).code).toBe(0);
    const store = await createObjectStore(
      loadConfig({ env: { BILANCIO_SYNC_HOME: home, ...s3Env(s3) }, cwd: home }).objectStore,
    );
    let aggregate = '';
    try {
      for await (const o of store.list('s3_repair/aggregate/')) aggregate ||= o.key;
      await store.delete('s3_repair/runs.tar.gz');
      await store.put(aggregate, Buffer.from('{"bit":"rot"}'));
    } finally {
      await store.close();
    }
    const before = report((await run(['verify', 's3_repair', '--deep', '--json'])).stdout);
    expect(before.problems.map((p: { key: string }) => p.key)).toEqual(
      expect.arrayContaining(['s3_repair/runs.tar.gz', aggregate]),
    );
    const repaired = await run(['verify', 's3_repair', '--deep', '--repair', '--json']);
    expect(repaired.code).toBe(0);
    expect(report(repaired.stdout).repairs.map((r: { result: string }) => r.result)).toEqual([
      'repaired',
      'repaired',
    ]);
    const clean = report((await run(['verify', 's3_repair', '--deep', '--json'])).stdout);
    expect(clean.problems).toEqual([]);
    const out = join(work, 'restored');
    expect((await run(['download', 's3_repair', out])).code).toBe(0);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
  });
});
