/** Shared bits of the S3 store tests: deterministic test data and stream helpers. */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3StoreConfig } from '../../src/core/model/destinations.js';
import { S3ObjectStore } from '../../src/core/stores/S3ObjectStore.js';
import type { TestS3 } from '../support/s3.js';

export const MiB = 1024 * 1024;

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Incompressible bytes, so nothing on the way can shrink them and hide a framing bug. */
export function testBytes(size: number): Buffer {
  return randomBytes(size);
}

/** A one-shot stream of `data` in uneven chunks (like archiver's output), never a Buffer body. */
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
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function storeFor(s3: TestS3, overrides: Partial<S3StoreConfig> = {}): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    retryBaseMs: 20,
    retryMaxMs: 500,
    ...overrides,
  });
}
