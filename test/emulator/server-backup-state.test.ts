/**
 * The emulator's issue-12 contract: PUT backupPolicies as ProtectionPolicies_CreateOrUpdate answers it,
 * protected items with Azure's health fields (Compute_ProtectedItem_Get and the recorded PowerShell shape)
 * in ARM and in Resource Graph, the policy type on items configured with a V2 policy, and configure
 * protection of a VM of another subscription without discovery (Cross Subscription Backup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_API_VERSIONS } from '../../packages/emulator/src/arm';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { aProtectedItem, aVault, aVm, errorCode, raw, SUB } from './emulatorHelpers';

const V = `api-version=${SDK_API_VERSIONS.backup}`;
const OTHER = '0d9c8b7a-6f5e-4d4c-9b3a-2f1e0d9c8b7a';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;
const VM_ID = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-1`;
const FAR_VM = `/subscriptions/${OTHER}/resourceGroups/rg-far/providers/Microsoft.Compute/virtualMachines/vm-far`;

const v2Policy = {
  properties: {
    backupManagementType: 'AzureIaasVM',
    policyType: 'V2',
    instantRpRetentionRangeInDays: 7,
    schedulePolicy: {
      schedulePolicyType: 'SimpleSchedulePolicyV2',
      scheduleRunFrequency: 'Daily',
      dailySchedule: { scheduleRunTimes: ['2026-01-01T22:30:00Z'] },
    },
    retentionPolicy: {
      retentionPolicyType: 'LongTermRetentionPolicy',
      dailySchedule: {
        retentionTimes: ['2026-01-01T22:30:00Z'],
        retentionDuration: { count: 30, durationType: 'Days' },
      },
    },
    timeZone: 'UTC',
  },
};

describe('emulator: backup policies, item health and Cross Subscription Backup', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    const failing = aProtectedItem({ vaultId: VAULT_ID, vmId: VM_ID }) as { properties: Record<string, unknown> };
    failing.properties = {
      ...failing.properties,
      protectionStatus: 'Unhealthy',
      healthStatus: 'ActionRequired',
      lastBackupStatus: 'Failed',
      lastBackupTime: '2026-11-30T22:02:57.0388109Z',
      lastRecoveryPoint: '2026-11-28T22:03:01.4086604Z',
      healthDetails: [
        {
          code: 400045,
          title: 'ExtensionSnapshotFailedNoNetwork',
          message: 'no network connectivity',
          recommendations: [],
        },
      ],
    };
    emu = await startEmulator({
      estate: [
        aVm({ name: 'vm-1', rg: 'rg-app' }),
        aVm({ name: 'vm-2', rg: 'rg-app' }),
        aVm({ name: 'vm-far', rg: 'rg-far', sub: OTHER }),
        aVault({ name: 'rsv-eastus', rg: 'rg-backup' }),
        failing,
      ],
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(async () => emu.stop());

  it('creates an Enhanced policy with PUT backupPolicies (200, the policy), and lists it in Resource Graph', async () => {
    const put = await raw(emu, 'PUT', `${VAULT_ID}/backupPolicies/EnhancedPolicy?${V}`, { body: v2Policy });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      name: 'EnhancedPolicy',
      type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
      properties: {
        policyType: 'V2',
        protectedItemsCount: 0,
        schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2' },
      },
    });
    const get = await raw(emu, 'GET', `${VAULT_ID}/backupPolicies/EnhancedPolicy?${V}`);
    expect(get.json).toMatchObject({ properties: { policyType: 'V2' } });
    const graph = await raw(
      emu,
      'POST',
      `/providers/Microsoft.ResourceGraph/resources?api-version=${SDK_API_VERSIONS.resourceGraph}`,
      {
        body: {
          query:
            "RecoveryServicesResources | where type =~ 'microsoft.recoveryservices/vaults/backuppolicies' | project name, policyType = tostring(properties.policyType)",
          subscriptions: [SUB],
        },
      },
    );
    expect((graph.json as { data: unknown[] }).data).toContainEqual({ name: 'EnhancedPolicy', policyType: 'V2' });
  });

  it('refuses a V2 policy with a V1 schedule, and a policy that is not AzureIaasVM', async () => {
    const bad = structuredClone(v2Policy);
    bad.properties.schedulePolicy.schedulePolicyType = 'SimpleSchedulePolicy';
    const r = await raw(emu, 'PUT', `${VAULT_ID}/backupPolicies/Bad?${V}`, { body: bad });
    expect([r.status, errorCode(r)]).toEqual([400, 'BMSUserErrorInvalidInput']);
    const sql = await raw(emu, 'PUT', `${VAULT_ID}/backupPolicies/Sql?${V}`, {
      body: { properties: { ...v2Policy.properties, backupManagementType: 'AzureWorkload' } },
    });
    expect(sql.status).toBe(400);
  });

  it('serves a failing item with its health fields, in ARM and in Resource Graph', async () => {
    const list = await raw(emu, 'GET', `${VAULT_ID}/backupProtectedItems?${V}`);
    const item = (list.json as { value: { properties: Record<string, unknown> }[] }).value[0];
    expect(item?.properties).toMatchObject({
      protectionStatus: 'Unhealthy',
      healthStatus: 'ActionRequired',
      lastBackupStatus: 'Failed',
      healthDetails: [{ title: 'ExtensionSnapshotFailedNoNetwork' }],
    });
    const graph = await raw(
      emu,
      'POST',
      `/providers/Microsoft.ResourceGraph/resources?api-version=${SDK_API_VERSIONS.resourceGraph}`,
      {
        body: {
          query:
            "RecoveryServicesResources | where type =~ 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems' | project lastBackupStatus = tostring(properties.lastBackupStatus), code = tostring(properties.healthDetails[0]['title'])",
          subscriptions: [SUB],
        },
      },
    );
    expect((graph.json as { data: unknown[] }).data).toEqual([
      { lastBackupStatus: 'Failed', code: 'ExtensionSnapshotFailedNoNetwork' },
    ]);
  });

  it('configures a VM of another subscription without discovery, with the V2 policy type on the item', async () => {
    const container = 'IaasVMContainer;iaasvmcontainerv2;rg-far;vm-far';
    const item = 'VM;iaasvmcontainerv2;rg-far;vm-far';
    const put = await raw(
      emu,
      'PUT',
      `${VAULT_ID}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}?${V}`,
      {
        body: {
          properties: {
            protectedItemType: 'Microsoft.Compute/virtualMachines',
            sourceResourceId: FAR_VM,
            policyId: `${VAULT_ID}/backupPolicies/EnhancedPolicy`,
          },
        },
      },
    );
    expect(put.status).toBe(202);
    let got: { properties?: Record<string, unknown> } = {};
    for (let i = 0; i < 200 && got.properties?.['protectionState'] !== 'Protected'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = (
        await raw(
          emu,
          'GET',
          `${VAULT_ID}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}?${V}`,
        )
      ).json as typeof got;
    }
    expect(got.properties).toMatchObject({ protectionState: 'Protected', policyType: 'V2', sourceResourceId: FAR_VM });
    // Discovery never ran for it: the vault's subscription is not the VM's.
    expect(emu.state().operations.some((o) => /refreshContainers/i.test(o.path))).toBe(false);
  });

  it('still requires discovery for a VM of the vault subscription', async () => {
    const container = 'IaasVMContainer;iaasvmcontainerv2;rg-app;vm-2';
    const item = 'VM;iaasvmcontainerv2;rg-app;vm-2';
    const r = await raw(
      emu,
      'PUT',
      `${VAULT_ID}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}?${V}`,
      {
        body: {
          properties: {
            protectedItemType: 'Microsoft.Compute/virtualMachines',
            sourceResourceId: VM_ID.replace('vm-1', 'vm-2'),
            policyId: `${VAULT_ID}/backupPolicies/DefaultPolicy`,
          },
        },
      },
    );
    expect([r.status, errorCode(r)]).toEqual([400, 'BMSUserErrorInvalidConfigureProtectionRequest']);
  });
});
