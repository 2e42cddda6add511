/**
 * One specification of the findings ledger, run over the MemoryLedger and over the TableLedger on Azurite
 * (one Azurite per file; a fresh table per test). "Two instances" are two TableLedgers on one table, as
 * two Function instances would be; for the MemoryLedger both are the same object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingKey, type EnableProtectionAction, type Finding } from '../../../src/core/model';
import type { ActionResult, Ledger, LedgerContext, SweepSummary } from '../../../src/ports';
import { SETTLE_MS } from '../../../src/adapters/storage/ledgerTransitions';
import { MemoryLedger } from '../../../src/adapters/storage/memoryLedger';
import { rowKeyOf, TableLedger } from '../../../src/adapters/storage/tableLedger';
import { ledgerFor, storageConnection } from '../../../src/composition';
import { loadConfig } from '../../../src/config';
import { startAzurite, type Azurite } from '../../support/azurite';

const SUB_A = '3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c';
const SUB_B = '9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a';

const vmId = (name: string, sub = SUB_A): string =>
  `/subscriptions/${sub}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/${name}`;
const vaultId = (name: string, sub = SUB_A): string =>
  `/subscriptions/${sub}/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/${name}`;
/** A protected item id as Resource Graph returns it: `;` in the container and item names, mixed case. */
const protectedItemId = (vm: string, sub = SUB_A): string =>
  `${vaultId('rsv-eastus', sub)}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;RG-App;${vm}/protectedItems/VM;iaasvmcontainerv2;RG-App;${vm}`;

const T0 = new Date('2025-03-01T02:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const ctx = (sweepId: string, now: Date): LedgerContext => ({ sweepId, trigger: 'timer', now });

function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'vm-unprotected',
    resourceId: vmId('vm-web-01'),
    severity: 'high',
    status: 'open',
    message: "VM 'vm-web-01' has no protected item in any vault",
    details: { location: 'eastus', subscriptionId: SUB_A },
    ...overrides,
  };
}

function enableProtection(resolves: string[], target = vmId('vm-web-01')): EnableProtectionAction {
  return {
    kind: 'enable-protection',
    target,
    params: { vaultId: vaultId('rsv-eastus'), policyId: `${vaultId('rsv-eastus')}/backupPolicies/DefaultPolicy` },
    resolves,
  };
}

const succeeded: ActionResult = { status: 'succeeded', detail: 'protected', durationMs: 4210 };
const failed: ActionResult = {
  status: 'failed',
  error: { code: 'UserErrorBCMPremiumStorageQuotaError', message: 'quota', statusCode: 400 },
  durationMs: 830,
};
const skipped = (detail: string): ActionResult => ({ status: 'skipped', detail, durationMs: 12 });

