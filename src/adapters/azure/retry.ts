/**
 * Bounded retries for ARM calls: Retry-After first (seconds or an HTTP date, RFC 9110 §10.2.3), otherwise
 * exponential backoff with jitter. Two layers use it and they never retry the same failure twice:
 * - the pipeline layer ({@link boundedRetryStrategy}, installed by clients.ts in place of the SDK's default
 *   retry policy) retries 408/429/5xx and socket errors for every request, LRO polls included, and gives up
 *   when a Retry-After is longer than `maxRetryAfterMs` instead of sleeping for it;
 * - the operation layer ({@link withRetry}) retries ARM writes on what the pipeline leaves alone: 409
 *   conflicts and "another operation in progress" codes (docs/azure-facts.md §3: concurrent NSG writes).
 * Sleep, random and clock are injectable so tests run without waiting.
 */
import type { PipelinePolicy, RetryStrategy } from '@azure/core-rest-pipeline';
import { isRestError, RestError } from '@azure/core-rest-pipeline';
import { isRetryable, statusCodeOf } from './errors';

/** Waits `ms` milliseconds. */
export type Sleep = (ms: number) => Promise<void>;

/** The timer-based sleep used outside tests. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Parses a Retry-After value (delta-seconds or HTTP-date) into milliseconds from `nowMs`; never negative. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^-\d/.test(text)) return 0;
  const date = Date.parse(text);
  if (!Number.isFinite(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Parses a .NET-style time span `[d.]hh:mm:ss[.fff]` (e.g. `x-ms-user-quota-resets-after: 00:00:03`) into ms. */
export function parseTimeSpan(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^\s*(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$/.exec(value);
  if (!m) return undefined;
  const days = Number(m[1] ?? 0);
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  const seconds = Number(m[4]);
  return Math.round((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}

/** Reads the retry delay a response asks for: `retry-after-ms`, `x-ms-retry-after-ms`, then `Retry-After`. */
export function retryAfterFromHeaders(
  get: (name: string) => string | null | undefined,
  nowMs: number,
): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = get(name);
    if (v !== null && v !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v));
  }
  return parseRetryAfter(get('retry-after'), nowMs);
}

/** The retry delay an error's response asks for, when it has one. */
export function retryAfterOf(err: unknown, nowMs: number): number | undefined {
  if (!isRestError(err) || !err.response) return undefined;
  const headers = err.response.headers;
  return retryAfterFromHeaders((n) => headers.get(n), nowMs);
}

/** Exponential backoff parameters. */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Returns a number in [0, 1). */
  random?: () => number;
}

/**
 * The backoff before retry number `attempt` (0 for the first retry): "equal jitter", a delay in
 * [d/2, d] where d = min(maxDelayMs, baseDelayMs·2^attempt), so retries spread out but never collapse to 0.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries: the error is surfaced instead of waited out. */
  maxRetryAfterMs: number;
  /** The sum of all waits stays below this. */
  maxTotalDelayMs: number;
  isRetryable: (err: unknown) => boolean;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  onRetry?: (info: RetryInfo) => void;
}

/** What {@link withRetry} reports before each wait. */
export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: 'retry-after' | 'backoff';
  error: unknown;
}

/** Defaults for ARM writes: 4 attempts, 0.5–8 s backoff, Retry-After up to 30 s, 60 s of waiting at most. */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
  maxTotalDelayMs: 60_000,
  isRetryable,
  sleep: realSleep,
  random: Math.random,
  now: Date.now,
};

/**
 * Runs `fn`, retrying while `isRetryable(error)` holds, waiting Retry-After when the error has one and a
 * jittered backoff otherwise. Rethrows the last error when attempts, the Retry-After cap or the total wait
 * budget run out.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: Partial<RetryOptions> = {},
): Promise<T> {
  const o: RetryOptions = { ...DEFAULT_RETRY_OPTIONS, ...options };
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= o.maxAttempts || !o.isRetryable(error)) throw error;
      const retryAfter = retryAfterOf(error, o.now());
      if (retryAfter !== undefined && retryAfter > o.maxRetryAfterMs) throw error;
      const delayMs = retryAfter ?? backoffDelay(attempt - 1, o);
      if (waited + delayMs > o.maxTotalDelayMs) throw error;
      o.onRetry?.({ attempt, delayMs, reason: retryAfter === undefined ? 'backoff' : 'retry-after', error });
      waited += delayMs;
      await o.sleep(delayMs);
    }
  }
}

/** Options of the pipeline retry strategy. */
export interface PipelineRetryBounds {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  random?: () => number;
}

/** Statuses the pipeline layer retries: request timeout, throttling and server errors (not 501/505). */
export function isPipelineRetriedStatus(status: number | undefined): boolean {
  if (status === undefined) return false;
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

const SOCKET_ERRORS = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/** True for failures the pipeline layer already retried, so the operation layer leaves them alone. */
export function isPipelineRetried(err: unknown): boolean {
  if (isPipelineRetriedStatus(statusCodeOf(err))) return true;
  return isRestError(err) && !err.response && typeof err.code === 'string' && SOCKET_ERRORS.has(err.code);
}

/**
 * A core-rest-pipeline retry strategy with bounded waits: Retry-After (capped) for 408/429/5xx, jittered
 * backoff when there is none, jittered backoff for socket errors. The SDK's default strategy honours any
 * Retry-After, however long; this one returns the response instead, so the caller decides.
 */
export function boundedRetryStrategy(bounds: PipelineRetryBounds): RetryStrategy {
  return {
    name: 'backupWardenBoundedRetry',
    retry({ retryCount, response, responseError }) {
      const status: number | undefined = response?.status;
      if (response && isPipelineRetriedStatus(status)) {
        const ms = retryAfterFromHeaders((n) => response.headers.get(n), Date.now());
        if (ms !== undefined) return ms > bounds.maxRetryAfterMs ? { skipStrategy: true } : { retryAfterInMs: ms };
        return { retryAfterInMs: backoffDelay(retryCount, bounds) };
      }
      if (
        !response &&
        responseError &&
        typeof responseError.code === 'string' &&
        SOCKET_ERRORS.has(responseError.code)
      ) {
        return { retryAfterInMs: backoffDelay(retryCount, bounds) };
      }
      return { skipStrategy: true };
    },
  };
}

/** The default time an ARM request may take before it is aborted and retried as a transient failure. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A per-attempt request timeout, placed after the Retry phase so that each attempt gets its own clock. A request
 * that gets no complete answer in time is aborted and fails with code `ETIMEDOUT` and no response, which the
 * pipeline retry strategy and {@link isRetryable} treat as a socket error: retried like any transient failure.
 * A caller's own abort signal still aborts the request as before.
 */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'backupWardenRequestTimeout',
    async sendRequest(request, next) {
      if (!(timeoutMs > 0)) return next(request);
      const controller = new AbortController();
      const outer = request.abortSignal;
      const onAbort = () => controller.abort();
      if (outer?.aborted) controller.abort();
      else outer?.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (error) {
        if (!timedOut) throw error;
        const where = `${request.method} ${request.url.split('?')[0] ?? request.url}`;
        throw new RestError(`no answer within ${timeoutMs} ms: ${where}`, { code: 'ETIMEDOUT', request });
      } finally {
        clearTimeout(timer);
        if (outer) request.abortSignal = outer;
        else delete request.abortSignal;
        outer?.removeEventListener('abort', onAbort);
      }
    },
  };
}
