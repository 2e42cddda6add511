/**
 * Queue trigger on `remediation-jobs`: executes one action group. Transient failures rethrow, so the host
 * retries (maxDequeueCount 5 in host.json, then `remediation-jobs-poison`); permanent ones are recorded.
 */
import { app, type InvocationContext } from '@azure/functions';
import { InvalidMessageError, parseRemediationJob } from '../app/messages';
import { recordPoisonJob, runRemediationJob } from '../app/remediationJob';
import { functionServices, settleFailure } from '../composition';

/** Handles one job message. */
export async function remediationJob(message: unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  try {
    const job = parseRemediationJob(message);
    const results = await runRemediationJob(services.remediationJob, job);
    const described = job.actions.map((a, i) => {
      const r = results[i];
      const why = [r?.detail, r?.error?.code].filter(Boolean).join(': ');
      return `${a.kind} ${r?.status ?? '?'}${why ? ` (${why})` : ''}`;
    });
    const line = `sweep ${job.sweepId}: ${described.join(', ')} (dequeue ${String(context.triggerMetadata?.dequeueCount ?? 1)})`;
    // A permanent failure is acknowledged (a retry cannot fix it) but must stand out in the logs.
    if (results.some((r) => r.status === 'failed')) context.warn(line);
    else context.log(line);
  } catch (e) {
    if (e instanceof InvalidMessageError) {
      context.error(`dropped: ${e.message}`);
      services.telemetry.exception(e, { invocationId: context.invocationId, function: 'remediationJob' });
      return;
    }
    settleFailure(e, context, services.telemetry, 'remediationJob');
  } finally {
    await services.telemetry.flush();
  }
}

/** Queue trigger on `remediation-jobs-poison`: makes a job that exhausted its retries visible in the ledger and telemetry. */
export async function remediationPoison(message: unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  await recordPoisonJob(services.remediationJob, 'remediation-jobs-poison', message, context.invocationId);
  context.warn(`a remediation job exhausted its retries and was recorded in the ledger`);
  await services.telemetry.flush();
}

app.storageQueue('remediationJob', {
  queueName: 'remediation-jobs',
  connection: 'AzureWebJobsStorage',
  handler: remediationJob,
});
app.storageQueue('remediationPoison', {
  queueName: 'remediation-jobs-poison',
  connection: 'AzureWebJobsStorage',
  handler: remediationPoison,
});
