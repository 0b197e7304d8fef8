/**
 * SIGINT/SIGTERM of every long command (issue 11, class 5a): the real CLI in a child process, killed while
 * it works; then one line, exit 130 (SIGINT) / 143 (SIGTERM), nothing partial left, and the next run works.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

const CLI = resolve('bin/bilancio-sync.js');

interface Running {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startCli(args: string[], env: Record<string, string>, cwd: string): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) =>
    child.on('close', (code) => ok({ code, stdout, stderr })),
  );
  return { child, done };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function listAll(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out;
}

/** Whether process `pid` has a file open whose path ends with `suffix` (Linux /proc). */
async function opened(pid: number, suffix: string): Promise<boolean> {
  try {
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const to = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (to.endsWith(suffix)) return true;
    }
  } catch {
    // not started yet, or gone
  }
  return false;
}

const stagingIn = async (dir: string) =>
  existsSync(dir) && (await readdir(dir)).some((n) => n.startsWith('.bilancio-sync-restore-'));

describe('SIGINT/SIGTERM clean-up of download, sync and verify', () => {
  let work: string;
  let home: string;
  let env: Record<string, string>;
  let sweepDir: string;
  let before: Map<string, string>;
  const run = (args: string[], e: Record<string, string> = env) => runCli(args, e, work);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-signals-'));
    home = join(work, 'home');
    env = { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    // Large enough (≈150 MB of run data) that a download and a full sync are still running when killed.
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'big',
      type: 'balanced',
      pairs: 12,
      runHtmlBytes: 4_000_000,
    });
    sweepDir = sweep.dir;
    before = await hashTree(sweepDir);
    const synced = await run(['sync', sweepDir, '--full']);
    expect(synced.code, synced.stderr).toBe(0);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('SIGINT during download: one line, exit 130, the new target folder gone again; the rerun restores it', async () => {
    const target = join(work, 'restore-new', 'big');
    const p = startCli(['download', 'big', target], env, work);
    await until('the staging folder', () => stagingIn(target));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`Interrupted: nothing was changed in ${target}.`);
    expect(r.stderr).not.toMatch(/error:/);
    expect(existsSync(join(work, 'restore-new'))).toBe(false); // it created it, so it removed it
    const again = await run(['download', 'big', target]);
    expect(again.code, again.stderr).toBe(0);
    expect(await hashTree(target)).toEqual(before);
  });

  it('SIGTERM during download into a folder with files of its own: exit 143, only those files left', async () => {
    const target = join(work, 'restore-existing');
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'notes.txt'), 'mine');
    const p = startCli(['download', 'big', target, '--json'], env, work);
    await until('the staging folder', () => stagingIn(target));
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, `${r.stderr}\n${r.stdout.slice(-2000)}`).toBe(143);
    const err = JSON.parse(r.stdout.trim().split('\n').at(-1)!).error;
    expect(err.code).toBe('interrupted');
    expect(err.message).toContain(`nothing was changed in ${target}`);
    expect(await listAll(target)).toEqual(['notes.txt']);
    const again = await run(['download', 'big', target]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('SIGINT during sync --full: exit 130, no manifest committed, no temp files; the rerun syncs revision 1', async () => {
    const home2 = join(work, 'home-sync');
    const env2 = { HOME: home2, BILANCIO_SYNC_HOME: home2, BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    const archive = join(home2, 'data', 'archive');
    const p = startCli(['sync', sweepDir, '--full'], env2, work);
    // Killed while an archive is being written into the store (a temp file under .tmp/).
    await until('an upload in flight', async () => (await listAll(join(archive, '.tmp'))).length > 0);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      'Interrupted: big was not synced; the sync stays as it was (nothing committed). Run it again.',
    );
    const left = await listAll(archive);
    expect(left.filter((f) => f.endsWith('manifest.json') && !f.includes('job_'))).toEqual([]);
    expect(await listAll(join(archive, '.tmp'))).toEqual([]);
    const list = await run(['revisions', 'big'], env2);
    expect(list.code).not.toBe(0); // nothing synced under that name
    const again = await run(['sync', sweepDir, '--full'], env2);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('big synced as revision 1');
  });

  it('SIGINT during verify --deep: one line, exit 130, and verify runs again to the end', async () => {
    const p = startCli(['verify', 'big', '--deep'], env, work);
    // Killed while it reads an archive of the store (the progress bar is off without a terminal).
    await until('an archive being read', () => opened(p.child.pid!, '.tar.gz'));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted: the verify of big stopped before the end; nothing was changed.');
    const again = await run(['verify', 'big', '--deep']);
    expect(again.code, again.stderr).toBe(0);
  });
});
