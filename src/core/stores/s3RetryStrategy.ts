/**
 * Our retry policy (src/core/retry.ts) plugged into the AWS SDK's retry middleware.
 *
 * Why the SDK level and not only withRetry() around each call: a multipart upload (s3Multipart.ts)
 * sends its parts one request each, and a failed part must be sent again on its own — with SDK
 * maxAttempts 1 a single dropped connection would fail a whole 5 GB archive upload whose source stream
 * can't be replayed. Every part goes to the SDK as a Buffer, so the SDK can safely resend it; the SDK's
 * middleware itself refuses to retry requests whose body is a stream, so a one-shot body is never
 * resent half-consumed. Using a strategy of our own (instead of the SDK's standard one) gives one
 * policy everywhere: full-jitter backoff, Retry-After honoured in full (the standard strategy caps it
 * at backoff + 5 s), no retry of 501 Not Implemented, and an onRetry hook for the activity log.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { retryAfterFromError, retryDelay } from '../async/retry.js';

type RetryStrategyV2 = Extract<
  NonNullable<S3ClientConfig['retryStrategy']>,
  { acquireInitialRetryToken: unknown }
>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

/** One retry as the strategy sees it (the store adds the operation). */
export interface S3RetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** Error name/code and HTTP status, e.g. "ServiceUnavailable (HTTP 503)" — never a message body. */
  reason: string;
  retryAfterMs: number | undefined;
}

export interface S3RetryPolicy {
  /** Retries per request after the first attempt. */
  retries: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  onRetry?: (event: S3RetryEvent) => void;
}

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const token = (count: number, delay: number): Token => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

export function describeSdkError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const name = e.code ?? e.name ?? 'Error';
  return status ? `${name} (HTTP ${status})` : name;
}

export function s3RetryStrategy(policy: S3RetryPolicy): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous: Token, info: RetryErrorInfo) => {
      const status = (info.error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
        ?.httpStatusCode;
      // CLIENT_ERROR is a 4xx answer (bad key, no bucket, …): repeating it can't help. 501 means the
      // server doesn't implement the operation at all (s3rver's AbortMultipartUpload is a 405).
      if (info.errorType === 'CLIENT_ERROR' || status === 501) throw info.error ?? new Error('not retryable');
      const attempt = previous.getRetryCount() + 1;
      if (attempt > policy.retries) throw info.error ?? new Error('retries exhausted');
      const retryAfterMs =
        info.retryAfterHint instanceof Date
          ? Math.max(0, info.retryAfterHint.getTime() - Date.now())
          : retryAfterFromError(info.error);
      const delayMs = retryDelay(attempt, retryAfterMs, policy);
      if (delayMs === undefined) throw info.error ?? new Error('Retry-After too long');
      policy.onRetry?.({ attempt, delayMs, reason: describeSdkError(info.error), retryAfterMs });
      // Returning the delay (instead of sleeping here) lets the SDK cut the wait short on abort.
      return token(attempt, delayMs);
    },
    recordSuccess: () => {},
  };
}
