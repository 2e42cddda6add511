/** Queue trigger on `sweep-shards`: queries one shard, records findings, enqueues remediation jobs. */
import { app, type InvocationContext } from '@azure/functions';
import { InvalidMessageError, parseShardMessage } from '../app/messages';
import { recordPoisonJob } from '../app/remediationJob';
import { runSweepShard } from '../app/sweepShard';
import { functionServices, settleFailure } from '../composition';

/** Handles one shard message; rethrows only what a retry can fix. */
export async function sweepShard(message: unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  try {
    const shard = parseShardMessage(message);
    const outcome = await runSweepShard(services.sweepShard, shard);
    context.log(
      `sweep ${shard.sweepId} shard ${shard.shardIndex + 1}/${shard.shardCount}: ${outcome.report.summary.findings} findings (${outcome.report.summary.open} open), ${outcome.jobsEnqueued} job(s) enqueued, ${outcome.resolved} resolved${outcome.sweepCompleted ? '; sweep completed' : ''}${outcome.redelivered ? '; a redelivery: the shard was already counted in the summary' : ''} (dequeue ${String(context.triggerMetadata?.dequeueCount ?? 1)})`,
    );
  } catch (e) {
    if (e instanceof InvalidMessageError) {
      context.error(`dropped: ${e.message}`);
      services.telemetry.exception(e, { invocationId: context.invocationId, function: 'sweepShard' });
      return;
    }
    settleFailure(e, context, services.telemetry, 'sweepShard');
  } finally {
    await services.telemetry.flush();
  }
}

/**
 * Queue trigger on `sweep-shards-poison`, where the host moves a shard after maxDequeueCount failures: its
 * sweep will never report completed, so the shard is recorded in the ledger and telemetry.
 */
export async function sweepShardPoison(message: unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  await recordPoisonJob(services.remediationJob, 'sweep-shards-poison', message, context.invocationId);
  let which = '';
  try {
    const shard = parseShardMessage(message);
    which = `: sweep ${shard.sweepId} shard ${shard.shardIndex + 1}/${shard.shardCount} did not complete`;
  } catch {
    // recorded as it is
  }
  context.warn(`a sweep shard exhausted its retries and was recorded in the ledger${which}`);
  await services.telemetry.flush();
}

app.storageQueue('sweepShard', { queueName: 'sweep-shards', connection: 'AzureWebJobsStorage', handler: sweepShard });
app.storageQueue('sweepShardPoison', {
  queueName: 'sweep-shards-poison',
  connection: 'AzureWebJobsStorage',
  handler: sweepShardPoison,
});
