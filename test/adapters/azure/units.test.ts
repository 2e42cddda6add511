import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createAzureClients, tlsSettingsFor } from '../../../src/adapters/azure/clients';
import { KeyedMutex, KeyedSemaphore, Semaphore } from '../../../src/adapters/azure/concurrency';
import { createCredential, StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { REMEDIATOR_OPERATIONS, REQUIRED_OPERATIONS } from '../../../src/adapters/azure/permissions';
import { sameRuleContent } from '../../../src/adapters/azure/executors/addNsgRule';
import { protectedItemNamesFor } from '../../../src/adapters/azure/executors/enableProtection';
import { operationIdFrom } from '../../../src/adapters/azure/executors/poller';
import { dependenciesOf } from '../../../src/core/actions';
import { sameLocation } from '../../../src/core/regions';
import { chunk, defaultQueriesDir, loadQueries } from '../../../src/adapters/azure/resourceGraph';
import type { Action, SecurityRuleParams } from '../../../src/core/model';

const SUB = '11111111-1111-1111-1111-111111111111';
const vaultId = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;
const vmId = (n: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${n}`;

const ruleParams: SecurityRuleParams = {
  name: 'AllowAzureBackupStorageOutbound',
  direction: 'Outbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: 'VirtualNetwork',
  sourcePortRange: '*',
  destinationAddressPrefix: 'Storage.EastUS',
  destinationPortRanges: ['443', '8443'],
  priority: 900,
  description: 'backup-warden: Azure Backup egress',
};

describe('dependenciesOf', () => {
  const actions: Action[] = [
    {
      kind: 'create-vault',
      target: vaultId,
      params: { location: 'eastus', storageRedundancy: 'GeoRedundant', resourceGroup: 'rg-backup', name: 'rsv-eastus' },
      resolves: [],
    },
    {
      kind: 'enable-protection',
      target: vmId('vm1'),
      params: { vaultId: vaultId.toUpperCase(), policyId: `${vaultId}/backupPolicies/DefaultPolicy` },
      resolves: [],
    },
    {
      kind: 'trigger-backup',
      target: vmId('VM1'),
      params: { vaultId, recoveryPointExpiryTimeInUTC: '2030-01-01T00:00:00Z' },
      resolves: [],
    },
    {
      kind: 'enable-protection',
      target: vmId('vm2'),
      params: { vaultId: `${vaultId}-other`, policyId: 'p' },
      resolves: [],
    },
    {
      kind: 'trigger-backup',
      target: vmId('vm3'),
      params: { vaultId, recoveryPointExpiryTimeInUTC: '2030-01-01T00:00:00Z' },
      resolves: [],
    },
  ];

  it('makes enable-protection wait for the create-vault of its vault (ids compared case-insensitively)', () => {
    expect(dependenciesOf(actions, 1)).toEqual([0]);
    expect(dependenciesOf(actions, 3)).toEqual([]);
  });

  it('makes trigger-backup wait for the enable-protection of the same VM', () => {
    expect(dependenciesOf(actions, 2)).toEqual([1]);
    expect(dependenciesOf(actions, 4)).toEqual([]);
  });

  it('gives independent actions no dependencies', () => {
    expect(dependenciesOf(actions, 0)).toEqual([]);
    expect(dependenciesOf(actions, 99)).toEqual([]);
  });
});

describe('sameRuleContent', () => {
  const existing = {
    name: 'AllowAzureBackupStorageOutbound',
    protocol: 'TCP',
    sourcePortRange: '*',
    sourcePortRanges: [],
    destinationPortRanges: ['8443', '443'],
    sourceAddressPrefix: 'virtualnetwork',
    sourceAddressPrefixes: [],
    destinationAddressPrefix: 'Storage.EastUS',
    destinationAddressPrefixes: [],
    access: 'Allow',
    priority: 900,
    direction: 'Outbound',
  };

  it('treats case, order and singular/plural forms as equal', () => {
    expect(sameRuleContent(existing, ruleParams)).toBe(true);
    expect(
      sameRuleContent(
        { ...existing, destinationPortRanges: [], destinationPortRange: '443' },
        { ...ruleParams, destinationPortRanges: ['443'] },
      ),
    ).toBe(true);
  });

  it('sees a different priority, port, prefix, access or direction', () => {
    expect(sameRuleContent({ ...existing, priority: 901 }, ruleParams)).toBe(false);
    expect(sameRuleContent({ ...existing, destinationPortRanges: ['443'] }, ruleParams)).toBe(false);
    expect(sameRuleContent({ ...existing, destinationAddressPrefix: 'Storage' }, ruleParams)).toBe(false);
    expect(sameRuleContent({ ...existing, access: 'Deny' }, ruleParams)).toBe(false);
    expect(sameRuleContent({ ...existing, direction: 'Inbound' }, ruleParams)).toBe(false);
    expect(
      sameRuleContent(
        { ...existing, destinationApplicationSecurityGroups: [{ id: '/subscriptions/x/asg' }] },
        ruleParams,
      ),
    ).toBe(false);
  });
});

describe('backup names', () => {
  it('builds container and item names from the protectable item name', () => {
    expect(protectedItemNamesFor('iaasvmcontainerv2;rg-app;vm1')).toEqual({
      containerName: 'IaasVMContainer;iaasvmcontainerv2;rg-app;vm1',
      protectedItemName: 'VM;iaasvmcontainerv2;rg-app;vm1',
    });
    expect(protectedItemNamesFor('VM;iaasvmcontainer;iaasvm-rg;iaasvm-1').protectedItemName).toBe(
      'VM;iaasvmcontainer;iaasvm-rg;iaasvm-1',
    );
  });

  it('reads the operation id of an Azure-AsyncOperation or Location URL', () => {
    const base =
      'https://management.azure.com/Subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure';
    expect(operationIdFrom(`${base}/operationResults/abc-1?api-version=2016-12-01`, 'operationResults')).toBe('abc-1');
    expect(
      operationIdFrom(
        `${base}/protectionContainers/IaasVMContainer;x/protectedItems/VM;x/operationsStatus/op-2?api-version=1`,
        'operationsStatus',
      ),
    ).toBe('op-2');
    expect(operationIdFrom(undefined, 'operationResults')).toBeUndefined();
  });

  it('compares locations as ARM spells them', () => {
    expect(sameLocation('West US', 'westus')).toBe(true);
    expect(sameLocation('eastus', 'eastus2')).toBe(false);
    expect(sameLocation(undefined, 'eastus')).toBe(false);
  });
});

describe('concurrency', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('a semaphore never lets more than its limit run', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        s.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick();
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('a keyed semaphore limits each key separately', async () => {
    const s = new KeyedSemaphore(1);
    const active = new Map<string, number>();
    let bothAtOnce = false;
    await Promise.all(
      ['a', 'b', 'a', 'b'].map((k) =>
        s.run(k, async () => {
          active.set(k, (active.get(k) ?? 0) + 1);
          if ((active.get('a') ?? 0) > 0 && (active.get('b') ?? 0) > 0) bothAtOnce = true;
          expect(active.get(k)).toBe(1);
          await tick();
          active.set(k, (active.get(k) ?? 0) - 1);
        }),
      ),
    );
    expect(bothAtOnce).toBe(true);
    expect(() => new Semaphore(0)).toThrow();
  });

  it('a keyed mutex runs same-key calls one after another, in call order, even after a failure', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const results = await Promise.allSettled([
      m.run('nsg', async () => {
        await tick();
        order.push('1');
        throw new Error('x');
      }),
      m.run('nsg', async () => void order.push('2')),
      m.run('other', async () => void order.push('other')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(order).toEqual(['other', '1', '2']);
  });
});

describe('queries', () => {
  it('finds src/queries from the adapter folder and loads every .kql, sorted', () => {
    expect(defaultQueriesDir()).toMatch(/src[\\/]queries$/);
    const queries = loadQueries();
    expect(queries.map((q) => q.name)).toEqual([...queries.map((q) => q.name)].sort());
    expect(queries.map((q) => q.name)).toContain('virtual-machines');
    for (const q of queries) expect(q.kql).toMatch(/\| order by id asc/);
  });

  it('chunks subscriptions into batches', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 300)).toEqual([]);
  });
});

describe('permissions', () => {
  it('lists unique ARM operation names, each with the call that needs it', () => {
    expect(new Set(REMEDIATOR_OPERATIONS).size).toBe(REMEDIATOR_OPERATIONS.length);
    for (const op of REQUIRED_OPERATIONS) {
      expect(op.operation).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/(read|write|action)$/);
      expect(op.usedBy.length).toBeGreaterThan(0);
    }
    for (const needed of [
      'Microsoft.RecoveryServices/Vaults/write',
      'Microsoft.RecoveryServices/Vaults/backupFabrics/refreshContainers/action',
      'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write',
      'Microsoft.RecoveryServices/locations/backupStatus/action',
      'Microsoft.Network/networkSecurityGroups/securityRules/write',
      'Microsoft.Resources/subscriptions/resourceGroups/write',
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.ResourceGraph/resources/read',
    ]) {
      expect(REMEDIATOR_OPERATIONS).toContain(needed);
    }
  });
});

describe('clients and credential', () => {
  it('trusts the extra CA on top of the system roots', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const settings = tlsSettingsFor(pem);
    expect(Array.isArray(settings?.ca) && settings.ca.length).toBe(tls.rootCertificates.length + 1);
    expect(tlsSettingsFor(undefined)).toBeUndefined();
  });

  it('caches subscription-bound clients and replaces the SDK retry policy', () => {
    const clients = createAzureClients({
      credential: new StaticTokenCredential('t'),
      armEndpoint: 'https://localhost:1/',
    });
    expect(clients.armEndpoint).toBe('https://localhost:1');
    expect(clients.network(SUB)).toBe(clients.network(SUB.toUpperCase()));
    expect(clients.recoveryServicesBackup(SUB)).not.toBe(
      clients.recoveryServicesBackup('22222222-2222-2222-2222-222222222222'),
    );
    const names = (p: { getOrderedPolicies(): { name: string }[] }) => p.getOrderedPolicies().map((x) => x.name);
    expect(names(clients.network(SUB).pipeline)).not.toContain('defaultRetryPolicy');
    expect(names(clients.network(SUB).pipeline)).toContain('retryPolicy');
    expect(names(clients.recoveryServicesBackup(SUB).pipeline)).toContain('retryPolicy');
    expect(names(clients.resourceGraph.pipeline)).not.toContain('retryPolicy');
    expect(names(clients.resourceGraph.pipeline)).not.toContain('defaultRetryPolicy');
  });

  it('returns the static token as a bearer token', async () => {
    const c = createCredential({ staticToken: 'emu.abc' });
    expect(c).toBeInstanceOf(StaticTokenCredential);
    const t = await c.getToken('https://management.azure.com/.default');
    expect(t).toMatchObject({ token: 'emu.abc', tokenType: 'Bearer' });
    expect(t?.expiresOnTimestamp).toBeGreaterThan(Date.now());
    expect(() => new StaticTokenCredential('')).toThrow();
    expect(createCredential({ managedIdentityClientId: '00000000-0000-0000-0000-000000000001' })).not.toBeInstanceOf(
      StaticTokenCredential,
    );
  });
});
