import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSweep } from '../fixtures/generator.js';
import { CLI, runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

describe('the bilancio-sync command', () => {
  let home: string;
  let work: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', ...env }, work);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bsync-cli-home-'));
    work = await mkdtemp(join(tmpdir(), 'bsync-cli-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('syncs, says "already synced" the second time, lists, downloads, verifies', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'cli_sweep',
      type: 'dealer',
      pairs: 3,
    });
    const first = await run(['sync', sweep.dir, '--full']);
    expect(first.stderr).not.toMatch(/error|warning/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/cli_sweep synced as revision 1 with run data/);

    const second = await run(['sync', sweep.dir, '--full', '--json']);
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout.slice(second.stdout.lastIndexOf('\n{')));
    expect(result).toMatchObject({ result: 'noop', revision: 1, objectsUploaded: 0, bytesUploaded: 0 });

    const human = await run(['sync', sweep.dir, '--full']);
    expect(human.stdout).toMatch(/already synced \(revision 1\)/);

    const list = await run(['list-sweeps', '--json']);
    expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(['cli_sweep']);

    const out = join(work, 'restored');
    const down = await run(['download', 'cli_sweep', out]);
    expect(down.code).toBe(0);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));

    const again = await run(['download', 'cli_sweep', out]);
    expect(again.code).toBe(8);
    expect(again.stderr).toMatch(/already exist .*nothing was written/);
    expect(again.stderr).toMatch(/--overwrite/);

    const verify = await run(['verify', 'cli_sweep', '--deep']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/all match the manifest/);

    const status = await run(['status', '--json']);
    expect(JSON.parse(status.stdout).sweeps[0]).toMatchObject({ name: 'cli_sweep', state: 'synced' });
  });

  it('gives distinct exit codes and messages that say what to do', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['sync'])).code).toBe(2);

    const notASweep = join(work, 'holiday-photos');
    await mkdir(notASweep);
    await writeFile(join(notASweep, 'beach.jpg'), 'x');
    const usage = await run(['sync', notASweep]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/does not look like a bilancio sweep/);

    const running = await generateSweep({
      root: join(work, 'exp'),
      name: 'half_written',
      type: 'balanced',
      state: 'running',
    });
    const notReady = await run(['sync', running.dir, '--no-wait']);
    expect(notReady.code).toBe(6);
    expect(notReady.stderr).toMatch(/half_written is running/);

    const config = await run(['list-sweeps'], { R2_ENDPOINT_URL: 'https://acct.r2.cloudflarestorage.com' });
    expect(config.code).toBe(3);
    expect(config.stderr).toMatch(/the access key id and secret access key are not set/);
    expect(config.stderr).toMatch(/R2_ACCESS_KEY_ID; R2_SECRET_ACCESS_KEY/);

    const missing = await run(['download', 'no_such_sweep', join(work, 'nowhere')]);
    expect(missing.code).toBe(7);
    expect(missing.stderr).toMatch(/no synced sweep named "no_such_sweep"/);
    expect(await readdir(join(work, 'nowhere')).catch(() => [])).toEqual([]);

    const json = await run(['download', 'no_such_sweep', join(work, 'nowhere'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { category: 'not-found' } });
  });

  it('keeps syncing when the reader of its output goes away (`sync --json | head -1`)', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'piped_away',
      type: 'balanced',
      pairs: 20,
    });
    const child = spawn(process.execPath, [CLI, 'sync', sweep.dir, '--json'], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        BILANCIO_SYNC_HOME: home,
        BILANCIO_SYNC_SETTLE_SECONDS: '0',
      },
      cwd: work,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Like `head -1`: read the first line, then close the pipe while the sync still has events to print.
    const firstLine = await new Promise<string>((done) => {
      let buffered = '';
      child.stdout.on('data', (d) => {
        buffered += d;
        if (buffered.includes('\n')) {
          child.stdout.destroy();
          done(buffered.slice(0, buffered.indexOf('\n')));
        }
      });
    });
    expect(JSON.parse(firstLine).event.type).toBe('job-started');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const status = await run(['status', '--json']);
    expect(JSON.parse(status.stdout).sweeps).toContainEqual(
      expect.objectContaining({ name: 'piped_away', state: 'synced' }),
    );
  });
});
