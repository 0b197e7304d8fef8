import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryAfterFromError, withRetry } from '../../src/core/async/retry.js';
import { SyncError } from '../../src/core/model/errors.js';

describe('withRetry', () => {
  it('retries until success with full-jitter backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { baseMs: 100, maxMs: 1000, random: () => 0.5, onRetry: (r) => delays.push(r.delayMs), retries: 5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([50, 100]); // 0.5 × 100·2^0, 0.5 × 100·2^1
  });

  it('gives up after `retries` and throws the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { retries: 2, baseMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
  });

  it('does not retry non-transient SyncErrors', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new SyncError('configuration', 'bad key');
      }),
    ).rejects.toThrow('bad key');
    expect(calls).toBe(1);
  });

  it('waits at least the Retry-After the error carries', async () => {
    const delays: number[] = [];
    let calls = 0;
    const started = Date.now();
    await withRetry(
      async () => {
        if (calls++ === 0) throw Object.assign(new Error('busy'), { retryAfter: '1' });
      },
      { baseMs: 1, random: () => 0, onRetry: (r) => delays.push(r.delayMs) },
    );
    expect(delays).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw Object.assign(new Error('come back in an hour'), { retryAfter: '3600' });
        },
        { maxRetryAfterMs: 10_000 },
      ),
    ).rejects.toThrow('come back in an hour');
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(
      withRetry(
        async () => {
          throw new Error('down');
        },
        { baseMs: 10_000, random: () => 0.99, signal: controller.signal },
      ),
    ).rejects.toThrow('stop');
  });
});

describe('Retry-After parsing', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('finds the hint on SDK-shaped errors', () => {
    expect(retryAfterFromError({ $response: { headers: { 'retry-after': '3' } } })).toBe(3000);
    expect(retryAfterFromError({ retryAfterMs: 42 })).toBe(42);
    expect(retryAfterFromError(new Error('x'))).toBeUndefined();
  });

  it('caps full jitter at maxMs', () => {
    expect(backoffDelay(30, 100, 5000, () => 0.999)).toBeLessThan(5000);
    expect(backoffDelay(1, 100, 5000, () => 0)).toBe(0);
  });
});
