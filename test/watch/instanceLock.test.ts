import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireWatchLock } from '../../src/core/watch/instanceLock.js';

describe('one watcher per journal', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('refuses a second watcher while the first lives, and takes over a dead one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bsync-lock-'));
    dirs.push(dir);
    const first = acquireWatchLock(dir);
    expect(() => acquireWatchLock(dir)).toThrow(/Another Bilancio Sync watcher is already running \(pid \d+/);
    first.release();
    acquireWatchLock(dir).release();

    // A watcher killed with SIGKILL leaves its lock behind: its pid is gone, so the lock is stale.
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
    await writeFile(
      join(dir, 'watch.lock'),
      JSON.stringify({ pid: deadPid, host: hostname(), since: 'then' }),
    );
    acquireWatchLock(dir).release();
  });
});
