/**
 * Turns AWS SDK / network errors into SyncErrors with plain words. Messages name the host, the bucket
 * and the environment variable to check — never a key, a secret or a signed URL.
 */

import { isAbortError } from '../async/retry.js';
import { SyncError, settingHint } from '../model/errors.js';

export interface S3ErrorContext {
  /** What we were doing, in words: "upload", "download", "list", … */
  operation: string;
  bucket: string;
  /** host[:port] of the endpoint. */
  host: string;
  key?: string;
  /** The region the requests were signed with, to compare with the one the server expects. */
  region?: string;
}

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  /** The raw response, which the SDK attaches to service errors. */
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  /** AWS puts the bucket's region into some error bodies (<Region>…</Region>); the SDK copies it here. */
  Region?: string;
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AuthorizationHeaderMalformed',
  'InvalidSecurity',
]);
/** Codes that mean "signed for the wrong region" (R2: InvalidRegionName; AWS: the redirects). */
const REGION_CODES = new Set([
  'AuthorizationHeaderMalformed',
  'AuthorizationQueryParametersError',
  'InvalidRegionName',
  'PermanentRedirect',
  'IllegalLocationConstraintException',
]);

/**
 * Whether `err` says the request was signed for another region than the bucket's, and which one the
 * server expects when it says so: in the message ("the region 'us-east-1' is wrong; expecting
 * 'eu-central-1'", MinIO's "the region is wrong; expecting 'x'"), in the body's <Region>, or in the
 * x-amz-bucket-region header of a 301 PermanentRedirect (or of the 400/403 a HEAD gets instead).
 * AuthorizationHeaderMalformed about the Credential itself (a mangled key id) is not a region problem.
 */
export function s3RegionMismatch(
  e: unknown,
  usedRegion?: string,
): { expected?: string; used?: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const err = e as SdkLikeError;
  const code = s3ErrorCode(err);
  const status = s3HttpStatus(err) ?? err.$response?.statusCode;
  const message = err.message ?? '';
  const said = /region\s*(?:'([^']*)'\s*)?is wrong;\s*expecting\s*'([^']+)'/i.exec(message);
  const headers = err.$response?.headers ?? {};
  const headerRegion = headers['x-amz-bucket-region'] ?? headers['X-Amz-Bucket-Region'];
  const expected = said?.[2] ?? (typeof err.Region === 'string' && err.Region ? err.Region : undefined);
  const used = said?.[1] || usedRegion;
  if (said) return { expected, used };
  // "…; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/…"": a mangled key id.
  if (code === 'AuthorizationHeaderMalformed' && /credential/i.test(message) && !said) return undefined;
  if (headerRegion && (status === 301 || status === 400 || status === 403 || code === 'PermanentRedirect')) {
    if (usedRegion && headerRegion === usedRegion && code !== 'PermanentRedirect') return undefined;
    return { expected: headerRegion, used };
  }
  if ((code && REGION_CODES.has(code)) || status === 301) return { expected, used };
  return undefined;
}
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Network error code of `e` or of its cause chain (undici and the SDK sometimes wrap them). */
function networkCode(e: unknown, depth = 0): string | undefined {
  if (typeof e !== 'object' || e === null || depth > 3) return undefined;
  const code = (e as SdkLikeError).code;
  if (code && NETWORK_CODES.has(code)) return code;
  return networkCode((e as SdkLikeError).cause, depth + 1);
}

export function s3ErrorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const err = e as SdkLikeError;
  return err.Code ?? err.name;
}

export function s3HttpStatus(e: unknown): number | undefined {
  return (e as SdkLikeError | null)?.$metadata?.httpStatusCode;
}

