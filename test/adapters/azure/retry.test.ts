import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  boundedRetryStrategy,
  parseRetryAfter,
  parseTimeSpan,
  retryAfterFromHeaders,
  withRetry,
} from '../../../src/adapters/azure/retry';

const NOW = Date.parse('2025-01-01T00:00:00Z');

function httpError(status: number, code: string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
  return new RestError(code, {
    statusCode: status,
    code,
    request,
    response: {
      status,
      headers: createHttpHeaders(headers),
      request,
      bodyAsText: JSON.stringify({ error: { code, message: code } }),
    },
  });
}

/** A sleep that records instead of waiting. */
function fakeSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('prefers retry-after-ms and x-ms-retry-after-ms over Retry-After', () => {
    const h: Record<string, string> = { 'retry-after-ms': '250', 'retry-after': '9' };
    expect(retryAfterFromHeaders((n) => h[n], NOW)).toBe(250);
    const g: Record<string, string> = { 'x-ms-retry-after-ms': '40' };
    expect(retryAfterFromHeaders((n) => g[n], NOW)).toBe(40);
  });
});

describe('parseTimeSpan (x-ms-user-quota-resets-after)', () => {
  it('reads hh:mm:ss and d.hh:mm:ss.fff', () => {
    expect(parseTimeSpan('00:00:05')).toBe(5000);
    expect(parseTimeSpan('00:01:02')).toBe(62_000);
    expect(parseTimeSpan('01:00:00')).toBe(3_600_000);
    expect(parseTimeSpan('1.00:00:00.5')).toBe(86_400_500);
    expect(parseTimeSpan('5s')).toBeUndefined();
    expect(parseTimeSpan(undefined)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('stays within [d/2, d] for d = min(max, base * 2^attempt)', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    for (let attempt = 0; attempt < 8; attempt++) {
      const d = Math.min(1000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, { ...opts, random: () => 0 })).toBe(d / 2);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.999999 })).toBeLessThanOrEqual(d);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.999999 })).toBeGreaterThanOrEqual(d - 1);
      for (let i = 0; i < 50; i++) {
        const v = backoffDelay(attempt, opts);
        expect(v).toBeGreaterThanOrEqual(d / 2);
        expect(v).toBeLessThanOrEqual(d);
      }
    }
  });

  it('clamps a random source outside [0, 1)', () => {
    expect(backoffDelay(0, { baseDelayMs: 100, maxDelayMs: 100, random: () => 7 })).toBe(100);
    expect(backoffDelay(0, { baseDelayMs: 100, maxDelayMs: 100, random: () => -1 })).toBe(50);
  });
});

describe('withRetry', () => {
  it('waits Retry-After, then succeeds', async () => {
    const { sleep, waits } = fakeSleep();
    let calls = 0;
    const v = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw httpError(429, 'TooManyRequests', { 'retry-after': '2' });
        return 'ok';
      },
      { sleep, now: () => NOW },
    );
    expect(v).toBe('ok');
    expect(waits).toEqual([2000, 2000]);
  });

  it('uses jittered backoff without Retry-After', async () => {
    const { sleep, waits } = fakeSleep();
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 4) throw httpError(409, 'AnotherOperationInProgress');
        return 1;
      },
      { sleep, random: () => 0, baseDelayMs: 100, maxDelayMs: 1000 },
    );
    expect(waits).toEqual([50, 100, 200]);
  });

  it('never retries a 400 validation error or a 403', async () => {
    for (const e of [
      httpError(400, 'InvalidQuery'),
      httpError(403, 'AuthorizationFailed'),
      httpError(404, 'ResourceNotFound'),
    ]) {
      const { sleep, waits } = fakeSleep();
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw e;
          },
          { sleep },
        ),
      ).rejects.toBe(e);
      expect(calls).toBe(1);
      expect(waits).toEqual([]);
    }
  });

  it('stops after maxAttempts and rethrows the last error', async () => {
    const { sleep } = fakeSleep();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw httpError(503, 'ServiceUnavailable');
        },
        { sleep, maxAttempts: 3 },
      ),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(calls).toBe(3);
  });

  it('surfaces a Retry-After longer than the cap instead of waiting it out', async () => {
    const { sleep, waits } = fakeSleep();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw httpError(429, 'TooManyRequests', { 'retry-after': '3600' });
        },
        { sleep, maxRetryAfterMs: 30_000 },
      ),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('keeps the total wait within maxTotalDelayMs', async () => {
    const { sleep, waits } = fakeSleep();
    await expect(
      withRetry(
        async () => {
          throw httpError(429, 'TooManyRequests', { 'retry-after': '4' });
        },
        { sleep, maxAttempts: 10, maxTotalDelayMs: 10_000, now: () => NOW },
      ),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(waits).toEqual([4000, 4000]);
  });

  it('reports each retry', async () => {
    const { sleep } = fakeSleep();
    const seen: string[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls === 1) throw httpError(500, 'InternalServerError');
        return 0;
      },
      { sleep, random: () => 0, baseDelayMs: 10, onRetry: (i) => seen.push(`${i.attempt}:${i.reason}:${i.delayMs}`) },
    );
    expect(seen).toEqual(['1:backoff:5']);
  });
});

describe('boundedRetryStrategy (pipeline layer)', () => {
  const strategy = boundedRetryStrategy({ baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000, random: () => 0 });
  const request = createPipelineRequest({ url: 'https://x' });
  const response = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers: createHttpHeaders(headers),
    request,
  });

  it('honours a Retry-After within the cap', () => {
    expect(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '2' }) })).toEqual({
      retryAfterInMs: 2000,
    });
  });

  it('gives the response back when Retry-After exceeds the cap', () => {
    expect(strategy.retry({ retryCount: 0, response: response(429, { 'retry-after': '60' }) })).toEqual({
      skipStrategy: true,
    });
  });

  it('backs off on 5xx without Retry-After and leaves 4xx alone', () => {
    expect(strategy.retry({ retryCount: 2, response: response(500) })).toEqual({ retryAfterInMs: 200 });
    expect(strategy.retry({ retryCount: 0, response: response(409) })).toEqual({ skipStrategy: true });
    expect(strategy.retry({ retryCount: 0, response: response(400) })).toEqual({ skipStrategy: true });
    expect(strategy.retry({ retryCount: 0, response: response(501) })).toEqual({ skipStrategy: true });
  });

  it('backs off on socket errors', () => {
    expect(strategy.retry({ retryCount: 0, responseError: new RestError('reset', { code: 'ECONNRESET' }) })).toEqual({
      retryAfterInMs: 50,
    });
    expect(
      strategy.retry({ retryCount: 0, responseError: new RestError('cert', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) }),
    ).toEqual({ skipStrategy: true });
  });
});
