import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessageText, encodeMessage, StorageQueue } from '../../../src/adapters/storage/queue';
import { QUEUES as queueNames } from '../../../src/app/queues';
import { startAzurite, type Azurite } from '../../support/azurite';

let azurite: Azurite | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

function connectionString(): string {
  if (!azurite) throw new Error('Azurite is not running');
  return azurite.connectionString;
}

const job = {
  sweepId: 'sweep-2025-03-01T02:00:00Z',
  trigger: 'timer',
  actions: [
    {
      kind: 'enable-protection',
      target:
        '/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm-web-01',
      params: {
        vaultId:
          '/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/rsv-eastus',
        policyId: 'DefaultPolicy',
      },
      resolves: [
        'vm-unprotected|/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm-web-01',
      ],
    },
  ],
  enqueuedAt: '2025-03-01T02:00:05.000Z',
  note: 'ünïcödé ✓',
};

describe('StorageQueue', () => {
  it('names the queues the Function App binds to', () => {
    expect(queueNames).toEqual({
      sweepShards: 'sweep-shards',
      sweepShardsPoison: 'sweep-shards-poison',
      remediationJobs: 'remediation-jobs',
      remediationJobsPoison: 'remediation-jobs-poison',
    });
  });

  it('creates the queue and sends JSON as base64, which receive decodes', async () => {
    const queue = new StorageQueue<typeof job>({
      connectionString: connectionString(),
      queueName: queueNames.remediationJobs,
    });
    await queue.send(job);

    // On the wire: base64 of the UTF-8 JSON, as the Functions host's default messageEncoding expects.
    const raw = new QueueClient(connectionString(), queueNames.remediationJobs);
    const peeked = await raw.peekMessages({ numberOfMessages: 1 });
    const text = peeked.peekedMessageItems[0]?.messageText ?? '';
    expect(text).toBe(Buffer.from(JSON.stringify(job), 'utf8').toString('base64'));
    expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual(job);

    expect((await queue.peekAll()).map((m) => [m.body, m.dequeueCount])).toEqual([[job, 0]]);
    const [received] = await queue.receive({ visibilityTimeoutSeconds: 30 });
    expect(received?.body).toEqual(job);
    expect(received?.dequeueCount).toBe(1);
    expect(received?.messageId).toMatch(/\S/);
    await queue.deleteMessage(received?.messageId ?? '', received?.popReceipt ?? '');
    expect(await queue.peekAll()).toEqual([]);
    expect(await queue.receive()).toEqual([]);
  });

  it('redelivers a message that was not deleted, with dequeueCount incremented', async () => {
    const queue = new StorageQueue<{ shard: number }>({
      connectionString: connectionString(),
      queueName: queueNames.sweepShards,
    });
    await queue.send({ shard: 3 });

    const [first] = await queue.receive({ visibilityTimeoutSeconds: 1 });
    expect(first).toMatchObject({ body: { shard: 3 }, dequeueCount: 1 });
    // Invisible until the visibility timeout ends.
    expect(await queue.receive({ visibilityTimeoutSeconds: 1 })).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const [second] = await queue.receive({ visibilityTimeoutSeconds: 30 });
    expect(second).toMatchObject({ messageId: first?.messageId, body: { shard: 3 }, dequeueCount: 2 });
    await queue.deleteMessage(second?.messageId ?? '', second?.popReceipt ?? '');
  });

  it('delays a message by its visibility delay', async () => {
    const queue = new StorageQueue<{ vm: string }>({ connectionString: connectionString(), queueName: 'debounced' });
    await queue.send({ vm: 'vm-web-01' }, { visibilityDelaySeconds: 1 });
    expect(await queue.receive()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await queue.receive()).map((m) => m.body)).toEqual([{ vm: 'vm-web-01' }]);
  });
});

describe('message encoding', () => {
  it('decodes base64 JSON, plain JSON and plain text', () => {
    expect(decodeMessageText(encodeMessage({ a: [1, 'two'] }))).toEqual({ a: [1, 'two'] });
    expect(decodeMessageText('{"a":1}')).toEqual({ a: 1 });
    expect(decodeMessageText('1234')).toBe(1234);
    expect(decodeMessageText('hello world')).toBe('hello world');
  });
});
