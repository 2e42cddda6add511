/**
 * vm-backup-failing, vm-backup-unsupported, vm-policy-incompatible, vault-crr-disabled and
 * vault-classic-alerts over live-shaped rows: protected items as the recorded Azure PowerShell session
 * (ItemTests/TestGetItemScenario) and the published Compute_ProtectedItem_Get example shape them, VMs as
 * Resource Graph returns them.
 */
import { describe, expect, it } from 'vitest';
import { assess } from '../../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../src/core/engine-config';
import type { Finding } from '../../../src/core/model';
import { aNetwork, aProtectedItem, aVault, aVm, vaultId, vmId } from '../../fixtures/builders/rows';

const NOW = new Date('2026-12-01T06:00:00Z');
type Row = Record<string, unknown> & { properties: Record<string, unknown> };

const VAULT = vaultId('rsv-eastus');
const net = aNetwork();

function vm(name: string, patch: (props: Record<string, unknown>) => void = () => {}, rg?: string): Row[] {
  const rows = aVm({ name, subnetId: net.subnetId, ...(rg ? { rg } : {}) }) as Row[];
  patch((rows[0] as Row).properties);
  return rows;
}

/** A protected item whose properties are merged with `props` (a live shape). */
function item(vmName: string, props: Record<string, unknown>, rg?: string): Row {
  const row = aProtectedItem(VAULT, vmId(vmName, rg)) as Row;
  row.properties = { ...row.properties, ...props };
  return row;
}

/** A backup policy row of RecoveryServicesResources (ProtectionPolicies_Get shape). */
function policy(name: string, frequency: string, policyType = 'V1', interval?: number): Row {
  return {
    id: `${VAULT}/backupPolicies/${name}`,
    name,
    type: 'microsoft.recoveryservices/vaults/backuppolicies',
    properties: {
      backupManagementType: 'AzureIaasVM',
      policyType,
      schedulePolicy: {
        schedulePolicyType: policyType === 'V2' ? 'SimpleSchedulePolicyV2' : 'SimpleSchedulePolicy',
        scheduleRunFrequency: frequency,
        ...(interval ? { hourlySchedule: { interval, scheduleWindowDuration: 24 } } : {}),
      },
    },
  };
}

function findings(rows: unknown[], ruleId: string, config: Partial<EngineConfig> = {}): Finding[] {
  return assess(rows, { ...DEFAULT_ENGINE_CONFIG, ...config }, NOW).report.findings.filter((f) => f.ruleId === ruleId);
}

const base = [...net.rows, aVault('rsv-eastus'), policy('DefaultPolicy', 'Daily')];

