/**
 * Which failures a retry can fix. The adapters classify every Azure error once (`retryable`, from their one
 * classifier); the queue workers read that judgement instead of keeping a list of their own.
 */
import type { AzureErrorInfo } from '../ports';

/** True when the adapters judged that retrying may succeed. */
export function isTransient(error: AzureErrorInfo | undefined): boolean {
  return error?.retryable === true;
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
