import { describe, expect, it } from 'vitest';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/core/engine-config';
import type { Action, AddNsgRuleAction } from '../../src/core/model';
import { findingKey } from '../../src/core/model';
import { vaultNameFor, VAULT_NAME_PATTERN } from '../../src/core/planner';
import {
  aNetwork,
  aProtectedItem,
  aVault,
  aVm,
  anNsg,
  nsgId,
  OTHER_SUB,
  vaultId,
  vmId,
  type RuleSpec,
} from '../fixtures/builders/rows';

const NOW = new Date('2026-12-01T12:00:00Z');
const run = (rows: unknown[], config: Partial<EngineConfig> = {}) =>
  assess(rows, { ...DEFAULT_ENGINE_CONFIG, ...config }, NOW).report;
const kinds = (actions: Action[]) => actions.map((a) => `${a.kind} ${a.target.split('/').pop()}`);
const denyInternet: RuleSpec = { name: 'Deny-Internet', priority: 4000, access: 'Deny', destination: 'Internet' };

describe('planner: enable-protection and vault choice', () => {
  const net = aNetwork();

  it('uses the designated vault when it is in the VM region and subscription', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId, tags: { 'backup-vault': 'rsv-team' } }),
      aVault('rsv-team', { rg: 'rg-team' }),
      aVault('rsv-backup-eastus'),
    ];
    const a = run(rows).actions;
    expect(a).toEqual([
      {
        kind: 'enable-protection',
        target: vmId('vm1'),
        params: {
          vaultId: vaultId('rsv-team', 'rg-team'),
          policyId: `${vaultId('rsv-team', 'rg-team')}/backupPolicies/DefaultPolicy`,
        },
        resolves: [findingKey('vm-unprotected', vmId('vm1'))],
      },
    ]);
  });

  it('prefers a vault in the configured vault resource group, then any regional vault by name', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-aaa', { rg: 'rg-other' }),
      aVault('rsv-zzz', { rg: 'rg-backup-warden' }),
    ];
    expect((run(rows).actions[0] as Action & { params: { vaultId: string } }).params.vaultId).toBe(vaultId('rsv-zzz'));
    const rows2 = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-bbb', { rg: 'rg-x' }),
      aVault('rsv-aaa', { rg: 'rg-y' }),
    ];
    expect((run(rows2).actions[0] as Action & { params: { vaultId: string } }).params.vaultId).toBe(
      vaultId('rsv-aaa', 'rg-y'),
    );
  });

  it('ignores vaults of other regions and subscriptions, and creates one per subscription and region', () => {
    const otherNet = aNetwork({ name: 'net2', sub: OTHER_SUB });
    const rows = [
      ...net.rows,
      ...otherNet.rows,
      ...aVm({ name: 'vm-a', subnetId: net.subnetId }),
      ...aVm({ name: 'vm-b', subnetId: net.subnetId, ip: '10.0.1.5' }),
      ...aVm({ name: 'vm-c', subnetId: otherNet.subnetId, sub: OTHER_SUB }),
      aVault('rsv-weu', { location: 'westeurope' }),
    ];
    const report = run(rows);
    const vault1 = vaultId('rsv-backup-eastus');
    const vault2 = vaultId('rsv-backup-eastus', 'rg-backup-warden', OTHER_SUB);
    expect(report.actions.filter((a) => a.kind === 'create-vault')).toEqual([
      {
        kind: 'create-vault',
        target: vault1,
        params: {
          location: 'eastus',
          storageRedundancy: 'GeoRedundant',
          resourceGroup: 'rg-backup-warden',
          name: 'rsv-backup-eastus',
          publicNetworkAccess: 'Enabled',
        },
        resolves: [findingKey('vm-unprotected', vmId('vm-a')), findingKey('vm-unprotected', vmId('vm-b'))],
      },
      {
        kind: 'create-vault',
        target: vault2,
        params: {
          location: 'eastus',
          storageRedundancy: 'GeoRedundant',
          resourceGroup: 'rg-backup-warden',
          name: 'rsv-backup-eastus',
          publicNetworkAccess: 'Enabled',
        },
        resolves: [findingKey('vm-unprotected', vmId('vm-c', 'RG-App', OTHER_SUB))],
      },
    ]);
    expect(kinds(report.actions)).toEqual([
      'create-vault rsv-backup-eastus',
      'create-vault rsv-backup-eastus',
      'enable-protection vm-a',
      'enable-protection vm-b',
      'enable-protection vm-c',
    ]);
  });

  it('protects a VM whose designated vault is in another region in a vault of its own region', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId, tags: { 'backup-vault': 'rsv-weu' } }),
      aVault('rsv-weu', { location: 'westeurope' }),
      aVault('rsv-backup-eastus'),
    ];
    const report = run(rows);
    expect(report.actions).toHaveLength(1);
    expect(report.actions[0]).toMatchObject({
      kind: 'enable-protection',
      params: { vaultId: vaultId('rsv-backup-eastus') },
    });
    expect(report.actions[0]?.resolves).toEqual([
      findingKey('vm-unprotected', vmId('vm1')),
      findingKey('vault-region-mismatch', vmId('vm1')),
    ]);
  });

  it('uses the configured policy, vault group, name template and redundancy', () => {
    const rows = [...net.rows, ...aVm({ subnetId: net.subnetId })];
    const report = run(rows, {
      policyName: 'Gold',
      vaultResourceGroup: 'rg-dr',
      vaultNameTemplate: 'rsv-{location}-01',
      storageRedundancy: 'ZoneRedundant',
    });
    const target = vaultId('rsv-eastus-01', 'rg-dr');
    expect(report.actions[0]).toMatchObject({
      kind: 'create-vault',
      target,
      params: { storageRedundancy: 'ZoneRedundant', name: 'rsv-eastus-01' },
    });
    expect(report.actions[1]).toMatchObject({
      kind: 'enable-protection',
      params: { policyId: `${target}/backupPolicies/Gold` },
    });
  });

  it('plans nothing, with a reason and a warning, when the template makes an invalid vault name', () => {
    const report = run([...net.rows, ...aVm({ subnetId: net.subnetId })], { vaultNameTemplate: '1-backup-{location}' });
    expect(report.actions).toEqual([]);
    expect(report.findings.find((f) => f.ruleId === 'vm-unprotected')?.details.reason).toBe('invalid-vault-name');
    expect(report.summary.warnings.some((w) => w.includes("vault name '1-backup-eastus'"))).toBe(true);
  });

  it('plans no vault whose name is already taken in the subscription', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-backup-eastus', { location: 'westeurope', rg: 'rg-old' }),
    ];
    const report = run(rows);
    expect(report.actions).toEqual([]);
    expect(report.findings.find((f) => f.ruleId === 'vm-unprotected')?.details.reason).toBe('vault-name-taken');
  });

  it('validates vault names: 2-50 characters, a letter first, letters, digits, hyphens', () => {
    expect(VAULT_NAME_PATTERN.test('rsv-backup-eastus')).toBe(true);
    expect(VAULT_NAME_PATTERN.test('a')).toBe(false);
    expect(VAULT_NAME_PATTERN.test(`a${'b'.repeat(49)}`)).toBe(true);
    expect(VAULT_NAME_PATTERN.test(`a${'b'.repeat(50)}`)).toBe(false);
    expect(VAULT_NAME_PATTERN.test('rsv_backup')).toBe(false);
    expect(vaultNameFor('rsv-{location}-{subscriptionId}', 'eastus', 'abc')).toBe('rsv-eastus-abc');
  });

  it('adds trigger-backup after each enable-protection when initialBackup is set, with the retention', () => {
    const rows = [...net.rows, ...aVm({ subnetId: net.subnetId }), aVault('rsv-backup-eastus')];
    const report = run(rows, { initialBackup: true, initialBackupRetentionDays: 7 });
    expect(kinds(report.actions)).toEqual(['enable-protection vm1', 'trigger-backup vm1']);
    expect(report.actions[1]).toMatchObject({
      params: { vaultId: vaultId('rsv-backup-eastus'), recoveryPointExpiryTimeInUTC: '2026-12-08T12:00:00.000Z' },
    });
    expect(run(rows, { initialBackup: true }).actions[1]).toMatchObject({
      params: { recoveryPointExpiryTimeInUTC: '2026-12-31T12:00:00.000Z' },
    });
  });

  it('never acts on exempt VMs', () => {
    const rows = [...net.rows, ...aVm({ subnetId: net.subnetId, tags: { 'backup-exempt': '' } })];
    expect(run(rows).actions).toEqual([]);
  });

  it('never acts on report-only findings', () => {
    const weu = vaultId('rsv-weu');
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-weu', { location: 'westeurope', redundancy: 'LocallyRedundant' }),
      aProtectedItem(weu, vmId('vm1'), { state: 'ProtectionStopped' }),
    ];
    const report = run(rows);
    expect(report.actions).toEqual([]);
    expect(report.findings.map((f) => [f.ruleId, f.details.reason])).toEqual([
      ['vm-protection-unhealthy', 'report-only'],
      ['vault-region-mismatch', 'report-only'],
      ['vault-redundancy-mismatch', 'report-only'],
    ]);
  });
});