describe('vm-backup-failing', () => {
  const recent = '2026-12-01T01:00:00Z';
  const cases: {
    name: string;
    props: Record<string, unknown>;
    reasons?: string[];
    code?: string | null;
  }[] = [
    {
      name: 'the recorded PowerShell shape: protectionStatus Unhealthy, lastBackupStatus Failed',
      props: {
        protectionStatus: 'Unhealthy',
        protectionState: 'Protected',
        lastBackupStatus: 'Failed',
        lastBackupTime: '2026-11-30T22:02:57.0388109Z',
        lastRecoveryPoint: recent,
      },
      reasons: ['last-backup-failed', 'action-required'],
      code: null,
    },
    {
      name: 'healthStatus ActionRequired with a healthDetails error (its title is the code)',
      props: {
        healthStatus: 'ActionRequired',
        lastBackupStatus: 'Completed',
        lastRecoveryPoint: recent,
        healthDetails: [
          {
            code: 400239,
            title: 'UserErrorGuestAgentStatusUnavailable',
            message: 'VM Agent unable to communicate with Azure Backup',
          },
        ],
      },
      reasons: ['action-required'],
      code: 'UserErrorGuestAgentStatusUnavailable',
    },
    {
      name: 'a recovery point older than the daily schedule plus the grace period',
      props: { lastBackupStatus: 'Completed', healthStatus: 'Passed', lastRecoveryPoint: '2026-11-29T01:00:00Z' },
      reasons: ['stale'],
      code: null,
    },
    {
      name: 'the published Compute_ProtectedItem_Get shape, recent: passes',
      props: {
        healthStatus: 'Passed',
        protectionStatus: 'Healthy',
        lastBackupStatus: 'Completed',
        lastRecoveryPoint: recent,
      },
    },
    {
      name: 'a new item with no backup yet (empty lastBackupStatus, null times): passes',
      props: { healthStatus: 'Passed', lastBackupStatus: '', lastBackupTime: null, lastRecoveryPoint: null },
    },
    {
      name: 'a stopped item is vm-protection-unhealthy, not this rule',
      props: { currentProtectionState: 'ProtectionStopped', lastBackupStatus: 'Failed' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = findings([...base, ...vm('app1'), item('app1', c.props)], 'vm-backup-failing');
      if (!c.reasons) {
        expect(got).toEqual([]);
        return;
      }
      expect(got).toHaveLength(1);
      const f = got[0] as Finding & { details: { protectedItems: { reasons: string[] }[]; errorCode: string | null } };
      expect(f.severity).toBe('high');
      expect(f.details.protectedItems[0]?.reasons).toEqual(c.reasons);
      expect(f.details.errorCode).toBe(c.code);
      expect(f.details.reason).toBe('report-only');
    });
  }

  it('reads errors from kpisHealths too', () => {
    const got = findings(
      [
        ...base,
        ...vm('app1'),
        item('app1', {
          healthStatus: 'ActionRequired',
          kpisHealths: {
            TransferToVaultHealth: {
              resourceHealthStatus: 'TransientDegraded',
              resourceHealthDetails: [
                {
                  code: 1,
                  title: 'ExtensionSnapshotFailedNoNetwork',
                  message: 'Snapshot operation failed due to no network connectivity on the virtual machine.',
                },
              ],
            },
          },
        }),
      ],
      'vm-backup-failing',
    );
    expect(got[0]?.details).toMatchObject({
      errorCode: 'ExtensionSnapshotFailedNoNetwork',
      likelyCause: { ruleId: 'nsg-blocks-backup-egress', open: false },
    });
  });

  it('links ExtensionSnapshotFailedNoNetwork to the open egress finding of the same VM', () => {
    const blocked = aNetwork({
      name: 'blocked',
      subnetRules: [
        { name: 'deny-internet-out', priority: 100, direction: 'Outbound', access: 'Deny', destination: 'Internet' },
      ],
    });
    const rows = aVm({ name: 'app2', subnetId: blocked.subnetId }) as Row[];
    const got = findings(
      [
        ...blocked.rows,
        aVault('rsv-eastus'),
        policy('DefaultPolicy', 'Daily'),
        ...rows,
        item('app2', {
          lastBackupStatus: 'Failed',
          healthStatus: 'ActionRequired',
          healthDetails: [{ code: 0, title: 'ExtensionSnapshotFailedNoNetwork', message: 'no network connectivity' }],
        }),
      ],
      'vm-backup-failing',
    );
    expect(got[0]?.details).toMatchObject({
      likelyCause: {
        ruleId: 'nsg-blocks-backup-egress',
        findingKey: `nsg-blocks-backup-egress|${vmId('app2').toLowerCase()}`,
        open: true,
      },
    });
    expect(got[0]?.message).toContain('likely cause: nsg-blocks-backup-egress');
  });

  it('hourly Enhanced policies allow their interval; weekly ones a week', () => {
    const rows = [...net.rows, aVault('rsv-eastus'), policy('Hourly4', 'Hourly', 'V2', 4), policy('Weekly', 'Weekly')];
    const old = '2026-11-30T12:00:00Z'; // 18 h before NOW
    const hourly = item('h1', {
      policyId: `${VAULT}/backupPolicies/Hourly4`,
      policyName: 'Hourly4',
      lastRecoveryPoint: old,
    });
    const weekly = item('w1', {
      policyId: `${VAULT}/backupPolicies/Weekly`,
      policyName: 'Weekly',
      lastRecoveryPoint: old,
    });
    const got = findings([...rows, ...vm('h1'), ...vm('w1'), hourly, weekly], 'vm-backup-failing');
    expect(got.map((f) => f.resourceId)).toEqual([vmId('h1')]);
    expect(findings([...rows, ...vm('h1'), hourly], 'vm-backup-failing', { backupGraceHours: 24 })).toEqual([]);
  });

  it('does not judge staleness when the policy is not in the inventory', () => {
    const rows = [
      ...net.rows,
      aVault('rsv-eastus'),
      ...vm('app1'),
      item('app1', { lastRecoveryPoint: '2020-01-01T00:00:00Z' }),
    ];
    expect(findings(rows, 'vm-backup-failing')).toEqual([]);
  });

  it('is exempt with the exemption tag', () => {
    const rows = [...base, ...vm('app1', (p) => p), item('app1', { lastBackupStatus: 'Failed' })];
    (rows.find((r) => String((r as Row).id).endsWith('/app1')) as Row).tags = { 'backup-exempt': 'true' };
    expect(findings(rows, 'vm-backup-failing')[0]?.status).toBe('exempt');
  });
});

