import { it } from 'vitest';
import { Upload } from '@aws-sdk/lib-storage';
import { startTestS3, rawClient } from '../support/s3.js';
import { storeFor, streamOf, testBytes, MiB } from './helpers.js';
it('dbg', async () => {
  const s3 = await startTestS3();
  const data = testBytes(50 * MiB);
  const client = rawClient(s3);
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    await new Upload({ client, params: { Bucket: s3.bucket, Key: `raw${i}`, Body: streamOf(data, 65536) }, partSize: 8 * MiB, queueSize: 4 }).done();
    const raw = performance.now() - t;
    const store = storeFor(s3);
    t = performance.now();
    await store.put(`ours${i}`, streamOf(data, 65536));
    const ours = performance.now() - t;
    console.log(`raw lib-storage ${(52.4 / (raw / 1000)).toFixed(1)} MB/s; store ${(52.4 / (ours / 1000)).toFixed(1)} MB/s`);
    await store.close();
  }
  client.destroy(); await s3.stop();
});