describe('planner: add-nsg-rule', () => {
  it('adds one narrow allow rule above the blocking deny, with the union of needed ports', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const rows = [
      ...n.rows,
      ...aVm({ name: 'vm-managed', subnetId: n.subnetId }),
      ...aVm({ name: 'vm-unmanaged', subnetId: n.subnetId, ip: '10.0.1.5', managed: false }),
      aVault('rsv-backup-eastus'),
    ];
    const report = run(rows);
    const nsgActions = report.actions.filter((a): a is AddNsgRuleAction => a.kind === 'add-nsg-rule');
    expect(nsgActions).toEqual([
      {
        kind: 'add-nsg-rule',
        target: nsgId('nsg-net1'),
        params: {
          name: 'AllowAzureBackupStorage-EastUS-443-8443',
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: 'Storage.EastUS',
          destinationPortRanges: ['443', '8443'],
          priority: 3999,
          description: 'Azure Backup: allow the backup extension to reach Storage.EastUS (added by backup-warden)',
        },
        resolves: [
          findingKey('nsg-blocks-backup-egress', vmId('vm-managed')),
          findingKey('nsg-blocks-backup-egress', vmId('vm-unmanaged')),
        ],
      },
    ]);
    expect(kinds(report.actions)).toEqual([
      'add-nsg-rule nsg-net1',
      'enable-protection vm-managed',
      'enable-protection vm-unmanaged',
    ]);
  });

  it('never plans `*` ports, only the blocked ones', () => {
    const n = aNetwork({
      subnetRules: [
        { name: 'Deny-8443', priority: 700, access: 'Deny', protocol: 'Tcp', ports: '8000-9000', destination: '*' },
      ],
    });
    const a = run([...n.rows, ...aVm({ subnetId: n.subnetId })]).actions.find(
      (x) => x.kind === 'add-nsg-rule',
    ) as AddNsgRuleAction;
    expect(a.params.destinationPortRanges).toEqual(['8443']);
    expect(a.params.priority).toBe(699);
  });

  it('picks the highest free priority below the lowest blocking deny, skipping used ones', () => {
    const n = aNetwork({
      subnetRules: [
        { name: 'Deny-8443', priority: 500, access: 'Deny', protocol: 'Tcp', ports: '8443' },
        { name: 'Allow-Other', priority: 499, access: 'Allow', protocol: 'Tcp', ports: '22' },
        { name: 'Inbound-498', priority: 498, direction: 'Inbound', access: 'Allow', ports: '22' },
        denyInternet,
      ],
    });
    const a = run([...n.rows, ...aVm({ subnetId: n.subnetId })]).actions.find(
      (x) => x.kind === 'add-nsg-rule',
    ) as AddNsgRuleAction;
    expect(a.params.destinationPortRanges).toEqual(['443', '8443']);
    expect(a.params.priority).toBe(498);
  });

  it('plans one action per NSG however many VMs sit behind it, and one per NSG on the path (NIC and subnet)', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const nic = anNsg('nsg-nic', [{ name: 'Deny-All', priority: 1000, access: 'Deny' }]);
    const rows = [
      ...n.rows,
      nic,
      ...aVm({ name: 'a', subnetId: n.subnetId, nicNsgId: nsgId('nsg-nic') }),
      ...aVm({ name: 'b', subnetId: n.subnetId, ip: '10.0.1.5' }),
      ...aVm({ name: 'c', subnetId: n.subnetId, ip: '10.0.1.6' }),
    ];
    const nsgActions = run(rows).actions.filter((x): x is AddNsgRuleAction => x.kind === 'add-nsg-rule');
    expect(nsgActions.map((x) => [x.target, x.params.priority, x.resolves.length])).toEqual([
      [nsgId('nsg-net1'), 3999, 3],
      [nsgId('nsg-nic'), 999, 1],
    ]);
  });

  it('leaves an explicit Storage deny alone, with reason explicit-storage-deny, unless overridden', () => {
    const n = aNetwork({
      subnetRules: [{ name: 'Deny-Storage', priority: 150, access: 'Deny', destination: 'Storage' }],
    });
    const rows = [...n.rows, ...aVm({ subnetId: n.subnetId }), aVault('rsv-backup-eastus')];
    const report = run(rows);
    expect(report.actions.some((a) => a.kind === 'add-nsg-rule')).toBe(false);
    expect(report.findings.find((f) => f.ruleId === 'nsg-blocks-backup-egress')?.details.reason).toBe(
      'explicit-storage-deny',
    );
    const overridden = run(rows, { overrideExplicitStorageDeny: true });
    expect(overridden.actions.find((a) => a.kind === 'add-nsg-rule')).toMatchObject({ params: { priority: 149 } });
  });

  it('reports no-free-priority when 100..deny-1 is full', () => {
    const n = aNetwork({
      subnetRules: [
        { name: 'A', priority: 100, access: 'Allow', protocol: 'Udp', ports: '53' },
        { name: 'B', priority: 101, access: 'Allow', protocol: 'Udp', ports: '123' },
        { name: 'Deny-All', priority: 102, access: 'Deny' },
      ],
    });
    const report = run([...n.rows, ...aVm({ subnetId: n.subnetId })]);
    expect(report.actions.some((a) => a.kind === 'add-nsg-rule')).toBe(false);
    expect(report.findings.find((f) => f.ruleId === 'nsg-blocks-backup-egress')?.details.reason).toBe(
      'no-free-priority',
    );
  });

  it('writes the canonical region casing in the rule name and tag', () => {
    const n = aNetwork({ location: 'westeurope', subnetRules: [denyInternet] });
    const a = run([...n.rows, ...aVm({ subnetId: n.subnetId, location: 'westeurope' })]).actions.find(
      (x) => x.kind === 'add-nsg-rule',
    ) as AddNsgRuleAction;
    expect(a.params.name).toBe('AllowAzureBackupStorage-WestEurope-443-8443');
    expect(a.params.destinationAddressPrefix).toBe('Storage.WestEurope');
  });
});

describe('planner: the blast-radius cap', () => {
  it('truncates to maxActions, says so, and never keeps a dependent without its dependency', () => {
    const net = aNetwork();
    const rows = [
      ...net.rows,
      ...[1, 2, 3, 4].flatMap((i) => aVm({ name: `vm${i}`, subnetId: net.subnetId, ip: `10.0.1.${i + 3}` })),
    ];
    const report = run(rows, { maxActions: 3, initialBackup: true });
    expect(kinds(report.actions)).toEqual([
      'create-vault rsv-backup-eastus',
      'enable-protection vm1',
      'trigger-backup vm1',
    ]);
    expect(report.summary).toMatchObject({ truncated: true, actions: 3, truncatedActions: 6 });
    expect(report.summary.warnings.some((w) => w.includes('maxActions=3'))).toBe(true);
    expect(run(rows, { maxActions: 0 }).actions).toEqual([]);
  });

  it('is deterministic: the same rows in another order give the same plan', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const rows = [
      ...n.rows,
      ...aVm({ name: 'b', subnetId: n.subnetId }),
      ...aVm({ name: 'a', subnetId: n.subnetId, ip: '10.0.1.5' }),
    ];
    expect(run([...rows].reverse()).actions).toEqual(run(rows).actions);
  });
});
