/**
 * Queue messages between the functions, validated with zod when they are received: a bad message is
 * logged and acknowledged, never retried forever.
 */
import { z } from 'zod';
import type { Action } from '../core/model';
import type { Scope, Trigger } from '../ports';

/** One shard of a sweep: a batch of at most 300 subscriptions, one management group, or the tenant. */
export interface ShardMessage {
  sweepId: string;
  trigger: Trigger;
  shardIndex: number;
  shardCount: number;
  scope: Scope;
  startedAt: string;
}

/** One action group: actions that must run in order (create-vault then its enable-protections). */
export interface RemediationJobMessage {
  sweepId: string;
  trigger: Trigger;
  actions: Action[];
  enqueuedAt: string;
}

const trigger = z.enum(['timer', 'event', 'cli']);
const scope = z.object({ subscriptions: z.array(z.string()), managementGroups: z.array(z.string()) });
const resolves = z.array(z.string());

const action = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('create-vault'),
    target: z.string().min(1),
    resolves,
    params: z.object({
      location: z.string(),
      storageRedundancy: z.string(),
      resourceGroup: z.string(),
      name: z.string(),
    }),
  }),
  z.object({
    kind: z.literal('enable-protection'),
    target: z.string().min(1),
    resolves,
    params: z.object({ vaultId: z.string(), policyId: z.string() }),
  }),
  z.object({
    kind: z.literal('trigger-backup'),
    target: z.string().min(1),
    resolves,
    params: z.object({ vaultId: z.string(), recoveryPointExpiryTimeInUTC: z.string() }),
  }),
  z.object({
    kind: z.literal('add-nsg-rule'),
    target: z.string().min(1),
    resolves,
    params: z.object({
      name: z.string(),
      direction: z.literal('Outbound'),
      access: z.literal('Allow'),
      protocol: z.literal('Tcp'),
      sourceAddressPrefix: z.literal('VirtualNetwork'),
      sourcePortRange: z.literal('*'),
      destinationAddressPrefix: z.string(),
      destinationPortRanges: z.array(z.string()).min(1),
      priority: z.number().int().min(100).max(4096),
      description: z.string(),
    }),
  }),
]);

const shardSchema = z.object({
  sweepId: z.string().min(1),
  trigger,
  shardIndex: z.number().int().min(0),
  shardCount: z.number().int().min(1),
  scope,
  startedAt: z.string(),
});
const jobSchema = z.object({
  sweepId: z.string().min(1),
  trigger,
  actions: z.array(action).min(1),
  enqueuedAt: z.string(),
});

/** A message that failed validation. */
export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidMessageError(`${what}: not JSON`);
    }
  }
  const r = schema.safeParse(value);
  if (!r.success)
    throw new InvalidMessageError(
      `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** Validates a `sweep-shards` message. */
export const parseShardMessage = (raw: unknown): ShardMessage => parse(shardSchema, raw, 'sweep-shards message');

/** Validates a `remediation-jobs` message. */
export const parseRemediationJob = (raw: unknown): RemediationJobMessage =>
  parse(jobSchema as z.ZodType<RemediationJobMessage>, raw, 'remediation-jobs message');
