/** Timer trigger: splits the sweep scope into shards on `sweep-shards`. The schedule is an app setting. */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { startSweep } from '../app/startSweep';
import { functionServices } from '../composition';

/** Enqueues one message per shard and returns; the shard workers do the heavy work. */
export async function sweepTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  const { sweepId, shards } = await startSweep(services.startSweep, services.scope, 'timer');
  context.log(`sweep ${sweepId}: ${shards.length} shard(s) enqueued on sweep-shards${timer.isPastDue ? ' (timer was past due)' : ''}`);
}

app.timer('sweepTimer', { schedule: '%WARDEN_SWEEP_SCHEDULE%', handler: sweepTimer });