describe('vm-backup-unsupported', () => {
  const cases: { name: string; rows: () => unknown[]; reasons: string[] }[] = [
    {
      name: 'a VM in a databricks-rg-* group',
      rows: () => vm('worker1', () => {}, 'databricks-rg-ws1-abc'),
      reasons: ['databricks-managed'],
    },
    {
      name: 'a VM from the AzureDatabricks image publisher',
      rows: () =>
        vm(
          'worker2',
          (p) =>
            ((p.storageProfile as Row['properties']).imageReference = {
              publisher: 'AzureDatabricks',
              offer: 'databricks',
            }),
        ),
      reasons: ['databricks-managed'],
    },
    {
      name: 'an OpenShift node',
      rows: () =>
        vm(
          'aro1',
          (p) =>
            ((p.storageProfile as Row['properties']).imageReference = { publisher: 'azureopenshift', offer: 'aro4' }),
        ),
      reasons: ['openshift-image'],
    },
    {
      name: 'a VM in a resource group another resource manages',
      rows: () => [
        ...vm('node1', () => {}, 'MC_rg_aks_eastus'),
        {
          id: '/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourceGroups/MC_rg_aks_eastus',
          name: 'MC_rg_aks_eastus',
          type: 'microsoft.resources/subscriptions/resourcegroups',
          subscriptionId: '3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c',
          managedBy:
            '/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
        },
      ],
      reasons: ['managed-resource-group'],
    },
    {
      name: 'an ephemeral OS disk',
      rows: () =>
        vm('eph1', (p) => {
          const sp = p.storageProfile as Row['properties'];
          sp.osDisk = { ...(sp.osDisk as object), diffDiskSettings: { option: 'Local', placement: 'CacheDisk' } };
        }),
      reasons: ['ephemeral-os-disk'],
    },
    { name: 'a Spot VM', rows: () => vm('spot1', (p) => (p.priority = 'Spot')), reasons: ['spot-vm'] },
    { name: 'a regular VM passes', rows: () => vm('reg1', (p) => (p.priority = 'Regular')), reasons: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = findings([...net.rows, ...c.rows()], 'vm-backup-unsupported');
      expect(got.flatMap((f) => (f.details as { reasons: string[] }).reasons)).toEqual(c.reasons);
      if (c.reasons.length) expect(got[0]?.severity).toBe('info');
    });
  }

  it('never plans protection for an unsupported VM', () => {
    const { report } = assess(
      [...net.rows, aVault('rsv-eastus'), ...vm('worker1', () => {}, 'databricks-rg-ws1-abc')],
      DEFAULT_ENGINE_CONFIG,
      NOW,
    );
    expect(report.actions).toEqual([]);
    expect(report.findings.find((f) => f.ruleId === 'vm-unprotected')?.details.reason).toBe('backup-unsupported');
  });
});

