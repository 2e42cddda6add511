/** The one poller of long-running operations that the SDK does not poll itself (202 + Location/Azure-AsyncOperation). */
import { AzureOperationError } from '../errors';
import type { Sleep } from '../retry';

/** How the poller waits. */
export interface PollOptions {
  /** Interval between polls when the response gives no Retry-After. */
  intervalMs: number;
  /** Cap on a poll response's Retry-After. */
  maxDelayMs: number;
  /** Give up after this long. */
  timeoutMs: number;
  sleep: Sleep;
  now: () => number;
}

/** One poll: whether the operation ended, and the response's Retry-After in milliseconds. */
export interface PollStep {
  done: boolean;
  retryAfterMs: number | undefined;
}

/** Polls until `step` says done, waiting the poll's Retry-After (capped) or the interval; bounded in time. */
export async function poll(what: string, step: () => Promise<PollStep>, options: PollOptions): Promise<void> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const { done, retryAfterMs } = await step();
    if (done) return;
    const wait = Math.min(retryAfterMs ?? options.intervalMs, options.maxDelayMs);
    if (options.now() + wait > deadline) {
      throw new AzureOperationError('OperationTimedOut', `${what} did not finish within ${options.timeoutMs} ms`);
    }
    await options.sleep(wait);
  }
}

/** The operation id at the end of an async-operation URL (`…/operationsStatus/{id}?api-version=…`). */
export function operationIdFrom(url: string | undefined, segment: string): string | undefined {
  if (!url) return undefined;
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split('?')[0] ?? url;
  }
  const parts = pathname.split('/').filter(Boolean);
  const at = parts.findIndex((p) => p.toLowerCase() === segment.toLowerCase());
  const id = at >= 0 ? parts[at + 1] : parts[parts.length - 1];
  return id ? decodeURIComponent(id) : undefined;
}
