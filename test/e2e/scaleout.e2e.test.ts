/**
 * Scale-out: the host runs up to `batchSize` (8) queue messages at once per instance, Event Grid may
 * deliver one event to two instances at the same time, and instances share nothing but the storage
 * account. Everything that must happen once is decided in Azurite's table (first writer wins), not in memory.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vnetRow } from '../../bench/estate';
import type { ShardMessage } from '../../src/app/messages';
import { onResourceWritten } from '../../src/app/onResourceWritten';
import { functionServices } from '../../src/composition';
import { idKey } from '../../src/core/ids';
import { remediationJob } from '../../src/functions/remediationJob';
import { sweepShard } from '../../src/functions/sweepShard';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { vmWritten } from '../../src/functions/vmWritten';
import { eventEstate, vmIdOf } from './eventEstate';
import { FAST, invocation, QueueHost, startStack, timerInfo, type Stack } from './harness';

const FILLERS = Array.from(
  { length: 600 },
  (_, i) => `e${i.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`,
);
const base = JSON.parse(
  readFileSync(resolve(__dirname, '../fixtures/events/vm-write.eventgrid.json'), 'utf8'),
) as Record<string, unknown>;
const eventFor = (id: string, vmId: string): Record<string, unknown> => ({
  ...base,
  id,
  subject: vmId,
  data: { ...(base['data'] as object), resourceUri: vmId },
});
const itemsOf = (stack: Stack, vmId: string): number =>
  stack.emu
    .state()
    .recoveryServicesResources.filter(
      (r) => idKey(String((r['properties'] as Record<string, unknown>)['sourceResourceId'])) === idKey(vmId),
    ).length;

let stack: Stack;

beforeAll(async () => {
  const estate = [
    ...eventEstate(),
    ...FILLERS.map((s) =>
      vnetRow(s, 'rg-net', 'vnet-main', 'eastus', '10.0.0.0/16', [{ name: 'default', cidr: '10.0.0.0/24' }]),
    ),
  ];
  stack = await startStack({ estate });
  await stack.use();
});

afterAll(async () => {
  await stack?.stop();
});

describe('scale-out', () => {
  it("runs a sweep's three shards at once: each is counted once and exactly one completes the sweep", async () => {
    await sweepTimer(timerInfo(), invocation('sweepTimer').context);
    const shards = new QueueHost(stack.azurite.connectionString, 'sweep-shards', 'sweepShard', sweepShard);
    const delivered = await shards.drain(20, 3);
    expect(delivered.map((d) => d.outcome)).toEqual(['completed', 'completed', 'completed']);
    const sweepId = (delivered[0]?.body as ShardMessage).sweepId;
    const completing = delivered.filter((d) => d.logs.some((l) => l.message.includes('; sweep completed')));
    expect(completing).toHaveLength(1);
    expect(await stack.ledger.getSweepSummary(sweepId)).toMatchObject({
      shards: 3,
      shardsCompleted: 3,
      findings: 2,
      open: 2,
      actions: 2,
    });
    expect(
      (await stack.ledger.list()).map((e) => `${e.ruleId} ${e.resourceId.split('/').pop() ?? ''} ${e.status}`),
    ).toEqual(['vm-unprotected vm-app-03 open', 'vm-unprotected vm-app-04 open']);
  });

  it('processes an event delivered to several instances at once exactly once', async () => {
    const vmId = vmIdOf('RG-App', 'vm-app-03');
    const event = eventFor('66666666-aaaa-4bbb-8ccc-000000000001', vmId);
    // Two invocations on this instance (the host runs them concurrently) and two on other instances.
    const [a, b] = await Promise.all([functionServices(stack.env, FAST), functionServices(stack.env, FAST)]);
    const logs: string[] = [];
    await Promise.all([
      ...[1, 2].map(async () => {
        const { context, logs: l } = invocation('vmWritten');
        await vmWritten(structuredClone(event), context);
        logs.push(...l.map((x) => x.message));
      }),
      ...[a, b].map(async (s) => {
        const r = await onResourceWritten(s.events, structuredClone(event));
        logs.push(`event ${r.eventId}: ${r.outcome}: ${r.detail}`);
      }),
    ]);
    expect(logs.filter((l) => l.includes(': remediated: '))).toEqual([
      'event 66666666-aaaa-4bbb-8ccc-000000000001: remediated: enable-protection: succeeded',
    ]);
    expect(
      logs.filter((l) => l.includes(': duplicate: event 66666666-aaaa-4bbb-8ccc-000000000001 was already handled')),
    ).toHaveLength(3);
    expect(itemsOf(stack, vmId)).toBe(1);
  });

  it('lets several job workers drain the queue at once; the job the event path already did is a no-op', async () => {
    const jobs = new QueueHost(stack.azurite.connectionString, 'remediation-jobs', 'remediationJob', remediationJob);
    const delivered = await jobs.drain(20, 4);
    expect(delivered.map((d) => d.logs.map((l) => l.message.replace(/^sweep \S+: /, '')).join()).sort()).toEqual([
      'enable-protection skipped (already-protected) (dequeue 1)',
      'enable-protection succeeded (protected) (dequeue 1)',
    ]);
    expect(itemsOf(stack, vmIdOf('RG-App', 'vm-app-03'))).toBe(1);
    expect(itemsOf(stack, vmIdOf('RG-App', 'vm-app-04'))).toBe(1);
  });
});
