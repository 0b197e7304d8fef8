/**
 * ObjectStore on any S3-compatible service: Cloudflare R2, Backblaze B2, AWS S3, MinIO (SPEC §2, §3).
 *
 * Retries happen at two levels, with one policy (src/core/retry.ts):
 * - every HTTP request, inside the SDK (s3RetryStrategy.ts): covers each multipart part, which
 *   s3Multipart.ts sends as a Buffer;
 * - the whole put(), only when the body can be replayed (a Buffer or a `() => Readable` factory).
 *   A one-shot Readable that fails for good fails clearly instead: the caller re-creates it.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { addAbortSignal, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { withRetry } from '../async/retry.js';
import type { S3StoreConfig } from '../model/destinations.js';
import { isSyncError, SyncError } from '../model/errors.js';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions } from './ObjectStore.js';
import { s3ErrorCode, s3HttpStatus, toS3SyncError } from './s3Errors.js';
import { bufferParts, MAX_PARTS, MultipartUpload, type PartSource, StreamParts } from './s3Multipart.js';
import { describeSdkError, s3RetryStrategy } from './s3RetryStrategy.js';

export interface S3ProbeResult {
  host: string;
  bucket: string;
  writeMs: number;
  readMs: number;
  deleteMs: number;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB; // S3's minimum for every part but the last
/**
 * Parts of a body whose size (or an upper bound of it) is known: S3's minimum, grown only as far as
 * 10,000 parts need (rclone's chunk size and calculator do the same). Memory is what this buys: each
 * upload holds its parts in flight plus the one filling (see PARTS_IN_FLIGHT), and a sync sends two
 * archives at once.
 */
const BOUNDED_PART_SIZE = MIN_PART_SIZE;
/**
 * Parts of one upload in flight at once. A sync uploads two archives at once (archive concurrency 2),
 * so this keeps four parts in flight, as rclone's per-file default does, and each upload's memory at
 * three parts: two going up and the one being cut (s3Multipart.ts). With 4 (lib-storage's default,
 * which uploaded our parts until 2026-12-04) the 10x sweep's sync to s3rver + PostgreSQL peaked ~30 MB
 * higher at the same speed here, and a ring sweep's one archive went up as fast with 2 (2.19-2.34 s
 * against 2.15-2.28 s). Over a long, lossy line more parts at once may be faster: measured on s3rver only.
 */
const PARTS_IN_FLIGHT = 2;
/**
 * Parts of a stream of unknown size and no bound: 8 MiB, so that it can reach 78 GiB in 10,000
 * parts (at 5 MiB a stream of unknown size would stop at 48.8 GiB).
 */
