import { describe, expect, it } from 'vitest';
import { dependenciesOf, dependencyTable, type Action } from '../../src/core/actions';
import { Inventory } from '../../src/core/inventory';
import { aNetwork, aProtectedItem, aVault, aVm, SUB, vaultId, vmId } from '../fixtures/builders/rows';

describe('inventory indexes', () => {
  const { subnetId } = aNetwork();

  it('keeps the last row of a duplicate VM at that row’s place, once', () => {
    const [a] = aVm({ name: 'a', subnetId });
    const [b] = aVm({ name: 'b', subnetId });
    const a2 = { ...a, location: 'westeurope', id: (a?.id as string).toUpperCase() };
    const inv = Inventory.fromRows([a, b, a2]);
    expect(inv.virtualMachines.map((v) => [v.name.toLowerCase(), v.location])).toEqual([
      ['b', 'eastus'],
      ['a', 'westeurope'],
    ]);
    expect(inv.resourceCount).toBe(2);
  });

  it('keeps the last row of a duplicate protected item, and follows it to its new VM', () => {
    const vault = vaultId('rsv-eastus');
    const first = aProtectedItem(vault, vmId('a'));
    const moved = { ...first, properties: { ...(first.properties as object), sourceResourceId: vmId('b') } };
    const inv = Inventory.fromRows([aVault('rsv-eastus'), first, aProtectedItem(vault, vmId('c')), moved]);
    expect(inv.protectedItems).toHaveLength(2);
    expect(inv.protectionOf(vmId('a'))).toEqual([]);
    expect(inv.protectionOf(vmId('B').toUpperCase())).toHaveLength(1);
    expect(inv.protectedItems.at(-1)?.sourceResourceId.toLowerCase()).toBe(vmId('b').toLowerCase());
  });

  it('answers vaultsIn and vaultsNamed from indexes that follow vaults added later', () => {
    const inv = Inventory.fromRows([aVault('rsv-b'), aVault('rsv-weu', { location: 'westeurope' })]);
    expect(inv.vaultsIn(SUB.toUpperCase(), 'East US').map((v) => v.name)).toEqual(['rsv-b']);
    inv.add(aVault('rsv-a'), 2);
    inv.add(aVault('RSV-B', { rg: 'rg-other' }), 3);
    expect(inv.vaultsIn(SUB, 'eastus').map((v) => v.name)).toEqual(['rsv-a', 'rsv-b', 'RSV-B']);
    expect(inv.vaultsNamed(SUB, 'rsv-b')).toHaveLength(2);
    expect(inv.vaultsIn(SUB, '')).toEqual([]);
    // The caller's copy is its own.
    inv.vaultsIn(SUB, 'eastus').pop();
    expect(inv.vaultsIn(SUB, 'eastus')).toHaveLength(3);
  });

  it('adds pages with row numbers that continue across them', () => {
    const inv = new Inventory();
    inv.addAll([aVault('rsv-a')]);
    inv.addAll([{ id: 42 }]);
    expect(inv.problems.map((p) => p.index)).toEqual([1]);
    expect(inv.rowCount).toBe(2);
  });
});

describe('dependencyTable', () => {
  const vault = vaultId('rsv-eastus');
  const create = (id: string): Action => ({
    kind: 'create-vault',
    target: id,
    params: { location: 'eastus', storageRedundancy: 'GeoRedundant', resourceGroup: 'rg', name: 'n' },
    resolves: [],
  });
  const protect = (vm: string, v = vault): Action => ({
    kind: 'enable-protection',
    target: vmId(vm),
    params: { vaultId: v, policyId: `${v}/backupPolicies/DefaultPolicy` },
    resolves: [],
  });
  const backup = (vm: string): Action => ({
    kind: 'trigger-backup',
    target: vmId(vm).toUpperCase(),
    params: { vaultId: vault, recoveryPointExpiryTimeInUTC: '2027-01-01T00:00:00Z' },
    resolves: [],
  });

  it('equals dependenciesOf for every action, ids in any case', () => {
    const plan = [
      create(vault),
      create(`${vault}-2`),
      protect('a', vault.toUpperCase()),
      protect('a', `${vault}-2`),
      protect('b', `${vault}-3`),
      backup('a'),
      backup('b'),
      backup('c'),
    ];
    expect(dependencyTable(plan)).toEqual(plan.map((_, i) => dependenciesOf(plan, i)));
    expect(dependencyTable(plan)[5]).toEqual([2, 3]);
  });
});
