/** Timer trigger: splits the sweep scope into shards on `sweep-shards`. The schedule is an app setting. */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { startSweep } from '../app/startSweep';
import { describeError, functionServices } from '../composition';

/**
 * Enqueues one message per shard and returns; the shard workers do the heavy work. A failure is reported
 * and rethrown: the host does not retry a timer, the next occurrence starts a new sweep.
 */
export async function sweepTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  try {
    const { sweepId, shards } = await startSweep(services.startSweep, services.scope, 'timer');
    context.log(
      `sweep ${sweepId}: ${shards.length} shard(s) enqueued on sweep-shards${timer.isPastDue ? ' (timer was past due)' : ''}`,
    );
  } catch (e) {
    services.telemetry.exception(e, { invocationId: context.invocationId, function: 'sweepTimer' });
    context.error(`sweepTimer: the sweep was not started: ${describeError(e)}`);
    throw e;
  } finally {
    await services.telemetry.flush();
  }
}

app.timer('sweepTimer', { schedule: '%WARDEN_SWEEP_SCHEDULE%', handler: sweepTimer });
