/**
 * The Storage queues between the functions: the triggers bind to these names, the composition root sends
 * to them, and infra creates them. `-poison` is where the Functions host moves a message after
 * maxDequeueCount failures.
 */
export const QUEUES = {
  sweepShards: 'sweep-shards',
  sweepShardsPoison: 'sweep-shards-poison',
  remediationJobs: 'remediation-jobs',
  remediationJobsPoison: 'remediation-jobs-poison',
} as const;

/** The name of one of backup-warden's queues. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