describe('vm-policy-incompatible', () => {
  const ultra = (p: Record<string, unknown>) => {
    const sp = p.storageProfile as Row['properties'];
    sp.dataDisks = [{ lun: 0, managedDisk: { storageAccountType: 'UltraSSD_LRS' } }];
  };
  it('fires for an Ultra-disk VM protected with a Standard policy', () => {
    const got = findings([...base, ...vm('db1', ultra), item('db1', { policyType: 'V1' })], 'vm-policy-incompatible');
    expect(got).toHaveLength(1);
    expect(got[0]?.details).toMatchObject({ needs: [{ kind: 'disk-type', diskType: 'UltraSSD_LRS' }] });
  });
  it('passes with an Enhanced policy, read from the policy row when the item has no policyType', () => {
    const rows = [...net.rows, aVault('rsv-eastus'), policy('EnhancedPolicy', 'Hourly', 'V2', 4), ...vm('db1', ultra)];
    const it1 = item('db1', { policyId: `${VAULT}/backupPolicies/EnhancedPolicy`, policyName: 'EnhancedPolicy' });
    expect(findings([...rows, it1], 'vm-policy-incompatible')).toEqual([]);
  });
  it('fires for a Confidential VM on the DefaultPolicy row (V1)', () => {
    const rows = [
      ...base,
      ...vm('cvm1', (p) => (p.securityProfile = { securityType: 'ConfidentialVM' })),
      item('cvm1', {}),
    ];
    expect(findings(rows, 'vm-policy-incompatible')).toHaveLength(1);
  });
  it('is not judged when neither item nor inventory tells the policy type', () => {
    const rows = [...net.rows, aVault('rsv-eastus'), ...vm('db1', ultra), item('db1', {})];
    expect(findings(rows, 'vm-policy-incompatible')).toEqual([]);
  });
});

describe('vault-crr-disabled and vault-classic-alerts', () => {
  /** A vault row (GRS, cross-region restore on unless `props` says otherwise), `props` merged one level deep. */
  function vault(props: Record<string, unknown>, redundancy = 'GeoRedundant'): Row {
    const row = aVault('rsv1', { redundancy }) as Row;
    const merged: Record<string, unknown> = { ...row.properties };
    for (const [k, v] of Object.entries(props))
      merged[k] = typeof v === 'object' && v !== null ? { ...((merged[k] as object) ?? {}), ...v } : v;
    row.properties = merged;
    return row;
  }
  /** The same without any cross-region restore or monitoring setting. */
  function bareVault(): Row {
    const row = vault({});
    row.properties.redundancySettings = { standardTierStorageRedundancy: 'GeoRedundant' };
    return row;
  }
  const cases: { name: string; row: Row; crr: boolean; classic: boolean }[] = [
    {
      name: 'GRS with CRR Disabled',
      row: vault({ redundancySettings: { crossRegionRestore: 'Disabled' } }),
      crr: true,
      classic: false,
    },
    {
      name: 'GRS with CRR Enabled',
      row: vault({ redundancySettings: { crossRegionRestore: 'Enabled' } }),
      crr: false,
      classic: false,
    },
    {
      name: 'LRS with CRR Disabled',
      row: vault({ redundancySettings: { crossRegionRestore: 'Disabled' } }, 'LocallyRedundant'),
      crr: false,
      classic: false,
    },
    {
      name: 'classic alerts on',
      row: vault({
        redundancySettings: { crossRegionRestore: 'Enabled' },
        monitoringSettings: { classicAlertSettings: { alertsForCriticalOperations: 'Enabled' } },
      }),
      crr: false,
      classic: true,
    },
    {
      name: 'Azure Monitor on, classic off',
      row: vault({
        redundancySettings: { crossRegionRestore: 'Enabled' },
        monitoringSettings: {
          azureMonitorAlertSettings: { alertsForAllJobFailures: 'Enabled' },
          classicAlertSettings: { alertsForCriticalOperations: 'Disabled' },
        },
      }),
      crr: false,
      classic: false,
    },
    {
      name: "ARM's default on GRS (crossRegionRestore Disabled, no monitoring settings)",
      row: vault({ redundancySettings: { crossRegionRestore: 'Disabled' } }),
      crr: true,
      classic: false,
    },
    { name: 'no settings in the row: not judged', row: bareVault(), crr: false, classic: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(findings([c.row], 'vault-crr-disabled')).toHaveLength(c.crr ? 1 : 0);
      expect(findings([c.row], 'vault-classic-alerts')).toHaveLength(c.classic ? 1 : 0);
    });
  }
});
