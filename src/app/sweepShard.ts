/**
 * The shard worker's use case: query one shard, evaluate and plan, keep the ledger, and in remediate
 * mode enqueue the plan's action groups. The last shard to finish reports the sweep as completed.
 */
import type { EngineConfig } from '../core/engine-config';
import { assess } from '../core/engine';
import { findingKey } from '../core/model';
import type { Report } from '../core/report';
import type {
  ClaimLedger,
  Clock,
  FindingLedger,
  InventorySource,
  MessageQueue,
  SweepLedger,
  SweepSummary,
  TelemetrySink,
} from '../ports';
import { groupActions } from './actionGroups';
import { readInventory, resolvableSubscriptions } from './read';
import { emptySweepSummary } from './startSweep';
import type { RemediationJobMessage, ShardMessage } from './messages';

/** What a shard needs. */
export interface SweepShardDeps {
  inventory: InventorySource;
  /** The shard's findings, its counted-once claim, and the sweep's summary row. */
  ledger: FindingLedger & ClaimLedger & SweepLedger;
  telemetry: TelemetrySink;
  jobQueue: MessageQueue<RemediationJobMessage>;
  clock: Clock;
  config: EngineConfig;
  mode: 'report' | 'remediate';
}

/** The outcome of one shard. */
export interface ShardOutcome {
  report: Report;
  jobsEnqueued: number;
  resolved: number;
  sweepCompleted: boolean;
  /** True when this shard had already been counted in the sweep's summary (a redelivered message). */
  redelivered: boolean;
}

/** How long a shard's "counted" mark is kept: far longer than any redelivery of its message. */
export const SHARD_CLAIM_TTL_MS = 7 * 24 * 3_600_000;

/** The ledger key that marks a shard as counted in its sweep's summary. */
export function shardClaimKey(shard: Pick<ShardMessage, 'sweepId' | 'shardIndex'>): string {
  return `shard|${shard.sweepId}|${shard.shardIndex}`;
}

/** A sweep's summary with one more shard's counts. */
function addShard(
  current: SweepSummary | undefined,
  shard: ShardMessage,
  report: Report,
  resolved: number,
): SweepSummary {
  const base = current ?? emptySweepSummary(shard);
  return {
    ...base,
    shardsCompleted: base.shardsCompleted + 1,
    resources: base.resources + report.summary.resources,
    findings: base.findings + report.summary.findings,
    open: base.open + report.summary.open,
    exempt: base.exempt + report.summary.exempt,
    actions: base.actions + report.summary.actions,
    resolved: base.resolved + resolved,
    warnings: base.warnings + report.summary.warnings.length,
  };
}

/** Runs one shard. Throws only what a retry can fix (the queue then redelivers the shard). */
export async function runSweepShard(deps: SweepShardDeps, shard: ShardMessage): Promise<ShardOutcome> {
  const now = deps.clock.now();
  const ctx = { sweepId: shard.sweepId, trigger: shard.trigger, now };
  const read = await readInventory(deps.inventory, shard.scope);
  const { report, inventory } = assess(read.rows, deps.config, now, read.scope);

  const changes = await deps.ledger.recordFindings(report.findings, ctx);
  const seen = new Set(report.findings.map((f) => findingKey(f.ruleId, f.resourceId)));
  const subscriptions =
    shard.scope.subscriptions.length > 0
      ? shard.scope.subscriptions.map((s) => s.toLowerCase())
      : [...inventory.subscriptions];
  // Only a subscription read in full may have its unseen findings resolved: a 403 or a cut-short read is not "gone".
  const resolved = await deps.ledger.resolveMissing(
    seen,
    resolvableSubscriptions(report.summary.coverage, subscriptions),
    ctx,
  );
  for (const change of [...changes, ...resolved]) deps.telemetry.findingChanged(change, ctx);

  let jobsEnqueued = 0;
  if (deps.mode === 'remediate') {
    for (const actions of groupActions(report.actions)) {
      await deps.jobQueue.send({
        sweepId: shard.sweepId,
        trigger: shard.trigger,
        actions,
        enqueuedAt: now.toISOString(),
      });
      jobsEnqueued++;
    }
  }

  // Queue messages arrive at least once. Everything above is idempotent (ledger upserts, jobs the remediator
  // re-checks before it writes), but the summary is a sum: a redelivered shard must not be counted twice, or
  // the sweep would be reported completed too early, or never. The first delivery to get here claims the shard.
  const key = shardClaimKey(shard);
  if (!(await deps.ledger.claim(key, SHARD_CLAIM_TTL_MS, now))) {
    return { report, jobsEnqueued, resolved: resolved.length, sweepCompleted: false, redelivered: true };
  }
  let summary: SweepSummary;
  try {
    summary = await deps.ledger.updateSweepSummary(shard.sweepId, (current) =>
      addShard(current, shard, report, resolved.length),
    );
  } catch (e) {
    await deps.ledger.release(key); // not counted after all: the retry must count it
    throw e;
  }
  const sweepCompleted = summary.shardsCompleted === summary.shards;
  if (sweepCompleted) {
    const open = await deps.ledger.list({ status: 'open' });
    const openByRule: Record<string, number> = {};
    for (const e of open) openByRule[e.ruleId] = (openByRule[e.ruleId] ?? 0) + 1;
    deps.telemetry.sweepCompleted(summary, openByRule);
  }
  return { report, jobsEnqueued, resolved: resolved.length, sweepCompleted, redelivered: false };
}
