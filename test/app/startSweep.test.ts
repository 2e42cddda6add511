/** The timer's use case: how a scope becomes shards on `sweep-shards`, and the sweep's summary row. */
import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/storage/memoryLedger';
import type { ShardMessage } from '../../src/app/messages';
import { MAX_SUBSCRIPTIONS_PER_SHARD, shardScopes, startSweep, type StartSweepDeps } from '../../src/app/startSweep';
import { guid } from '../adapters/azure/estate';
import { ArrayQueue, FixedClock } from './fakes';

function setup(directory?: string[]) {
  const shardQueue = new ArrayQueue<ShardMessage>();
  const ledger = new MemoryLedger();
  const deps: StartSweepDeps = {
    shardQueue,
    ledger,
    clock: new FixedClock(),
    newId: () => 'sweep-7',
    ...(directory ? { directory: { listSubscriptions: async () => directory } } : {}),
  };
  return { deps, shardQueue, ledger };
}

describe('shardScopes', () => {
  it('batches subscriptions by at most 300, lower-cased, de-duplicated and sorted', () => {
    const subs = Array.from({ length: 650 }, (_, i) => guid(649 - i).toUpperCase());
    const shards = shardScopes({ subscriptions: [...subs, subs[0] as string], managementGroups: [] });
    expect(MAX_SUBSCRIPTIONS_PER_SHARD).toBe(300);
    expect(shards.map((s) => s.subscriptions.length)).toEqual([300, 300, 50]);
    expect(shards.flatMap((s) => s.subscriptions)).toEqual(Array.from({ length: 650 }, (_, i) => guid(i)));
    expect(shards.every((s) => s.managementGroups.length === 0)).toBe(true);
  });

  it('gives one shard per management group', () => {
    expect(shardScopes({ subscriptions: [], managementGroups: ['mg-prod', 'mg-dev', 'mg-prod'] })).toEqual([
      { subscriptions: [], managementGroups: ['mg-prod'] },
      { subscriptions: [], managementGroups: ['mg-dev'] },
    ]);
  });

  it('covers both when a scope names management groups and subscriptions (as a sweep over it does)', () => {
    expect(shardScopes({ subscriptions: [guid(2), guid(1)], managementGroups: ['mg-prod'] })).toEqual([
      { subscriptions: [], managementGroups: ['mg-prod'] },
      { subscriptions: [guid(1), guid(2)], managementGroups: [] },
    ]);
  });

  it('is empty for the tenant-wide scope', () => {
    expect(shardScopes({ subscriptions: [], managementGroups: [] })).toEqual([]);
  });
});

describe('startSweep', () => {
  it('enqueues one message per shard with the sweep id, index and count, and writes the summary row first', async () => {
    const { deps, shardQueue, ledger } = setup();
    const subs = Array.from({ length: 301 }, (_, i) => guid(i));
    const out = await startSweep(deps, { subscriptions: subs, managementGroups: [] }, 'timer');
    expect(out.sweepId).toBe('sweep-7');
    expect(
      shardQueue.sent.map((m) => [
        m.sweepId,
        m.trigger,
        m.shardIndex,
        m.shardCount,
        m.scope.subscriptions.length,
        m.startedAt,
      ]),
    ).toEqual([
      ['sweep-7', 'timer', 0, 2, 300, '2025-03-01T06:00:00.000Z'],
      ['sweep-7', 'timer', 1, 2, 1, '2025-03-01T06:00:00.000Z'],
    ]);
    expect(await ledger.getSweepSummary('sweep-7')).toEqual({
      sweepId: 'sweep-7',
      trigger: 'timer',
      startedAt: '2025-03-01T06:00:00.000Z',
      shards: 2,
      shardsCompleted: 0,
      resources: 0,
      findings: 0,
      open: 0,
      exempt: 0,
      actions: 0,
      resolved: 0,
      warnings: 0,
    });
  });

  it('shards a tenant-wide sweep by the subscriptions the directory lists', async () => {
    const { deps, shardQueue } = setup(Array.from({ length: 652 }, (_, i) => guid(i)));
    await startSweep(deps, { subscriptions: [], managementGroups: [] }, 'timer');
    expect(shardQueue.sent.map((m) => m.scope.subscriptions.length)).toEqual([300, 300, 52]);
  });

  it('sends one tenant-wide shard when the directory lists nothing (or there is none)', async () => {
    for (const { deps, shardQueue } of [setup([]), setup()]) {
      await startSweep(deps, { subscriptions: [], managementGroups: [] }, 'cli');
      expect(shardQueue.sent.map((m) => [m.shardCount, m.scope])).toEqual([
        [1, { subscriptions: [], managementGroups: [] }],
      ]);
    }
  });
});
