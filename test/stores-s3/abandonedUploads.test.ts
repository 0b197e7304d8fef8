import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMultipartUploads, rawClient, startTestS3, type TestS3 } from '../support/s3.js';
import { storeFor } from './helpers.js';

describe('multipart uploads left open by a killed process', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('are listed and aborted under the sweep prefix only', async () => {
    // What a SIGKILL mid-upload leaves: an upload created, one part sent, never completed or aborted.
    const client = rawClient(s3);
    const open = async (key: string) => {
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `${s3.prefix}/${key}` }),
      );
      await client.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key: `${s3.prefix}/${key}`,
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(1024, 7),
        }),
      );
    };
    await open('killed_sweep/passive.tar.gz');
    await open('killed_sweep/active.tar.gz');
    await open('other_sweep/passive.tar.gz');
    client.destroy();
    expect(await openMultipartUploads(s3)).toHaveLength(3);

    const store = storeFor(s3);
    expect(await store.abortIncompleteUploads('killed_sweep/')).toBe(2);
    expect(await openMultipartUploads(s3, `${s3.prefix}/killed_sweep/`)).toEqual([]);
    expect(await openMultipartUploads(s3, `${s3.prefix}/other_sweep/`)).toHaveLength(1);
    expect(await store.abortIncompleteUploads('killed_sweep/')).toBe(0);
    await store.close();
  });
});