export function toS3SyncError(error: unknown, ctx: S3ErrorContext): Error {
  if (error instanceof SyncError) return error;
  // The caller's own cancellation stays an AbortError: it is not a failure to report.
  if (isAbortError(error)) return error as Error;
  const err = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as SdkLikeError;
  const code = s3ErrorCode(err);
  const status = s3HttpStatus(err);
  const attempts = err.$metadata?.attempts;
  const tried = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const what = ctx.key ? `${ctx.operation} of "${ctx.key}"` : ctx.operation;
  const options = { cause: error };

  if (code === 'NoSuchBucket') {
    return new SyncError(
      'configuration',
      `The bucket "${ctx.bucket}" does not exist at ${ctx.host}.`,
      settingHint(
        'Check the bucket name (default bilancio-experiments) and the endpoint or account id; create the bucket in the provider’s console.',
        'objectStore.bucket',
        'objectStore.endpoint',
      ),
      options,
    );
  }
  const region = s3RegionMismatch(err, ctx.region);
  if (region) {
    const used = region.used ? ` "${region.used}"` : '';
    return new SyncError(
      'configuration',
      region.expected
        ? `The storage service at ${ctx.host} expects requests for bucket "${ctx.bucket}" signed for region "${region.expected}", not${used || ' the one configured'} (${code ?? `HTTP ${status}`}).`
        : `The storage service at ${ctx.host} refused the region${used} for bucket "${ctx.bucket}" (${code ?? `HTTP ${status}`}): the key is not the problem, the region is.`,
      settingHint(
        region.expected
          ? `Set the region to ${region.expected}.`
          : 'Set the region of the bucket: R2 uses auto; MinIO and Ceph the region their admin configured (often us-east-1); AWS and B2 the one in the endpoint.',
        'objectStore.region',
      ),
      options,
    );
  }
  if ((code && AUTH_CODES.has(code)) || status === 401) {
    return new SyncError(
      'configuration',
      `The storage service at ${ctx.host} refused the access key (${code ?? `HTTP ${status}`}).`,
      settingHint(
        'Check the access key id and the secret access key: one of them is wrong, revoked or for another account.',
        'objectStore.accessKeyId',
        'objectStore.secretAccessKey',
      ),
      options,
    );
  }
  if (code === 'AccessDenied' || status === 403) {
    return new SyncError(
      'configuration',
      `The storage service at ${ctx.host} refused the access key for the ${what} in bucket "${ctx.bucket}" (${code ?? 'HTTP 403'}).`,
      settingHint(
        'Check the access key pair, and that the key may read, write and delete objects in this bucket.',
        'objectStore.accessKeyId',
        'objectStore.secretAccessKey',
      ),
      options,
    );
  }
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return new SyncError(
      'not-found',
      `No object "${ctx.key ?? '?'}" in bucket "${ctx.bucket}".`,
      undefined,
      options,
    );
  }
  const net = networkCode(err);
  if (net) {
    const cut = net === 'ECONNRESET' || net === 'EPIPE' || net === 'ECONNABORTED' || net === 'UND_ERR_SOCKET';
    return new SyncError(
      'transient',
      cut
        ? `Lost the connection to the storage service at ${ctx.host} (${net}) during the ${what}${tried}.`
        : `Can't reach the storage service at ${ctx.host} (${net}) during the ${what}${tried}.`,
      settingHint(
        'Check the network connection and the endpoint; the sync will be retried later.',
        'objectStore.endpoint',
      ),
      options,
    );
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'RequestTimeTooSkewed') {
    const skew = code === 'RequestTimeTooSkewed';
    return new SyncError(
      skew ? 'configuration' : 'transient',
      skew
        ? `The storage service at ${ctx.host} rejected the request because this computer's clock is off.`
        : `Can't reach the storage service at ${ctx.host}: the ${what} timed out${tried}.`,
      skew
        ? 'Set the system clock (enable automatic time).'
        : 'Check the network connection; the sync will be retried later.',
      options,
    );
  }
  if (status === 429 || code === 'SlowDown' || (status !== undefined && status >= 500 && status !== 501)) {
    return new SyncError(
      'transient',
      `The storage service at ${ctx.host} is busy or failing (${code ?? 'error'}, HTTP ${status ?? '?'}) during the ${what}${tried}.`,
      'Nothing to fix here: the sync will be retried later.',
      options,
    );
  }
  const detail = status ? `${code ?? 'error'}, HTTP ${status}` : (code ?? 'error');
  return new SyncError(
    'internal',
    `The storage service at ${ctx.host} rejected the ${what} (${detail}): ${err.message ?? ''}`.trim(),
    undefined,
    options,
  );
}
