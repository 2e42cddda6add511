/**
 * Queue trigger on `remediation-jobs`: executes one action group. Transient failures rethrow, so the host
 * retries (maxDequeueCount 5 in host.json, then `remediation-jobs-poison`); permanent ones are recorded.
 */
import { app } from '@azure/functions';
import { parseRemediationJob } from '../app/messages';
import { QUEUES } from '../app/queues';
import { recordPoisonJob, runRemediationJob } from '../app/remediationJob';
import { dequeueCountOf, invocation } from './invocation';

/** Handles one job message. */
export const remediationJob = invocation<unknown>('remediationJob', async (message, context, services) => {
  const job = parseRemediationJob(message);
  const results = await runRemediationJob(services.remediationJob, job);
  const described = job.actions.map((a, i) => {
    const r = results[i];
    const why = [r?.detail, r?.error?.code].filter(Boolean).join(': ');
    return `${a.kind} ${r?.status ?? '?'}${why ? ` (${why})` : ''}`;
  });
  const line = `sweep ${job.sweepId}: ${described.join(', ')} (dequeue ${dequeueCountOf(context)})`;
  // A permanent failure is acknowledged (a retry cannot fix it) but must stand out in the logs.
  if (results.some((r) => r.status === 'failed')) context.warn(line);
  else context.log(line);
});

/** Queue trigger on `remediation-jobs-poison`: makes a job that exhausted its retries visible in the ledger and telemetry. */
export const remediationPoison = invocation<unknown>(
  'remediationPoison',
  async (message, context, services) => {
    await recordPoisonJob(services.remediationJob, QUEUES.remediationJobsPoison, message, context.invocationId);
    context.warn(`a remediation job exhausted its retries and was recorded in the ledger`);
  },
  { rethrow: true, what: 'the poison message was not recorded' },
);

app.storageQueue('remediationJob', {
  queueName: QUEUES.remediationJobs,
  connection: 'AzureWebJobsStorage',
  handler: remediationJob,
});
app.storageQueue('remediationPoison', {
  queueName: QUEUES.remediationJobsPoison,
  connection: 'AzureWebJobsStorage',
  handler: remediationPoison,
});
