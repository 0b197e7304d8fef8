/**
 * The engine in its own process, as browser mode and the desktop app run it: a sync through the service
 * lands exactly as an in-process one does (objects, catalog rows, journal, byte-identical restore), its
 * progress reaches the service's event stream, a cancel leaves nothing committed, a sweep that isn't
 * finished is deferred with its state, and an engine process that dies fails the sync in words and is
 * replaced by the next sync.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { SweepNotReadyError } from '../../src/core/engine/SyncEngine.js';
import { OffloadedEngine } from '../../src/core/engineHost/OffloadedEngine.js';
import { AppService } from '../../src/core/service/AppService.js';
import { generateSweep } from '../fixtures/generator.js';
import { hashTree } from '../support/tree.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the engine in its own process', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-offload-'));
    env = { BILANCIO_SYNC_HOME: join(work, 'home'), BILANCIO_SYNC_SETTLE_SECONDS: '0' };
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('syncs through the service as in process: progress events, catalog rows, journal, restore', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'offloaded',
      type: 'balanced',
      pairs: 6,
    });
    const service = new AppService({ env, cwd: work, offloadEngine: true, checkResponses: true });
    try {
      const phases = new Set<string>();
      service.subscribe((e) => {
        if (e.jobId && e.event.type === 'progress') phases.add(e.event.phase);
      });
      const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
      const job = await service.call('jobs.wait', { jobId });
      expect(job.state).toBe('succeeded');
      expect(job.result).toMatchObject({ kind: 'sync', value: { result: 'synced', revision: 1 } });
      expect(phases).toContain('uploading');
      expect(phases).toContain('cataloguing');

      const rows = await service.call('sweeps.comparisonRows', { sweep: 'offloaded', offset: 0, limit: 100 });
      expect(rows.total).toBe(6);
      const history = await service.call('history.list', { sweep: 'offloaded', kind: 'sync' });
      expect(history.items[0]).toMatchObject({ result: 'synced', revision: 1 });

      const target = join(work, 'restored');
      const restore = await service.call('restore.start', { sweep: 'offloaded', target });
      expect((await service.call('jobs.wait', { jobId: restore.jobId })).state).toBe('succeeded');
      expect(await hashTree(target)).toEqual(await hashTree(sweep.dir));
    } finally {
      await service.close();
    }
  });

  it('a sweep still being written is deferred with its state, across the process boundary', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'unfinished',
      type: 'balanced',
      pairs: 3,
      state: 'running',
    });
    const engine = new OffloadedEngine(loadConfig({ env, cwd: work }));
    try {
      const failure = await engine.syncSweep(sweep.dir, { waitForSettle: false }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(SweepNotReadyError);
      expect((failure as SweepNotReadyError).sweepState).toBe('running');
    } finally {
      await engine.close();
    }
  });

  it('a cancel mid-sync commits nothing', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'cancelled',
      type: 'balanced',
      pairs: 12,
      runHtmlBytes: 1_000_000,
    });
    const service = new AppService({ env, cwd: work, offloadEngine: true });
    try {
      let asked = false;
      service.subscribe((e) => {
        if (!asked && e.jobId && e.event.type === 'progress' && e.event.phase === 'uploading') {
          asked = true;
          void service.call('jobs.cancel', { jobId: e.jobId });
        }
      });
      const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
      const job = await service.call('jobs.wait', { jobId });
      expect(asked).toBe(true);
      expect(job.state).toBe('cancelled');
      const found = await service.call('sweeps.search', { query: 'cancelled' });
      expect(found.items.map((s) => s.name)).not.toContain('cancelled');
    } finally {
      await service.close();
    }
  });

  it('an engine process that dies fails the sync in words; the next sync gets a new one', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'killed',
      type: 'balanced',
      pairs: 12,
      runHtmlBytes: 1_000_000,
    });
    const engine = new OffloadedEngine(loadConfig({ env, cwd: work }));
    try {
      let first: number | undefined;
      const failure = await engine
        .syncSweep(sweep.dir, {
          full: true,
          onEvent: (e) => {
            if (e.type === 'progress' && first === undefined) {
              first = engine.pid;
              if (first) process.kill(first, 'SIGKILL');
            }
          },
        })
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ category: 'internal', code: 'engine-process-exited' });
      expect((failure as Error).message).toMatch(/engine process was stopped by SIGKILL/);

      const outcome = await engine.syncSweep(sweep.dir, { full: true });
      expect(outcome.result).toBe('synced');
      expect(engine.pid).not.toBe(first);
      const second = engine.pid;
      await engine.close();
      expect(second !== undefined && alive(second)).toBe(false);
      expect(existsSync(sweep.dir)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
