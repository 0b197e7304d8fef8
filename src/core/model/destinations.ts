/**
 * Where a sweep goes: the object store and the catalog, as resolved from the settings. Plain types only,
 * shared by the configuration (which builds them) and the stores (which are built from them).
 */

export type S3PresetName = 'r2' | 'b2' | 'aws' | 'minio' | 'custom';
export const S3_PRESET_NAMES: readonly S3PresetName[] = ['r2', 'b2', 'aws', 'minio', 'custom'];

/** A retry the S3 client is about to make (for the activity log); carries no secrets. */
export interface S3RetryNotice {
  operation: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** Error name/code and HTTP status, e.g. "ServiceUnavailable (HTTP 503)" — never a message body. */
  reason: string;
  retryAfterMs: number | undefined;
}

export interface S3StoreConfig {
  /** Full URL (https://…). Absent for AWS S3, where the SDK derives it from the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket, without leading/trailing slash ("team/alice"). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (http://host/bucket/key): MinIO, s3rver and most self-hosted servers need them. */
  forcePathStyle?: boolean;
  /**
   * Multipart part size; default 5 MiB for a body of known size or bound (an archive), 8 MiB for a
   * stream of neither; grown for large sizes so parts stay under 10,000.
   */
  partSizeBytes?: number;
  /**
   * Parts of one upload in flight at once; default 2 (S3ObjectStore's PARTS_IN_FLIGHT). Memory: about
   * (queueSize + 1) × partSize per upload, the parts in flight and the one being cut.
   */
  queueSize?: number;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Abort a request whose socket has been idle this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Retries per HTTP request (default 4), and first/maximum backoff step in ms (250 / 20 000). */
  retries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest Retry-After we wait for before giving up (default 60 s). */
  maxRetryAfterMs?: number;
  /** Whole-upload restarts for replayable bodies (Buffer or () => Readable), default 2. */
  uploadRetries?: number;
  /** Notified before each retry (for the activity log). */
  onRetry?: (event: S3RetryNotice) => void;
}

export type ObjectStoreConfig =
  | { kind: 'local'; root: string }
  | ({ kind: 's3'; preset: S3PresetName } & S3StoreConfig & { prefix: string; forcePathStyle: boolean });

export type CatalogConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'supabase'; url: string; key: string };
