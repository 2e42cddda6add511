import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { aProtectedItem, aVault, aVm, errorCode, raw, sdkOptions, StaticTokenCredential, SUB } from './emulatorHelpers';

const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';
const vmId = (rg: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const vaultId = (rg: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${name}`;
const OTHER_VAULT = vaultId('rg-backup2', 'rsv-other');

const estate = [
  aVault({ name: 'rsv-eastus', rg: 'rg-backup' }),
  aVault({ name: 'rsv-other', rg: 'rg-backup2' }),
  aVault({ name: 'rsv-westeu', rg: 'rg-backup', location: 'westeurope' }),
  aVm({ name: 'vm-a', rg: 'rg-app' }),
  aVm({ name: 'vm-b', rg: 'rg-app' }),
  aVm({ name: 'vm-c', rg: 'rg-app' }),
  aVm({ name: 'vm-stopped', rg: 'rg-app', power: 'PowerState/deallocated' }),
  aVm({ name: 'vm-eu', rg: 'rg-eu', location: 'westeurope' }),
  aProtectedItem({ vaultId: OTHER_VAULT, vmId: vmId('rg-app', 'vm-c') }),
];

function names(rg: string, vm: string) {
  return { container: `IaasVMContainer;iaasvmcontainerv2;${rg};${vm}`, item: `VM;iaasvmcontainerv2;${rg};${vm}` };
}

function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? '';
}

describe('backup: enable protection with the real arm-recoveryservicesbackup 12 client', () => {
  let emu: RunningEmulator;
  let backup: RecoveryServicesBackupClient;
  let vaults: RecoveryServicesClient;
  beforeAll(async () => {
    emu = await startEmulator({ estate, lroRetryAfterSeconds: 0 });
    backup = new RecoveryServicesBackupClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
    vaults = new RecoveryServicesClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('walks refresh -> 202 then 204 -> protectable items -> PUT 202 -> operationsStatus Succeeded -> item in Resource Graph', async () => {
    const before = await backup.backupStatus.get('eastus', { resourceId: vmId('rg-app', 'vm-a'), resourceType: 'VM' });
    expect(before.protectionStatus).toBe('NotProtected');

    let location = '';
    await backup.protectionContainers.refresh('rsv-eastus', 'rg-backup', 'Azure', {
      onResponse: (r) => {
        location = r.headers.get('location') ?? '';
      },
    });
    expect(location).toMatch(
      new RegExp(
        `^${emu.endpoint}/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus/backupFabrics/Azure/operationResults/[0-9a-f-]{36}\\?api-version=2023-06-01$`,
      ),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      await backup.protectionContainerRefreshOperationResults.get(
        'rsv-eastus',
        'rg-backup',
        'Azure',
        lastSegment(location),
        {
          onResponse: (r) => statuses.push(r.status),
        },
      );
    }
    expect(statuses).toEqual([202, 204]);

    const protectable: string[] = [];
    for await (const item of backup.backupProtectableItems.list('rsv-eastus', 'rg-backup', {
      filter: "backupManagementType eq 'AzureIaasVM'",
    })) {
      protectable.push(item.name ?? '');
      expect(item.properties?.protectableItemType).toBe('Microsoft.Compute/virtualMachines');
    }
    // Same subscription and region, not protected elsewhere: vm-c is in rsv-other, vm-eu is in westeurope.
    expect(protectable.sort()).toEqual([
      'iaasvmcontainerv2;rg-app;vm-a',
      'iaasvmcontainerv2;rg-app;vm-b',
      'iaasvmcontainerv2;rg-app;vm-stopped',
    ]);

    const n = names('rg-app', 'vm-a');
    let putStatus = 0;
    let asyncOp = '';
    let loc = '';
    const result = await backup.protectedItems.createOrUpdate(
      'rsv-eastus',
      'rg-backup',
      'Azure',
      n.container,
      n.item,
      {
        properties: {
          protectedItemType: 'Microsoft.Compute/virtualMachines',
          sourceResourceId: vmId('rg-app', 'vm-a'),
          policyId: `${vaultId('rg-backup', 'rsv-eastus')}/backupPolicies/DefaultPolicy`,
        },
      },
      {
        onResponse: (r) => {
          putStatus = r.status;
          asyncOp = r.headers.get('azure-asyncoperation') ?? '';
          loc = r.headers.get('location') ?? '';
        },
      },
    );
    expect(putStatus).toBe(202);
    expect(result).toEqual({});
    expect(asyncOp).toContain(`/protectedItems/${n.item}/operationsStatus/`);
    expect(loc).toContain(`/protectedItems/${n.item}/operationResults/`);

    const protecting = await backup.backupStatus.get('eastus', {
      resourceId: vmId('rg-app', 'vm-a'),
      resourceType: 'VM',
    });
    expect(protecting.protectionStatus).toBe('Protecting');

    const opId = lastSegment(asyncOp);
    const first = await backup.protectedItemOperationStatuses.get(
      'rsv-eastus',
      'rg-backup',
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(first.status).toBe('InProgress');
    const second = await backup.protectedItemOperationStatuses.get(
      'rsv-eastus',
      'rg-backup',
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(second.status).toBe('Succeeded');
    expect(second.properties?.objectType).toBe('OperationStatusJobExtendedInfo');
    const jobId = (second.properties as { jobId?: string }).jobId ?? '';
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    const item = await backup.protectedItems.get('rsv-eastus', 'rg-backup', 'Azure', n.container, n.item);
    expect((item.properties as { protectionState?: string }).protectionState).toBe('Protected');
    expect(item.properties?.sourceResourceId).toBe(vmId('rg-app', 'vm-a'));
    expect(item.properties?.policyId).toBe(`${vaultId('rg-backup', 'rsv-eastus')}/backupPolicies/DefaultPolicy`);

    const job = await backup.jobDetails.get('rsv-eastus', 'rg-backup', jobId);
    expect(job.properties?.operation).toBe('ConfigureBackup');
    expect(job.properties?.status).toBe('Completed');

    const rows = await raw(emu, 'POST', GRAPH, {
      body: {
        query: `RecoveryServicesResources | where type =~ 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems' | where tolower(tostring(properties.sourceResourceId)) == '${vmId('rg-app', 'vm-a').toLowerCase()}' | project id, properties`,
      },
    });
    const data = rows.json['data'] as { id: string; properties: Record<string, unknown> }[];
    expect(data).toHaveLength(1);
    expect(
      data[0]?.id.toLowerCase().startsWith(vaultId('rg-backup', 'rsv-eastus').toLowerCase() + '/backupfabrics/azure/'),
    ).toBe(true);
    expect(data[0]?.properties).toMatchObject({
      backupManagementType: 'AzureIaasVM',
      currentProtectionState: 'ProtectionConfigured',
      policyName: 'DefaultPolicy',
      sourceResourceId: vmId('rg-app', 'vm-a'),
      dataSourceInfo: { resourceLocation: 'eastus' },
    });

    const after = await backup.backupStatus.get('eastus', { resourceId: vmId('rg-app', 'vm-a'), resourceType: 'VM' });
    expect(after.protectionStatus).toBe('Protected');
    expect(after.vaultId).toBe(vaultId('rg-backup', 'rsv-eastus'));
    expect(after.policyName).toBe('DefaultPolicy');
    expect(after.containerName).toBe('iaasvmcontainer;iaasvmcontainerv2;rg-app;vm-a');
  });

  it('is idempotent for the same vault and refuses another vault, another region, an undiscovered VM and an unknown policy', async () => {
    const a = names('rg-app', 'vm-a');
    const policyId = `${vaultId('rg-backup', 'rsv-eastus')}/backupPolicies/DefaultPolicy`;
    const base = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus/backupFabrics/Azure/protectionContainers`;
    const put = (rg: string, vm: string, policy = policyId, vault = 'rsv-eastus') => {
      const nn = names(rg, vm);
      return raw(
        emu,
        'PUT',
        `${base.replace('rsv-eastus', vault)}/${nn.container}/protectedItems/${nn.item}?api-version=2023-06-01`,
        {
          body: {
            properties: {
              protectedItemType: 'Microsoft.Compute/virtualMachines',
              sourceResourceId: vmId(rg, vm),
              policyId: policy.replace('rsv-eastus', vault),
            },
          },
        },
      );
    };
    const again = await put('rg-app', 'vm-a');
    expect(again.status).toBe(202);
    expect(again.headers['retry-after']).toBe('0');
    const dup = await put('rg-app', 'vm-a');
    expect(dup.status).toBe(400);
    expect(errorCode(dup)).toBe('BMSUserErrorConflictingProtectionOperation');

    const elsewhere = await put('rg-app', 'vm-c');
    expect(elsewhere.status).toBe(400);
    expect(errorCode(elsewhere)).toBe('BMSUserErrorVmAlreadyProtected');
    const region = await put('rg-eu', 'vm-eu');
    expect(region.status).toBe(400);
    expect(errorCode(region)).toBe('BMSUserErrorVmLocationMismatch');
    const ghost = await put('rg-app', 'vm-ghost');
    expect([ghost.status, errorCode(ghost)]).toEqual([404, 'BMSUserErrorInvalidSourceResourceId']);
    const policy = await put('rg-app', 'vm-b', `${vaultId('rg-backup', 'rsv-eastus')}/backupPolicies/NoSuchPolicy`);
    expect(policy.status).toBe(404);
    expect(errorCode(policy)).toBe('BMSUserErrorPolicyNotFound');
    expect(a.item).toBe('VM;iaasvmcontainerv2;rg-app;vm-a');
  });

  it('answers BMSUserErrorInvalidConfigureProtectionRequest when refreshContainers was skipped', async () => {
    await vaults.vaults.createOrUpdate(
      'rg-backup',
      'rsv-fresh',
      { location: 'eastus', sku: { name: 'Standard' }, properties: {} },
      { updateIntervalInMs: 10 },
    );
    const n = names('rg-app', 'vm-b');
    await expect(
      backup.protectedItems.createOrUpdate('rsv-fresh', 'rg-backup', 'Azure', n.container, n.item, {
        properties: {
          protectedItemType: 'Microsoft.Compute/virtualMachines',
          sourceResourceId: vmId('rg-app', 'vm-b'),
          policyId: `${vaultId('rg-backup', 'rsv-fresh')}/backupPolicies/DefaultPolicy`,
        },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorInvalidConfigureProtectionRequest' });
  });

  it('locks the storage type once an item is protected: storage config and vault PUT refuse a change', async () => {
    const config = await backup.backupResourceStorageConfigsNonCRR.get('rsv-eastus', 'rg-backup');
    expect(config.properties?.storageType).toBe('GeoRedundant');
    expect(config.properties?.storageTypeState).toBe('Locked');
    await expect(
      backup.backupResourceStorageConfigsNonCRR.update('rsv-eastus', 'rg-backup', {
        properties: { storageType: 'LocallyRedundant' },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'StorageModelModifyError' });
    await expect(
      vaults.vaults.createOrUpdate(
        'rg-backup',
        'rsv-eastus',
        {
          location: 'eastus',
          sku: { name: 'Standard' },
          properties: { redundancySettings: { standardTierStorageRedundancy: 'LocallyRedundant' } },
        },
        { updateIntervalInMs: 10 },
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: 'StorageModelModifyError' });

    const unlocked = await backup.backupResourceStorageConfigsNonCRR.get('rsv-westeu', 'rg-backup');
    expect(unlocked.properties?.storageTypeState).toBe('Unlocked');
    const changed = await backup.backupResourceStorageConfigsNonCRR.update('rsv-westeu', 'rg-backup', {
      properties: { storageType: 'LocallyRedundant' },
    });
    expect(changed.properties?.storageType).toBe('LocallyRedundant');
    const row = await raw(emu, 'POST', GRAPH, {
      body: {
        query:
          "Resources | where type =~ 'microsoft.recoveryservices/vaults' and name == 'rsv-westeu' | project id, r = tostring(properties.redundancySettings.standardTierStorageRedundancy)",
      },
    });
    expect((row.json['data'] as { r: string }[])[0]?.r).toBe('LocallyRedundant');
  });

  it('triggers an on-demand backup (202) and rejects an expiry in the past', async () => {
    const n = names('rg-app', 'vm-a');
    await expect(
      backup.backups.trigger('rsv-eastus', 'rg-backup', 'Azure', n.container, n.item, {
        properties: { objectType: 'IaasVMBackupRequest', recoveryPointExpiryTimeInUTC: new Date(Date.now() - 3600e3) },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorInvalidInput' });
    let status = 0;
    let asyncOp = '';
    await backup.backups.trigger(
      'rsv-eastus',
      'rg-backup',
      'Azure',
      n.container,
      n.item,
      {
        properties: {
          objectType: 'IaasVMBackupRequest',
          recoveryPointExpiryTimeInUTC: new Date(Date.now() + 7 * 24 * 3600e3),
        },
      },
      {
        onResponse: (r) => {
          status = r.status;
          asyncOp = r.headers.get('azure-asyncoperation') ?? '';
        },
      },
    );
    expect(status).toBe(202);
    const opId = lastSegment(asyncOp);
    await backup.protectedItemOperationStatuses.get('rsv-eastus', 'rg-backup', 'Azure', n.container, n.item, opId);
    const done = await backup.protectedItemOperationStatuses.get(
      'rsv-eastus',
      'rg-backup',
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(done.status).toBe('Succeeded');
    const item = await backup.protectedItems.get('rsv-eastus', 'rg-backup', 'Azure', n.container, n.item);
    expect((item.properties as { lastBackupStatus?: string }).lastBackupStatus).toBe('Completed');
  });

  it('serves DefaultPolicy with a protected-item count', async () => {
    const policy = await backup.protectionPolicies.get('rsv-eastus', 'rg-backup', 'DefaultPolicy');
    expect(policy.properties?.backupManagementType).toBe('AzureIaasVM');
    expect(policy.properties?.protectedItemsCount).toBe(1);
    await expect(backup.protectionPolicies.get('rsv-eastus', 'rg-backup', 'Nope')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('vaults: create, validate and list with the real arm-recoveryservices 7.2 client', () => {
  let emu: RunningEmulator;
  let vaults: RecoveryServicesClient;
  beforeAll(async () => {
    emu = await startEmulator({ estate, lroRetryAfterSeconds: 0 });
    vaults = new RecoveryServicesClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('creates a vault as an LRO (201 Provisioning, Azure-AsyncOperation, then Succeeded) with DefaultPolicy and its redundancy', async () => {
    const vault = await vaults.vaults.createOrUpdate(
      'rg-backup',
      'rsv-new-1',
      {
        location: 'eastus',
        sku: { name: 'Standard' },
        properties: {
          publicNetworkAccess: 'Enabled',
          redundancySettings: { standardTierStorageRedundancy: 'LocallyRedundant', crossRegionRestore: 'Disabled' },
        },
      },
      { updateIntervalInMs: 10 },
    );
    expect(vault.properties?.provisioningState).toBe('Succeeded');
    expect(vault.properties?.redundancySettings?.standardTierStorageRedundancy).toBe('LocallyRedundant');
    const calls = emu
      .state()
      .operations.filter((o) => o.path.includes('rsv-new-1'))
      .map((o) => `${o.method} ${o.status} ${o.path.includes('operationStatus') ? 'status' : 'vault'}`);
    expect(calls).toEqual(['PUT 201 vault', 'GET 200 status', 'GET 200 status', 'GET 200 vault']);
    const policies = await raw(
      emu,
      'GET',
      `${vaultId('rg-backup', 'rsv-new-1')}/backupPolicies?api-version=2023-06-01`,
    );
    expect((policies.json['value'] as { name: string }[]).map((p) => p.name)).toEqual(['DefaultPolicy']);
    const g = await raw(emu, 'POST', GRAPH, {
      body: {
        query:
          "Resources | where type =~ 'microsoft.recoveryservices/vaults' and name == 'rsv-new-1' | project id, location, s = tostring(properties.redundancySettings.standardTierStorageRedundancy)",
      },
    });
    expect(g.json['data']).toEqual([
      { id: vaultId('rg-backup', 'rsv-new-1'), location: 'eastus', s: 'LocallyRedundant' },
    ]);
    const defaulted = await vaults.vaults.createOrUpdate(
      'rg-backup',
      'rsv-new-2',
      { location: 'East US', sku: { name: 'Standard' }, properties: {} },
      { updateIntervalInMs: 10 },
    );
    expect(defaulted.location).toBe('eastus');
    expect(defaulted.properties?.redundancySettings?.standardTierStorageRedundancy).toBe('GeoRedundant');
  });

  it.each(['1vault', 'a', 'vault_underscore', 'v'.repeat(51), 'ends-ok-but-has.dot'])(
    'rejects the vault name %j with 400 InvalidResourceName',
    async (name) => {
      const r = await raw(emu, 'PUT', `${vaultId('rg-backup', encodeURIComponent(name))}?api-version=2026-07-01`, {
        body: { location: 'eastus', sku: { name: 'Standard' }, properties: {} },
      });
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('InvalidResourceName');
    },
  );

  it('accepts a two-letter name, refuses a name taken in another group (409) and a missing group (404)', async () => {
    const ok = await raw(emu, 'PUT', `${vaultId('rg-backup', 'ab')}?api-version=2026-07-01`, {
      body: { location: 'eastus', sku: { name: 'Standard' }, properties: {} },
    });
    expect(ok.status).toBe(201);
    expect((ok.json['properties'] as { provisioningState: string }).provisioningState).toBe('Provisioning');
    expect(ok.headers['azure-asyncoperation']).toContain('/vaults/ab/operationStatus/');
    expect(ok.headers['location']).toContain('/vaults/ab/operationResults/');
    const twin = await raw(emu, 'PUT', `${vaultId('rg-app', 'RSV-EASTUS')}?api-version=2026-07-01`, {
      body: { location: 'eastus', sku: { name: 'Standard' }, properties: {} },
    });
    expect(twin.status).toBe(409);
    expect(errorCode(twin)).toBe('VaultAlreadyExists');
    await expect(
      vaults.vaults.createOrUpdate('rg-nowhere', 'rsv-x', {
        location: 'eastus',
        sku: { name: 'Standard' },
        properties: {},
      }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('lists vaults by group and subscription and answers a missing vault with ResourceNotFound', async () => {
    const inGroup: string[] = [];
    for await (const v of vaults.vaults.listByResourceGroup('rg-backup')) inGroup.push(v.name ?? '');
    expect(inGroup).toEqual(expect.arrayContaining(['rsv-eastus', 'rsv-westeu']));
    const inSub: string[] = [];
    for await (const v of vaults.vaults.listBySubscriptionId()) inSub.push(v.name ?? '');
    expect(inSub).toContain('rsv-other');
    await expect(vaults.vaults.get('rg-backup', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
  });
});

describe('backup: protectable items page at 200 with nextLink', () => {
  it('lists 205 discovered VMs over two pages, and the SDK iterator follows nextLink', async () => {
    const many = Array.from({ length: 205 }, (_, i) =>
      aVm({ name: `vm-${String(i).padStart(3, '0')}`, rg: 'rg-fleet' }),
    );
    const emu = await startEmulator({
      estate: [aVault({ name: 'rsv-fleet', rg: 'rg-backup' }), ...many],
      lroRetryAfterSeconds: 0,
    });
    try {
      const vault = vaultId('rg-backup', 'rsv-fleet');
      const refresh = await raw(emu, 'POST', `${vault}/backupFabrics/Azure/refreshContainers?api-version=2023-06-01`);
      const loc = refresh.headers['location'] ?? '';
      await raw(emu, 'GET', loc);
      expect((await raw(emu, 'GET', loc)).status).toBe(204);
      const first = await raw(
        emu,
        'GET',
        `${vault}/backupProtectableItems?api-version=2023-06-01&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`,
      );
      expect((first.json['value'] as unknown[]).length).toBe(200);
      expect(String(first.json['nextLink'])).toContain('$skipToken=200');
      const backup = new RecoveryServicesBackupClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
      let count = 0;
      for await (const _item of backup.backupProtectableItems.list('rsv-fleet', 'rg-backup', {
        filter: "backupManagementType eq 'AzureIaasVM'",
      }))
        count++;
      expect(count).toBe(205);
    } finally {
      await emu.stop();
    }
  });
});

describe('backup: a failed configure-protection operation', () => {
  it('ends Failed under lro-fail, leaves a ConfiguringProtectionFailed item and backupStatus ProtectionFailed', async () => {
    const emu = await startEmulator({
      estate: [aVault({ name: 'rsv-f', rg: 'rg-backup' }), aVm({ name: 'vm-f', rg: 'rg-app' })],
      lroRetryAfterSeconds: 0,
    });
    try {
      const vault = vaultId('rg-backup', 'rsv-f');
      const refresh = await raw(emu, 'POST', `${vault}/backupFabrics/Azure/refreshContainers?api-version=2023-06-01`);
      await raw(emu, 'GET', refresh.headers['location'] ?? '');
      await raw(emu, 'GET', refresh.headers['location'] ?? '');
      emu.setFaults('lro-fail=1');
      const n = names('rg-app', 'vm-f');
      const put = await raw(
        emu,
        'PUT',
        `${vault}/backupFabrics/Azure/protectionContainers/${n.container}/protectedItems/${n.item}?api-version=2023-06-01`,
        {
          body: {
            properties: {
              protectedItemType: 'Microsoft.Compute/virtualMachines',
              sourceResourceId: vmId('rg-app', 'vm-f'),
              policyId: `${vault}/backupPolicies/DefaultPolicy`,
            },
          },
        },
      );
      expect(put.status).toBe(202);
      emu.setFaults(undefined);
      const status = put.headers['azure-asyncoperation'] ?? '';
      await raw(emu, 'GET', status);
      const failed = await raw(emu, 'GET', status);
      expect(failed.json['status']).toBe('Failed');
      expect(failed.json['error']).toEqual({
        code: 'UserErrorGuestAgentStatusUnavailable',
        message: 'VM Agent unable to communicate with Azure Backup.',
      });
      const rows = emu.state().recoveryServicesResources;
      expect(rows.map((r) => (r['properties'] as { currentProtectionState: string }).currentProtectionState)).toEqual([
        'ConfiguringProtectionFailed',
      ]);
      const bs = await raw(
        emu,
        'POST',
        `/subscriptions/${SUB}/providers/Microsoft.RecoveryServices/locations/eastus/backupStatus?api-version=2023-06-01`,
        { body: { resourceId: vmId('rg-app', 'vm-f'), resourceType: 'VM' } },
      );
      expect(bs.json['protectionStatus']).toBe('ProtectionFailed');
      expect(bs.json['vaultId']).toBe(vault);
    } finally {
      await emu.stop();
    }
  });
});
