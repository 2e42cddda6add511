/**
 * The timer's use case: split the scope into shards and enqueue one message per shard. The timer never
 * does the heavy work itself, so a 100,000-VM tenant fans out across instances.
 */
import type { Clock, SweepLedger, MessageQueue, Scope, SubscriptionDirectory, SweepSummary, Trigger } from '../ports';
import type { ShardMessage } from './messages';

/** At most this many subscriptions per Resource Graph request (docs/azure-facts.md §2). */
export const MAX_SUBSCRIPTIONS_PER_SHARD = 300;

/**
 * Splits a scope: one shard per management group, then the subscriptions in batches of at most 300 (a
 * scope naming both covers both, as a sweep over it does). Empty for the tenant-wide scope.
 */
export function shardScopes(scope: Scope, batchSize = MAX_SUBSCRIPTIONS_PER_SHARD): Scope[] {
  const groups = [...new Set(scope.managementGroups.map((mg) => mg.trim()).filter(Boolean))];
  const shards: Scope[] = groups.map((mg) => ({ subscriptions: [], managementGroups: [mg] }));
  const subs = [...new Set(scope.subscriptions.map((s) => s.trim().toLowerCase()).filter(Boolean))].sort();
  for (let i = 0; i < subs.length; i += batchSize)
    shards.push({ subscriptions: subs.slice(i, i + batchSize), managementGroups: [] });
  return shards;
}

/** A sweep's summary before any shard has been counted. */
export function emptySweepSummary(
  shard: Pick<ShardMessage, 'sweepId' | 'trigger' | 'startedAt' | 'shardCount'>,
): SweepSummary {
  return {
    sweepId: shard.sweepId,
    trigger: shard.trigger,
    startedAt: shard.startedAt,
    shards: shard.shardCount,
    shardsCompleted: 0,
    resources: 0,
    findings: 0,
    open: 0,
    exempt: 0,
    actions: 0,
    resolved: 0,
    warnings: 0,
  };
}

/** What starting a sweep needs. */
export interface StartSweepDeps {
  shardQueue: MessageQueue<ShardMessage>;
  /** The sweep's summary row. */
  ledger: SweepLedger;
  clock: Clock;
  /** Lists the tenant's subscriptions when the scope names none. */
  directory?: SubscriptionDirectory;
  newId: () => string;
}

/** Enqueues the shards of a sweep and records the sweep's summary row. */
export async function startSweep(
  deps: StartSweepDeps,
  scope: Scope,
  trigger: Trigger,
): Promise<{ sweepId: string; shards: ShardMessage[] }> {
  const now = deps.clock.now();
  let scopes = shardScopes(scope);
  if (scopes.length === 0) {
    const subscriptions = deps.directory ? await deps.directory.listSubscriptions() : [];
    scopes =
      subscriptions.length > 0
        ? shardScopes({ subscriptions, managementGroups: [] })
        : [{ subscriptions: [], managementGroups: [] }];
  }
  const sweepId = deps.newId();
  const shards = scopes.map((s, shardIndex): ShardMessage => ({
    sweepId,
    trigger,
    shardIndex,
    shardCount: scopes.length,
    scope: s,
    startedAt: now.toISOString(),
  }));
  await deps.ledger.updateSweepSummary(sweepId, () =>
    emptySweepSummary({ sweepId, trigger, startedAt: now.toISOString(), shardCount: shards.length }),
  );
  for (const shard of shards) await deps.shardQueue.send(shard);
  return { sweepId, shards };
}
