/**
 * Issue 12's writes on the real SDK clients against the local HTTPS emulator: create-backup-policy (a new
 * Enhanced policy only, never an edit), create-vault's secure defaults, and enable-protection through Cross
 * Subscription Backup (a VM protected by a vault of its region in another subscription, without discovery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { createAzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { AzureRemediator } from '../../../src/adapters/azure/remediator';
import type {
  Action,
  CreateBackupPolicyAction,
  CreateVaultAction,
  EnableProtectionAction,
} from '../../../src/core/actions';
import type { ActionResult } from '../../../src/ports';
import { networkedVms, protectedItemRow, SUB_A, SUB_B, vaultIdOf, vaultRow, type Row } from './estate';

function remediatorFor(emu: RunningEmulator): AzureRemediator {
  const clients = createAzureClients({
    armEndpoint: emu.endpoint,
    caCert: emu.caCert,
    credential: new StaticTokenCredential(emu.token),
    retryBounds: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  return new AzureRemediator({
    clients,
    pollIntervalMs: 10,
    maxPollDelayMs: 50,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
}

const summary = (results: ActionResult[]) =>
  results.map((r) => (r.status === 'failed' ? `failed:${r.error?.code ?? '?'}` : `${r.status}:${r.detail ?? ''}`));

const createVault = (sub: string, name: string, redundancy: string, location = 'eastus'): CreateVaultAction => ({
  kind: 'create-vault',
  target: vaultIdOf(sub, 'rg-backup-warden', name),
  params: {
    location,
    storageRedundancy: redundancy,
    resourceGroup: 'rg-backup-warden',
    name,
    publicNetworkAccess: 'Disabled',
  },
  resolves: [],
});

const createPolicy = (vaultId: string, name = 'EnhancedPolicy'): CreateBackupPolicyAction => ({
  kind: 'create-backup-policy',
  target: `${vaultId}/backupPolicies/${name}`,
  params: { vaultId, name, policyType: 'V2', dailyRunTime: '22:30', retentionDays: 30, instantRpRetentionDays: 7 },
  resolves: [],
});

const protect = (vmId: string, vaultId: string, policy = 'DefaultPolicy'): EnableProtectionAction => ({
  kind: 'enable-protection',
  target: vmId,
  params: { vaultId, policyId: `${vaultId}/backupPolicies/${policy}` },
  resolves: [],
});

const byId = (rows: Row[], id: string) => rows.find((r) => String(r.id).toLowerCase() === id.toLowerCase());

describe('create-vault secure defaults and create-backup-policy', () => {
  let emu: RunningEmulator;
  const grs = createVault(SUB_A, 'rsv-secure-grs', 'GeoRedundant');
  const lrs = createVault(SUB_A, 'rsv-secure-lrs', 'LocallyRedundant');
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [vaultRow({ sub: SUB_A, rg: 'rg-old', name: 'rsv-old' })],
      seed: 3,
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(() => emu?.stop());

  it('creates vaults with soft delete, unlocked immutability, CRR on GRS, Azure Monitor alerts and the configured network access', async () => {
    const results = await remediatorFor(emu).execute([grs, lrs]);
    expect(summary(results).every((s) => s.startsWith('succeeded:'))).toBe(true);
    const resources = emu.state().resources;
    expect(byId(resources, grs.target)?.properties).toMatchObject({
      publicNetworkAccess: 'Disabled',
      redundancySettings: { standardTierStorageRedundancy: 'GeoRedundant', crossRegionRestore: 'Enabled' },
      securitySettings: {
        softDeleteSettings: { softDeleteState: 'Enabled' },
        immutabilitySettings: { state: 'Unlocked' },
      },
      monitoringSettings: {
        azureMonitorAlertSettings: { alertsForAllJobFailures: 'Enabled' },
        classicAlertSettings: { alertsForCriticalOperations: 'Disabled' },
      },
    });
    expect(byId(resources, lrs.target)?.properties).toMatchObject({
      redundancySettings: { standardTierStorageRedundancy: 'LocallyRedundant', crossRegionRestore: 'Disabled' },
    });
  });

  it('adds an Enhanced policy once, skips it on a second run, and never edits a Standard policy of that name', async () => {
    const first = await remediatorFor(emu).execute([createPolicy(grs.target)]);
    expect(summary(first)).toEqual(['succeeded:created']);
    const policy = emu.state().backupPolicies[`${grs.target}/backuppolicies/enhancedpolicy`.toLowerCase()];
    expect(policy?.properties).toMatchObject({
      backupManagementType: 'AzureIaasVM',
      policyType: 'V2',
      schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2', scheduleRunFrequency: 'Daily' },
    });
    const writes = emu.state().operations.filter((o) => o.method === 'PUT').length;
    expect(summary(await remediatorFor(emu).execute([createPolicy(grs.target)]))).toEqual(['skipped:already-exists']);
    // DefaultPolicy exists as a V1 policy: asking for an Enhanced policy of that name fails and writes nothing.
    expect(summary(await remediatorFor(emu).execute([createPolicy(grs.target, 'DefaultPolicy')]))).toEqual([
      'failed:PolicyTypeMismatch',
    ]);
    expect(emu.state().operations.filter((o) => o.method === 'PUT').length).toBe(writes);
  });
});

describe('enable-protection through Cross Subscription Backup', () => {
  let emu: RunningEmulator;
  const central = vaultIdOf(SUB_B, 'rg-central', 'rsv-central-eastus');
  const west = vaultIdOf(SUB_B, 'rg-central', 'rsv-central-westus');
  const net = networkedVms({ sub: SUB_A, vmNames: ['vm-app-01', 'vm-app-02'] });
  const [vm1, vm2] = net.vmIds as [string, string];
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        ...net.rows,
        vaultRow({ sub: SUB_B, rg: 'rg-central', name: 'rsv-central-eastus' }),
        vaultRow({ sub: SUB_B, rg: 'rg-central', name: 'rsv-central-westus', location: 'westus' }),
      ],
      seed: 5,
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(() => emu?.stop());

  it('protects a VM with the vault of its region in the central subscription, without discovery', async () => {
    const actions: Action[] = [protect(vm1, central)];
    expect(summary(await remediatorFor(emu).execute(actions))).toEqual(['succeeded:protected']);
    const item = emu
      .state()
      .recoveryServicesResources.find(
        (r) =>
          String(r.type).endsWith('/protecteditems') && String(r.id).toLowerCase().startsWith(central.toLowerCase()),
      );
    expect(item?.id).toMatch(
      /protectionContainers\/IaasVMContainer;iaasvmcontainerv2;rg-app;vm-app-01\/protectedItems\/VM;iaasvmcontainerv2;rg-app;vm-app-01$/,
    );
    expect(item?.properties).toMatchObject({ sourceResourceId: vm1, currentProtectionState: 'ProtectionConfigured' });
    expect(emu.state().operations.some((o) => /refreshContainers/i.test(o.path))).toBe(false);
    expect(summary(await remediatorFor(emu).execute(actions))).toEqual(['skipped:already-protected']);
  });

  it('refuses a vault of another region and writes nothing', async () => {
    const before = emu.state().operations.filter((o) => o.method === 'PUT').length;
    expect(summary(await remediatorFor(emu).execute([protect(vm2, west)]))).toEqual([
      'failed:BMSUserErrorVmLocationMismatch',
    ]);
    expect(emu.state().operations.filter((o) => o.method === 'PUT').length).toBe(before);
  });
});

describe('create-vault re-checks backupStatus before creating', () => {
  let emu: RunningEmulator;
  const existing = vaultIdOf(SUB_A, 'rg-old', 'rsv-old-eastus');
  const net = networkedVms({ sub: SUB_A, vmNames: ['vm-lag-01', 'vm-lag-02'] });
  const [vm1, vm2] = net.vmIds as [string, string];
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        ...net.rows,
        vaultRow({ sub: SUB_A, rg: 'rg-old', name: 'rsv-old-eastus' }),
        protectedItemRow({ vaultId: existing, vmId: vm1 }),
      ],
      seed: 9,
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(() => emu?.stop());

  const forVms = (name: string, vms: string[]): CreateVaultAction => ({
    ...createVault(SUB_A, name, 'GeoRedundant'),
    resolves: vms.map((v) => `vm-unprotected|${v.toLowerCase()}`),
  });

  it('skips the vault, with the reason, when every VM it is for is protected by now', async () => {
    const results = await remediatorFor(emu).execute([forVms('rsv-lagging', [vm1])]);
    expect(summary(results)).toEqual(['skipped:no-unprotected-vm: vm-lag-01 is Protected']);
    expect(emu.state().operations.filter((o) => o.method === 'PUT')).toEqual([]);
  });

  it('creates it when one of them is still unprotected', async () => {
    const results = await remediatorFor(emu).execute([forVms('rsv-needed', [vm1, vm2])]);
    expect(summary(results)).toEqual(['succeeded:created-with-resource-group']);
  });
});
