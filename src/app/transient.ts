/** Which failures a retry can fix: throttling, server errors, conflicts with another operation. */
import type { AzureErrorInfo } from '../ports';

const TRANSIENT_CODES = new Set([
  'AnotherOperationInProgress',
  'RetryableErrorDueToAnotherOperation',
  'TooManyRequests',
  'SubscriptionRequestsThrottled',
  'RateLimiting',
  'ServerTimeout',
  'InternalServerError',
  'ServiceUnavailable',
  'GatewayTimeout',
  'OperationTimedOut',
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
]);

/** True when retrying may succeed: 408, 409, 429, 5xx, or a known transient code. */
export function isTransient(error: AzureErrorInfo | undefined): boolean {
  if (!error) return false;
  const s = error.statusCode;
  if (s === 408 || s === 409 || s === 429 || (s !== undefined && s >= 500)) return true;
  return TRANSIENT_CODES.has(error.code);
}

/** Thrown by a handler so that the Functions host (or Event Grid) retries the message. */
export class TransientFailureError extends Error {
  override name = 'TransientFailureError';
  constructor(
    message: string,
    readonly errors: AzureErrorInfo[],
  ) {
    super(message);
  }
}
