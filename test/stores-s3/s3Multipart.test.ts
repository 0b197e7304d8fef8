/**
 * The multipart upload's own parts (src/core/stores/s3Multipart.ts): a stream cut into parts of one size
 * whatever its chunks, and no more parts in flight than asked, against a real S3 server (s3rver).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bufferParts,
  MultipartUpload,
  type PartSource,
  StreamParts,
} from '../../src/core/stores/s3Multipart.js';
import { openMultipartUploads, rawClient, startTestS3, type TestS3 } from '../support/s3.js';
import { MiB, testBytes } from './helpers.js';

async function* chunksOf(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function allParts(source: PartSource): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (let part = await source.next(); part; part = await source.next()) parts.push(Buffer.from(part));
  return parts;
}

describe('parts', () => {
  it('cuts a stream into parts of the part size whatever its chunks, the rest in the last', async () => {
    const data = testBytes(10_000 + 37);
    // Chunks smaller than a part, larger than one, empty, and ending mid-part.
    for (const sizes of [[1], [999], [1000], [2500, 0, 7], [3001, 1, 4096]]) {
      const parts = await allParts(new StreamParts(chunksOf(data, sizes), 1000));
      expect(parts.map((p) => p.length)).toEqual([...Array(10).fill(1000), 37]);
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    }
  });

  it('gives no part for an empty stream, and exactly full parts for a multiple of the part size', async () => {
    expect(await allParts(new StreamParts(chunksOf(Buffer.alloc(0), [10]), 1000))).toEqual([]);
    const data = testBytes(3000);
    const parts = await allParts(new StreamParts(chunksOf(data, [700]), 1000));
    expect(parts.map((p) => p.length)).toEqual([1000, 1000, 1000]);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('cuts a Buffer into views of it, the last one short', async () => {
    const data = testBytes(2500);
    const parts: Buffer[] = [];
    const source = bufferParts(data, 1000);
    for (let part = await source.next(); part; part = await source.next()) parts.push(part);
    expect(parts.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(parts[1]!.buffer).toBe(data.buffer); // a view, not a copy
  });
});

describe('MultipartUpload on s3rver', () => {
  let s3: TestS3;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startTestS3();
    client = rawClient(s3);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('keeps at most the parts in flight it was given, and the object is the stream byte for byte', async () => {
    const data = testBytes(5 * MiB * 5 + 123);
    // Counts the UploadPart requests between their start and their answer, on the real client.
    let open = 0;
    let most = 0;
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: { constructor: { name: string } }, options?: unknown) => {
          const isPart = command.constructor.name === 'UploadPartCommand';
          if (isPart) most = Math.max(most, ++open);
          try {
            return await target.send(command as never, options as never);
          } finally {
            if (isPart) open--;
          }
        };
      },
    });
    const key = `${s3.prefix}/multipart/bounded.bin`;
    const progress: number[] = [];
    const upload = new MultipartUpload(
      { client: counting, bucket: s3.bucket, key, contentType: 'application/octet-stream' },
      new StreamParts(chunksOf(data, [64 * 1024, 300_001]), 5 * MiB),
      { inFlight: 2, onProgress: (n) => progress.push(n) },
    );
    await upload.done();
    expect(most).toBe(2);
    expect(progress.at(-1)).toBe(data.length);
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const back = Buffer.from(await got.Body!.transformToByteArray());
    expect(back.equals(data)).toBe(true);
    expect(await openMultipartUploads(s3)).toEqual([]);
  });

  it('a stream that fails rejects with its error once the parts in flight have settled; nothing completed', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield testBytes(11 * MiB);
      throw new Error('the archive broke');
    }
    const key = `${s3.prefix}/multipart/failed.bin`;
    const upload = new MultipartUpload(
      { client, bucket: s3.bucket, key, contentType: 'application/octet-stream' },
      new StreamParts(failing(), 5 * MiB),
      { inFlight: 2 },
    );
    await expect(upload.done()).rejects.toThrow('the archive broke');
    expect(upload.uploadId).toBeTruthy(); // for the caller to abort
    await expect(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).rejects.toThrow();
  });
});
