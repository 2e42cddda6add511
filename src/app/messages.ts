/**
 * Queue messages between the functions, validated with zod when they are received: a bad message is
 * logged and acknowledged, never retried forever.
 */
import { z } from 'zod';
import { ACTION_SCHEMA } from '../core/actions';

const trigger = z.enum(['timer', 'event', 'cli']);
const scope = z.object({ subscriptions: z.array(z.string()), managementGroups: z.array(z.string()) });

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
  actions: z.array(ACTION_SCHEMA).min(1),
  enqueuedAt: z.string(),
});

/** One shard of a sweep: a batch of at most 300 subscriptions, one management group, or the tenant. */
export type ShardMessage = z.infer<typeof shardSchema>;

/** One action group: actions that must run in order (create-vault then its enable-protections). */
export type RemediationJobMessage = z.infer<typeof jobSchema>;

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
  parse(jobSchema, raw, 'remediation-jobs message');
