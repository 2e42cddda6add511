/**
 * Each exported handler, called as the Functions host calls it (a real InvocationContext with the
 * trigger's metadata), on the real composition over Azurite and the local HTTPS emulator: what it logs,
 * what it acknowledges, and what it throws so that the host (or Event Grid) retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RemediationJobMessage, ShardMessage } from '../../src/app/messages';
import { idKey } from '../../src/core/ids';
import { functionServices, useFunctionServices } from '../../src/composition';
import { remediationJob, remediationPoison } from '../../src/functions/remediationJob';
import { sweepShard, sweepShardPoison } from '../../src/functions/sweepShard';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { vmWritten } from '../../src/functions/vmWritten';
import { decodeMessageText } from '../../src/adapters/storage/queue';
import { eventEstate, SUB, VAULT_EUS, vmIdOf } from '../e2e/eventEstate';
import { invocation, QueueHost, startStack, timerInfo, type Stack } from '../e2e/harness';

let stack: Stack;

const shard = (over: Partial<ShardMessage> = {}): ShardMessage => ({
  sweepId: 'sweep-handlers-1',
  trigger: 'timer',
  shardIndex: 0,
  shardCount: 1,
  scope: { subscriptions: [SUB], managementGroups: [] },
  startedAt: '2025-03-01T06:00:00.000Z',
  ...over,
});
const protect = (vm: string): RemediationJobMessage => ({
  sweepId: 'sweep-handlers-2',
  trigger: 'timer',
  enqueuedAt: '2025-03-01T06:00:05.000Z',
  actions: [
    {
      kind: 'enable-protection',
      target: vm,
      params: { vaultId: VAULT_EUS, policyId: `${VAULT_EUS}/backupPolicies/DefaultPolicy` },
      resolves: [`vm-unprotected|${vm.toLowerCase()}`],
    },
  ],
});
const queueMetadata = (dequeueCount = 1) => ({
  dequeueCount,
  id: '6f1c2b3a-0000-4000-8000-000000000001',
  popReceipt: 'AgAAAAMAAAAAAAAA',
  insertionTime: '2025-03-01T06:00:05Z',
  expirationTime: '2025-03-08T06:00:05Z',
  nextVisibleTime: '2025-03-01T06:00:35Z',
});

async function peekQueue(name: string): Promise<unknown[]> {
  const q = new QueueClient(stack.azurite.connectionString, name);
  await q.createIfNotExists();
  return (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) =>
    decodeMessageText(m.messageText),
  );
}

beforeAll(async () => {
  stack = await startStack({ estate: eventEstate(), emulator: { managementGroups: { 'mg-platform': [SUB] } } });
  await stack.use({ WARDEN_SUBSCRIPTIONS: SUB });
});

afterAll(async () => {
  await stack?.stop();
});

describe('composition', () => {
  it("builds the handlers' services once from the app settings, and the test seam replaces and forgets them", async () => {
    const mine = functionServices({ ...stack.env, WARDEN_MODE: 'report' });
    useFunctionServices(mine);
    expect(await functionServices()).toBe(await mine);
    expect((await functionServices()).config.mode).toBe('report');
    await stack.use({ WARDEN_SUBSCRIPTIONS: SUB });
    expect((await functionServices()).config.mode).toBe('remediate');
  });

  it('refuses to build without AzureWebJobsStorage, naming it', async () => {
    await expect(functionServices({ WARDEN_MODE: 'remediate' })).rejects.toThrow(
      /AzureWebJobsStorage \(or AzureWebJobsStorage__accountName\) is required/,
    );
  });
});

describe('sweepTimer', () => {
  it('enqueues one shard per management group', async () => {
    await stack.use({ WARDEN_MANAGEMENT_GROUPS: 'mg-platform' });
    try {
      const { context, logs } = invocation('sweepTimer');
      await sweepTimer(timerInfo(), context);
      const [m, more] = (await peekQueue('sweep-shards')) as ShardMessage[];
      expect(more).toBeUndefined();
      expect(m).toMatchObject({
        trigger: 'timer',
        shardIndex: 0,
        shardCount: 1,
        scope: { subscriptions: [], managementGroups: ['mg-platform'] },
      });
      expect(logs).toEqual([
        { level: 'information', message: `sweep ${m?.sweepId ?? ''}: 1 shard(s) enqueued on sweep-shards` },
      ]);

      // The shard queries Resource Graph over the management group.
      const host = new QueueHost(stack.azurite.connectionString, 'sweep-shards', 'sweepShard', sweepShard);
      const [d] = await host.drain();
      expect(d?.logs.map((l) => l.message)).toEqual([
        `sweep ${m?.sweepId ?? ''} shard 1/1: 2 findings (2 open), 2 job(s) enqueued, 0 resolved; sweep completed (dequeue 1)`,
      ]);
      const graph = stack.emu
        .state()
        .operations.filter((o) => o.path.startsWith('/providers/Microsoft.ResourceGraph/resources'));
      expect(graph.length).toBeGreaterThanOrEqual(6);
    } finally {
      await new QueueClient(stack.azurite.connectionString, 'remediation-jobs').clearMessages();
      await stack.use({ WARDEN_SUBSCRIPTIONS: SUB });
    }
  });
});

describe('sweepTimer failures', () => {
  it('reports a sweep it could not start and rethrows (the next occurrence starts a new one)', async () => {
    await stack.use({}); // tenant-wide: the subscriptions come from Resource Graph
    const { context, logs } = invocation('sweepTimer');
    stack.emu.setFaults('503=1');
    try {
      await expect(sweepTimer(timerInfo(), context)).rejects.toThrow(/ServiceUnavailable/);
    } finally {
      stack.emu.setFaults(undefined);
      await stack.use({ WARDEN_SUBSCRIPTIONS: SUB });
    }
    expect(logs.map((l) => `${l.level}: ${l.message}`)).toEqual([
      expect.stringMatching(/^error: sweepTimer: the sweep was not started: ServiceUnavailable: /),
    ]);
    expect(await peekQueue('sweep-shards')).toEqual([]);
  });
});

describe('sweepShard', () => {
  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"sweepId": ', /^dropped: sweep-shards message: not JSON$/],
    ['a bad shard index', { ...shard(), shardIndex: -1 }, /^dropped: sweep-shards message: shardIndex: /],
    ['no scope', { ...shard(), scope: undefined }, /^dropped: sweep-shards message: scope: /],
  ])('logs and acknowledges a malformed message (%s): it would never succeed', async (_what, message, line) => {
    const { context, logs } = invocation('sweepShard', queueMetadata());
    await expect(sweepShard(message, context)).resolves.toBeUndefined();
    expect(logs.map((l) => l.level)).toEqual(['error']);
    expect(logs[0]?.message).toMatch(line);
  });

  it('takes the message as JSON text too (a sender with messageEncoding none)', async () => {
    const { context, logs } = invocation('sweepShard', queueMetadata(2));
    await sweepShard(JSON.stringify(shard({ sweepId: 'sweep-as-text' })), context);
    expect(logs.map((l) => l.message)).toEqual([
      'sweep sweep-as-text shard 1/1: 2 findings (2 open), 2 job(s) enqueued, 0 resolved; sweep completed (dequeue 2)',
    ]);
    await new QueueClient(stack.azurite.connectionString, 'remediation-jobs').clearMessages();
  });

  it('throws when Resource Graph keeps failing, so the host redelivers the shard', async () => {
    const { context, logs } = invocation('sweepShard', queueMetadata());
    stack.emu.setFaults('503=1');
    try {
      await expect(sweepShard(shard({ sweepId: 'sweep-graph-down' }), context)).rejects.toThrow(
        /Resource Graph query '\S+' failed: ServiceUnavailable/,
      );
    } finally {
      stack.emu.setFaults(undefined);
    }
    expect(logs.map((l) => `${l.level}: ${l.message}`)).toEqual([
      expect.stringMatching(/^warning: sweepShard: transient failure, retrying: ServiceUnavailable: /),
    ]);
    expect(await stack.ledger.getSweepSummary('sweep-graph-down')).toBeUndefined();
  });

  it('acknowledges a query Resource Graph rejects (an unknown management group): a retry cannot fix it', async () => {
    const { context, logs } = invocation('sweepShard', queueMetadata());
    await expect(
      sweepShard(
        shard({ sweepId: 'sweep-bad-mg', scope: { subscriptions: [], managementGroups: ['mg-gone'] } }),
        context,
      ),
    ).resolves.toBeUndefined();
    expect(logs.map((l) => `${l.level}: ${l.message}`)).toEqual([
      expect.stringMatching(
        /^error: sweepShard: permanent failure, acknowledged: BadRequest \(ManagementGroupNotFound: Management group 'mg-gone' was not found or the caller has no access to it\.\)$/,
      ),
    ]);
  });
});

describe('sweepShardPoison', () => {
  it('records a shard that exhausted its retries in the ledger, so the sweep that never completes is visible', async () => {
    const { context, logs } = invocation('sweepShardPoison', queueMetadata());
    await sweepShardPoison(shard({ sweepId: 'sweep-poisoned' }), context);
    expect(logs).toEqual([
      {
        level: 'warning',
        message:
          'a sweep shard exhausted its retries and was recorded in the ledger: sweep sweep-poisoned shard 1/1 did not complete',
      },
    ]);
    const recorded = (await stack.ledger.listPoisonMessages()).filter((p) => p.queue === 'sweep-shards-poison');
    expect(recorded.map((p) => (p.message as ShardMessage).sweepId)).toEqual(['sweep-poisoned']);
  });
});

describe('remediationJob', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'no actions',
      { ...protect(vmIdOf('RG-App', 'vm-app-03')), actions: [] },
      /^dropped: remediation-jobs message: actions: /,
    ],
    [
      'an unknown action kind',
      {
        ...protect(vmIdOf('RG-App', 'vm-app-03')),
        actions: [{ kind: 'delete-vm', target: 'x', resolves: [], params: {} }],
      },
      /^dropped: remediation-jobs message: actions\.0\.kind: /,
    ],
    [
      'a priority out of range',
      {
        ...protect('x'),
        actions: [
          {
            kind: 'add-nsg-rule',
            target: 'x',
            resolves: [],
            params: {
              name: 'r',
              direction: 'Outbound',
              access: 'Allow',
              protocol: 'Tcp',
              sourceAddressPrefix: 'VirtualNetwork',
              sourcePortRange: '*',
              destinationAddressPrefix: 'Storage.EastUS',
              destinationPortRanges: ['443'],
              priority: 99,
              description: '',
            },
          },
        ],
      },
      /^dropped: remediation-jobs message: actions\.0\.params\.priority: /,
    ],
  ])('logs and acknowledges a malformed job (%s)', async (_what, message, line) => {
    const { context, logs } = invocation('remediationJob', queueMetadata());
    await expect(remediationJob(message, context)).resolves.toBeUndefined();
    expect(logs.map((l) => l.level)).toEqual(['error']);
    expect(logs[0]?.message).toMatch(line);
  });

  it("runs a job and logs each result with the delivery's dequeue count", async () => {
    const vm = vmIdOf('RG-App', 'vm-app-03');
    const { context, logs } = invocation('remediationJob', queueMetadata(3));
    await remediationJob(protect(vm), context);
    expect(logs).toEqual([
      { level: 'information', message: 'sweep sweep-handlers-2: enable-protection succeeded (protected) (dequeue 3)' },
    ]);
    const items = stack.emu
      .state()
      .recoveryServicesResources.filter(
        (r) => idKey(String((r['properties'] as Record<string, unknown>)['sourceResourceId'])) === idKey(vm),
      );
    expect(items).toHaveLength(1);
  });

  it("acknowledges a permanent failure (403 outside the identity's scope) with a warning: the host must not retry it", async () => {
    await stack.use({
      WARDEN_SUBSCRIPTIONS: SUB,
      WARDEN_ARM_TOKEN: stack.emu.issueToken(['/subscriptions/00000000-0000-0000-0000-0000000000aa']),
    });
    try {
      const vm = vmIdOf('RG-App', 'vm-app-04');
      const { context, logs } = invocation('remediationJob', queueMetadata());
      await expect(remediationJob(protect(vm), context)).resolves.toBeUndefined();
      expect(logs).toEqual([
        {
          level: 'warning',
          message: 'sweep sweep-handlers-2: enable-protection failed (AuthorizationFailed) (dequeue 1)',
        },
      ]);
    } finally {
      await stack.use({ WARDEN_SUBSCRIPTIONS: SUB });
    }
  });

  it('throws on a transient failure so that the host retries the message', async () => {
    const { context, logs } = invocation('remediationJob', queueMetadata());
    stack.emu.setFaults('429=1');
    try {
      await expect(remediationJob(protect(vmIdOf('RG-App', 'vm-app-04')), context)).rejects.toThrow(
        /1 action\(s\) failed transiently: /,
      );
    } finally {
      stack.emu.setFaults(undefined);
    }
    expect(logs.map((l) => l.level)).toEqual(['warning']);
    expect(logs[0]?.message).toMatch(/^remediationJob: transient failure, retrying: TransientFailureError: /);
  });
});

describe('remediationPoison', () => {
  it('records whatever reached the poison queue, even text that is not a job', async () => {
    const { context, logs } = invocation('remediationPoison', queueMetadata());
    await remediationPoison('a message someone put there by hand', context);
    expect(logs).toEqual([
      { level: 'warning', message: 'a remediation job exhausted its retries and was recorded in the ledger' },
    ]);
    const recorded = (await stack.ledger.listPoisonMessages()).filter((p) => p.queue === 'remediation-jobs-poison');
    expect(recorded.map((p) => p.message)).toContain('a message someone put there by hand');
  });
});

describe('vmWritten', () => {
  it('handles the CloudEvents schema of a VM write', async () => {
    const event = JSON.parse(
      readFileSync(resolve(__dirname, '../fixtures/events/vm-write.cloudevents.json'), 'utf8'),
    ) as unknown;
    const { context, logs } = invocation('vmWritten');
    await vmWritten(event, context);
    expect(logs).toEqual([
      { level: 'information', message: 'event 5a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d: compliant: no finding' },
    ]);
  });
});
