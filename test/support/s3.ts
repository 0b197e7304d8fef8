/**
 * An S3 server for tests: s3rver on a random loopback port with a fresh bucket in a temp directory,
 * or — when TEST_S3_ENDPOINT is set — a real MinIO / R2 / S3 bucket, isolated by a random key prefix
 * so that parallel and repeated runs never see each other's objects.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

export interface TestS3 {
  kind: 's3rver' | 'external';
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: true;
  /** Key prefix for this run ("" never: always unique), without trailing slash. */
  prefix: string;
  /** s3rver's data directory (s3rver only). */
  directory?: string;
  stop(): Promise<void>;
}

export interface StartTestS3Options {
  /**
   * s3rver has no AbortMultipartUpload (it answers 405). Real servers do, so by default we add it
   * (a few lines removing the upload's part directory) to test the store's cleanup as it runs in
   * production. `false` keeps stock s3rver, to test how the store copes with a server that can't abort.
   */
  abortMultipart?: boolean;
}

// s3rver ships no types; this is the part of its API we use.
interface S3rverInstance {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

const UPLOADS_DIR = '._S3rver_uploads'; // where s3rver keeps multipart parts: <dir>/<bucket>/._S3rver_uploads/<id>/

export async function startTestS3(options: StartTestS3Options = {}): Promise<TestS3> {
  const prefix = `test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const external = process.env.TEST_S3_ENDPOINT;
  if (external) {
    const s3: TestS3 = {
      kind: 'external',
      endpoint: external,
      region: process.env.TEST_S3_REGION ?? 'us-east-1',
      accessKeyId: requireEnv('TEST_S3_ACCESS_KEY_ID'),
      secretAccessKey: requireEnv('TEST_S3_SECRET_ACCESS_KEY'),
      bucket: requireEnv('TEST_S3_BUCKET'),
      forcePathStyle: true,
      prefix,
      stop: async () => cleanUpPrefix(s3),
    };
    return s3;
  }

  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const bucket = `test-${randomBytes(4).toString('hex')}`;
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  if (options.abortMultipart !== false) {
    server.middleware.splice(1, 0, abortMultipartMiddleware(directory), listMultipartMiddleware(directory));
  }
  const address = await server.run();
  return {
    kind: 's3rver',
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    bucket,
    forcePathStyle: true,
    prefix,
    directory,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * DELETE /bucket/key?uploadId=… → remove s3rver's part directory for that upload. Placed after the
 * logger and before s3rver's router. It skips signature checks: tests only.
 */
function abortMultipartMiddleware(directory: string) {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const uploadId = ctx.query.uploadId;
    if (ctx.method !== 'DELETE' || !uploadId) return next();
    const bucket = ctx.path.split('/')[1] ?? '';
    const uploadDir = path.join(directory, bucket, UPLOADS_DIR, path.basename(uploadId));
    const exists = await readdir(uploadDir).then(
      () => true,
      () => false,
    );
    if (!exists) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
      return;
    }
    await rm(uploadDir, { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = null;
  };
}

/**
 * GET /bucket?uploads&prefix=… → ListMultipartUploads from s3rver's parts directory (one page; s3rver
 * itself answers 405 there), so the store's clean-up of uploads a killed sync left open runs here as it
 * does on R2, B2, S3 and MinIO. Tests only.
 */
function listMultipartMiddleware(directory: string) {
  const xml = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    if (ctx.method !== 'GET' || ctx.query.uploads === undefined) return next();
    const bucket = ctx.path.split('/')[1] ?? '';
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const root = path.join(directory, bucket, UPLOADS_DIR);
    const uploads: string[] = [];
    for (const id of await readdir(root).catch(() => [] as string[])) {
      const key = await readFile(path.join(root, id, 'key'), 'utf8').catch(() => null);
      if (key?.startsWith(prefix)) {
        uploads.push(`<Upload><Key>${xml(key)}</Key><UploadId>${xml(id)}</UploadId></Upload>`);
      }
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${xml(bucket)}</Bucket><Prefix>${xml(prefix)}</Prefix><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
  };
}

/** A plain SDK client on the test server (for raw HEAD/GET checks), checksums as the store sets them. */
export function rawClient(s3: TestS3, endpoint = s3.endpoint): S3Client {
  return new S3Client({
    endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/**
 * Multipart uploads still open under `keyPrefix` (full key, i.e. including s3.prefix): upload ids.
 * s3rver has no ListMultipartUploads, so there we read its parts directory (which keeps each upload's
 * key in a file named `key`); on a real server we ask ListMultipartUploads.
 */
export async function openMultipartUploads(s3: TestS3, keyPrefix = s3.prefix): Promise<string[]> {
  if (s3.kind === 's3rver') {
    const root = path.join(s3.directory!, s3.bucket, UPLOADS_DIR);
    const ids = await readdir(root).catch(() => [] as string[]);
    const open: string[] = [];
    for (const id of ids) {
      const key = await readFile(path.join(root, id, 'key'), 'utf8').catch(() => '');
      if (key.startsWith(keyPrefix)) open.push(id);
    }
    return open;
  }
  const client = rawClient(s3);
  try {
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: keyPrefix }));
    return (out.Uploads ?? []).map((u) => u.UploadId ?? '');
  } finally {
    client.destroy();
  }
}

/** After a run on a real bucket: delete this run's objects and abort its uploads. */
async function cleanUpPrefix(s3: TestS3): Promise<void> {
  const client = rawClient(s3);
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${s3.prefix}/`, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
      if (keys.length) {
        await client.send(new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: keys } }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${s3.prefix}/` }),
    );
    for (const u of uploads.Uploads ?? []) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: u.Key, UploadId: u.UploadId }),
      );
    }
  } finally {
    client.destroy();
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`TEST_S3_ENDPOINT is set, so ${name} must be set too.`);
  return value;
}
