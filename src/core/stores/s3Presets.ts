/**
 * Provider presets for the S3 object store: each knows its endpoint shape, region and addressing
 * style, so that the settings panel and the CLI only ask for what the provider really needs.
 */
import { SyncError } from '../errors.js';
import type { S3RetryEvent } from './s3RetryStrategy.js';

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
  /** Multipart part size; default 8 MiB, grown for known large sizes so parts stay under 10 000. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel; default 4 (memory ≈ queueSize × partSize). */
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
  /** Notified before each retry (for the activity log); carries no secrets. */
  onRetry?: (event: S3RetryEvent & { operation: string }) => void;
}

export type S3PresetName = 'r2' | 'b2' | 'aws' | 'minio' | 'custom';

/** What a user enters for a preset; the rest comes from the preset. */
export interface S3PresetInput extends Partial<Omit<S3StoreConfig, 'accessKeyId' | 'secretAccessKey'>> {
  accessKeyId: string;
  secretAccessKey: string;
  /** Cloudflare account id (R2), used when no endpoint is given. */
  accountId?: string;
}

export interface S3Preset {
  label: string;
  /** Which inputs the settings panel must ask for. */
  needs: ReadonlyArray<'accountId' | 'region' | 'endpoint'>;
  region?: string;
  forcePathStyle: boolean;
  endpointFor?: (input: S3PresetInput) => string | undefined;
}

export const DEFAULT_BUCKET = 'bilancio-experiments';

export const S3_PRESETS: Readonly<Record<S3PresetName, S3Preset>> = {
  r2: {
    label: 'Cloudflare R2',
    needs: ['accountId'],
    region: 'auto',
    // Path style keeps one TLS host name (<account>.r2.cloudflarestorage.com) for every bucket.
    forcePathStyle: true,
    endpointFor: (i) => (i.accountId ? `https://${i.accountId}.r2.cloudflarestorage.com` : undefined),
  },
  b2: {
    label: 'Backblaze B2',
    needs: ['region'],
    forcePathStyle: false,
    endpointFor: (i) => (i.region ? `https://s3.${i.region}.backblazeb2.com` : undefined),
  },
  aws: { label: 'AWS S3', needs: ['region'], region: 'us-east-1', forcePathStyle: false },
  minio: { label: 'MinIO', needs: ['endpoint'], region: 'us-east-1', forcePathStyle: true },
  custom: { label: 'Other S3-compatible', needs: ['endpoint'], region: 'us-east-1', forcePathStyle: true },
};

/** Merge a preset with what the user entered; throws SyncError('configuration') naming what's missing. */
export function resolveS3Config(preset: S3PresetName, partial: S3PresetInput): S3StoreConfig {
  const p = S3_PRESETS[preset];
  if (!p) throw new SyncError('configuration', `Unknown storage preset "${preset}".`);
  const { accountId: _accountId, ...rest } = partial;
  const region = partial.region ?? p.region;
  const endpoint = partial.endpoint ?? p.endpointFor?.({ ...partial, region });
  if (!partial.accessKeyId || !partial.secretAccessKey) {
    throw new SyncError(
      'configuration',
      `${p.label} needs an access key id and a secret access key.`,
      'Set R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (or enter them in Settings).',
    );
  }
  if (!region) throw new SyncError('configuration', `${p.label} needs a region (for example us-west-004).`);
  if (p.needs.includes('endpoint') || p.needs.includes('accountId')) {
    if (!endpoint) {
      throw new SyncError(
        'configuration',
        preset === 'r2'
          ? 'Cloudflare R2 needs the account id or the endpoint URL.'
          : `${p.label} needs an endpoint URL.`,
        'Set R2_ENDPOINT_URL (e.g. https://<account>.r2.cloudflarestorage.com).',
      );
    }
  }
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const config: S3StoreConfig = {
    ...rest,
    region,
    bucket: partial.bucket ?? DEFAULT_BUCKET,
    forcePathStyle: partial.forcePathStyle ?? p.forcePathStyle,
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  return config;
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SyncError('configuration', `The storage endpoint "${endpoint}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SyncError(
      'configuration',
      `The storage endpoint must start with https:// (got ${url.protocol}).`,
    );
  }
  if (url.username || url.password) {
    // Never echo the URL here: it holds credentials.
    throw new SyncError(
      'configuration',
      'The storage endpoint URL must not contain a user name or password.',
    );
  }
}
