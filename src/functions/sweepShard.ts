/** Queue trigger on `sweep-shards`: queries one shard, records findings, enqueues remediation jobs. */
import { app, type InvocationContext } from '@azure/functions';
import { InvalidMessageError, parseShardMessage } from '../app/messages';
import { runSweepShard } from '../app/sweepShard';
import { functionServices, settleFailure } from '../composition';

/** Handles one shard message; rethrows only what a retry can fix. */
export async function sweepShard(message: unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  try {
    const shard = parseShardMessage(message);
    const outcome = await runSweepShard(services.sweepShard, shard);
    context.log(`sweep ${shard.sweepId} shard ${shard.shardIndex + 1}/${shard.shardCount}: ${outcome.report.summary.findings} findings (${outcome.report.summary.open} open), ${outcome.jobsEnqueued} job(s) enqueued, ${outcome.resolved} resolved${outcome.sweepCompleted ? '; sweep completed' : ''}`);
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

app.storageQueue('sweepShard', { queueName: 'sweep-shards', connection: 'AzureWebJobsStorage', handler: sweepShard });
