/**
 * A restore reports its bytes as they are written — an archive's while it is extracted, not only when it
 * ends — in events at least 100 ms apart whose figures only grow and end at the total; each object's end
 * is an object-done. A cancelled restore is recorded as aborted with no error text (it is no failure),
 * and its job's error says cancelled, never "Archive rejected".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_EVERY_MS, restoreSweep } from '../../src/core/restore/Restorer.js';
import { AppService } from '../../src/core/service/AppService.js';
import { LocalFolderObjectStore } from '../../src/core/stores/LocalFolderObjectStore.js';
import type { ObjectStore } from '../../src/core/stores/ObjectStore.js';
import type { EngineEvent } from '../../src/shared/events.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { hashTree } from '../support/tree.js';

const SWEEP = 'progress_me';

/** The store, with every download trickled (16 kB every 10 ms, ~1.6 MB/s): slower than an archive is
 *  extracted, so its progress follows the download, as over a real network. */
function slowStore(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'get') return Reflect.get(target, prop, receiver);
      return async (key: string, options?: { signal?: AbortSignal }) => {
        const body = await target.get(key, options);
        return Readable.from(
          (async function* () {
            for await (const chunk of body as AsyncIterable<Buffer>) {
              for (let i = 0; i < chunk.length; i += 16_384) {
                await new Promise((r) => setTimeout(r, 10));
                yield chunk.subarray(i, i + 16_384);
              }
            }
          })(),
        );
      };
    },
  });
}

describe('restore progress', () => {
  let work: string;
  let archive: string;
  let service: AppService;
  let sweep: GeneratedSweep;
  let source: Map<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-restore-progress-'));
    archive = join(work, 'archive');
    sweep = await generateSweep({
      root: join(work, 'experiments'),
      name: SWEEP,
      type: 'balanced',
      pairs: 8,
      runHtmlBytes: 1_000_000,
    });
    source = await hashTree(sweep.dir);
    const env = {
      BILANCIO_SYNC_HOME: join(work, 'home'),
      BILANCIO_SYNC_ARCHIVE_DIR: archive,
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
    };
    service = new AppService({ env, cwd: work, checkResponses: true });
    const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('succeeded');
  });

  afterAll(async () => {
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('reports bytes during each archive, throttled, growing to the total', async () => {
    const events: Array<{ at: number; e: EngineEvent }> = [];
    const target = join(work, 'restored');
    const result = await restoreSweep(slowStore(new LocalFolderObjectStore(archive)), SWEEP, target, {
      onEvent: (e) => events.push({ at: Date.now(), e }),
    });
    expect(await hashTree(target)).toEqual(source);

    const progress = events.filter(
      (x): x is { at: number; e: Extract<EngineEvent, { type: 'progress' }> } => x.e.type === 'progress',
    );
    const total = result.bytes;
    expect(progress.length).toBeGreaterThan(5);
    for (const { e } of progress) {
      expect(e.phase).toBe('downloading');
      expect(e.bytesTotal).toBe(total);
      expect(e.bytesDone).toBeLessThanOrEqual(e.bytesTotal);
    }
    // Only growing; the last says every byte is there.
    const done = progress.map((x) => x.e.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(total);
    // Bytes inside an archive while it is being extracted (not only at its end), with speed and time left.
    const midArchive = progress.filter(
      ({ e }) => e.object && e.object.key.endsWith('.tar.gz') && e.object.bytesDone < e.object.bytesTotal,
    );
    expect(midArchive.length).toBeGreaterThan(2);
    expect(midArchive.some(({ e }) => (e.bytesPerSecond ?? 0) > 0 && typeof e.etaSeconds === 'number')).toBe(
      true,
    );
    // At least PROGRESS_EVERY_MS apart (the closing one, with no object, excepted).
    const spaced = progress.filter((x) => x.e.object);
    for (let i = 1; i < spaced.length; i++) {
      expect(spaced[i]!.at - spaced[i - 1]!.at).toBeGreaterThanOrEqual(PROGRESS_EVERY_MS - 2);
    }
    // Each object's end is its own event.
    const ended = events.flatMap((x) => (x.e.type === 'object-done' ? [x.e.key] : []));
    expect(new Set(ended).size).toBe(ended.length);
    expect(ended.some((k) => k.endsWith('.tar.gz'))).toBe(true);
  });

  it('a cancelled restore is recorded as aborted without error text, and its job says cancelled', async () => {
    const target = join(work, 'cancelled', SWEEP);
    let asked = false;
    const unsubscribe = service.subscribe((e) => {
      if (!asked && e.jobId && e.event.type === 'progress' && e.event.phase === 'downloading') {
        asked = true;
        void service.call('jobs.cancel', { jobId: e.jobId });
      }
    });
    const { jobId } = await service.call('restore.start', { sweep: SWEEP, target });
    const job = await service.call('jobs.wait', { jobId });
    unsubscribe();
    expect(asked).toBe(true);
    expect(job.state).toBe('cancelled');
    expect(job.error?.code).toBe('cancelled');
    expect(job.error?.message).not.toMatch(/rejected/i);
    const history = await service.call('history.list', { sweep: SWEEP, kind: 'restore', limit: 1 });
    expect(history.items[0]).toMatchObject({ result: 'aborted', error: null, target });
  });
});