const UNBOUNDED_PART_SIZE = 8 * MiB;
const MAX_COPY_BYTES = 5 * 1024 * MiB; // CopyObject's limit on AWS and R2

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  /** host[:port] of the endpoint, for messages. */
  readonly host: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  /** partSizeBytes if set (at least S3's minimum); else the part size depends on the body (partSizeFor). */
  private readonly configuredPartSize: number | undefined;
  private readonly queueSize: number;
  private readonly config: S3StoreConfig;

  constructor(config: S3StoreConfig) {
    this.config = config;
    this.bucket = config.bucket;
    const trimmed = (config.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed ? `${trimmed}/` : '';
    this.configuredPartSize =
      config.partSizeBytes === undefined ? undefined : Math.max(MIN_PART_SIZE, config.partSizeBytes);
    this.queueSize = Math.max(1, config.queueSize ?? PARTS_IN_FLIGHT);
    this.host = config.endpoint ? new URL(config.endpoint).host : `s3.${config.region}.amazonaws.com`;
    this.description = `S3 bucket "${this.bucket}" at ${this.host}${this.prefix ? ` (prefix ${this.prefix})` : ''}`;
    const retries = config.retries ?? 4;
    const agentOptions = { keepAlive: true, maxSockets: 32 };
    // The SDK version is pinned (package.json) and runs on Node 20; its warning is about SDK releases after
    // January 2027 needing Node 22. Printed on every S3 command's stderr it reads as a fault of ours, so it
    // is switched off unless the user set the variable themselves (README, limits).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // SPEC §3: the default CRC32 checksum headers are rejected by R2 and B2, and make s3rver store
      // aws-chunked framing instead of the bytes. We verify with our own sha256 instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: retries + 1,
      retryStrategy: s3RetryStrategy({
        retries,
        baseMs: config.retryBaseMs ?? 250,
        maxMs: config.retryMaxMs ?? 20_000,
        maxRetryAfterMs: config.maxRetryAfterMs ?? 60_000,
        onRetry: config.onRetry ? (e) => config.onRetry?.({ ...e, operation: 'request' }) : undefined,
      }),
      requestHandler: {
        connectionTimeout: config.connectTimeoutMs ?? 10_000,
        // An idle timeout, not a total one: an 8 MiB part on a slow line may rightly take minutes.
        socketTimeout: config.idleTimeoutMs ?? 60_000,
        httpAgent: new http.Agent(agentOptions),
        httpsAgent: new https.Agent(agentOptions),
      },
    });
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    const fullKey = this.fullKey(key);
    if (!Buffer.isBuffer(body) && typeof body !== 'function')
      return this.putOnce(key, fullKey, body, options);
    return withRetry(() => this.putOnce(key, fullKey, typeof body === 'function' ? body() : body, options), {
      retries: this.config.uploadRetries ?? 2,
      baseMs: this.config.retryBaseMs ?? 250,
      maxMs: this.config.retryMaxMs ?? 20_000,
      maxRetryAfterMs: this.config.maxRetryAfterMs ?? 60_000,
      signal: options.signal,
      isRetryable: (e) => isSyncError(e) && e.category === 'transient',
      onRetry: (r) =>
        this.config.onRetry?.({
          operation: `upload of ${key}`,
          attempt: r.attempt,
          delayMs: r.delayMs,
          retryAfterMs: r.retryAfterMs,
          reason: r.error instanceof Error ? r.error.message : String(r.error),
        }),
    });
  }

  private async putOnce(key: string, fullKey: string, input: Readable | Buffer, options: PutOptions) {
    if (Buffer.isBuffer(input)) return this.putBuffer(key, fullKey, input, options);
    // A body that stalls while its first part is read must still end at an abort.
    const body = options.signal ? addAbortSignal(options.signal, input) : input;
    const partSize = this.partSizeFor(options.size ?? options.maxSize);
    // Read one part and a byte: a body that ends within the part goes up as one PutObject whose sha256
    // is known before sending (no copy needed) and whose Buffer the SDK may resend.
    const source = body[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    try {
      while (headBytes <= partSize) {
        const next = await source.next();
        if (next.done) return await this.putBuffer(key, fullKey, Buffer.concat(head, headBytes), options);
        const chunk = toBuffer(next.value);
        head.push(chunk);
        headBytes += chunk.length;
      }
    } catch (e) {
      body.destroy();
      throw toS3SyncError(e, this.ctx('upload', key));
    }
    return this.putStream(key, fullKey, head, source, body, partSize, options);
  }

  /** One PutObject (or a multipart upload of a large Buffer), sha256 in the metadata from the start. */
  private async putBuffer(
    key: string,
    fullKey: string,
    body: Buffer,
    options: PutOptions,
  ): Promise<ObjectInfo> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (options.size !== undefined && options.size !== body.length) {
      throw new SyncError(
        'integrity',
        `"${key}" was announced as ${options.size} bytes but has ${body.length}.`,
      );
    }
    if (options.sha256 !== undefined && options.sha256 !== sha256) {
      throw new SyncError(
        'integrity',
        `The bytes of "${key}" don't match the sha256 the caller gave; nothing was written.`,
      );
    }
    const params = {
      Bucket: this.bucket,
      Key: fullKey,
      ContentType: options.contentType ?? 'application/octet-stream',
      Metadata: { sha256 },
    };
    const partSize = this.partSizeFor(body.length);
    if (body.length <= partSize) {
      await this.send('upload', key, options.signal, () =>
        this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }), {
          abortSignal: options.signal,
        }),
      );
      options.onProgress?.(body.length);
    } else {
      await this.runUpload(key, params, bufferParts(body, partSize), options);
    }
    return this.verify(key, fullKey, body.length, sha256, true);
  }

  /** A multipart upload of a stream, hashed while it flows. */
  private async putStream(
    key: string,
    fullKey: string,
    head: Buffer[],
    source: AsyncIterator<unknown>,
    original: Readable,
    partSize: number,
    options: PutOptions,
  ): Promise<ObjectInfo> {
    const hash = createHash('sha256');
    let bytes = 0;
    let finished = false;
    for (const chunk of head) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    let sha256 = '';
    const expectedSha = options.sha256;
    async function* flow(): AsyncGenerator<Buffer> {
      yield* head;
      head.length = 0; // copied into the first part: a part's worth of bytes not kept here too
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        const chunk = toBuffer(next.value);
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
      sha256 = hash.digest('hex');
      // Failing here, before the last part is handed over, keeps the upload from completing: the old
      // object (if any) stays, as the ObjectStore contract asks.
      if (options.size !== undefined && bytes !== options.size) {
        throw new SyncError('integrity', `"${key}" was announced as ${options.size} bytes but has ${bytes}.`);
      }
      if (expectedSha !== undefined && expectedSha !== sha256) {
        throw new SyncError('integrity', `The bytes of "${key}" don't match the sha256 the caller gave.`);
      }
      finished = true;
    }
    const chunks = flow();
    const contentType = options.contentType ?? 'application/octet-stream';
    let etag: string | undefined;
    try {
      etag = await this.runUpload(
        key,
        {
          Bucket: this.bucket,
          Key: fullKey,
          ContentType: contentType,
          ...(expectedSha ? { Metadata: { sha256: expectedSha } } : {}),
        },
        new StreamParts(chunks, partSize),
        options,
      );
    } catch (e) {
      // Ends the generator, which holds the source's iterator; one waiting for a chunk stops waiting
      // when the source is destroyed.
      void chunks.return(undefined).catch(() => {});
      original.destroy();
      throw e;
    }
    if (!finished) throw new SyncError('internal', `The upload of "${key}" completed before its body ended.`);
    if (!expectedSha && bytes <= MAX_COPY_BYTES) {
      // S3 metadata travels in the request headers, so a multipart upload fixes it at
      // CreateMultipartUpload — before we have seen a byte. The hash is only known once the stream has
      // ended, and the one portable way to change an existing object's metadata is a server-side copy
      // onto itself with MetadataDirective REPLACE: no bytes are sent again. (Checksum trailers would
      // do it in one go, but R2 and B2 reject them — SPEC §3.) CopySourceIfMatch makes sure we stamp
      // the object we just wrote, not one a concurrent writer put there since. Above 5 GiB CopyObject
      // isn't allowed: such objects keep their sha256 only in the sync manifest.
      await this.send('checksum update', key, options.signal, () =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: fullKey,
            CopySource: this.copySource(fullKey),
            MetadataDirective: 'REPLACE',
            Metadata: { sha256 },
            ContentType: contentType,
            ...(etag ? { CopySourceIfMatch: etag } : {}),
          }),
          { abortSignal: options.signal },
        ),
      );
    }
    return this.verify(key, fullKey, bytes, sha256, bytes <= MAX_COPY_BYTES || expectedSha !== undefined);
  }

  /**
   * A multipart upload of `parts` (s3Multipart.ts). A failed one is aborted here, and its error kept:
   * an abort that fails too (s3rver has no AbortMultipartUpload, a network that is down) only adds a
   * sentence to the hint.
   */
  private async runUpload(
    key: string,
    params: { Bucket: string; Key: string; ContentType: string; Metadata?: Record<string, string> },
    parts: PartSource,
    options: PutOptions,
  ): Promise<string | undefined> {
    const upload = new MultipartUpload(
      {
        client: this.client,
        bucket: params.Bucket,
        key: params.Key,
        contentType: params.ContentType,
        metadata: params.Metadata,
      },
      parts,
      { inFlight: this.queueSize, signal: options.signal, onProgress: options.onProgress },
    );
    try {
      options.signal?.throwIfAborted();
      return await upload.done();
    } catch (e) {
      const error = options.signal?.aborted
        ? abortError(options.signal)
        : toS3SyncError(e, this.ctx('upload', key));
      const note = await this.abortMultipart(params.Key, upload.uploadId);
      if (note && error instanceof SyncError) {
        throw new SyncError(error.category, error.message, [error.hint, note].filter(Boolean).join(' '), {
          cause: e,
        });
      }
      throw error;
    }
  }

  /** Abort an unfinished multipart upload; returns a sentence for the error hint if that failed. */
  private async abortMultipart(fullKey: string, uploadId: string | undefined): Promise<string | undefined> {
    if (!uploadId) return undefined;
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId }),
      );
      return undefined;
    } catch (e) {
      const status = s3HttpStatus(e);
      if (s3ErrorCode(e) === 'NoSuchUpload' || status === 404) return undefined; // already gone
      if (status === 405 || status === 501) {
        return `The server can't cancel multipart uploads (HTTP ${status}): the parts already sent stay on it until its own cleanup removes them.`;
      }
      return `The unfinished multipart upload couldn't be cancelled (${describeSdkError(e)}): its parts keep using space until a bucket lifecycle rule aborts incomplete multipart uploads.`;
    }
  }

  /** HEAD after writing: the size and the sha256 metadata must be what we sent. */
  private async verify(key: string, fullKey: string, size: number, sha256: string, checkSha: boolean) {
    const info = await this.headFull(key, fullKey);
    let problem: string | undefined;
    if (!info) problem = 'is missing after the upload';
    else if (info.size !== size) problem = `has ${info.size} bytes on the server, ${size} were sent`;
    else if (checkSha && info.sha256 !== sha256)
      problem = `has sha256 metadata ${info.sha256 ?? '(none)'} instead of ${sha256}`;
    if (problem) {
      // Don't leave an object nobody may trust; the sync manifest (written last) doesn't point to it yet.
      await this.delete(key).catch(() => {});
      throw new SyncError('integrity', `"${key}" ${problem}.`, 'The sync will upload it again.');
    }
    return { key, size, sha256 };
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const out = await this.send('download', key, options.signal, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
        abortSignal: options.signal,
      }),
    );
    if (!(out.Body instanceof Readable)) throw new SyncError('internal', `No body came back for "${key}".`);
    return out.Body;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.headFull(key, this.fullKey(key));
  }

  private async headFull(key: string, fullKey: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }));
      // The SDK lower-cases metadata names (x-amz-meta-sha256 → sha256).
      return { key, size: out.ContentLength ?? 0, sha256: out.Metadata?.sha256 };
    } catch (e) {
      // HEAD has no body, so a missing bucket is a bare 404 as well: that reads as "no object".
      if (s3HttpStatus(e) === 404 || s3ErrorCode(e) === 'NotFound' || s3ErrorCode(e) === 'NoSuchKey')
        return null;
      throw toS3SyncError(e, this.ctx('lookup', key));
    }
  }

  /** Keys in S3 order. sha256 is undefined here: listings carry no metadata (use head() for it). */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.send('listing', prefix, undefined, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(this.prefix)) continue;
        yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, sha256: undefined };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Abort the multipart uploads open under `prefix` (a SIGKILL mid-upload leaves them; R2, B2, S3 and
   * MinIO all list them). A server that can't list or abort them is left as it is: 0.
   */
  async abortIncompleteUploads(prefix: string): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker } : {}),
          }),
        );
      } catch (e) {
        const status = s3HttpStatus(e);
        if (status === 405 || status === 501 || s3ErrorCode(e) === 'NotImplemented') return aborted;
        throw toS3SyncError(e, this.ctx('listing unfinished uploads', prefix));
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        if ((await this.abortMultipart(u.Key, u.UploadId)) === undefined) aborted++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  /** Server-side copy; MetadataDirective COPY keeps the sha256 and Content-Type. Limited to 5 GiB. */
  async copy(fromKey: string, toKey: string): Promise<ObjectInfo> {
    await this.send('copy', fromKey, undefined, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(toKey),
          CopySource: this.copySource(this.fullKey(fromKey)),
          MetadataDirective: 'COPY',
        }),
      ),
    );
    const info = await this.head(toKey);
    if (!info) throw new SyncError('not-found', `The copy "${toKey}" is missing right after copying.`);
    return info;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (e) {
      if (s3ErrorCode(e) === 'NoSuchKey') return;
      throw toS3SyncError(e, this.ctx('delete', key));
    }
  }

  /**
   * "Test connection" / doctor: write, read back and delete a small object under the prefix. Needs
   * only object permissions (no CreateBucket/HeadBucket, which R2 keys often lack).
   */
  async probe(): Promise<S3ProbeResult> {
    const key = `.bilancio-sync-probe/${randomUUID()}`;
    const body = Buffer.from(`bilancio-sync probe ${new Date().toISOString()}\n`);
    let written = false;
    try {
      const t0 = performance.now();
      await this.put(key, body, { contentType: 'text/plain' });
      written = true;
      const t1 = performance.now();
      const back = await readAll(await this.get(key));
      if (!back.equals(body)) {
        throw new SyncError(
          'integrity',
          `The probe object read back from ${this.host} differs from what was written.`,
        );
      }
      const t2 = performance.now();
      await this.delete(key);
      written = false;
      const t3 = performance.now();
      return { host: this.host, bucket: this.bucket, writeMs: t1 - t0, readMs: t2 - t1, deleteMs: t3 - t2 };
    } finally {
      if (written) await this.delete(key).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private fullKey(key: string): string {
    if (!key || key.startsWith('/')) throw new SyncError('usage', `Invalid object key "${key}".`);
    return this.prefix + key;
  }

  /** CopySource is "bucket/key", URL-encoded per segment. */
  private copySource(fullKey: string): string {
    return `${this.bucket}/${fullKey.split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * Part size: the configured one (partSizeBytes) or else the default for a body of known or bounded
   * size (BOUNDED_PART_SIZE) or of neither (UNBOUNDED_PART_SIZE), grown when the size or bound needs it
   * so the parts stay under 10,000.
   */
  private partSizeFor(sizeOrBound: number | undefined): number {
    if (sizeOrBound === undefined) return this.configuredPartSize ?? UNBOUNDED_PART_SIZE;
    const needed = Math.ceil(sizeOrBound / (MAX_PARTS - 1) / MiB) * MiB;
    return Math.max(this.configuredPartSize ?? BOUNDED_PART_SIZE, needed);
  }

  private ctx(operation: string, key?: string) {
    return { operation, key, bucket: this.bucket, host: this.host, region: this.config.region };
  }

  private async send<T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ) {
    try {
      return await fn();
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      throw toS3SyncError(e, this.ctx(operation, key));
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('The upload was cancelled.'), { name: 'AbortError' });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(toBuffer(chunk));
  return Buffer.concat(chunks);
}
