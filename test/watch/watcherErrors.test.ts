/**
 * Issue 11 leftover: watcher failures carry a category, a stable code, the folder and what to do — the
 * inotify limit (never "the disk is full"), too many watchers, a folder that can't be read, the
 * experiments folder disappearing — as warnings in the event stream (the CLI prints them with their
 * hint) and in the journal (what `status` and the window show). Watching goes on.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/core/journal/Journal.js';
import { SyncError } from '../../src/core/model/errors.js';
import { watcherError, watchLimitError } from '../../src/core/watch/watcherErrors.js';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { ofType, tempDir, waitFor, watchService } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An error as Node's fs.watch throws it (the same shape and fields). */
function watchFailure(code: string, errno: number, path: string): NodeJS.ErrnoException {
  const text: Record<string, string> = {
    ENOSPC: 'System limit for number of file watchers reached',
    EMFILE: 'too many open files',
    EACCES: 'permission denied',
    EIO: 'i/o error',
  };
  return Object.assign(new Error(`${code}: ${text[code]}, watch '${path}'`), {
    code,
    errno: -errno,
    syscall: 'watch',
    path,
  });
}

describe('watcher failures: structured, with a hint', () => {
  it('each kind of failure gets its category, code and what to do', () => {
    const dir = '/data/experiments/sweep_1';
    const limit = watcherError(watchFailure('ENOSPC', 28, dir), dir)!;
    expect(limit).toBeInstanceOf(SyncError);
    expect(limit).toMatchObject({ category: 'configuration', code: 'watch-limit-reached' });
    expect(limit.code).not.toBe('disk-full');
    expect(limit.message).not.toMatch(/disk/i);
    expect(limit.hint).toMatch(process.platform === 'linux' ? /max_user_watches=\d+/ : /limit/);

    const files = watcherError(watchFailure('EMFILE', 24, dir), dir)!;
    expect(files).toMatchObject({ category: 'transient', code: 'too-many-open-files' });
    expect(files.message).toContain(dir);
    expect(files.hint).toMatch(/ulimit -n|max_user_instances/);

    const denied = watcherError(watchFailure('EACCES', 13, dir), dir)!;
    expect(denied).toMatchObject({ category: 'configuration', code: 'permission-denied' });
    expect(denied.message).toBe(
      `Permission denied on ${dir} (as user ${userInfo().username}): it can't be read or watched for changes, so what is in it is not synced.`,
    );
    expect(denied.hint).toContain(`Check the permissions of ${dir}`);

    const io = watcherError(watchFailure('EIO', 5, dir), dir)!;
    expect(io).toMatchObject({ category: 'transient', code: 'io-error' });
    expect(io.hint).toMatch(/Check the disk/);

    // A folder that is simply gone is not a failure: whoever looks at it next says so.
    expect(watcherError(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }), dir)).toBeNull();

    // Watch mode's own budget: the numbers and the sysctl line to raise the system's limit.
    const budget = watchLimitError({
      watched: 1000,
      budget: 1000,
      kernel: false,
      pollEvery: 'every 30 s',
      limits: { maxUserWatches: 2000, maxUserInstances: 128 },
    });
    expect(budget.message).toMatch(/watch mode's share .*\(1000 of fs\.inotify\.max_user_watches = 2000\)/);
    expect(budget.message).toMatch(
      /1000 folders are watched; sweeps whose folders can't be are checked by polling every 30 s/,
    );
    if (process.platform === 'linux')
      expect(budget.hint).toMatch(/sudo sysctl fs\.inotify\.max_user_watches=524288/);
  });

  it('the experiments folder disappearing: one warning with what to do; watching resumes when it is back', {
    timeout: 60_000,
  }, async () => {
    const tmp = await tempDir();
    const app = await openLocalApp();
    cleanups.push(tmp.dispose, app.dispose);
    const root = join(tmp.path, 'experiments');
    await generateSweep({ root, name: 'before', type: 'balanced', pairs: 2, runHtmlBytes: 500 });
    const { service, events } = watchService(app, {
      roots: [root],
      deepCheckIntervalMs: 0,
      reconcileIntervalMs: 300, // the scans meet the missing folder too: still told once
    });
    cleanups.push(() => service.stop());
    await service.start();
    await waitFor('the first sync', () => ofType(events, 'sync-finished')[0]);

    await rm(root, { recursive: true, force: true });
    const gone = await waitFor('the warning', () =>
      ofType(events, 'warning').find((w) => /is gone/.test(w.event.message)),
    );
    expect(gone.event.message).toBe(
      `The watched experiments folder ${resolve(root)} is gone (moved, deleted, or its disk unmounted): nothing in it is watched or synced.`,
    );
    expect(gone.event.hint?.text).toMatch(
      /^Put the folder back \(or mount its disk again\): watching resumes by itself/,
    );
    const problem = app.journal.events.recent({ limit: 50 }).find((e) => e.kind === 'watcher-problem')!;
    expect(problem).toMatchObject({
      level: 'warning',
      data: { code: 'watched-folder-missing', category: 'not-found' },
    });
    expect(problem.message).toContain('Put the folder back');
    await new Promise((r) => setTimeout(r, 1_000)); // a few scans meet the missing folder meanwhile
    expect(ofType(events, 'warning').filter((w) => /is gone/.test(w.event.message))).toHaveLength(1);

    // Back, with a new sweep in it: found and synced without a restart.
    await mkdir(root);
    await generateSweep({ root, name: 'after', type: 'ring', pairs: 2, runHtmlBytes: 500 });
    const synced = await waitFor(
      'the new sweep synced',
      () => ofType(events, 'sync-finished').find((e) => e.event.sweep === 'after'),
      20_000,
    );
    expect(synced.event.result).toBe('synced');
    await waitFor('watching it again', () =>
      app.journal.events.recent({ limit: 50 }).some((e) => e.kind === 'watched-folder-back'),
    );
  });

  // Permissions don't apply to root: the watcher runs as `nobody` (the CLI itself, as a user runs it).
  const canDropPrivileges = process.getuid?.() === 0 && process.platform === 'linux';
  it.runIf(canDropPrivileges)(
    'a sweep folder that cannot be read: the CLI prints the warning with its hint; it is journaled',
    {
      timeout: 120_000,
    },
    async () => {
      const tmp = await tempDir();
      cleanups.push(tmp.dispose);
      await chmod(tmp.path, 0o755);
      const home = join(tmp.path, 'home');
      const root = join(tmp.path, 'experiments');
      await mkdir(home, { mode: 0o777 });
      await chmod(home, 0o777);
      await generateSweep({ root, name: 'readable', type: 'balanced', pairs: 2, runHtmlBytes: 500 });
      const locked = await generateSweep({
        root,
        name: 'locked',
        type: 'balanced',
        pairs: 2,
        runHtmlBytes: 500,
      });
      await chmod(locked.dir, 0o000);
      cleanups.push(() => chmod(locked.dir, 0o755));

      const child = spawn(
        'setpriv',
        [
          '--reuid=nobody',
          '--regid=nogroup',
          '--clear-groups',
          process.execPath,
          resolve('bin/bilancio-sync.js'),
          'watch',
          root,
        ],
        {
          env: {
            PATH: process.env.PATH,
            HOME: home,
            BILANCIO_SYNC_HOME: home,
            BILANCIO_SYNC_SETTLE_SECONDS: '0',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const exited = new Promise((r) => child.once('exit', r));
      cleanups.push(async () => {
        child.kill('SIGKILL');
        await exited;
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      await waitFor(
        'the warning and the sync of the readable sweep',
        () => /Permission denied/.test(stderr) && /readable: synced/.test(stderr),
        90_000,
        200,
      );
      const line = stderr.split('\n').find((l) => l.includes('Permission denied'))!;
      expect(line).toBe(
        `warning: Permission denied on ${locked.dir} (as user nobody): it can't be read or watched for changes, so what is in it is not synced. ` +
          `Check the permissions of ${locked.dir} (the user running Bilancio Sync needs to read and enter it), or move the sweep out of the watched folder.`,
      );
      child.kill('SIGTERM');
      await exited;

      const journal = Journal.open(join(home, 'data', 'journal.sqlite'));
      try {
        const problems = journal.events.recent({ limit: 100 }).filter((e) => e.kind === 'watcher-problem');
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({
          level: 'warning',
          data: { code: 'permission-denied', category: 'configuration' },
        });
        expect(problems[0]!.message).toContain(`Check the permissions of ${locked.dir}`);
      } finally {
        journal.close();
      }
    },
  );
});
