/**
 * Real faults between the store and a real S3 server: a TCP proxy that cuts connections mid-upload,
 * plays dead, or answers 503/429 with Retry-After. Every success is checked byte for byte; every
 * failure must leave no object under the key and no open multipart upload.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { S3RetryNotice as S3RetryEvent } from '../../src/core/model/destinations.js';
import { SyncError } from '../../src/core/model/errors.js';
import { type FlakyProxy, type ProxiedRequest, startFlakyProxy } from '../support/flakyProxy.js';
import { openMultipartUploads, startTestS3, type TestS3 } from '../support/s3.js';
import { MiB, readAll, sha256, storeFor, streamOf, testBytes } from './helpers.js';

const isPart = (r: ProxiedRequest) => r.method === 'PUT' && r.path.includes('partNumber=');
const isPut = (r: ProxiedRequest) => r.method === 'PUT' && !r.path.includes('partNumber=');

let s3: TestS3;
let proxy: FlakyProxy;

beforeAll(async () => {
  s3 = await startTestS3();
  proxy = await startFlakyProxy(s3.endpoint);
});
afterEach(() => {
  proxy.clearRules();
  proxy.log.length = 0;
});
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

function proxiedStore(retryLog: S3RetryEvent[] = [], overrides = {}) {
  return storeFor(s3, {
    endpoint: proxy.endpoint,
    partSizeBytes: 5 * MiB,
    onRetry: (e) => retryLog.push(e),
    ...overrides,
  });
}

describe('connections cut mid-upload', () => {
  it('retries the cut parts and completes, byte-exact', async () => {
    const retries: S3RetryEvent[] = [];
    const store = proxiedStore(retries);
    proxy.dropRequests({ afterBytes: 1 * MiB, times: 3, match: isPart });
    const data = testBytes(22 * MiB);
    const info = await store.put('cut/passive.tar.gz', streamOf(data), { contentType: 'application/gzip' });
    expect(info.sha256).toBe(sha256(data));
    expect(proxy.log.filter((e) => e.action === 'drop')).toHaveLength(3);
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries[0]?.reason).toMatch(/ECONNRESET|EPIPE/);
    const back = await readAll(await store.get('cut/passive.tar.gz'));
    expect(back.equals(data)).toBe(true);
    expect((await store.head('cut/passive.tar.gz'))?.sha256).toBe(sha256(data));
    expect(await openMultipartUploads(s3)).toEqual([]);
    await store.close();
  });

  it('fails clearly when every part upload is cut: no object, multipart upload aborted', async () => {
    const store = proxiedStore([], { retries: 2 });
    proxy.dropRequests({ afterBytes: 256 * 1024, times: Number.POSITIVE_INFINITY, match: isPart });
    const err = await store.put('cut/doomed.tar.gz', streamOf(testBytes(16 * MiB))).catch((e) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect(err.category).toBe('transient');
    expect(err.message).toMatch(
      /Lost the connection to the storage service at 127\.0\.0\.1:\d+ \((ECONNRESET|EPIPE)\)/,
    );
    expect(err.message).toMatch(/upload of "cut\/doomed.tar.gz" after 3 attempts/);
    expect(proxy.log.some((e) => e.method === 'DELETE' && e.path?.includes('uploadId='))).toBe(true);
    proxy.clearRules();
    expect(await store.head('cut/doomed.tar.gz')).toBeNull();
    expect(await openMultipartUploads(s3)).toEqual([]);
    await store.close();
  });

  it('restarts a whole upload from a stream factory when the request retries are used up', async () => {
    const store = proxiedStore([], { retries: 1, uploadRetries: 3 });
    proxy.refuseConnections(2); // the first request and its one retry both meet a dead connection
    const data = testBytes(7 * MiB);
    let streamsMade = 0;
    const info = await store.put('down/factory.bin', () => {
      streamsMade++;
      return streamOf(data);
    });
    expect(proxy.log.filter((e) => e.action === 'refuse')).toHaveLength(2);
    expect(streamsMade).toBe(2);
    expect(info.sha256).toBe(sha256(data));
    expect((await readAll(await store.get('down/factory.bin'))).equals(data)).toBe(true);
    expect(await openMultipartUploads(s3)).toEqual([]);
    await store.close();
  });

  it('a one-shot stream is not restarted: it fails clearly while the server is down', async () => {
    const store = proxiedStore([], { retries: 1 });
    proxy.setDown(true);
    const err = await store.put('down/oneshot.bin', streamOf(testBytes(7 * MiB))).catch((e) => e);
    proxy.setDown(false);
    expect(err.category).toBe('transient');
    expect(err.message).toMatch(/storage service at 127\.0\.0\.1:\d+ \(ECONNRESET\)/);
    expect(await store.head('down/oneshot.bin')).toBeNull();
    await store.close();
  });
});

describe('busy server', () => {
  it('honours 503 Retry-After (seconds) before retrying', async () => {
    const retries: S3RetryEvent[] = [];
    const store = proxiedStore(retries, { retryBaseMs: 10, retryMaxMs: 20 });
    proxy.respond({ status: 503, retryAfter: '2', match: isPut });
    const data = Buffer.from('{"total_pairs": 0}');
    await store.put('busy/summary.json', data);
    const puts = proxy.log.filter((e) => e.method === 'PUT');
    expect(puts.map((e) => e.action)).toEqual(['respond', 'pass']);
    const waited = puts[1]!.at - puts[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(4000);
    expect(retries[0]).toMatchObject({ attempt: 1, reason: 'SlowDown (HTTP 503)' });
    expect(retries[0]?.retryAfterMs).toBeGreaterThan(1000);
    expect((await readAll(await store.get('busy/summary.json'))).equals(data)).toBe(true);
    await store.close();
  });

  it('honours 429 Retry-After as an HTTP date on a multipart part', async () => {
    const store = proxiedStore([], { retryBaseMs: 10, retryMaxMs: 20 });
    const when = new Date(Date.now() + 2500).toUTCString(); // second resolution: waits 1.5–2.5 s
    proxy.respond({ status: 429, retryAfter: when, match: isPart });
    const data = testBytes(11 * MiB);
    await store.put('busy/parts.bin', streamOf(data));
    const injected = proxy.log.find((e) => e.action === 'respond')!;
    const nextPart = proxy.log.filter(
      (e) => e.method === 'PUT' && e.path?.includes('partNumber=') && e.at > injected.at,
    );
    const retried = nextPart.find((e) => e.path === injected.path)!;
    expect(retried.at - injected.at).toBeGreaterThanOrEqual(1400);
    expect((await readAll(await store.get('busy/parts.bin'))).equals(data)).toBe(true);
    await store.close();
  });

  it('a server that stays busy → transient error after the retries, no object left', async () => {
    const store = proxiedStore([], { retries: 2, uploadRetries: 0, retryBaseMs: 10, retryMaxMs: 20 });
    proxy.respond({ status: 503, times: Number.POSITIVE_INFINITY, match: isPut });
    const err = await store.put('busy/never.json', Buffer.from('{}')).catch((e) => e);
    expect(err.category).toBe('transient');
    expect(err.message).toMatch(
      /is busy or failing \(SlowDown, HTTP 503\) during the upload of "busy\/never.json" after 3 attempts/,
    );
    expect(await store.head('busy/never.json')).toBeNull();
    await store.close();
  });

  it('maps injected auth answers (SignatureDoesNotMatch, AccessDenied) to configuration errors', async () => {
    const store = proxiedStore();
    proxy.respond({ status: 403, code: 'SignatureDoesNotMatch', match: isPut });
    const sig = await store.put('auth/x.json', Buffer.from('{}')).catch((e) => e);
    expect(sig.category).toBe('configuration');
    expect(sig.message).toMatch(/refused the access key \(SignatureDoesNotMatch\)/);
    expect(sig.action).toEqual({
      kind: 'fix-setting',
      settings: ['objectStore.accessKeyId', 'objectStore.secretAccessKey'],
    });
    proxy.respond({ status: 403, code: 'AccessDenied', match: isPut });
    const denied = await store.put('auth/y.json', Buffer.from('{}')).catch((e) => e);
    expect(denied.category).toBe('configuration');
    expect(denied.message).toMatch(/refused the access key for the upload of "auth\/y.json" in bucket/);
    await store.close();
  });
});

describe('a server without AbortMultipartUpload (stock s3rver)', () => {
  it('says in the hint that the parts could not be cancelled', async () => {
    const stock = await startTestS3({ abortMultipart: false });
    const flaky = await startFlakyProxy(stock.endpoint);
    const store = storeFor(stock, { endpoint: flaky.endpoint, partSizeBytes: 5 * MiB, retries: 1 });
    try {
      flaky.dropRequests({ afterBytes: 1024, times: Number.POSITIVE_INFINITY, match: isPart });
      const err = await store.put('cut/stuck.bin', streamOf(testBytes(12 * MiB))).catch((e) => e);
      expect(err.category).toBe('transient');
      expect(err.hint).toMatch(/can't cancel multipart uploads \(HTTP 405\)/);
      flaky.clearRules();
      expect(await store.head('cut/stuck.bin')).toBeNull();
      // The leftover is the server's limitation, and the helper sees it: one upload still open.
      if (stock.kind === 's3rver') expect(await openMultipartUploads(stock)).toHaveLength(1);
    } finally {
      await store.close();
      await flaky.close();
      await stock.stop();
    }
  });
});
