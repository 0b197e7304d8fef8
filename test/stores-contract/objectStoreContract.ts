/**
 * What every ObjectStore must do (src/core/stores/ObjectStore.ts), as one suite each implementation runs
 * against real storage — in the spirit of rclone's fstests.Run. Every check reads the bytes back; none
 * looks at how a backend stores them (temp files, sidecars, multipart uploads: the backends' own tests).
 *
 * `setup` gives a fresh, empty store for each case (a new folder, a new key prefix); the suite closes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import type { ObjectInfo, ObjectStore } from '../../src/core/stores/ObjectStore.js';

const MiB = 1024 * 1024;
/** Bigger than S3ObjectStore's parts (5 MiB for a known size or bound, 8 MiB without): a multipart upload there. */
const MULTIPART_SIZE = 8 * MiB + 12_345;
/** More than one page of a listing (S3 returns at most 1,000 keys per ListObjectsV2 page). */
const MANY_OBJECTS = 1_100;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A one-shot stream of `data` in uneven chunks (like archiver's output). */
export function streamOf(data: Buffer, chunk = 61_441): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk);
    })(),
    { objectMode: false },
  );
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

async function listAll(store: ObjectStore, prefix = ''): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out;
}

async function keysOf(store: ObjectStore, prefix = ''): Promise<string[]> {
  return (await listAll(store, prefix)).map((o) => o.key);
}

async function bytesOf(store: ObjectStore, key: string): Promise<Buffer> {
  return readAll(await store.get(key));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

async function syncErrorOf(p: Promise<unknown>): Promise<SyncError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(SyncError);
  return e as SyncError;
}

/** The key holds no object: head() null, get() not-found, list() doesn't show it. */
async function expectNoObject(store: ObjectStore, key: string): Promise<void> {
  expect(await store.head(key)).toBeNull();
  expect((await syncErrorOf(store.get(key))).category).toBe('not-found');
  expect(await keysOf(store, key)).not.toContain(key);
}

/** The key holds exactly `data`, and head() reports its size and sha256. */
async function expectObject(store: ObjectStore, key: string, data: Buffer): Promise<void> {
  const back = await bytesOf(store, key);
  expect(back.length).toBe(data.length);
  expect(back.equals(data)).toBe(true);
  expect(await store.head(key)).toEqual({ key, size: data.length, sha256: sha256(data) });
}

/** Progress callbacks: never decreasing, ending at the body's size. */
function expectProgress(progress: number[], size: number): void {
  expect(progress.length).toBeGreaterThan(0);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(progress.at(-1)).toBe(size);
}

/** A body of `total` bytes that arrives slowly; `onPulled` sees how much of it has been read. */
function slowBody(total: number, onPulled: (bytes: number) => void): Readable {
  return Readable.from(
    (async function* () {
      const chunk = 256 * 1024;
      for (let at = 0; at < total; at += chunk) {
        const part = randomBytes(Math.min(chunk, total - at));
        onPulled(at + part.length);
        yield part;
        await new Promise((r) => setTimeout(r, 2));
      }
    })(),
    { objectMode: false },
  );
}

/** A body that sends `first` and then stalls forever, like an upload source that hangs. */
function stallingBody(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      }
    },
  });
}

/** Keys a sync may meet in a sweep's names and files (no URL-reserved characters). */
const PLAIN_KEYS = ['sweep ü/file name (1).csv', 'ключ/€ 100%.json', '日本/データ 1.bin', 'emoji/😀 ~_.txt'];
/** Keys with the characters a URL or a form encoding treats specially. */
const RESERVED_KEYS = ['sweep ü/ä+b=c/file name (1).csv', 'a+b/c d/e=f', "r/!@$&'()*,;:=+.txt"];