function aSummary(sweepId: string): SweepSummary {
  return {
    sweepId,
    trigger: 'timer',
    startedAt: T0.toISOString(),
    shards: 20,
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

interface LedgerPair {
  ledger: Ledger;
  /** A second instance on the same store. */
  peer: Ledger;
}

function ledgerSpec(name: string, create: () => LedgerPair): void {
  describe(name, () => {
    it('records new findings as open or exempt, first and last seen now', async () => {
      const { ledger } = create();
      const open = aFinding();
      const exempt = aFinding({
        resourceId: vmId('vm-db-01'),
        status: 'exempt',
        message: "VM 'vm-db-01' is exempt",
        details: { location: 'westeurope' },
      });
      const changes = await ledger.recordFindings([open, exempt], ctx('sweep-1', T0));

      expect(changes).toHaveLength(2);
      expect(changes.map((c) => [c.entry.resourceId, c.entry.status, c.previousStatus])).toEqual([
        [open.resourceId, 'open', undefined],
        [exempt.resourceId, 'exempt', undefined],
      ]);
      expect(await ledger.list()).toEqual([
        {
          ruleId: 'vm-unprotected',
          resourceId: vmId('vm-db-01'),
          severity: 'high',
          status: 'exempt',
          message: "VM 'vm-db-01' is exempt",
          subscriptionId: SUB_A,
          location: 'westeurope',
          firstSeen: T0.toISOString(),
          lastSeen: T0.toISOString(),
          lastSweepId: 'sweep-1',
          attempts: 0,
        },
        {
          ruleId: 'vm-unprotected',
          resourceId: vmId('vm-web-01'),
          severity: 'high',
          status: 'open',
          message: "VM 'vm-web-01' has no protected item in any vault",
          subscriptionId: SUB_A,
          location: 'eastus',
          firstSeen: T0.toISOString(),
          lastSeen: T0.toISOString(),
          lastSweepId: 'sweep-1',
          attempts: 0,
        },
      ]);
    });

    it('updates only lastSeen (and the sweep) when an open finding is seen again', async () => {
      const { ledger } = create();
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      const changes = await ledger.recordFindings([aFinding()], ctx('sweep-2', at(60)));

      expect(changes).toEqual([]);
      const [entry] = await ledger.list();
      expect(entry).toMatchObject({
        status: 'open',
        firstSeen: T0.toISOString(),
        lastSeen: at(60).toISOString(),
        lastSweepId: 'sweep-2',
        attempts: 0,
      });
    });

    it('moves an entry to exempt when the finding becomes exempt, and back to open when the exemption goes', async () => {
      const { ledger } = create();
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      const toExempt = await ledger.recordFindings([aFinding({ status: 'exempt' })], ctx('sweep-2', at(60)));
      expect(toExempt.map((c) => [c.entry.status, c.previousStatus])).toEqual([['exempt', 'open']]);

      const toOpen = await ledger.recordFindings([aFinding()], ctx('sweep-3', at(120)));
      expect(toOpen.map((c) => [c.entry.status, c.previousStatus])).toEqual([['open', 'exempt']]);
      expect((await ledger.list())[0]).toMatchObject({ firstSeen: T0.toISOString(), lastSeen: at(120).toISOString() });
    });

    it('records action results: remediated on success with the attempt and last action', async () => {
      const { ledger } = create();
      const key = findingKey('vm-unprotected', vmId('vm-web-01'));
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      const changes = await ledger.recordActionResult(enableProtection([key]), succeeded, ctx('sweep-1', at(2)));

      expect(changes).toHaveLength(1);
      expect(changes[0]?.previousStatus).toBe('open');
      expect(changes[0]?.entry).toMatchObject({
        status: 'remediated',
        attempts: 1,
        lastAction: { kind: 'enable-protection', status: 'succeeded', at: at(2).toISOString(), detail: 'protected' },
      });
      expect(changes[0]?.entry.lastAction?.errorCode).toBeUndefined();
    });

    it('records failed actions with their error code, and skips as remediating or failed by their detail', async () => {
      const { ledger } = create();
      const ids = ['vm-a', 'vm-b', 'vm-c', 'vm-d'].map((n) => vmId(n));
      await ledger.recordFindings(
        ids.map((id) => aFinding({ resourceId: id })),
        ctx('sweep-1', T0),
      );
      const key = (i: number): string => findingKey('vm-unprotected', ids[i] as string);

      const f = await ledger.recordActionResult(enableProtection([key(0)], ids[0]), failed, ctx('sweep-1', at(1)));
      const p = await ledger.recordActionResult(
        enableProtection([key(1)], ids[1]),
        skipped('in-progress'),
        ctx('sweep-1', at(1)),
      );
      const a = await ledger.recordActionResult(
        enableProtection([key(2)], ids[2]),
        skipped('already-protected'),
        ctx('sweep-1', at(1)),
      );
      const d = await ledger.recordActionResult(
        enableProtection([key(3)], ids[3]),
        skipped('dependency-failed'),
        ctx('sweep-1', at(1)),
      );

      expect(f[0]?.entry).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastAction: { kind: 'enable-protection', status: 'failed', errorCode: 'UserErrorBCMPremiumStorageQuotaError' },
      });
      expect(p[0]?.entry).toMatchObject({
        status: 'remediating',
        lastAction: { status: 'skipped', detail: 'in-progress' },
      });
      expect(a[0]?.entry).toMatchObject({
        status: 'remediating',
        lastAction: { status: 'skipped', detail: 'already-protected' },
      });
      expect(d[0]?.entry).toMatchObject({
        status: 'failed',
        lastAction: { status: 'skipped', detail: 'dependency-failed' },
      });

      // A second failure is no status change, but it is another attempt.
      expect(
        await ledger.recordActionResult(enableProtection([key(0)], ids[0]), failed, ctx('sweep-2', at(61))),
      ).toEqual([]);
      expect((await ledger.list({ status: 'failed' })).map((e) => [e.resourceId, e.attempts])).toEqual([
        [ids[0], 2],
        [ids[3], 1],
      ]);
    });

    it('ignores action results for keys it has no entry for, and keeps exempt entries exempt', async () => {
      const { ledger } = create();
      await ledger.recordFindings([aFinding({ status: 'exempt' })], ctx('sweep-1', T0));
      const unknown = findingKey('vm-unprotected', vmId('vm-never-seen'));
      const changes = await ledger.recordActionResult(
        enableProtection([unknown, findingKey('vm-unprotected', vmId('vm-web-01'))]),
        succeeded,
        ctx('sweep-1', at(1)),
      );

      expect(changes).toEqual([]);
      const entries = await ledger.list();
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ status: 'exempt', attempts: 1, lastAction: { status: 'succeeded' } });
    });

    it('keeps a remediated entry that is still seen within the settle time, and reopens it after', async () => {
      const { ledger } = create();
      const key = findingKey('vm-unprotected', vmId('vm-web-01'));
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      await ledger.recordActionResult(enableProtection([key]), succeeded, ctx('sweep-1', at(1)));

      expect(await ledger.recordFindings([aFinding()], ctx('event-1', at(5)))).toEqual([]);
      expect((await ledger.list())[0]?.status).toBe('remediated');

      const later = new Date(at(1).getTime() + SETTLE_MS + 1);
      const reopened = await ledger.recordFindings([aFinding()], ctx('sweep-2', later));
      expect(reopened.map((c) => [c.entry.status, c.previousStatus])).toEqual([['open', 'remediated']]);
      expect(reopened[0]?.entry).toMatchObject({ firstSeen: T0.toISOString(), attempts: 1 });
    });

    it('keeps a failed entry failed while the finding is still seen', async () => {
      const { ledger } = create();
      const key = findingKey('vm-unprotected', vmId('vm-web-01'));
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      await ledger.recordActionResult(enableProtection([key]), failed, ctx('sweep-1', at(1)));

      expect(await ledger.recordFindings([aFinding()], ctx('sweep-2', at(24 * 60)))).toEqual([]);
      expect((await ledger.list())[0]).toMatchObject({ status: 'failed', lastSeen: at(24 * 60).toISOString() });
    });

    it('resolves the unseen entries of the swept subscriptions, remediated ones included, and leaves other subscriptions alone', async () => {
      const { ledger } = create();
      const stillThere = aFinding({ resourceId: vmId('vm-a') });
      const fixed = aFinding({ resourceId: vmId('vm-b') });
      const exemptGone = aFinding({ resourceId: vmId('vm-c'), status: 'exempt' });
      const otherSub = aFinding({ resourceId: vmId('vm-z', SUB_B) });
      await ledger.recordFindings([stillThere, fixed, exemptGone, otherSub], ctx('sweep-1', T0));
      await ledger.recordActionResult(
        enableProtection([findingKey(fixed.ruleId, fixed.resourceId)], fixed.resourceId),
        succeeded,
        ctx('sweep-1', at(1)),
      );

      const seen = new Set([findingKey(stillThere.ruleId, stillThere.resourceId)]);
      const changes = await ledger.resolveMissing(seen, [SUB_A.toUpperCase()], ctx('sweep-2', at(60)));

      expect(changes.map((c) => [c.entry.resourceId, c.entry.status, c.previousStatus, c.entry.resolvedAt])).toEqual([
        [fixed.resourceId, 'resolved', 'remediated', at(60).toISOString()],
        [exemptGone.resourceId, 'resolved', 'exempt', at(60).toISOString()],
      ]);
      const byId = new Map((await ledger.list()).map((e) => [e.resourceId, e]));
      expect(byId.get(stillThere.resourceId)?.status).toBe('open');
      expect(byId.get(otherSub.resourceId)).toMatchObject({ status: 'open', subscriptionId: SUB_B });
      expect(byId.get(otherSub.resourceId)?.resolvedAt).toBeUndefined();
      // Time to remediate: resolvedAt - firstSeen.
      const f = byId.get(fixed.resourceId);
      expect(Date.parse(f?.resolvedAt ?? '') - Date.parse(f?.firstSeen ?? '')).toBe(60 * 60_000);

      // Resolved entries are not resolved again, and an empty subscription list resolves nothing.
      expect(await ledger.resolveMissing(new Set(), [SUB_A], ctx('sweep-3', at(120)))).toEqual([
        expect.objectContaining({
          previousStatus: 'open',
          entry: expect.objectContaining({ resourceId: stillThere.resourceId }),
        }),
      ]);
      expect(await ledger.resolveMissing(new Set(), [], ctx('sweep-3', at(120)))).toEqual([]);
      expect((await ledger.list({ status: 'open' })).map((e) => e.resourceId)).toEqual([otherSub.resourceId]);
    });

    it('reopens a resolved finding as a new occurrence', async () => {
      const { ledger } = create();
      const key = findingKey('vm-unprotected', vmId('vm-web-01'));
      await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
      await ledger.recordActionResult(enableProtection([key]), failed, ctx('sweep-1', at(1)));
      await ledger.resolveMissing(new Set(), [SUB_A], ctx('sweep-2', at(60)));

      const changes = await ledger.recordFindings([aFinding()], ctx('sweep-3', at(120)));
      expect(changes.map((c) => [c.entry.status, c.previousStatus])).toEqual([['open', 'resolved']]);
      const [entry] = await ledger.list();
      expect(entry).toMatchObject({
        status: 'open',
        firstSeen: at(120).toISOString(),
        lastSeen: at(120).toISOString(),
        attempts: 0,
        lastSweepId: 'sweep-3',
      });
      expect(entry?.resolvedAt).toBeUndefined();
      expect(entry?.lastAction).toBeUndefined();
    });

    it('round-trips resource ids with `;` and mixed case, matching keys case-insensitively', async () => {
      const { ledger } = create();
      const itemId = protectedItemId('VM-Web-01');
      const finding = aFinding({
        ruleId: 'orphaned-protected-item',
        resourceId: itemId,
        severity: 'low',
        message: 'orphaned',
        details: { resourceLocation: 'EastUS' },
      });
      await ledger.recordFindings([finding], ctx('sweep-1', T0));

      // The same item in another case is the same entry (no change), and keeps the latest spelling.
      const lower = { ...finding, resourceId: itemId.toLowerCase() };
      expect(await ledger.recordFindings([lower], ctx('sweep-2', at(60)))).toEqual([]);
      const changes = await ledger.recordActionResult(
        enableProtection([findingKey(finding.ruleId, itemId.toUpperCase())]),
        skipped('in-progress'),
        ctx('sweep-2', at(61)),
      );
      expect(changes.map((c) => c.entry.status)).toEqual(['remediating']);

      const [entry] = await ledger.list();
      expect(entry).toMatchObject({
        ruleId: 'orphaned-protected-item',
        resourceId: itemId.toLowerCase(),
        location: 'eastus',
        subscriptionId: SUB_A,
        status: 'remediating',
      });
      const resolved = await ledger.resolveMissing(
        new Set([findingKey(finding.ruleId, itemId)]),
        [SUB_A],
        ctx('sweep-3', at(120)),
      );
      expect(resolved).toEqual([]);
    });

    it('claims a key once until it expires, and again after a release', async () => {
      const { ledger } = create();
      const eventId = '8e2f6a4b-1c3d-4e5f-9a0b-c1d2e3f4a5b6';
      expect(await ledger.claim(eventId, 60_000, T0)).toBe(true);
      expect(await ledger.claim(eventId, 60_000, at(0.5))).toBe(false);
      expect(await ledger.claim(`debounce|${vmId('vm-web-01')}`, 60_000, at(0.5))).toBe(true);
      expect(await ledger.claim(eventId, 60_000, at(1))).toBe(true);
      expect(await ledger.claim(eventId, 60_000, at(1.5))).toBe(false);
      await ledger.release(eventId);
      expect(await ledger.claim(eventId, 60_000, at(1.5))).toBe(true);
      await ledger.release('never-claimed');
    });

    it('lets exactly one of two instances claim a key they race for', async () => {
      const { ledger, peer } = create();
      const keys = ['evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5'];
      const results = await Promise.all(
        keys.map((k) => Promise.all([ledger.claim(k, 60_000, T0), peer.claim(k, 60_000, T0)])),
      );
      for (const pair of results) expect(pair.filter(Boolean)).toHaveLength(1);

      // An expired claim raced for is also taken over by exactly one.
      const takeovers = await Promise.all(
        keys.map((k) => Promise.all([ledger.claim(k, 60_000, at(2)), peer.claim(k, 60_000, at(2))])),
      );
      for (const pair of takeovers) expect(pair.filter(Boolean)).toHaveLength(1);
    });

    it('reports a new finding once when two instances record it concurrently', async () => {
      const { ledger, peer } = create();
      const [a, b] = await Promise.all([
        ledger.recordFindings([aFinding()], ctx('sweep-1', T0)),
        peer.recordFindings([aFinding()], ctx('sweep-1', T0)),
      ]);
      expect(a.length + b.length).toBe(1);
      expect(await ledger.list()).toHaveLength(1);
    });

    it('adds up sweep summary updates from two instances', async () => {
      const { ledger, peer } = create();
      await ledger.updateSweepSummary('sweep-42', () => aSummary('sweep-42'));
      const bump = (l: Ledger, resources: number) =>
        l.updateSweepSummary('sweep-42', (current) => {
          const base = current ?? aSummary('sweep-42');
          return {
            ...base,
            shardsCompleted: base.shardsCompleted + 1,
            resources: base.resources + resources,
            findings: base.findings + 1,
          };
        });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => [bump(ledger, 100), bump(peer, 10 + i)]).flat(),
      );

      expect(Math.max(...results.map((r) => r.shardsCompleted))).toBe(20);
      expect(await peer.getSweepSummary('sweep-42')).toEqual({
        ...aSummary('sweep-42'),
        shardsCompleted: 20,
        findings: 20,
        resources: 10 * 100 + (10 * 10 + 45),
      });
      expect(await ledger.getSweepSummary('sweep-unknown')).toBeUndefined();
    });

    it('records poison messages and lists them oldest first', async () => {
      const { ledger } = create();
      const job = {
        sweepId: 'sweep-7',
        trigger: 'timer',
        actions: [enableProtection([findingKey('vm-unprotected', vmId('vm-web-01'))])],
        enqueuedAt: T0.toISOString(),
      };
      await ledger.recordPoisonMessage('remediation-jobs-poison', job, at(5));
      await ledger.recordPoisonMessage('sweep-shards-poison', 'not json {', at(6));

      expect(await ledger.listPoisonMessages()).toEqual([
        { queue: 'remediation-jobs-poison', message: job, at: at(5).toISOString() },
        { queue: 'sweep-shards-poison', message: 'not json {', at: at(6).toISOString() },
      ]);
    });

    it('lists by status, and only findings (not claims, sweeps or poison records)', async () => {
      const { ledger } = create();
      await ledger.recordFindings(
        [
          aFinding({ resourceId: vmId('vm-a') }),
          aFinding({ resourceId: vmId('vm-b'), status: 'exempt' }),
          aFinding({ ruleId: 'vm-agent-unhealthy', resourceId: vmId('vm-a'), severity: 'medium' }),
        ],
        ctx('sweep-1', T0),
      );
      await ledger.claim('evt-1', 60_000, T0);
      await ledger.updateSweepSummary('sweep-1', () => aSummary('sweep-1'));
      await ledger.recordPoisonMessage('remediation-jobs-poison', { x: 1 }, T0);

      expect((await ledger.list()).map((e) => `${e.ruleId} ${e.resourceId.split('/').pop()} ${e.status}`)).toEqual([
        'vm-agent-unhealthy vm-a open',
        'vm-unprotected vm-a open',
        'vm-unprotected vm-b exempt',
      ]);
      expect((await ledger.list({ status: 'exempt' })).map((e) => e.resourceId)).toEqual([vmId('vm-b')]);
      expect(await ledger.list({ status: 'remediating' })).toEqual([]);
    });
  });
}

