/** Timer trigger: splits the sweep scope into shards on `sweep-shards`. The schedule is an app setting. */
import { app, type Timer } from '@azure/functions';
import { QUEUES } from '../app/queues';
import { startSweep } from '../app/startSweep';
import { invocation } from './invocation';

/**
 * Enqueues one message per shard and returns; the shard workers do the heavy work. A failure is reported
 * and rethrown: the host does not retry a timer, the next occurrence starts a new sweep.
 */
export const sweepTimer = invocation<Timer>(
  'sweepTimer',
  async (timer, context, services) => {
    const { sweepId, shards } = await startSweep(services.startSweep, services.scope, 'timer');
    context.log(
      `sweep ${sweepId}: ${shards.length} shard(s) enqueued on ${QUEUES.sweepShards}${timer.isPastDue ? ' (timer was past due)' : ''}`,
    );
  },
  { rethrow: true, what: 'the sweep was not started' },
);

app.timer('sweepTimer', { schedule: '%WARDEN_SWEEP_SCHEDULE%', handler: sweepTimer });
