/**
 * The one error and flush policy of the triggers: a bad queue message is logged and acknowledged, a
 * failure a retry can fix is rethrown (the host or Event Grid retries), any other failure is logged and
 * acknowledged, and telemetry is flushed before the invocation ends. Triggers whose failures must never
 * be acknowledged (the timer, the poison queues) rethrow every failure, after logging it.
 */
import type { InvocationContext } from '@azure/functions';
import { InvalidMessageError } from '../app/messages';
import { describeError, functionServices, settleFailure, type FunctionServices } from '../composition';

/** A trigger's body: parses its input and calls one use case. */
export type TriggerBody<T> = (input: T, context: InvocationContext, services: FunctionServices) => Promise<void>;

/** How a trigger's failures end: settled (retry what a retry can fix, acknowledge the rest) or all rethrown. */
export type FailurePolicy = { settle: true } | { rethrow: true; what: string };

/** Wraps a trigger's body in the error and flush policy; `name` is the function's name in logs and telemetry. */
export function invocation<T>(
  name: string,
  body: TriggerBody<T>,
  policy: FailurePolicy = { settle: true },
): (input: T, context: InvocationContext) => Promise<void> {
  return async (input, context) => {
    const services = await functionServices();
    try {
      await body(input, context, services);
    } catch (e) {
      if ('rethrow' in policy) {
        services.telemetry.exception(e, { invocationId: context.invocationId, function: name });
        context.error(`${name}: ${policy.what}: ${describeError(e)}`);
        throw e;
      }
      if (e instanceof InvalidMessageError) {
        context.error(`dropped: ${e.message}`);
        services.telemetry.exception(e, { invocationId: context.invocationId, function: name });
        return;
      }
      settleFailure(e, context, services.telemetry, name);
    } finally {
      await services.telemetry.flush();
    }
  };
}

/** How many times the host has delivered this queue message (1 on the first delivery). */
export function dequeueCountOf(context: InvocationContext): number {
  const count = context.triggerMetadata?.dequeueCount;
  return typeof count === 'number' ? count : typeof count === 'string' && /^\d+$/.test(count) ? Number(count) : 1;
}
