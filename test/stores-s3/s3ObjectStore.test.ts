/**
 * S3ObjectStore against a real S3 server (s3rver, or TEST_S3_ENDPOINT): bytes compared end to end,
 * headers checked on raw SDK responses, errors checked for their words. What every ObjectStore must do is
 * the contract in test/stores-contract/objectStoreContract.ts (run on s3rver and TEST_S3_ENDPOINT by
 * objectStores.test.ts); these are S3's own: multipart uploads, metadata and headers, probe, errors, presets.
 */
import net from 'node:net';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHint } from '../../src/cli/hints.js';
import { SyncError } from '../../src/core/model/errors.js';
import type { S3ObjectStore } from '../../src/core/stores/S3ObjectStore.js';
import { resolveS3Config, S3_PRESETS } from '../../src/core/stores/s3Presets.js';
import { openMultipartUploads, rawClient, startTestS3, type TestS3 } from '../support/s3.js';
import { MiB, readAll, sha256, storeFor, streamOf, testBytes } from './helpers.js';

let s3: TestS3;
let store: S3ObjectStore;

beforeAll(async () => {
  s3 = await startTestS3();
  store = storeFor(s3, { partSizeBytes: 5 * MiB });
});
afterAll(async () => {
  await store?.close();
  await s3?.stop();
});

