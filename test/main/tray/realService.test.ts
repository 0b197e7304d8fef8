/**
 * The tray and the notifier against a real AppService (embedded default: local folder store + SQLite
 * catalog, in a temp home) and real generated sweeps: a sync makes the tray "Synced · last sweep just
 * now" with the sweep under Recent activity and one "synced" notification; a bilancio resume (lossy:
 * comparison.csv overwritten with the new pairs only) synced again is told as a shrunk table; a sweep
 * bilancio is still writing is refused as not ready — and that is no failure notification.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService } from '../../../src/core/service/AppService.js';
import { startNotifier } from '../../../src/main/notifications/startNotifier.js';
import { startTray, type TrayHandle } from '../../../src/main/tray/startTray.js';
import { generateSweep, resumeSweep } from '../../fixtures/generator.js';
import {
  FakeNotification,
  FakeTray,
  fakeNotificationElectron,
  fakeTrayElectron,
  findItem,
  labels,
} from './fakeElectron.js';

describe('tray and notifications on a real service', () => {
  let work: string;
  let service: AppService;
  let tray: TrayHandle | null;
  let notifier: { dispose(): void };
  const opened: Array<string | undefined> = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-tray-'));
    service = new AppService({
      env: {
        BILANCIO_SYNC_HOME: join(work, 'home'),
        BILANCIO_SYNC_SETTLE_SECONDS: '0',
        BILANCIO_SYNC_SECRETS: 'file',
      },
      cwd: work,
      checkResponses: true,
    });
    tray = startTray({
      electron: fakeTrayElectron(),
      bridge: service,
      openWindow: (r) => opened.push(r),
      quit: () => {},
      loginItem: { isEnabled: () => false, setEnabled: () => {} },
      resourcesDir: join(process.cwd(), 'resources'),
      platform: 'linux',
      timing: { debounceMs: 10, maxWaitMs: 50 },
      log: () => {},
    });
    notifier = startNotifier({
      electron: fakeNotificationElectron(),
      bridge: service,
      openWindow: (r) => opened.push(r),
      timing: { windowMs: 50, maxWaitMs: 300 },
      log: () => {},
    });
  });

  afterAll(async () => {
    tray?.dispose();
    notifier?.dispose();
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  const fake = () => FakeTray.instances[0]!;

  it('a synced sweep: the tray up to date, the sweep in Recent activity, one notification', async () => {
    expect(tray).not.toBeNull();
    const sweep = await generateSweep({
      root: join(work, 'experiments'),
      name: 'plan024_sweep',
      type: 'balanced',
      pairs: 4,
    });
    const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
    const job = await service.call('jobs.wait', { jobId });
    expect(job.state).toBe('succeeded');

    await vi.waitFor(() => expect(fake().tooltip).toBe('Synced · last sweep just now'));
    expect(fake().image.path).toMatch(/tray-up-to-date-22\.png$/);
    const recent = findItem(
      fake().menu,
      (i) => typeof i.label === 'string' && i.label.startsWith('✓ plan024_sweep · synced'),
    );
    expect(recent, labels(fake().menu).join('\n')).toBeDefined();
    (recent!.click as () => void)();
    expect(opened).toEqual(['#/sweeps/plan024_sweep']);

    await vi.waitFor(() =>
      expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['plan024_sweep synced']),
    );
    expect(FakeNotification.shown[0]!.options.body).toMatch(/^Revision 1 · .+ uploaded$/);
  });

  it('a lossy resume synced again is told as a shrunk comparison table, opening the revision kept', async () => {
    await resumeSweep(join(work, 'experiments', 'plan024_sweep'), { newPairs: 1, seed: 7 });
    const { jobId } = await service.call('sync.start', {
      path: join(work, 'experiments', 'plan024_sweep'),
      full: true,
    });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('succeeded');
    await vi.waitFor(() => expect(FakeNotification.shown).toHaveLength(2));
    const n = FakeNotification.shown[1]!;
    expect(n.options.title).toBe('plan024_sweep: the comparison table shrank');
    expect(n.options.body).toContain('Restore the earlier revision to get every row back.');
    n.click();
    expect(opened.at(-1)).toBe('#/sweeps/plan024_sweep?revision=1');
  });

  it('a sweep still being written is refused as not ready: no failure notification', async () => {
    const running = await generateSweep({
      root: join(work, 'experiments'),
      name: 'still_running',
      type: 'balanced',
      pairs: 2,
      state: 'running',
    });
    const { jobId } = await service.call('sync.start', { path: running.dir, waitForSettle: false });
    const job = await service.call('jobs.wait', { jobId });
    expect(job.state).toBe('failed');
    expect(job.error?.category).toBe('not-ready');
    await new Promise((r) => setTimeout(r, 400));
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual([
      'plan024_sweep synced',
      'plan024_sweep: the comparison table shrank',
    ]);
  });
});
