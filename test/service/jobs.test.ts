/**
 * Jobs through the service as a shell uses them: a restore cancelled mid-way leaves nothing behind (no
 * folder it created, no staging folder), is recorded as aborted in the history, and its job says
 * cancelled; restoring the aggregates only or one branch takes exactly those files.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { hashTree } from '../support/tree.js';

describe('restore jobs', () => {
  let work: string;
  let service: AppService;
  let sweep: GeneratedSweep;
  let source: Map<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-jobs-'));
    const env = { BILANCIO_SYNC_HOME: join(work, 'home'), BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    // Big enough (tens of MB of run data) that a restore is still running when it is cancelled.
    sweep = await generateSweep({
      root: join(work, 'experiments'),
      name: 'cancel-me',
      type: 'balanced',
      pairs: 12,
      runHtmlBytes: 2_000_000,
    });
    source = await hashTree(sweep.dir);
    service = new AppService({ env, cwd: work, checkResponses: true });
    const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('succeeded');
  });

  afterAll(async () => {
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('a cancelled restore leaves nothing behind and is recorded as aborted', async () => {
    const target = join(work, 'restored', 'deep', 'cancel-me');
    let cancelAsked = false;
    const unsubscribe = service.subscribe((e) => {
      if (!cancelAsked && e.jobId && e.event.type === 'progress' && e.event.phase === 'downloading') {
        cancelAsked = true;
        void service.call('jobs.cancel', { jobId: e.jobId });
      }
    });
    const { jobId } = await service.call('restore.start', { sweep: 'cancel-me', target });
    const job = await service.call('jobs.wait', { jobId });
    unsubscribe();
    expect(cancelAsked).toBe(true);
    expect(job.state).toBe('cancelled');
    expect(job.error?.code).toBe('cancelled');
    // The folders the restore created are gone again: not even restored/ is left.
    expect(existsSync(join(work, 'restored'))).toBe(false);
    const history = await service.call('history.list', { sweep: 'cancel-me', kind: 'restore' });
    expect(history.items[0]).toMatchObject({ kind: 'restore', result: 'aborted', target });
  });

  it('a cancelled restore into an existing folder leaves it as it was', async () => {
    const target = join(work, 'existing');
    await mkdir(target);
    let cancelled = false;
    const unsubscribe = service.subscribe((e) => {
      if (!cancelled && e.jobId && e.event.type === 'progress') {
        cancelled = true;
        void service.call('jobs.cancel', { jobId: e.jobId });
      }
    });
    const { jobId } = await service.call('restore.start', { sweep: 'cancel-me', target });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('cancelled');
    unsubscribe();
    expect(await readdir(target)).toEqual([]);
  });

  it('restores the aggregates only, or one branch, byte for byte', async () => {
    const aggregates = join(work, 'aggregates-only');
    const a = await service.call('jobs.wait', {
      jobId: (
        await service.call('restore.start', {
          sweep: 'cancel-me',
          target: aggregates,
          what: { kind: 'aggregates' },
        })
      ).jobId,
    });
    expect(a.state).toBe('succeeded');
    const got = await hashTree(aggregates);
    expect([...got.keys()].some((p) => p.includes('/runs/'))).toBe(false);
    expect([...got.keys()]).toContain('aggregate/comparison.csv');
    for (const [path, sha] of got) expect(source.get(path)).toBe(sha);

    const detail = await service.call('sweeps.get', { name: 'cancel-me' });
    const branch = detail.branches[0]!;
    const one = join(work, 'one-branch');
    const b = await service.call('jobs.wait', {
      jobId: (
        await service.call('restore.start', {
          sweep: 'cancel-me',
          target: one,
          what: { kind: 'branches', branches: [branch] },
        })
      ).jobId,
    });
    expect(b.state).toBe('succeeded');
    const files = await hashTree(one);
    expect(files.size).toBeGreaterThan(0);
    for (const [path, sha] of files) {
      expect(path.startsWith(`${branch}/`)).toBe(true);
      expect(source.get(path)).toBe(sha);
    }
    expect(files.size).toBe([...source.keys()].filter((p) => p.startsWith(`${branch}/`)).length);

    const bad = await service.invoke('restore.start', {
      sweep: 'cancel-me',
      target: join(work, 'nope'),
      what: { kind: 'branches', branches: ['no-such-branch'] },
    });
    // Refused when the job runs: the branch is checked against the revision's manifest.
    expect(bad.ok).toBe(true);
    if (bad.ok) {
      const j = await service.call('jobs.wait', { jobId: bad.value.jobId });
      expect(j.error).toMatchObject({ category: 'usage', code: 'branch-not-found' });
      expect(existsSync(join(work, 'nope'))).toBe(false);
    }
  });
});

describe('a hosted watcher after a settings change', () => {
  it('syncs with the new settings (the destinations were reopened, not left closed)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bsync-resettle-'));
    const env = { BILANCIO_SYNC_HOME: join(work, 'home'), BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    const experiments = join(work, 'experiments');
    const service = new AppService({ env, cwd: work, checkResponses: true });
    try {
      await generateSweep({ root: experiments, name: 'first', type: 'balanced', pairs: 2 });
      const watcher = await service.startWatching({ roots: [experiments], watch: false, journalPollMs: 0 });
      await watcher.whenIdle();
      await service.call('settings.save', { changes: { compressionLevel: 1 } });
      expect(service.watching).not.toBeNull();
      await generateSweep({ root: experiments, name: 'second', type: 'balanced', pairs: 2 });
      await service.call('sync.now', {});
      await service.watching!.whenIdle();
      const history = await service.call('history.list', { sweep: 'second' });
      expect(history.items[0]).toMatchObject({ kind: 'sync', result: 'synced' });
    } finally {
      await service.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
