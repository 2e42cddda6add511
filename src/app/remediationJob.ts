/**
 * The remediation worker's use case: execute one action group through the remediator and record each
 * result. Idempotent: the remediator re-reads every target first (backupStatus, the rule, the vault), so
 * a redelivered message is a no-op recorded as such. Failures a retry can fix are rethrown for the host
 * to retry; permanent ones (403, validation) are recorded and acknowledged.
 */
import type { ActionResult, Clock, FindingLedger, PoisonLedger, Remediator, TelemetrySink } from '../ports';
import type { RemediationJobMessage } from './messages';
import { isTransient, TransientFailureError } from './transient';

/** What a job needs. */
export interface RemediationJobDeps {
  remediator: Remediator;
  /** The results of the job's actions, and the messages that reached a poison queue. */
  ledger: FindingLedger & PoisonLedger;
  telemetry: TelemetrySink;
  clock: Clock;
}

/** Runs one job; returns the results, or throws TransientFailureError for the host to retry. */
export async function runRemediationJob(deps: RemediationJobDeps, job: RemediationJobMessage): Promise<ActionResult[]> {
  const results = await deps.remediator.execute(job.actions);
  const ctx = { sweepId: job.sweepId, trigger: job.trigger, now: deps.clock.now() };
  for (const [i, action] of job.actions.entries()) {
    const result = results[i];
    if (!result) continue;
    const changes = await deps.ledger.recordActionResult(action, result, ctx);
    for (const change of changes) deps.telemetry.findingChanged(change, ctx);
    deps.telemetry.remediationResult(action, result, ctx);
  }
  const transient = results
    .filter((r) => r.status === 'failed' && isTransient(r.error))
    .map((r) => r.error)
    .filter((e) => e !== undefined);
  if (transient.length > 0) {
    throw new TransientFailureError(
      `${transient.length} action(s) failed transiently: ${transient.map((e) => e.code).join(', ')}`,
      transient,
    );
  }
  return results;
}

/** Records a message that exhausted its retries (it reached a poison queue: of jobs, or of sweep shards). */
export async function recordPoisonJob(
  deps: Pick<RemediationJobDeps, 'ledger' | 'telemetry' | 'clock'>,
  queue: string,
  message: unknown,
  invocationId: string,
): Promise<void> {
  await deps.ledger.recordPoisonMessage(queue, message, deps.clock.now());
  deps.telemetry.exception(new Error(`message reached ${queue}`), {
    invocationId,
    queue,
    message: typeof message === 'string' ? message : JSON.stringify(message),
  });
}
