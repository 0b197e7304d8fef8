/**
 * Retry with exponential backoff and full jitter, honouring a server's Retry-After hint.
 *
 * Generic on purpose: the object stores and the catalogs both use it. Full jitter (a random delay
 * between 0 and the exponential cap) spreads the retries of many parallel uploads apart instead of
 * having them hit a recovering server in lock-step.
 */
import { isSyncError } from '../model/errors.js';

export interface RetryInfo {
  /** 1 for the first retry (i.e. the second attempt). */
  attempt: number;
  delayMs: number;
  error: unknown;
  /** The server's Retry-After hint in ms, if the error carried one. */
  retryAfterMs: number | undefined;
}

export interface RetryOptions {
  /** Retries after the first attempt (so `retries + 1` attempts in all). Default 4. */
  retries?: number;
  /** First backoff step in ms. Default 250. */
  baseMs?: number;
  /** Cap of the exponential backoff in ms. Default 20 000. */
  maxMs?: number;
  /**
   * Longest server-requested wait we honour. A longer Retry-After ends the retries (the error is
   * thrown): the caller's scheduler will try again later, which beats a process sleeping for an hour.
   * Default 60 000.
   */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Default: everything except aborts and SyncErrors whose category isn't 'transient'. */
  isRetryable?: (error: unknown) => boolean;
  onRetry?: (info: RetryInfo) => void;
  /** For tests: a source of randomness in [0, 1). */
  random?: () => number;
}

/** Full-jitter backoff for retry number `attempt` (1-based): uniform in [0, min(maxMs, baseMs·2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Parse an HTTP Retry-After value into a wait in ms: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"). Returns undefined when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | number | Date | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return Math.max(0, value.getTime() - now);
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The Retry-After hint an error carries, in ms. Understands `retryAfterMs` (number, set by our own
 * code), `retryAfter` (header value or Date), and AWS SDK errors (`$response.headers['retry-after']`).
 */
export function retryAfterFromError(error: unknown, now = Date.now()): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    retryAfterMs?: unknown;
    retryAfter?: unknown;
    $response?: { headers?: Record<string, string | undefined> };
  };
  if (typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs))
    return Math.max(0, e.retryAfterMs);
  if (typeof e.retryAfter === 'string' || typeof e.retryAfter === 'number' || e.retryAfter instanceof Date) {
    return parseRetryAfter(e.retryAfter, now);
  }
  const headers = e.$response?.headers;
  if (headers) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
    if (key) return parseRetryAfter(headers[key], now);
  }
  return undefined;
}

/**
 * The delay before retry number `attempt`: the jittered backoff, but never shorter than the server's
 * Retry-After. Returns undefined when the server asks for more than `maxRetryAfterMs` (give up).
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  opts: { baseMs: number; maxMs: number; maxRetryAfterMs: number; random?: () => number },
): number | undefined {
  const backoff = backoffDelay(attempt, opts.baseMs, opts.maxMs, opts.random);
  if (retryAfterMs === undefined) return backoff;
  if (retryAfterMs > opts.maxRetryAfterMs) return undefined;
  return Math.max(backoff, retryAfterMs);
}

export function defaultIsRetryable(error: unknown): boolean {
  if (isAbortError(error)) return false;
  if (isSyncError(error)) return error.category === 'transient';
  return true;
}

export function isAbortError(error: unknown): boolean {
  // Only aborts the caller asked for; a signal's own timeout shows as `signal.aborted` in withRetry.
  return error instanceof Error && error.name === 'AbortError';
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Run `fn` until it succeeds, a non-retryable error happens, or the retries are used up (last error thrown). */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 4;
  const timing = {
    baseMs: options.baseMs ?? 250,
    maxMs: options.maxMs ?? 20_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    random: options.random,
  };
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || options.signal?.aborted || !isRetryable(error)) throw error;
      const retryAfterMs = retryAfterFromError(error);
      const delayMs = retryDelay(attempt + 1, retryAfterMs, timing);
      if (delayMs === undefined) throw error;
      options.onRetry?.({ attempt: attempt + 1, delayMs, error, retryAfterMs });
      await sleep(delayMs, options.signal);
    }
  }
}
