/**
 * The manifest the journal recorded is not downloaded again while the store says it holds those very
 * bytes (readManifest's HEAD: size and the sha256 the store keeps with the object) — on S3 as on the
 * local folder; other bytes under the key, and the manifest is downloaded and checked. A no-op re-sync
 * to a bucket over a slow link spent most of its time on that download (3 MB for 12,000 files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, writeManifest } from '../../src/core/engine/manifestIO.js';
import { RevisionKeeper } from '../../src/core/engine/RevisionKeeper.js';
import { manifestKey, revisionManifestKey } from '../../src/core/model/keys.js';
import type { RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import type { ObjectStore } from '../../src/core/stores/ObjectStore.js';
import { generateSweep } from '../fixtures/generator.js';
import { readAll, storeFor } from '../stores-s3/helpers.js';
import { openLocalApp } from '../support/localApp.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let work: string;
let s3: TestS3;
let s3Store: ObjectStore;
let app: Awaited<ReturnType<typeof openLocalApp>>;
let synced: RemoteManifest;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bsync-recorded-read-'));
  const sweep = await generateSweep({ root: join(work, 'exp'), name: 'kept', type: 'balanced', pairs: 2 });
  app = await openLocalApp();
  synced = (await app.engine.syncSweep(sweep.dir, { full: true })).manifest!;
  s3 = await startTestS3();
  s3Store = storeFor(s3);
}, 120_000);

afterAll(async () => {
  await s3Store?.close();
  await s3?.stop();
  await app?.dispose();
  await rm(work, { recursive: true, force: true });
});

/** The store, with every download it serves written down. */
function counted(store: ObjectStore): { store: ObjectStore; downloads: string[] } {
  const downloads: string[] = [];
  const wrapped = Object.assign(Object.create(store) as ObjectStore, {
    get: (key: string, options?: { signal?: AbortSignal }) => {
      downloads.push(key);
      return store.get(key, options);
    },
    head: (key: string) => store.head(key),
  });
  return { store: wrapped, downloads };
}

describe.each(['local folder', 's3rver'] as const)('the recorded manifest, on a %s store', (which) => {
  const storeOf = (): ObjectStore => (which === 'local folder' ? app.store : s3Store);

  it('is read with a HEAD while the store holds its bytes; other bytes are downloaded and checked', async () => {
    const key = manifestKey('kept');
    if (which === 's3rver') await writeManifest(s3Store, key, synced);
    const recorded = await readAll(await storeOf().get(key));
    const { store, downloads } = counted(storeOf());

    expect(await readManifest(store, key, recorded)).toEqual(synced);
    expect(downloads).toEqual([]);

    // Another revision under the key (as another machine's sync writes it): downloaded, and it is that one.
    const next = { ...structuredClone(synced), revision: synced.revision + 1 };
    await writeManifest(storeOf(), key, next);
    try {
      expect((await readManifest(store, key, recorded))?.revision).toBe(synced.revision + 1);
      expect(downloads).toEqual([key]);
    } finally {
      await writeManifest(storeOf(), key, synced);
    }
  });

  it("is the sync's committed revision without a download (RevisionKeeper given the recorded copy)", async () => {
    const key = manifestKey('kept');
    if (which === 's3rver') await writeManifest(s3Store, key, synced);
    const recorded = await readAll(await storeOf().get(key));
    const { store, downloads } = counted(storeOf());
    expect(await new RevisionKeeper(store, 'kept', () => recorded).current()).toEqual(synced);
    expect(downloads).toEqual([]);
    // Without the recorded copy (another machine's folder), it is downloaded.
    expect(await new RevisionKeeper(store, 'kept').current()).toEqual(synced);
    expect(downloads).toContain(key);
  });

  it('is none when nothing is under the key, without a download', async () => {
    const { store, downloads } = counted(storeOf());
    const recorded = Buffer.from(JSON.stringify(synced));
    expect(await readManifest(store, revisionManifestKey('kept', 9), recorded)).toBeNull();
    expect(downloads).toEqual([]);
  });
});
