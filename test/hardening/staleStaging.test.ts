/**
 * A download killed with SIGKILL (no clean-up runs) leaves its staging folder in the target. The next
 * download into the same folder removes it and restores the exact bytes; a staging folder of a restore
 * that still runs is left alone. (Found by `npm run soak`, kind kill-download.)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStaleStaging, stagingFolderName } from '../../src/core/restore/stagingFolder.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

const CLI = resolve('bin/bilancio-sync.js');
const stagingOf = async (dir: string) =>
  existsSync(dir) ? (await readdir(dir)).filter((n) => n.startsWith('.bilancio-sync-restore-')) : [];

describe('staging folders a killed download left behind', () => {
  let work: string;
  let env: Record<string, string>;
  let sweepDir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-stale-staging-'));
    const home = join(work, 'home');
    env = { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'kept',
      type: 'balanced',
      pairs: 40,
      runHtmlBytes: 400_000,
    });
    sweepDir = sweep.dir;
    const r = await runCli(['sync', sweepDir, '--full'], env, work);
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('are removed by the next download, which restores every byte', async () => {
    const target = join(work, 'restored');
    const child = spawn(process.execPath, [CLI, 'download', 'kept', target], {
      env: { PATH: process.env.PATH, ...env },
      cwd: work,
      stdio: 'ignore',
    });
    const exited = new Promise((ok) => child.on('close', ok));
    const end = Date.now() + 60_000;
    while ((await stagingOf(target)).length === 0 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(await stagingOf(target)).toHaveLength(1);

    const again = await runCli(['download', 'kept', target], env, work);
    expect(again.code, again.stderr).toBe(0);
    expect(await stagingOf(target)).toEqual([]);
    expect(await hashTree(target)).toEqual(await hashTree(sweepDir));
  }, 120_000);

  it('after a restore killed while moving files into place, its placed files are no conflict; other files are', async () => {
    const deadName = async () => {
      const dead = spawn(process.execPath, ['-e', '0']);
      await new Promise((ok) => dead.on('close', ok));
      return stagingFolderName().replace(`-${process.pid}-`, `-${dead.pid}-`);
    };
    // What the killed restore left: its staging folder and the registry it had already moved.
    const placed = async (target: string) => {
      await mkdir(join(target, await deadName(), 'passive'), { recursive: true });
      await cp(join(sweepDir, 'active', 'registry'), join(target, 'active', 'registry'), {
        recursive: true,
        preserveTimestamps: true,
      });
    };
    const resumed = join(work, 'resumed');
    await placed(resumed);
    const r = await runCli(['download', 'kept', resumed], env, work);
    expect(r.code, r.stderr).toBe(0);
    expect(await hashTree(resumed)).toEqual(await hashTree(sweepDir));

    const changed = join(work, 'changed');
    await placed(changed);
    await writeFile(join(changed, 'active', 'registry', 'experiments.csv'), 'edited by hand\n');
    const refused = await runCli(['download', 'kept', changed], env, work);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toMatch(
      /1 file\(s\) of the sweep already exist .*active\/registry\/experiments\.csv/,
    );
    expect(await readFile(join(changed, 'active', 'registry', 'experiments.csv'), 'utf8')).toBe(
      'edited by hand\n',
    );
  }, 120_000);

  it('are left alone while their restore still runs (this process), and removed once it is gone', async () => {
    const target = join(work, 'busy');
    const mine = join(target, stagingFolderName());
    await mkdir(mine, { recursive: true });
    // A dead pid of this machine: a child that has exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((ok) => dead.on('close', ok));
    const orphan = join(target, stagingFolderName().replace(`-${process.pid}-`, `-${dead.pid}-`));
    await mkdir(join(orphan, 'active'), { recursive: true });

    expect(await removeStaleStaging(target)).toBe(1);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(orphan)).toBe(false);
  });
});