async function rawHead(key: string) {
  const client = rawClient(s3);
  try {
    return await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${s3.prefix}/${key}` }));
  } finally {
    client.destroy();
  }
}

describe('put / get', () => {
  it('stores a 21 MB stream byte-exact through a multipart upload, sha256 in the metadata', async () => {
    const data = testBytes(21 * MiB + 12_345);
    const progress: number[] = [];
    const info = await store.put('sweep-a/passive.tar.gz', streamOf(data), {
      contentType: 'application/gzip',
      onProgress: (n) => progress.push(n),
    });
    expect(info).toEqual({ key: 'sweep-a/passive.tar.gz', size: data.length, sha256: sha256(data) });
    expect(progress.at(-1)).toBe(data.length);

    const back = await readAll(await store.get('sweep-a/passive.tar.gz'));
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);

    expect(await store.head('sweep-a/passive.tar.gz')).toEqual(info);
    expect(await openMultipartUploads(s3)).toEqual([]);
  });

  it('uploads in 5 MiB parts a stream whose greatest size is known, 8 MiB one that has none', async () => {
    // The default store (no part size configured). Progress arrives as each part completes: its steps
    // are the parts' sizes (in MiB, smallest first: the short last part often completes first).
    const defaults = storeFor(s3);
    const data = testBytes(15 * MiB + 1);
    const partsOf = async (key: string, maxSize?: number): Promise<number[]> => {
      const seen: number[] = [];
      const info = await defaults.put(key, streamOf(data), { maxSize, onProgress: (n) => seen.push(n) });
      expect(info.sha256).toBe(sha256(data));
      return seen.map((n, i) => (n - (seen[i - 1] ?? 0)) / MiB).sort((a, b) => a - b);
    };
    try {
      const lastByte = 1 / MiB;
      expect(await partsOf('parts/bounded.tar.gz', 20 * MiB)).toEqual([lastByte, 5, 5, 5]);
      expect(await partsOf('parts/unbounded.tar.gz')).toEqual([7 + lastByte, 8]);
      // 60 GiB doesn't fit in 10,000 parts of 5 MiB: the parts grow just enough, to 7 MiB.
      expect(await partsOf('parts/huge.tar.gz', 60 * 1024 * MiB)).toEqual([1 + lastByte, 7, 7]);
      expect(await openMultipartUploads(s3)).toEqual([]);
    } finally {
      await defaults.close();
    }
  });

  it('stores a small buffer byte-exact with one PutObject', async () => {
    const data = Buffer.from('kappa,mu\r\n0E-28,0.4861497874835116517660852997\r\n');
    const info = await store.put('sweep-a/aggregate/comparison.csv', data, { contentType: 'text/csv' });
    expect(info.sha256).toBe(sha256(data));
    const back = await readAll(await store.get('sweep-a/aggregate/comparison.csv'));
    expect(back.equals(data)).toBe(true);
    expect((await rawHead('sweep-a/aggregate/comparison.csv')).Metadata?.sha256).toBe(sha256(data));
  });

  it('sends a small stream as one PutObject too, and an empty body', async () => {
    const data = testBytes(300_000);
    await store.put('small-stream.bin', streamOf(data));
    expect((await readAll(await store.get('small-stream.bin'))).equals(data)).toBe(true);
    const exact = testBytes(5 * MiB); // exactly one part: one PutObject, its sha256 in it from the start
    expect((await store.put('exact.bin', streamOf(exact))).sha256).toBe(sha256(exact));
    expect((await store.head('exact.bin'))?.sha256).toBe(sha256(exact));
    expect((await readAll(await store.get('exact.bin'))).equals(exact)).toBe(true);
    const empty = await store.put('empty.json', streamOf(Buffer.alloc(0)));
    expect(empty).toEqual({ key: 'empty.json', size: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  it('puts the caller-known sha256 in the metadata and refuses bytes that do not match it', async () => {
    const data = testBytes(12 * MiB);
    const ok = await store.put('known.bin', streamOf(data), { sha256: sha256(data), size: data.length });
    expect((await store.head('known.bin'))?.sha256).toBe(ok.sha256);

    const wrong = '0'.repeat(64);
    const err = await store.put('mismatch.bin', streamOf(data), { sha256: wrong }).catch((e) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect(err.category).toBe('integrity');
    expect(await store.head('mismatch.bin')).toBeNull(); // never completed
    expect(await openMultipartUploads(s3)).toEqual([]);

    const small = await store
      .put('mismatch-small.bin', Buffer.from('abc'), { sha256: wrong })
      .catch((e) => e);
    expect(small.category).toBe('integrity');
    expect(await store.head('mismatch-small.bin')).toBeNull();
  });

  it('uploads archives as application/gzip with no Content-Encoding (raw HEAD and GET)', async () => {
    const big = testBytes(6 * MiB); // multipart path: Content-Type must survive the metadata copy
    await store.put('sweep-b/active.tar.gz', streamOf(big), { contentType: 'application/gzip' });
    await store.put('sweep-b/runs.tar.gz', testBytes(1000), { contentType: 'application/gzip' });
    for (const key of ['sweep-b/active.tar.gz', 'sweep-b/runs.tar.gz']) {
      const head = await rawHead(key);
      expect(head.ContentType).toBe('application/gzip');
      expect(head.ContentEncoding).toBeUndefined();
      const client = rawClient(s3);
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${s3.prefix}/${key}` }));
      expect(got.ContentType).toBe('application/gzip');
      expect(got.ContentEncoding).toBeUndefined();
      await got.Body?.transformToByteArray();
      client.destroy();
    }
  });

  it('cancelling mid-upload stops it: AbortError, no object, multipart upload aborted', async () => {
    const controller = new AbortController();
    const slow = Readable.from(
      (async function* () {
        for (let i = 0; i < 40; i++) {
          if (i === 12) setTimeout(() => controller.abort(), 0);
          yield testBytes(MiB);
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
    );
    const err = await store.put('cancelled.bin', slow, { signal: controller.signal }).catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(slow.destroyed).toBe(true);
    expect(await store.head('cancelled.bin')).toBeNull();
    expect(await openMultipartUploads(s3)).toEqual([]);
  });
});

describe('list / copy / delete', () => {
  it('lists in key order with the prefix stripped, copies with metadata, deletes idempotently', async () => {
    const files = { 'sweep-c/aggregate/summary.json': '{"total_pairs": 3}', 'sweep-c/manifest.json': '{}' };
    for (const [key, text] of Object.entries(files)) await store.put(key, Buffer.from(text));
    await store.put('sweep-c/control.tar.gz', streamOf(testBytes(5 * MiB + 1)), {
      contentType: 'application/gzip',
    });

    const listed = [];
    for await (const o of store.list('sweep-c/')) listed.push(o);
    expect(listed.map((o) => o.key)).toEqual([
      'sweep-c/aggregate/summary.json',
      'sweep-c/control.tar.gz',
      'sweep-c/manifest.json',
    ]);
    expect(listed[1]?.size).toBe(5 * MiB + 1);

    const original = await store.head('sweep-c/control.tar.gz');
    const copied = await store.copy('sweep-c/control.tar.gz', 'sweep-c/rev-1/control.tar.gz');
    expect(copied).toEqual({ ...original, key: 'sweep-c/rev-1/control.tar.gz' });
    expect((await rawHead('sweep-c/rev-1/control.tar.gz')).ContentType).toBe('application/gzip');

    await store.delete('sweep-c/manifest.json');
    await store.delete('sweep-c/manifest.json'); // missing: not an error
    expect(await store.head('sweep-c/manifest.json')).toBeNull();
    const after = [];
    for await (const o of store.list('sweep-c/')) after.push(o.key);
    expect(after).not.toContain('sweep-c/manifest.json');
  });

  it('probe() writes, reads back and deletes a probe object', async () => {
    const result = await store.probe();
    expect(result.bucket).toBe(s3.bucket);
    const left = [];
    for await (const o of store.list('.bilancio-sync-probe/')) left.push(o);
    expect(left).toEqual([]);
  });
});

describe('errors in plain words', () => {
  it('wrong keys → configuration error pointing at the key settings, never the secret', async () => {
    const bad = storeFor(s3, { accessKeyId: 'WRONGKEYID', secretAccessKey: 'very-secret-value' });
    const err = await bad.put('x.txt', Buffer.from('x')).catch((e) => e);
    await bad.close();
    expect(err).toBeInstanceOf(SyncError);
    expect(err.category).toBe('configuration');
    expect(err.message).toMatch(/refused the access key/);
    expect(err.action).toEqual({
      kind: 'fix-setting',
      settings: ['objectStore.accessKeyId', 'objectStore.secretAccessKey'],
    });
    // The CLI names the variables researchers use.
    expect(renderHint(err.toAppError().hint)).toMatch(/R2_ACCESS_KEY_ID.*R2_SECRET_ACCESS_KEY/);
    expect(`${err.message} ${err.hint}`).not.toMatch(/very-secret-value|WRONGKEYID/);
  });

  // s3rver doesn't check SigV4 signatures (a wrong secret passes there): real servers only. The
  // mapping of SignatureDoesNotMatch / AccessDenied answers is also tested through the flaky proxy.
  it.skipIf(!process.env.TEST_S3_ENDPOINT)(
    'wrong secret → SignatureDoesNotMatch in plain words',
    async () => {
      const badSecret = storeFor(s3, { secretAccessKey: 'another-secret' });
      const err2 = await badSecret.probe().catch((e) => e);
      await badSecret.close();
      expect(err2.category).toBe('configuration');
      expect(err2.message).toMatch(/refused the access key \(SignatureDoesNotMatch\)/);
      expect(`${err2.message} ${err2.hint}`).not.toContain('another-secret');
    },
  );

  it('unknown bucket → configuration error naming the bucket, pointing at the bucket setting', async () => {
    const nobucket = storeFor(s3, { bucket: 'no-such-bucket-here' });
    const err = await nobucket.put('x.txt', Buffer.from('x')).catch((e) => e);
    const err2 = await nobucket.put('big.bin', streamOf(testBytes(9 * MiB))).catch((e) => e);
    await nobucket.close();
    for (const e of [err, err2]) {
      expect(e.category).toBe('configuration');
      expect(e.message).toMatch(/The bucket "no-such-bucket-here" does not exist at 127\.0\.0\.1:\d+/);
      expect(e.action).toMatchObject({
        kind: 'fix-setting',
        settings: ['objectStore.bucket', 'objectStore.endpoint'],
      });
      expect(renderHint(e.toAppError().hint)).toMatch(/R2_BUCKET_NAME/);
    }
  });

  it('unreachable host (closed port) → transient "can\'t reach"', async () => {
    const port = await closedPort();
    const retries: number[] = [];
    const gone = storeFor(s3, {
      endpoint: `http://127.0.0.1:${port}`,
      retries: 2,
      uploadRetries: 0,
      onRetry: (e) => retries.push(e.attempt),
    });
    const started = Date.now();
    const err = await gone.put('x.txt', Buffer.from('x')).catch((e) => e);
    await gone.close();
    expect(err).toBeInstanceOf(SyncError);
    expect(err.category).toBe('transient');
    expect(err.message).toMatch(
      new RegExp(`Can't reach the storage service at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect(err.message).toMatch(/after 3 attempts/);
    expect(retries).toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('presets', () => {
  const keys = { accessKeyId: 'id', secretAccessKey: 'secret' };
  it('builds R2, B2, AWS, MinIO and custom configurations', () => {
    expect(resolveS3Config('r2', { ...keys, accountId: 'abc123' })).toMatchObject({
      endpoint: 'https://abc123.r2.cloudflarestorage.com',
      region: 'auto',
      bucket: 'bilancio-experiments',
      forcePathStyle: true,
    });
    expect(resolveS3Config('b2', { ...keys, region: 'us-west-004', bucket: 'b' })).toMatchObject({
      endpoint: 'https://s3.us-west-004.backblazeb2.com',
      region: 'us-west-004',
    });
    const aws = resolveS3Config('aws', { ...keys, region: 'eu-central-1' });
    expect(aws.endpoint).toBeUndefined();
    expect(aws.region).toBe('eu-central-1');
    expect(resolveS3Config('minio', { ...keys, endpoint: 'http://nas:9000' }).forcePathStyle).toBe(true);
    expect(Object.keys(S3_PRESETS).sort()).toEqual(['aws', 'b2', 'custom', 'minio', 'r2']);
  });

  it('says what is missing', () => {
    expect(() => resolveS3Config('r2', keys)).toThrow(/account id or the endpoint/);
    expect(() => resolveS3Config('custom', keys)).toThrow(/needs an endpoint/);
    expect(() => resolveS3Config('minio', { ...keys, endpoint: 'http://u:p@nas:9000' })).toThrow(
      /must not contain a user name or password/,
    );
    expect(() => resolveS3Config('aws', { accessKeyId: '', secretAccessKey: '' })).toThrow(/access key/);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
