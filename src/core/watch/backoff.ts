import { backoffDelay } from '../async/retry.js';

/** When a failed sweep is tried again (watch mode's queue, not the per-request retries inside a store). */
export interface RetryPolicy {
  /** First back-off step. Default 30 s. */
  baseMs: number;
  /** Cap of the exponential back-off. Default 30 min. */
  maxMs: number;
  /** Failed attempts in a row after which the sweep stays `failed` until retried by hand. Default 8. */
  maxAttempts: number;
  /** Shortest wait, so that a jitter of ~0 never turns into a hot loop. Default 1 s. */
  minMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 30_000,
  maxMs: 30 * 60_000,
  maxAttempts: 8,
  minMs: 1_000,
};

/**
 * The wait before the next attempt after `failures` failed attempts in a row (1 = the first failure):
 * exponential back-off with full jitter (uniform in [0, min(max, base·2^(failures-1))]), at least `minMs`.
 * Returns null once `failures` reaches `maxAttempts`: stop retrying by itself.
 */
export function nextRetryDelay(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | null {
  if (failures >= policy.maxAttempts) return null;
  return Math.max(policy.minMs, backoffDelay(Math.max(1, failures), policy.baseMs, policy.maxMs, random));
}
