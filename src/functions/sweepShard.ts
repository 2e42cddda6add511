/** Queue trigger on `sweep-shards`: queries one shard, records findings, enqueues remediation jobs. */
import { app } from '@azure/functions';
import { parseShardMessage } from '../app/messages';
import { QUEUES } from '../app/queues';
import { recordPoisonJob } from '../app/remediationJob';
import { runSweepShard } from '../app/sweepShard';
import { dequeueCountOf, invocation } from './invocation';

/** Handles one shard message; rethrows only what a retry can fix. */
export const sweepShard = invocation<unknown>('sweepShard', async (message, context, services) => {
  const shard = parseShardMessage(message);
  const outcome = await runSweepShard(services.sweepShard, shard);
  context.log(
    `sweep ${shard.sweepId} shard ${shard.shardIndex + 1}/${shard.shardCount}: ${outcome.report.summary.findings} findings (${outcome.report.summary.open} open), ${outcome.jobsEnqueued} job(s) enqueued, ${outcome.resolved} resolved${outcome.sweepCompleted ? '; sweep completed' : ''}${outcome.redelivered ? '; a redelivery: the shard was already counted in the summary' : ''} (dequeue ${dequeueCountOf(context)})`,
  );
});

/**
 * Queue trigger on `sweep-shards-poison`, where the host moves a shard after maxDequeueCount failures: its
 * sweep will never report completed, so the shard is recorded in the ledger and telemetry.
 */
export const sweepShardPoison = invocation<unknown>(
  'sweepShardPoison',
  async (message, context, services) => {
    await recordPoisonJob(services.remediationJob, QUEUES.sweepShardsPoison, message, context.invocationId);
    let which = '';
    try {
      const shard = parseShardMessage(message);
      which = `: sweep ${shard.sweepId} shard ${shard.shardIndex + 1}/${shard.shardCount} did not complete`;
    } catch {
      // recorded as it is
    }
    context.warn(`a sweep shard exhausted its retries and was recorded in the ledger${which}`);
  },
  { rethrow: true, what: 'the poison message was not recorded' },
);

app.storageQueue('sweepShard', {
  queueName: QUEUES.sweepShards,
  connection: 'AzureWebJobsStorage',
  handler: sweepShard,
});
app.storageQueue('sweepShardPoison', {
  queueName: QUEUES.sweepShardsPoison,
  connection: 'AzureWebJobsStorage',
  handler: sweepShardPoison,
});
