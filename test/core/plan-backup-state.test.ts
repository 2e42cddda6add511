/**
 * The planner's issue-12 decisions over live-shaped rows: the Enhanced policy for VMs that need it (and
 * create-backup-policy when the vault lacks it), the central vault subscription, and VMs Azure Backup
 * cannot protect, which are never planned.
 */
import { describe, expect, it } from 'vitest';
import { dependenciesOf } from '../../src/core/actions';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/core/engine-config';
import { aNetwork, aVault, aVm, OTHER_SUB, SUB, vaultId, vmId } from '../fixtures/builders/rows';

const NOW = new Date('2026-12-01T06:00:00Z');
type Row = Record<string, unknown> & { properties: Record<string, unknown> };
const net = aNetwork();

function ultraVm(name: string): Row[] {
  const rows = aVm({ name, subnetId: net.subnetId }) as Row[];
  const sp = (rows[0] as Row).properties.storageProfile as Record<string, unknown>;
  sp.dataDisks = [{ lun: 0, name: `${name}-data`, managedDisk: { storageAccountType: 'UltraSSD_LRS' } }];
  return rows;
}

function policyRow(vault: string, name: string, policyType: string): Row {
  return {
    id: `${vault}/backupPolicies/${name}`,
    name,
    type: 'microsoft.recoveryservices/vaults/backuppolicies',
    properties: { backupManagementType: 'AzureIaasVM', policyType, schedulePolicy: { scheduleRunFrequency: 'Daily' } },
  };
}

function plan(rows: unknown[], config: Partial<EngineConfig> = {}) {
  return assess(rows, { ...DEFAULT_ENGINE_CONFIG, ...config }, NOW).report;
}

const brief = (a: { kind: string; target: string; params: Record<string, unknown> }) =>
  `${a.kind} ${a.target.split('/').slice(-3).join('/')}${'policyId' in a.params ? ` ${String(a.params.policyId).split('/').pop()}` : ''}`;

describe('policy fit', () => {
  const vault = vaultId('rsv-backup-eastus');

  it('protects an Ultra-disk VM with enhancedPolicyName, creating the policy the vault lacks first', () => {
    const report = plan([
      ...net.rows,
      aVault('rsv-backup-eastus'),
      policyRow(vault, 'DefaultPolicy', 'V1'),
      ...ultraVm('db1'),
    ]);
    expect(report.actions.map(brief)).toEqual([
      'create-backup-policy rsv-backup-eastus/backupPolicies/EnhancedPolicy',
      'enable-protection Microsoft.Compute/virtualMachines/db1 EnhancedPolicy',
    ]);
    expect(dependenciesOf(report.actions, 1)).toEqual([0]);
    expect(report.actions[0]?.params).toMatchObject({ policyType: 'V2', name: 'EnhancedPolicy' });
  });

  it('uses the Enhanced policy the vault has, and a regular VM keeps policyName', () => {
    const rows = [
      ...net.rows,
      aVault('rsv-backup-eastus'),
      policyRow(vault, 'GoldV2', 'V2'),
      ...ultraVm('db1'),
      ...aVm({ name: 'web1', subnetId: net.subnetId, ip: '10.0.1.5' }),
    ];
    expect(plan(rows, { enhancedPolicyName: 'GoldV2' }).actions.map(brief)).toEqual([
      'enable-protection Microsoft.Compute/virtualMachines/db1 GoldV2',
      'enable-protection Microsoft.Compute/virtualMachines/web1 DefaultPolicy',
    ]);
  });

  it('adds the policy to a new vault after creating it, and the cap never keeps a protection without its policy', () => {
    const rows = [...net.rows, ...ultraVm('db1')];
    const report = plan(rows);
    expect(report.actions.map((a) => a.kind)).toEqual(['create-vault', 'create-backup-policy', 'enable-protection']);
    expect(dependenciesOf(report.actions, 1)).toEqual([0]);
    expect(dependenciesOf(report.actions, 2)).toEqual([0, 1]);
    expect(plan(rows, { maxActions: 2 }).actions.map((a) => a.kind)).toEqual(['create-vault', 'create-backup-policy']);
  });
});

describe('central vault subscription', () => {
  const central = vaultId('rsv-central', 'rg-backup-warden', OTHER_SUB);
  it('protects every VM with the vault of its region in vaultSubscription', () => {
    const rows = [
      ...net.rows,
      aVault('rsv-local'),
      aVault('rsv-central', { sub: OTHER_SUB }),
      ...aVm({ subnetId: net.subnetId }),
    ];
    const report = plan(rows, { vaultSubscription: OTHER_SUB });
    expect(report.actions).toEqual([
      expect.objectContaining({
        kind: 'enable-protection',
        target: vmId('vm1'),
        params: { vaultId: central, policyId: `${central}/backupPolicies/DefaultPolicy` },
      }),
    ]);
  });
  it('creates the region vault in vaultSubscription when it has none, named for that subscription', () => {
    const report = plan([...net.rows, aVault('rsv-local'), ...aVm({ subnetId: net.subnetId })], {
      vaultSubscription: OTHER_SUB,
      vaultNameTemplate: 'rsv-{location}-{subscriptionId}',
    });
    expect(report.actions.map((a) => a.kind)).toEqual(['create-vault', 'enable-protection']);
    expect(report.actions[0]?.target.toLowerCase()).toContain(`/subscriptions/${OTHER_SUB}/`);
    expect(report.actions[0]?.target).toBe(vaultId(`rsv-eastus-${OTHER_SUB}`, 'rg-backup-warden', OTHER_SUB));
  });
  it('without vaultSubscription keeps each VM in its own subscription', () => {
    const rows = [
      ...net.rows,
      aVault('rsv-local'),
      aVault('rsv-central', { sub: OTHER_SUB }),
      ...aVm({ subnetId: net.subnetId }),
    ];
    expect(plan(rows).actions[0]?.params).toMatchObject({ vaultId: vaultId('rsv-local', 'rg-backup-warden', SUB) });
  });
});

describe('unsupported VMs', () => {
  it('plans nothing for a Databricks VM or a Spot VM, and says why', () => {
    const spot = aVm({ name: 'spot1', subnetId: net.subnetId, ip: '10.0.1.9' }) as Row[];
    (spot[0] as Row).properties.priority = 'Spot';
    const report = plan([
      ...net.rows,
      ...aVm({ name: 'worker', rg: 'databricks-rg-ws-x1', subnetId: net.subnetId }),
      ...spot,
    ]);
    expect(report.actions).toEqual([]);
    const unprotected = report.findings.filter((f) => f.ruleId === 'vm-unprotected');
    expect(unprotected.map((f) => f.details.reason)).toEqual(['backup-unsupported', 'backup-unsupported']);
  });
});
