/**
 * The shard worker's use case under at-least-once delivery: a redelivered shard must not be counted twice in
 * its sweep's summary, and the sweep completes exactly once, after its last shard.
 */
import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/storage/memoryLedger';
import type { RemediationJobMessage, ShardMessage } from '../../src/app/messages';
import { runSweepShard, shardClaimKey, type SweepShardDeps } from '../../src/app/sweepShard';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { idKey } from '../../src/core/ids';
import type { Ledger } from '../../src/ports';
import { aNetwork, aProtectedItem, aVault, aVm, OTHER_SUB, SUB, vaultId, vmId } from '../fixtures/builders/rows';
import { ArrayQueue, FixedClock, RecordingTelemetry, ScopedInventory } from './fakes';

const VAULT = vaultId('rsv-backup-eastus');
const net = aNetwork({ name: 'app' });
const devNet = aNetwork({ name: 'dev', sub: OTHER_SUB });
const ROWS = [
  ...net.rows,
  ...devNet.rows,
  aVault('rsv-backup-eastus'),
  ...aVm({ name: 'vm-web-01', subnetId: net.subnetId }),
  ...aVm({ name: 'vm-web-02', subnetId: net.subnetId, ip: '10.0.1.5' }),
  aProtectedItem(VAULT, vmId('vm-web-02')),
  // A VM of the other subscription, protected by the vault of the first (azure-facts §2: match across subscriptions).
  ...aVm({ name: 'vm-dev-01', sub: OTHER_SUB, rg: 'rg-dev', subnetId: devNet.subnetId }),
  aProtectedItem(VAULT, vmId('vm-dev-01', 'rg-dev', OTHER_SUB)),
] as Record<string, unknown>[];

function setup(mode: 'report' | 'remediate' = 'remediate', ledger: Ledger = new MemoryLedger()) {
  const telemetry = new RecordingTelemetry();
  const jobQueue = new ArrayQueue<RemediationJobMessage>();
  const deps: SweepShardDeps = {
    inventory: new ScopedInventory(ROWS),
    ledger,
    telemetry,
    jobQueue,
    clock: new FixedClock(),
    config: DEFAULT_ENGINE_CONFIG,
    mode,
  };
  return { deps, telemetry, jobQueue, ledger };
}

const shard = (shardIndex: number, shardCount: number, subscriptions: string[]): ShardMessage => ({
  sweepId: 'sweep-1',
  trigger: 'timer',
  shardIndex,
  shardCount,
  scope: { subscriptions, managementGroups: [] },
  startedAt: '2025-03-01T06:00:00.000Z',
});

