import { describe, expect, it } from 'vitest';
import { groupActions } from '../../src/app/actionGroups';
import {
  ACTION_KINDS,
  ACTION_SCHEMA,
  ACTIONS,
  definitionOf,
  dependenciesOf,
  nounOf,
  type Action,
} from '../../src/core/actions';
import { assertNever } from '../../src/core/assert';
import { RULES } from '../../src/core/rules';

const SUB = '11111111-1111-1111-1111-111111111111';
const vaultId = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;
const vmId = (n: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${n}`;
const nsgId = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-web`;

const createVault: Action = {
  kind: 'create-vault',
  target: vaultId,
  params: { location: 'eastus', storageRedundancy: 'GeoRedundant', resourceGroup: 'rg-backup', name: 'rsv-eastus' },
  resolves: ['vm-unprotected|a'],
};
const protect = (vm: string, vault = vaultId): Action => ({
  kind: 'enable-protection',
  target: vmId(vm),
  params: { vaultId: vault, policyId: `${vault}/backupPolicies/DefaultPolicy` },
  resolves: [`vm-unprotected|${vm}`],
});
const backup = (vm: string): Action => ({
  kind: 'trigger-backup',
  target: vmId(vm),
  params: { vaultId, recoveryPointExpiryTimeInUTC: '2026-12-31T00:00:00.000Z' },
  resolves: [],
});
const nsgRule: Action = {
  kind: 'add-nsg-rule',
  target: nsgId,
  params: {
    name: 'AllowAzureBackupStorage-EastUS',
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefix: 'VirtualNetwork',
    sourcePortRange: '*',
    destinationAddressPrefix: 'Storage.EastUS',
    destinationPortRanges: ['443'],
    priority: 3000,
    description: 'Azure Backup',
  },
  resolves: ['nsg-blocks-backup-egress|x'],
};

describe('action registry', () => {
  it('names the actions of each kind for reports, one and several, and a kind it does not know as it is', () => {
    for (const kind of ACTION_KINDS) {
      const [one, several] = nounOf(kind);
      expect(one.length, kind).toBeGreaterThan(0);
      expect(several, kind).not.toBe(one);
    }
    expect(nounOf('enable-protection')).toEqual(['VM to protect', 'VMs to protect']);
    expect(nounOf('move-vault')).toEqual(['move-vault', 'move-vault']);
  });

  it('refuses a kind outside the union where a switch meets one at run time', () => {
    expect(() => assertNever('move-vault' as never, 'action kind')).toThrow('unexpected action kind: "move-vault"');
  });

  it('lists each kind once, in plan order, keyed by its own kind', () => {
    expect(ACTION_KINDS).toEqual([
      'create-vault',
      'create-backup-policy',
      'add-nsg-rule',
      'enable-protection',
      'trigger-backup',
    ]);
    for (const kind of ACTION_KINDS) expect(ACTIONS[kind].kind).toBe(kind);
  });

  it("agrees with the rules: a rule's remediation kind resolves it, and a kind resolves only remediable rules", () => {
    for (const rule of RULES) if (rule.remediation) expect(definitionOf(rule.remediation).resolves).toContain(rule.id);
    const remediable = new Set<string>(RULES.filter((r) => r.remediation).map((r) => r.id));
    for (const kind of ACTION_KINDS) for (const id of definitionOf(kind).resolves) expect(remediable).toContain(id);
  });

  it('names ARM operations for every kind that writes', () => {
    for (const kind of ACTION_KINDS) {
      expect(definitionOf(kind).permissions.length).toBeGreaterThan(0);
      for (const p of definitionOf(kind).permissions)
        expect(p.operation).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/(read|write|action)$/);
    }
  });

  it('validates queued actions with the kinds’ schemas', () => {
    for (const a of [createVault, protect('vm1'), backup('vm1'), nsgRule]) expect(ACTION_SCHEMA.parse(a)).toEqual(a);
    expect(ACTION_SCHEMA.safeParse({ ...nsgRule, params: { ...nsgRule.params, priority: 5000 } }).success).toBe(false);
    expect(ACTION_SCHEMA.safeParse({ ...createVault, kind: 'delete-vault' }).success).toBe(false);
  });

  it('describes each action in one line', () => {
    expect(definitionOf('create-vault').describe(createVault as never)).toBe('rsv-eastus in eastus, GeoRedundant');
    expect(definitionOf('add-nsg-rule').describe(nsgRule as never)).toContain('Storage.EastUS:443');
  });
});

describe('dependencies', () => {
  const plan = [createVault, protect('vm1'), backup('vm1'), nsgRule, protect('vm2', `${vaultId}-other`), backup('vm2')];

  it('makes enable-protection wait for the create-vault of its vault, and trigger-backup for its protection', () => {
    expect(plan.map((_, i) => dependenciesOf(plan, i))).toEqual([[], [0], [1], [], [], [4]]);
  });

  it('groups each action with what it depends on, in plan order', () => {
    expect(groupActions(plan).map((g) => g.map((a) => a.kind))).toEqual([
      ['create-vault', 'enable-protection', 'trigger-backup'],
      ['add-nsg-rule'],
      ['enable-protection', 'trigger-backup'],
    ]);
  });

  it('merges the groups of an action that depends on two of them', () => {
    // Two new vaults, a VM protected in each (one fails, the other is tried), and its first backup, which
    // waits for both protections of its VM: the two jobs become one.
    const second: Action = { ...createVault, target: `${vaultId}-2` };
    const plan = [createVault, second, protect('vm1'), protect('vm1', `${vaultId}-2`), backup('vm1')];
    expect(dependenciesOf(plan, 4)).toEqual([2, 3]);
    expect(groupActions(plan)).toEqual([plan]);
  });
});