async function copiesEachKey(store: ObjectStore, keys: string[]): Promise<void> {
  for (const key of keys) {
    const data = Buffer.from(`bytes of ${key}`);
    await store.put(key, data);
    const copy = `copies/${key}`;
    expect(await store.copy(key, copy)).toEqual({ key: copy, size: data.length, sha256: sha256(data) });
    await expectObject(store, copy, data);
    await expectObject(store, key, data);
  }
  expect(await keysOf(store, 'copies/')).toEqual(keys.map((k) => `copies/${k}`).sort(byUtf8));
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface ObjectStoreContractOptions {
  /**
   * Checks that a test server fails for reasons of its own, never the store's (s3rver's gaps): each names
   * the gap, and the check is reported as skipped for this backend with it. Everywhere else it runs.
   */
  serverGaps?: {
    /** The server lists keys that differ at a "/" in another order than their UTF-8 bytes (S3's order). */
    listOrderAcrossSlash?: string;
    /** The server can't copy keys holding URL-reserved characters ("+", "=", "&", …). */
    copyOfReservedCharacters?: string;
  };
  /**
   * Leave out the case that writes 1,100 objects to page through a listing (seconds on a server),
   * saying why — e.g. another run of the suite on the same server already pages through it.
   */
  skipListingPages?: string;
}

/** `it`, or — where the server has the named gap — a skipped `it` whose title gives the reason. */
function itUnlessGap(gap: string | undefined) {
  return (title: string, fn: () => Promise<void>) =>
    gap === undefined ? it(title, fn) : it.skip(`${title} — SKIPPED, a gap of the server: ${gap}`, fn);
}

export function runObjectStoreContract(
  name: string,
  setup: () => ObjectStore | Promise<ObjectStore>,
  options: ObjectStoreContractOptions = {},
): void {
  const gaps = options.serverGaps ?? {};
  describe(`${name} keeps the ObjectStore contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await setup();
    });
    afterEach(async () => {
      await store?.close();
    });

    describe('put / get / head', () => {
      it('a fresh store holds nothing', async () => {
        expect(await listAll(store)).toEqual([]);
        await expectNoObject(store, 'sweep/manifest.json');
        expect(store.description).toBeTruthy();
      });

      it('stores a Buffer byte-exact and reports its size and sha256 (put, head)', async () => {
        const data = Buffer.from('kappa,mu\r\n0E-28,0.4861497874835116517660852997\r\n');
        const info = await store.put('s1/aggregate/comparison.csv', data, { contentType: 'text/csv' });
        expect(info).toEqual({ key: 's1/aggregate/comparison.csv', size: data.length, sha256: sha256(data) });
        await expectObject(store, 's1/aggregate/comparison.csv', data);
      });

      it('stores a one-shot stream byte-exact, hashing what it wrote', async () => {
        const data = randomBytes(300_000);
        const info = await store.put('s1/runs.tar.gz', streamOf(data), { contentType: 'application/gzip' });
        expect(info).toEqual({ key: 's1/runs.tar.gz', size: data.length, sha256: sha256(data) });
        await expectObject(store, 's1/runs.tar.gz', data);
      });

      it('stores a stream factory body byte-exact', async () => {
        const data = randomBytes(200_000);
        const info = await store.put('s1/factory.bin', () => streamOf(data));
        expect(info).toEqual({ key: 's1/factory.bin', size: data.length, sha256: sha256(data) });
        await expectObject(store, 's1/factory.bin', data);
      });

      it('stores a 0-byte object from a Buffer and from a stream', async () => {
        const empty = Buffer.alloc(0);
        expect(await store.put('s1/empty-buffer', empty)).toEqual({
          key: 's1/empty-buffer',
          size: 0,
          sha256: sha256(empty),
        });
        expect(await store.put('s1/empty-stream', streamOf(empty))).toEqual({
          key: 's1/empty-stream',
          size: 0,
          sha256: sha256(empty),
        });
        await expectObject(store, 's1/empty-buffer', empty);
        await expectObject(store, 's1/empty-stream', empty);
        expect((await listAll(store, 's1/')).map((o) => [o.key, o.size])).toEqual([
          ['s1/empty-buffer', 0],
          ['s1/empty-stream', 0],
        ]);
      });

      it('stores a multipart-sized body (> 8 MiB) byte-exact: stream, known sha256, factory, Buffer', async () => {
        const data = randomBytes(MULTIPART_SIZE);
        const progress: number[] = [];
        const viaStream = await store.put('big/stream.bin', streamOf(data), {
          contentType: 'application/gzip',
          onProgress: (n) => progress.push(n),
        });
        expect(viaStream).toEqual({ key: 'big/stream.bin', size: data.length, sha256: sha256(data) });
        expectProgress(progress, data.length);
        await expectObject(store, 'big/stream.bin', data);

        const known = await store.put('big/known.bin', streamOf(data), {
          sha256: sha256(data),
          size: data.length,
        });
        expect(known).toEqual({ key: 'big/known.bin', size: data.length, sha256: sha256(data) });
        await expectObject(store, 'big/known.bin', data);

        const viaFactory = await store.put('big/factory.bin', () => streamOf(data));
        expect(viaFactory).toEqual({ key: 'big/factory.bin', size: data.length, sha256: sha256(data) });
        await expectObject(store, 'big/factory.bin', data);

        const viaBuffer = await store.put('big/buffer.bin', data);
        expect(viaBuffer).toEqual({ key: 'big/buffer.bin', size: data.length, sha256: sha256(data) });
        await expectObject(store, 'big/buffer.bin', data);
      });

      it('reports progress: increasing byte counts that end at the body size', async () => {
        const small = Buffer.from('{"total_pairs": 3}');
        const fromBuffer: number[] = [];
        await store.put('p/small.json', small, { onProgress: (n) => fromBuffer.push(n) });
        expectProgress(fromBuffer, small.length);

        const data = randomBytes(1_500_000);
        const fromStream: number[] = [];
        await store.put('p/stream.bin', streamOf(data), { onProgress: (n) => fromStream.push(n) });
        expectProgress(fromStream, data.length);
        await expectObject(store, 'p/stream.bin', data);
      });

      it('accepts the right caller-known size and sha256 (Buffer and stream)', async () => {
        const data = randomBytes(100_000);
        const options = { size: data.length, sha256: sha256(data) };
        expect(await store.put('k/buffer.bin', data, options)).toEqual({
          key: 'k/buffer.bin',
          size: data.length,
          sha256: sha256(data),
        });
        expect(await store.put('k/stream.bin', streamOf(data), options)).toEqual({
          key: 'k/stream.bin',
          size: data.length,
          sha256: sha256(data),
        });
        await expectObject(store, 'k/buffer.bin', data);
        await expectObject(store, 'k/stream.bin', data);
      });

      it('replaces an object whole: the new bytes and the new sha256', async () => {
        await store.put('s1/manifest.json', Buffer.from('revision 1, a longer body'));
        const next = Buffer.from('rev 2');
        expect((await store.put('s1/manifest.json', streamOf(next))).sha256).toBe(sha256(next));
        await expectObject(store, 's1/manifest.json', next);
        expect(await keysOf(store)).toEqual(['s1/manifest.json']);
      });

      it('get() of a missing key is SyncError not-found; head() of it is null', async () => {
        await store.put('present/x', Buffer.from('x'));
        const err = await syncErrorOf(store.get('present/missing.bin'));
        expect(err.category).toBe('not-found');
        expect(await store.head('present/missing.bin')).toBeNull();
        expect(await store.head('present')).toBeNull(); // a "folder" of keys is no object
        expect((await syncErrorOf(store.get('present'))).category).toBe('not-found');
      });

      it('keys with unicode, spaces, "+" and "=" round-trip through put, get, head, list and delete', async () => {
        for (const key of [...PLAIN_KEYS, ...RESERVED_KEYS]) {
          const data = Buffer.from(`bytes of ${key}`);
          expect(await store.put(key, data)).toEqual({ key, size: data.length, sha256: sha256(data) });
          await expectObject(store, key, data);
        }
        expect((await keysOf(store)).sort()).toEqual([...PLAIN_KEYS, ...RESERVED_KEYS].sort());
        expect(await keysOf(store, 'sweep ü/ä+b=c/')).toEqual(['sweep ü/ä+b=c/file name (1).csv']);
        expect(await keysOf(store, 'a+b/c d/')).toEqual(['a+b/c d/e=f']);
        for (const key of [...PLAIN_KEYS, ...RESERVED_KEYS]) {
          await store.delete(key);
          await expectNoObject(store, key);
        }
        expect(await keysOf(store)).toEqual([]);
      });

      it('copies keys with unicode and spaces', async () => {
        await copiesEachKey(store, PLAIN_KEYS);
      });

      itUnlessGap(gaps.copyOfReservedCharacters)(
        'copies keys with "+", "=" and the other URL-reserved characters',
        async () => {
          await copiesEachKey(store, RESERVED_KEYS);
        },
      );
    });

    describe('refused and failed puts leave nothing behind', () => {
      it('a wrong caller-known sha256 is refused (integrity): no new object, the old one kept', async () => {
        const wrong = '0'.repeat(64);
        const data = randomBytes(50_000);

        // A Buffer, over an existing object.
        const old = Buffer.from('old manifest');
        await store.put('s1/manifest.json', old);
        const e1 = await syncErrorOf(
          store.put('s1/manifest.json', Buffer.from('new manifest'), { sha256: wrong }),
        );
        expect(e1.category).toBe('integrity');
        await expectObject(store, 's1/manifest.json', old);

        // A small stream, at a new key.
        const e2 = await syncErrorOf(store.put('s1/new.bin', streamOf(data), { sha256: wrong }));
        expect(e2.category).toBe('integrity');
        await expectNoObject(store, 's1/new.bin');

        // A multipart-sized stream over an existing object: refused before it is complete.
        const big = randomBytes(MULTIPART_SIZE);
        const e3 = await syncErrorOf(store.put('s1/manifest.json', streamOf(big), { sha256: wrong }));
        expect(e3.category).toBe('integrity');
        await expectObject(store, 's1/manifest.json', old);

        // Another body's correct hash is just as wrong.
        const e4 = await syncErrorOf(store.put('s1/other.bin', data, { sha256: sha256(old) }));
        expect(e4.category).toBe('integrity');
        await expectNoObject(store, 's1/other.bin');
        expect(await keysOf(store)).toEqual(['s1/manifest.json']);
      });

      it('a wrong caller-known size is refused (integrity) and leaves no object', async () => {
        const data = Buffer.from('abc');
        const e1 = await syncErrorOf(store.put('k/buffer', data, { size: 4 }));
        expect(e1.category).toBe('integrity');
        await expectNoObject(store, 'k/buffer');
        const e2 = await syncErrorOf(store.put('k/stream', streamOf(randomBytes(10_000)), { size: 9_999 }));
        expect(e2.category).toBe('integrity');
        await expectNoObject(store, 'k/stream');
        expect(await keysOf(store)).toEqual([]);
      });

      it('a body that fails mid-way is a SyncError and leaves no object (the old one kept)', async () => {
        const old = Buffer.from('previous archive');
        await store.put('s1/active.tar.gz', old);
        const broken = () =>
          new Readable({
            read() {
              this.push(Buffer.alloc(1000, 1));
              this.destroy(new Error('archiver broke'));
            },
          });
        await syncErrorOf(store.put('s1/active.tar.gz', broken()));
        await expectObject(store, 's1/active.tar.gz', old);
        await syncErrorOf(store.put('s1/passive.tar.gz', broken()));
        await expectNoObject(store, 's1/passive.tar.gz');
        expect(await keysOf(store)).toEqual(['s1/active.tar.gz']);
      });

      it('a signal aborted before put() writes nothing', async () => {
        const controller = new AbortController();
        controller.abort();
        const err = await rejection(store.put('s1/x.bin', Buffer.from('x'), { signal: controller.signal }));
        expect(err).toMatchObject({ name: 'AbortError' });
        await expectNoObject(store, 's1/x.bin');
      });

      it('aborting mid-upload rejects with AbortError: no new object, the old one kept', async () => {
        for (const [key, abortAt] of [
          ['s1/early.bin', MiB], // while the first part is still being read
          ['s1/late.bin', 10 * MiB], // past the first part of a multipart upload
        ] as const) {
          const controller = new AbortController();
          const body = slowBody(16 * MiB, (pulled) => {
            if (pulled >= abortAt && !controller.signal.aborted) setTimeout(() => controller.abort(), 0);
          });
          const err = await rejection(store.put(key, body, { signal: controller.signal }));
          expect(err, key).toMatchObject({ name: 'AbortError' });
          await expectNoObject(store, key);
        }

        const old = Buffer.from('previous');
        await store.put('s1/passive.tar.gz', old);
        const controller = new AbortController();
        const body = slowBody(12 * MiB, (pulled) => {
          if (pulled >= 2 * MiB && !controller.signal.aborted) setTimeout(() => controller.abort(), 0);
        });
        const err = await rejection(store.put('s1/passive.tar.gz', body, { signal: controller.signal }));
        expect(err).toMatchObject({ name: 'AbortError' });
        await expectObject(store, 's1/passive.tar.gz', old);
        expect(await keysOf(store)).toEqual(['s1/passive.tar.gz']);
      });

      it('aborting while the body stalls ends the put: AbortError, the old object kept', async () => {
        const old = Buffer.from('previous');
        await store.put('s1/passive.tar.gz', old);
        const controller = new AbortController();
        const put = store.put('s1/passive.tar.gz', stallingBody(Buffer.alloc(64_000, 7)), {
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(), 200);
        const outcome = await Promise.race([
          rejection(put),
          new Promise((resolve) => setTimeout(() => resolve('still running 5 s after the abort'), 5_200)),
        ]);
        expect(outcome).toMatchObject({ name: 'AbortError' });
        await expectObject(store, 's1/passive.tar.gz', old);
      });
    });

    describe('list', () => {
      it('lists in key order, only the keys under the prefix, with their sizes', async () => {
        const keys = ['b', 'ab', 'a/y', 'a/x', 'a/z/deep', 'é', 'ZZ', 'a0', 'a/zz'];
        for (const key of keys) await store.put(key, Buffer.from(`<${key}>`));
        // S3's order is the keys' UTF-8 bytes: 'Z' < 'a', '/' < '0', 'é' after every ASCII key.
        expect(await keysOf(store)).toEqual(['ZZ', 'a/x', 'a/y', 'a/z/deep', 'a/zz', 'a0', 'ab', 'b', 'é']);
        expect(await keysOf(store, 'a/')).toEqual(['a/x', 'a/y', 'a/z/deep', 'a/zz']);
        expect(await keysOf(store, 'a')).toEqual(['a/x', 'a/y', 'a/z/deep', 'a/zz', 'a0', 'ab']);
        expect(await keysOf(store, 'a/z')).toEqual(['a/z/deep', 'a/zz']);
        expect(await keysOf(store, 'a/z/d')).toEqual(['a/z/deep']);
        expect(await keysOf(store, 'a/z/deep')).toEqual(['a/z/deep']);
        expect(await keysOf(store, 'nothing/')).toEqual([]);
        expect(await keysOf(store, 'a/q')).toEqual([]);
        for (const o of await listAll(store)) {
          const data = Buffer.from(`<${o.key}>`);
          expect(o.size, o.key).toBe(data.length);
          // A listing may leave the hash out (S3 listings carry no metadata), never report a wrong one.
          expect([undefined, sha256(data)], o.key).toContain(o.sha256);
        }
      });

      itUnlessGap(gaps.listOrderAcrossSlash)(
        "orders keys that differ at a \"/\" by their bytes too ('a.txt' < 'a/x' < 'a/x-' < 'a0')",
        async () => {
          const keys = ['a0', 'a/x-', 'a/x', 'a.txt', 'a-b', 'a/x.y/z'];
          for (const key of keys) await store.put(key, Buffer.from(key));
          expect(await keysOf(store)).toEqual(['a-b', 'a.txt', 'a/x', 'a/x-', 'a/x.y/z', 'a0']);
          expect(await keysOf(store, 'a/x')).toEqual(['a/x', 'a/x-', 'a/x.y/z']);
        },
      );

      const itPaging =
        options.skipListingPages === undefined
          ? it
          : (title: string, fn: () => Promise<void>) =>
              it.skip(`${title} — SKIPPED: ${options.skipListingPages}`, fn);
      itPaging(`pages through more than one listing page (${MANY_OBJECTS} objects)`, async () => {
        const keys = Array.from({ length: MANY_OBJECTS }, (_, i) => `many/${String(i).padStart(4, '0')}.txt`);
        await store.put('man', Buffer.from('outside'));
        await store.put('many_not_these', Buffer.from('outside'));
        await inParallel(keys, 32, (key) => store.put(key, Buffer.from(key)));
        const listed = await listAll(store, 'many/');
        expect(listed.map((o) => o.key)).toEqual(keys);
        expect(listed.every((o) => o.size === 'many/0000.txt'.length)).toBe(true);
        expect(await keysOf(store, 'many/10')).toEqual(keys.slice(1000));
        expect(await keysOf(store, 'many')).toEqual([...keys, 'many_not_these']);
        const all = await keysOf(store);
        expect([all.length, all[0], all.at(-1)]).toEqual([MANY_OBJECTS + 2, 'man', 'many_not_these']);
      });
    });

    describe('copy / delete / abortIncompleteUploads', () => {
      it('copies the bytes and the sha256, independent of later writes to the source', async () => {
        const rev1 = randomBytes(70_000);
        await store.put('s1/manifest.json', streamOf(rev1), { contentType: 'application/json' });
        const copied = await store.copy('s1/manifest.json', 's1/revisions/1/manifest.json');
        expect(copied).toEqual({
          key: 's1/revisions/1/manifest.json',
          size: rev1.length,
          sha256: sha256(rev1),
        });
        await expectObject(store, 's1/revisions/1/manifest.json', rev1);

        const rev2 = Buffer.from('rev2!');
        await store.put('s1/manifest.json', rev2);
        await expectObject(store, 's1/revisions/1/manifest.json', rev1);
        await expectObject(store, 's1/manifest.json', rev2);

        // Over an existing object, and of a 0-byte one.
        await store.copy('s1/manifest.json', 's1/revisions/1/manifest.json');
        await expectObject(store, 's1/revisions/1/manifest.json', rev2);
        await store.put('s1/empty', Buffer.alloc(0));
        expect(await store.copy('s1/empty', 's1/empty-copy')).toEqual({
          key: 's1/empty-copy',
          size: 0,
          sha256: sha256(Buffer.alloc(0)),
        });
        await expectObject(store, 's1/empty-copy', Buffer.alloc(0));
      });

      it('copying a missing key is SyncError not-found and creates nothing', async () => {
        const err = await syncErrorOf(store.copy('missing/manifest.json', 'target/manifest.json'));
        expect(err.category).toBe('not-found');
        await expectNoObject(store, 'target/manifest.json');
      });

      it('deletes an object, leaves its neighbours, and deleting a missing key is fine', async () => {
        await store.put('s1/aggregate/summary.json', Buffer.from('{}'));
        await store.put('s1/aggregate/summary.json.bak', Buffer.from('{"old": true}'));
        await store.put('s1/manifest.json', Buffer.from('m'));
        await store.delete('s1/aggregate/summary.json');
        await expectNoObject(store, 's1/aggregate/summary.json');
        await store.delete('s1/aggregate/summary.json');
        await store.delete('never/written.bin');
        await store.delete('s1'); // a "folder" of keys is no object
        expect(await keysOf(store)).toEqual(['s1/aggregate/summary.json.bak', 's1/manifest.json']);
        await expectObject(store, 's1/aggregate/summary.json.bak', Buffer.from('{"old": true}'));
        // The key can be written again.
        await store.put('s1/aggregate/summary.json', Buffer.from('{"again": 1}'));
        await expectObject(store, 's1/aggregate/summary.json', Buffer.from('{"again": 1}'));
      });

      it('abortIncompleteUploads returns a count (0 when nothing is open) and keeps complete objects', async () => {
        expect(await store.abortIncompleteUploads('s1/')).toBe(0);
        const kept = randomBytes(MULTIPART_SIZE);
        await store.put('s1/passive.tar.gz', streamOf(kept));

        // Leave what a cancelled multipart-sized upload may leave, then clean up under the prefix.
        const controller = new AbortController();
        const body = slowBody(16 * MiB, (pulled) => {
          if (pulled >= 10 * MiB && !controller.signal.aborted) setTimeout(() => controller.abort(), 0);
        });
        await rejection(store.put('s1/active.tar.gz', body, { signal: controller.signal }));

        const first = await store.abortIncompleteUploads('s1/');
        expect(Number.isInteger(first) && first >= 0).toBe(true);
        expect(await store.abortIncompleteUploads('s1/')).toBe(0); // nothing is left open
        expect(await store.abortIncompleteUploads('other/')).toBe(0);
        await expectObject(store, 's1/passive.tar.gz', kept);
        await expectNoObject(store, 's1/active.tar.gz');
        expect(await keysOf(store)).toEqual(['s1/passive.tar.gz']);
      });
    });
  });
}