describe('runSweepShard', () => {
  it('records findings, enqueues one job per action group and completes a one-shard sweep', async () => {
    const { deps, telemetry, jobQueue, ledger } = setup();
    const out = await runSweepShard(deps, shard(0, 1, [SUB, OTHER_SUB]));
    expect(out).toMatchObject({ jobsEnqueued: 1, resolved: 0, sweepCompleted: true, redelivered: false });
    expect(out.report.findings.map((f) => `${f.ruleId} ${f.resourceId.split('/').pop() ?? ''}`)).toEqual([
      'vm-unprotected vm-web-01',
    ]);
    expect(jobQueue.sent.map((j) => j.actions.map((a) => `${a.kind} ${a.target.split('/').pop() ?? ''}`))).toEqual([
      ['enable-protection vm-web-01'],
    ]);
    expect((await ledger.list()).map((e) => [e.ruleId, e.status, e.lastSweepId])).toEqual([
      ['vm-unprotected', 'open', 'sweep-1'],
    ]);
    expect(
      telemetry.completed.map((c) => [c.summary.shards, c.summary.shardsCompleted, c.summary.findings, c.openByRule]),
    ).toEqual([[1, 1, 1, { 'vm-unprotected': 1 }]]);
  });

  it('enqueues nothing in report mode', async () => {
    const { deps, jobQueue } = setup('report');
    const out = await runSweepShard(deps, shard(0, 1, [SUB, OTHER_SUB]));
    expect(out.jobsEnqueued).toBe(0);
    expect(out.report.actions).toHaveLength(1);
    expect(jobQueue.sent).toEqual([]);
  });

  it('completes the sweep after its last shard only', async () => {
    const { deps, telemetry, ledger } = setup();
    const first = await runSweepShard(deps, shard(0, 2, [SUB, OTHER_SUB]));
    expect(first.sweepCompleted).toBe(false);
    expect(await ledger.getSweepSummary('sweep-1')).toMatchObject({ shards: 2, shardsCompleted: 1, findings: 1 });
    const second = await runSweepShard(deps, shard(1, 2, ['00000000-0000-4000-8000-00000000e0f0']));
    expect(second.sweepCompleted).toBe(true);
    expect(telemetry.completed).toHaveLength(1);
  });

  it('counts a redelivered shard once: the summary is not added to again and the sweep does not complete early', async () => {
    const { deps, telemetry, ledger } = setup();
    await runSweepShard(deps, shard(0, 2, [SUB, OTHER_SUB]));
    const again = await runSweepShard(deps, shard(0, 2, [SUB, OTHER_SUB]));
    expect(again).toMatchObject({ redelivered: true, sweepCompleted: false });
    expect(await ledger.getSweepSummary('sweep-1')).toMatchObject({ shards: 2, shardsCompleted: 1, findings: 1 });
    expect(telemetry.completed).toEqual([]);
    // The other shard then completes it, once.
    expect((await runSweepShard(deps, shard(1, 2, ['00000000-0000-4000-8000-00000000e0f0']))).sweepCompleted).toBe(
      true,
    );
    expect(await runSweepShard(deps, shard(1, 2, ['00000000-0000-4000-8000-00000000e0f0']))).toMatchObject({
      redelivered: true,
      sweepCompleted: false,
    });
    expect(telemetry.completed.map((c) => c.summary.shardsCompleted)).toEqual([2]);
  });

  it('lets the retry count a shard whose summary could not be written', async () => {
    const ledger = new MemoryLedger();
    let failures = 1;
    const flaky: Ledger = Object.assign(Object.create(ledger) as Ledger, {
      updateSweepSummary: async (...args: Parameters<Ledger['updateSweepSummary']>) => {
        if (failures-- > 0)
          throw Object.assign(new Error('Operation could not be completed within the specified time.'), {
            statusCode: 500,
          });
        return ledger.updateSweepSummary(...args);
      },
    });
    const { deps } = setup('remediate', flaky);
    await expect(runSweepShard(deps, shard(0, 1, [SUB]))).rejects.toThrow(/specified time/);
    // The claim was released: the shard is not taken for a redelivery of a counted one.
    expect(
      await ledger.claim(
        shardClaimKey({ sweepId: 'sweep-1', shardIndex: 0 }),
        1000,
        new Date('2025-03-01T06:00:00.000Z'),
      ),
    ).toBe(true);
    await ledger.release(shardClaimKey({ sweepId: 'sweep-1', shardIndex: 0 }));
    const retried = await runSweepShard(deps, shard(0, 1, [SUB]));
    expect(retried).toMatchObject({ redelivered: false, sweepCompleted: true });
    expect(await ledger.getSweepSummary('sweep-1')).toMatchObject({ shardsCompleted: 1 });
  });

  it('resolves what a later sweep of the same subscriptions no longer sees', async () => {
    const { deps, ledger } = setup();
    await runSweepShard(deps, shard(0, 1, [SUB, OTHER_SUB]));
    const fixed = new ScopedInventory([...ROWS, aProtectedItem(VAULT, vmId('vm-web-01'))] as Record<string, unknown>[]);
    const later = await runSweepShard(
      { ...deps, inventory: fixed },
      { ...shard(0, 1, [SUB, OTHER_SUB]), sweepId: 'sweep-2' },
    );
    expect(later.resolved).toBe(1);
    const [entry] = await ledger.list();
    expect(entry).toMatchObject({ status: 'resolved', resolvedAt: '2025-03-01T06:00:00.000Z', lastSweepId: 'sweep-2' });
  });

  // Shards are batches of subscriptions; the inventory brings the protected items of a shard's VMs from
  // every subscription (ResourceGraphInventory looks them up tenant-wide), so protection across shards counts.
  it('sees a VM protected by a vault of a subscription in another shard as protected', async () => {
    const { deps } = setup();
    const a = await runSweepShard(deps, shard(0, 2, [SUB]));
    const b = await runSweepShard(deps, shard(1, 2, [OTHER_SUB]));
    const findings = [...a.report.findings, ...b.report.findings].map(
      (f) => `${f.ruleId} ${idKey(f.resourceId).split('/').pop() ?? ''}`,
    );
    expect(findings).toEqual(['vm-unprotected vm-web-01']);
  });
});