let azurite: Azurite | undefined;
let tableSeq = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

ledgerSpec('MemoryLedger', () => {
  const ledger = new MemoryLedger();
  return { ledger, peer: ledger };
});

ledgerSpec('TableLedger on Azurite', () => {
  if (!azurite) throw new Error('Azurite is not running');
  const tableName = `findings${++tableSeq}x${process.pid}`;
  return {
    ledger: new TableLedger({ connectionString: azurite.connectionString, tableName }),
    peer: new TableLedger({ connectionString: azurite.connectionString, tableName }),
  };
});

describe('TableLedger layout', () => {
  it('keys rows by base64url of the lower-case id, which holds no character a RowKey may not', () => {
    const id = protectedItemId('VM-Web-01').toLowerCase();
    const key = rowKeyOf(id);
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(key, 'base64url').toString('utf8')).toBe(id);
    expect(rowKeyOf('x'.repeat(2000))).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it('creates the table on first use and stores one entity per finding under the rule partition', async () => {
    if (!azurite) throw new Error('Azurite is not running');
    const ledger = new TableLedger({ connectionString: azurite.connectionString, tableName: 'layoutcheck' });
    await ledger.recordFindings(
      [aFinding({ resourceId: protectedItemId('VM-Web-01'), ruleId: 'orphaned-protected-item' })],
      ctx('sweep-1', T0),
    );

    const { TableClient } = await import('@azure/data-tables');
    const client = TableClient.fromConnectionString(azurite.connectionString, 'layoutcheck', {
      allowInsecureConnection: true,
    });
    const entity = await client.getEntity<Record<string, unknown>>(
      'orphaned-protected-item',
      rowKeyOf(protectedItemId('VM-Web-01').toLowerCase()),
    );
    expect(entity).toMatchObject({
      kind: 'finding',
      status: 'open',
      resourceId: protectedItemId('VM-Web-01'),
      attempts: 0,
      firstSeen: T0.toISOString(),
    });
  });

  it('picks the ledger from settings: memory without storage, the table with a connection string', async () => {
    if (!azurite) throw new Error('Azurite is not running');
    const config = loadConfig({ env: {} });
    expect(ledgerFor(config, {})).toBeInstanceOf(MemoryLedger);
    expect(ledgerFor(config, { AzureWebJobsStorage: azurite.connectionString })).toBeInstanceOf(TableLedger);
    expect(storageConnection({ AzureWebJobsStorage__accountName: ' acct ' })).toMatchObject({ accountName: 'acct' });
    expect(storageConnection({ AzureWebJobsStorage: '  ' })).toBeUndefined();
    const connection = storageConnection({ AzureWebJobsStorage: azurite.connectionString });
    if (!connection) throw new Error('no connection');
    const ledger = new TableLedger({ ...connection, tableName: 'fromsettings' });
    await ledger.recordFindings([aFinding()], ctx('sweep-1', T0));
    expect((await ledger.list()).map((e) => e.status)).toEqual(['open']);
  });
});
