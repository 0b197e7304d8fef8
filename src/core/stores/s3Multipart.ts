/**
 * S3 multipart uploads with parts of one size (R2 needs that), cut from a stream as it flows.
 *
 * Why not lib-storage's Upload: it keeps a stream's chunks until a part's worth has arrived, joins
 * them into the part (a second copy of every byte) and keeps what is left of each join, a view that
 * holds the whole joined buffer, until the next: an upload held up to ~(queueSize + 2) parts. Here
 * each chunk is copied once, into its part, as it arrives, and an upload holds its parts in flight and
 * the one being cut. On the 10x sweep's sync to s3rver + PostgreSQL (2 parts in flight each, and with
 * the hash cache's smaller parts, FileCacheRepository.ts): peak RSS 286-300 MB against 302-316 MB,
 * wall time 18.1-19.0 s against 18.4-19.7 s (5 runs each).
 *
 * Errors are the SDK's (the caller maps them and aborts the upload: `uploadId` is set once created).
 * Each part is a Buffer, so the client's retry strategy may resend it (s3RetryStrategy.ts).
 */
import {
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SyncError } from '../model/errors.js';

/** S3's limit on the parts of one upload. */
export const MAX_PARTS = 10_000;

/** Where the parts come from, in order: the next one (of the part size, but the last), or null after it. */
export interface PartSource {
  next(): Promise<Buffer | null>;
}

/** The parts of a Buffer: views of it, nothing copied. */
export function bufferParts(body: Buffer, partSize: number): PartSource {
  let offset = 0;
  return {
    async next() {
      if (offset >= body.length) return null;
      const part = body.subarray(offset, offset + partSize);
      offset += part.length;
      return part;
    },
  };
}

/**
 * The parts of a stream of chunks, each chunk copied into the part it belongs to as it arrives (and
 * then dropped). A new buffer per part, not a few reused: on the 10x sweep's sync to s3rver +
 * PostgreSQL, reused buffers left V8 collecting less often, so its heap and the gzip chunks it had
 * not yet freed grew by more than the buffers saved (peak RSS 325-334 MB against 286-300 MB, 3-5
 * runs each). How many parts live at once is the uploader's: those in flight and the one being cut.
 */
export class StreamParts implements PartSource {
  /** What is left of a chunk that the last part had no room for. */
  private rest: Buffer | undefined;

  constructor(
    private readonly chunks: AsyncIterator<Buffer>,
    private readonly partSize: number,
  ) {}

  async next(): Promise<Buffer | null> {
    let part: Buffer | undefined;
    let filled = 0;
    while (filled < this.partSize) {
      const chunk = this.rest ?? (await this.pull());
      if (!chunk) break;
      part ??= Buffer.allocUnsafe(this.partSize);
      const copied = chunk.copy(part, filled);
      filled += copied;
      this.rest = copied < chunk.length ? chunk.subarray(copied) : undefined;
    }
    if (!part || filled === 0) return null;
    return filled === part.length ? part : part.subarray(0, filled);
  }

  private async pull(): Promise<Buffer | undefined> {
    const next = await this.chunks.next();
    return next.done ? undefined : next.value;
  }
}

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  /** The object's key in the bucket (the store's prefix included). */
  key: string;
  contentType: string;
  metadata?: Record<string, string>;
}

/**
 * One multipart upload: `done()` sends the parts, `inFlight` at a time, and completes the upload with
 * them, resolving to the object's ETag. It rejects with the first failure once every part in flight has
 * settled, without completing: the caller aborts the upload (`uploadId`).
 */
export class MultipartUpload {
  uploadId: string | undefined;

  constructor(
    private readonly target: MultipartTarget,
    private readonly parts: PartSource,
    private readonly options: {
      inFlight: number;
      signal?: AbortSignal;
      /** Bytes the server has taken so far, after each part. */
      onProgress?: (bytes: number) => void;
    },
  ) {}

  async done(): Promise<string | undefined> {
    const { client, bucket, key } = this.target;
    const { signal } = this.options;
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: this.target.contentType,
        ...(this.target.metadata ? { Metadata: this.target.metadata } : {}),
      }),
      { abortSignal: signal },
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new SyncError('internal', `The server gave no upload id for "${key}".`);
    this.uploadId = uploadId;
    const completed = await this.sendParts(uploadId);
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const result = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
      { abortSignal: signal },
    );
    return result.ETag;
  }

  private async sendParts(uploadId: string): Promise<CompletedPart[]> {
    const { client, bucket, key } = this.target;
    const { signal, inFlight: limit } = this.options;
    const completed: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let sent = 0;
    let partNumber = 0;
    try {
      while (!failure) {
        signal?.throwIfAborted();
        // The next part is cut while the others go up; then it waits for room.
        const part = await this.parts.next();
        if (!part) break;
        while (inFlight.size >= limit && !failure) await Promise.race(inFlight);
        if (failure) break;
        partNumber += 1;
        if (partNumber > MAX_PARTS) {
          throw new SyncError(
            'usage',
            `"${key}" needs more than ${MAX_PARTS} parts: set a larger part size.`,
          );
        }
        const number = partNumber;
        const upload: Promise<void> = client
          .send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: number,
              Body: part,
              ContentLength: part.length,
            }),
            { abortSignal: signal },
          )
          .then((out) => {
            if (!out.ETag)
              throw new SyncError('internal', `Part ${number} of "${key}" came back without an ETag.`);
            completed.push({ PartNumber: number, ETag: out.ETag });
            sent += part.length;
            this.options.onProgress?.(sent);
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            inFlight.delete(upload);
          });
        inFlight.add(upload);
      }
    } finally {
      // Whatever ended the loop, no part is left going up behind the caller's abort.
      await Promise.all(inFlight);
    }
    if (failure) throw failure.error;
    return completed;
  }
}
