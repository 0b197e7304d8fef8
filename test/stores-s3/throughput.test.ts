/** Upload throughput of a 50 MB stream to the test S3 server (loopback), reported on stdout. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openMultipartUploads, startTestS3, type TestS3 } from '../support/s3.js';
import { MiB, readAll, sha256, storeFor, streamOf, testBytes } from './helpers.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

it('uploads a 50 MB stream (default 8 MiB parts, 2 in flight) and reports MB/s', async () => {
  const store = storeFor(s3);
  const data = testBytes(50 * MiB);
  const started = performance.now();
  const info = await store.put('throughput/branch.tar.gz', streamOf(data, 64 * 1024), {
    contentType: 'application/gzip',
  });
  const seconds = (performance.now() - started) / 1000;
  const mbps = data.length / 1e6 / seconds;
  console.log(`[throughput] 50 MiB stream to ${s3.kind}: ${seconds.toFixed(2)} s, ${mbps.toFixed(1)} MB/s`);
  expect(info.sha256).toBe(sha256(data));
  expect((await readAll(await store.get('throughput/branch.tar.gz'))).equals(data)).toBe(true);
  expect(await openMultipartUploads(s3)).toEqual([]);
  expect(mbps).toBeGreaterThan(5); // a floor against pathologies, not a benchmark
  await store.close();
});
