/**
 * Operating-system failures (issue 11, class 1), through the real CLI on real file systems: a small tmpfs
 * for a full disk, a read-only bind mount for EROFS (these run as root here, where permissions are
 * ignored; mount is tried and the cases skip where it isn't allowed), a file in the way for ENOTDIR.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteError } from '../../src/core/stores/sqliteDatabase.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';

const mounts: string[] = [];
function tryMount(args: string[], at: string): boolean {
  try {
    execFileSync('mount', [...args, at], { stdio: 'ignore' });
    mounts.push(at);
    return true;
  } catch {
    return false;
  }
}

describe('file-system failures get their category, the path and what to do', () => {
  let work: string;
  let env: Record<string, string>;
  let sweepDir: string;
  let canMount = false;
  const run = (args: string[], e: Record<string, string> = env) => runCli(args, e, work);
  const lastError = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!).error;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-oserr-'));
    const home = join(work, 'home');
    env = { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    // ≈4 MB of files, ≈0.8 MB compressed: more than the 1 MB tmpfs below holds once restored.
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'mid',
      type: 'balanced',
      pairs: 3,
      runHtmlBytes: 400_000,
    });
    sweepDir = sweep.dir;
    const synced = await run(['sync', sweepDir, '--full']);
    expect(synced.code, synced.stderr).toBe(0);
    const probe = join(work, 'probe');
    await mkdir(probe);
    canMount = tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs'], probe);
  });
  afterAll(async () => {
    for (const m of mounts.reverse()) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    await rm(work, { recursive: true, force: true });
  });

  async function smallDisk(name: string, size: string): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir);
    if (!tryMount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs'], dir)) throw new Error('mount failed');
    return dir;
  }

  it('a full restore onto a full disk: disk-full (exit 4) with the mount, free and needed MB; target as it was; the history says the same', async () => {
    if (!canMount) return;
    const disk = await smallDisk('full-restore', '1m');
    const target = join(disk, 'out');
    const r = await run(['download', 'mid', target, '--json']);
    expect(r.code).toBe(4);
    const err = lastError(r.stdout);
    expect(err.code).toBe('disk-full');
    expect(err.message).toMatch(
      new RegExp(`^The disk holding ${target} is full: not enough space on ${disk} while`),
    );
    expect(err.message).toMatch(/\(\d+ MB free, \d+ MB needed\)/);
    expect(err.message).not.toMatch(/damaged|rejected|aborted/i);
    expect(err.hint).toMatch(new RegExp(`Free \\d+ MB on ${disk}`));
    expect(await readdir(disk)).toEqual([]); // the target it made is gone again
    const status = await run(['status', '--json']);
    expect(status.stdout).toContain('is full: not enough space on');
  });

  it('an aggregates-only restore onto a full disk (loose files, no archive): disk-full, not a raw ENOSPC', async () => {
    if (!canMount) return;
    const disk = await smallDisk('full-aggregates', '64k');
    await writeFile(join(disk, 'filler'), Buffer.alloc(60 * 1024)); // what's left is less than the aggregates
    const target = join(disk, 'out');
    const r = await run(['download', 'mid', target, '--aggregates-only']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`error: The disk holding ${target} is full: not enough space on ${disk}`);
    expect(r.stderr).not.toMatch(/ENOSPC/);
    expect((await readdir(disk)).sort()).toEqual(['filler']);
  });

  it('a restore onto a read-only file system: usage (exit 2), "read-only", choose a writable folder', async () => {
    if (!canMount) return;
    const ro = join(work, 'ro');
    await mkdir(ro);
    tryMount(['--bind', ro], ro);
    expect(tryMount(['-o', 'remount,ro,bind'], ro)).toBe(true);
    const target = join(ro, 'out');
    const r = await run(['download', 'mid', target, '--json']);
    expect(r.code).toBe(2);
    const err = lastError(r.stdout);
    expect(err.code).toBe('read-only-file-system');
    expect(err.message).toContain(target);
    expect(err.hint).toMatch(/writable/);
  });

  it('a download into a path below a file (ENOTDIR): usage (exit 2), "choose an empty folder", the file untouched', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'not a folder');
    const r = await run(['download', 'mid', join(file, 'sub'), '--json']);
    expect(r.code).toBe(2);
    const err = lastError(r.stdout);
    expect(err.code).toBe('not-a-folder');
    expect(err.message).toContain(join(file, 'sub'));
    expect(err.hint).toMatch(/Choose an empty folder/);
    expect(err.message).not.toMatch(/ENOTDIR|EEXIST/);
  });

  it('a sync whose local store folder (not the data folder) fills up: disk-full (exit 4), recorded so, no temp file left', async () => {
    if (!canMount) return;
    const disk = await smallDisk('full-store', '300k');
    const home = join(work, 'home-store');
    const env2 = {
      HOME: home,
      BILANCIO_SYNC_HOME: home,
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
      BILANCIO_SYNC_ARCHIVE_DIR: join(disk, 'archive'),
    };
    const r = await run(['sync', sweepDir, '--full'], env2);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      `error: The disk holding ${join(disk, 'archive')} is full: not enough space on ${disk}`,
    );
    expect(r.stderr).not.toMatch(/aborted/i);
    expect(await readdir(join(disk, 'archive', '.tmp'))).toEqual([]);
    const status = await run(['status'], env2);
    expect(status.stdout).toContain('is full: not enough space on');
    expect(status.stdout).not.toMatch(/aborted/i);
    expect(existsSync(join(disk, 'archive', 'mid', 'manifest.json'))).toBe(false);
  });

  it('SQLite saying SQLITE_FULL for the journal gets the same disk-full wording as an ENOSPC', () => {
    const file = join(work, 'home', 'data', 'journal.sqlite');
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const err = sqliteError(full, file, 'sync journal', '');
    expect(err.category).toBe('transient');
    expect(err.code).toBe('disk-full');
    expect(err.message).toMatch(
      /^The disk holding .*journal\.sqlite is full: not enough space on \/.* while writing the sync journal \(\d+ MB free\)\.$/,
    );
  });
});
