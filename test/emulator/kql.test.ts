import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeKql, kqlDiagnostics, type Row } from '../../packages/emulator/src/kql';

// ---------------------------------------------------------------- fixtures (shaped like real Resource Graph rows)

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB1 = '00000000-0000-0000-0000-000000000001';
const SUB2 = '00000000-0000-0000-0000-000000000002';

const armId = (sub: string, rg: string, provider: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${name}`;
const vmId = (sub: string, rg: string, name: string): string =>
  armId(sub, rg, 'Microsoft.Compute/virtualMachines', name);
const nicId = (sub: string, rg: string, name: string): string =>
  armId(sub, rg, 'Microsoft.Network/networkInterfaces', name);

interface VmSpec {
  sub: string;
  rg: string;
  name: string;
  location: string;
  osType: 'Linux' | 'Windows';
  tags: Record<string, string>;
  nics: string[];
  power: string;
  managed: boolean;
  size: string;
}

function vm(s: VmSpec): Row {
  const osDisk: Record<string, unknown> = {
    osType: s.osType,
    name: `${s.name}_OsDisk_1`,
    createOption: 'FromImage',
    caching: 'ReadWrite',
  };
  if (s.managed)
    osDisk['managedDisk'] = {
      storageAccountType: 'Premium_LRS',
      id: armId(s.sub, s.rg, 'Microsoft.Compute/disks', `${s.name}_OsDisk_1`),
    };
  else osDisk['vhd'] = { uri: `https://st${s.name.replace(/-/g, '')}.blob.core.windows.net/vhds/${s.name}.vhd` };
  return {
    id: vmId(s.sub, s.rg, s.name),
    name: s.name,
    type: 'microsoft.compute/virtualmachines',
    tenantId: TENANT,
    kind: '',
    location: s.location,
    resourceGroup: s.rg.toLowerCase(),
    subscriptionId: s.sub,
    managedBy: '',
    sku: null,
    plan: null,
    properties: {
      vmId: `${s.name}-0000-4000-8000-000000000000`,
      hardwareProfile: { vmSize: s.size },
      storageProfile: { osDisk, dataDisks: [] },
      networkProfile: {
        networkInterfaces: s.nics.map((n, i) => ({ id: nicId(s.sub, s.rg, n), properties: { primary: i === 0 } })),
      },
      provisioningState: 'Succeeded',
      extended: { instanceView: { powerState: { code: `PowerState/${s.power}`, level: 'Info' } } },
    },
    tags: s.tags,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

const VM_WEB_01 = vm({
  sub: SUB1,
  rg: 'RG-App',
  name: 'vm-web-01',
  location: 'westeurope',
  osType: 'Linux',
  tags: { env: 'prod', owner: 'team-web' },
  nics: ['vm-web-01-nic'],
  power: 'running',
  managed: true,
  size: 'Standard_D2s_v5',
});
const VM_WEB_02 = vm({
  sub: SUB1,
  rg: 'RG-App',
  name: 'vm-web-02',
  location: 'westeurope',
  osType: 'Linux',
  tags: { env: 'prod' },
  nics: ['vm-web-02-nic', 'vm-web-02-nic2'],
  power: 'running',
  managed: true,
  size: 'Standard_D2s_v5',
});
const VM_DB_01 = vm({
  sub: SUB1,
  rg: 'RG-Data',
  name: 'vm-db-01',
  location: 'northeurope',
  osType: 'Windows',
  tags: { env: 'dev', 'cost-center': '4711' },
  nics: ['vm-db-01-nic'],
  power: 'deallocated',
  managed: false,
  size: 'Standard_E4s_v5',
});
const VM_BATCH_01 = vm({
  sub: SUB2,
  rg: 'RG-Batch',
  name: 'vm-batch-01',
  location: 'westeurope',
  osType: 'Windows',
  tags: {},
  nics: [],
  power: 'running',
  managed: true,
  size: 'Standard_F8s_v2',
});

const VAULT_ID = armId(SUB1, 'RG-Backup', 'Microsoft.RecoveryServices/vaults', 'rsv-weu-01');
const VAULT: Row = {
  id: VAULT_ID,
  name: 'rsv-weu-01',
  type: 'microsoft.recoveryservices/vaults',
  tenantId: TENANT,
  location: 'westeurope',
  resourceGroup: 'rg-backup',
  subscriptionId: SUB1,
  sku: { name: 'RS0', tier: 'Standard' },
  properties: {
    provisioningState: 'Succeeded',
    redundancySettings: { standardTierStorageRedundancy: 'GeoRedundant', crossRegionRestore: 'Disabled' },
  },
  tags: { env: 'prod' },
};

const NIC_WEB_01: Row = {
  id: nicId(SUB1, 'RG-App', 'vm-web-01-nic'),
  name: 'vm-web-01-nic',
  type: 'microsoft.network/networkinterfaces',
  tenantId: TENANT,
  location: 'westeurope',
  resourceGroup: 'rg-app',
  subscriptionId: SUB1,
  properties: {
    ipConfigurations: [
      {
        name: 'ipconfig1',
        properties: {
          privateIPAddress: '10.0.1.4',
          subnet: { id: `${armId(SUB1, 'RG-Net', 'Microsoft.Network/virtualNetworks', 'vnet-weu')}/subnets/snet-web` },
        },
      },
    ],
    networkSecurityGroup: { id: armId(SUB1, 'RG-Net', 'Microsoft.Network/networkSecurityGroups', 'nsg-web') },
    virtualMachine: { id: VM_WEB_01['id'] },
  },
  tags: {},
};

const RESOURCES: Row[] = [VM_WEB_01, VM_WEB_02, VAULT, VM_DB_01, NIC_WEB_01, VM_BATCH_01];

const ITEM_TYPE = 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems';

function protectedItem(
  vault: string,
  vaultRg: string,
  sub: string,
  vmRg: string,
  vmName: string,
  props: Record<string, unknown>,
): Row {
  const container = `IaasVMContainer;iaasvmcontainerv2;${vmRg.toLowerCase()};${vmName}`;
  const item = `VM;iaasvmcontainerv2;${vmRg.toLowerCase()};${vmName}`;
  return {
    id: `${armId(SUB1, vaultRg, 'Microsoft.RecoveryServices/vaults', vault)}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}`,
    name: item,
    type: ITEM_TYPE,
    tenantId: TENANT,
    location: 'westeurope',
    resourceGroup: vaultRg.toLowerCase(),
    subscriptionId: SUB1,
    properties: {
      friendlyName: vmName,
      // Resource Graph keeps the casing the VM had when protection was configured.
      sourceResourceId: `/subscriptions/${sub}/resourceGroups/${vmRg.toLowerCase()}/providers/Microsoft.Compute/virtualMachines/${vmName}`,
      dataSourceInfo: {
        resourceID: vmId(sub, vmRg, vmName),
        resourceLocation: 'westeurope',
        datasourceType: 'Microsoft.Compute/virtualMachines',
      },
      policyName: 'DefaultPolicy',
      policyId: `${armId(SUB1, vaultRg, 'Microsoft.RecoveryServices/vaults', vault)}/backupPolicies/DefaultPolicy`,
      ...props,
    },
    tags: {},
  };
}

const ITEM_WEB_01 = protectedItem('rsv-weu-01', 'RG-Backup', SUB1, 'RG-App', 'vm-web-01', {
  backupManagementType: 'AzureIaasVM',
  workloadType: 'VM',
  currentProtectionState: 'ProtectionConfigured',
  lastRecoveryPoint: '2024-05-01T02:00:00Z',
});
const ITEM_DB_01 = protectedItem('rsv-weu-01', 'RG-Backup', SUB1, 'RG-Data', 'vm-db-01', {
  backupManagementType: 'AzureIaasVM',
  workloadType: 'VM',
  currentProtectionState: 'ProtectionStopped',
});
// A SQL workload item on vm-web-02: it does not make the VM itself protected.
const ITEM_SQL_WEB_02 = protectedItem('rsv-weu-01', 'RG-Backup', SUB1, 'RG-App', 'vm-web-02', {
  backupManagementType: 'AzureWorkload',
  workloadType: 'SQLDataBase',
  currentProtectionState: 'ProtectionConfigured',
});
const POLICY: Row = {
  id: `${VAULT_ID}/backupPolicies/DefaultPolicy`,
  name: 'DefaultPolicy',
  type: 'microsoft.recoveryservices/vaults/backuppolicies',
  tenantId: TENANT,
  resourceGroup: 'rg-backup',
  subscriptionId: SUB1,
  properties: { backupManagementType: 'AzureIaasVM', protectedItemsCount: 2 },
};

const RSR: Row[] = [ITEM_WEB_01, ITEM_DB_01, ITEM_SQL_WEB_02, POLICY];
const TABLES = { Resources: RESOURCES, RecoveryServicesResources: RSR };

const run = (query: string, tables: Record<string, readonly Row[]> = TABLES): Row[] => executeKql(query, tables);
/** Plain Kusto semantics, without Resource Graph's join-flavor and mv-expand limits. */
const runKusto = (query: string, tables: Record<string, readonly Row[]> = TABLES): Row[] =>
  executeKql(query, tables, { dialect: 'kusto' });
const names = (rows: Row[]): unknown[] => rows.map((r) => r['name']);

// ---------------------------------------------------------------- Microsoft's own queries

describe('Microsoft sample queries', () => {
  it('"List all Azure VMs that have not been configured for backup" (azure-docs, query-backups-using-azure-resource-graph.md)', () => {
    // Verbatim, including the trailing spaces and blank line of the published text.
    const query = `Resources
| where type in~ ('microsoft.compute/virtualmachines','microsoft.classiccompute/virtualmachines') 
| extend resourceId=tolower(id) 
| join kind = leftouter ( RecoveryServicesResources
| where type == "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems"
| where properties.backupManagementType == "AzureIaasVM"
| project resourceId = tolower(tostring(properties.sourceResourceId)), backupItemid = id, isBackedUp = isnotempty(id) ) on resourceId 
| extend isProtected = isnotempty(backupItemid)
| where (isProtected == (0))
| project id,name,resourceGroup,location,tags

`;
    expect(kqlDiagnostics(query)).toEqual([]);
    expect(run(query)).toEqual([
      {
        id: vmId(SUB1, 'RG-App', 'vm-web-02'),
        name: 'vm-web-02',
        resourceGroup: 'rg-app',
        location: 'westeurope',
        tags: { env: 'prod' },
      },
      {
        id: vmId(SUB2, 'RG-Batch', 'vm-batch-01'),
        name: 'vm-batch-01',
        resourceGroup: 'rg-batch',
        location: 'westeurope',
        tags: {},
      },
    ]);
  });

  it('the same sample counts a stopped item as protected and ignores workload items', () => {
    const onlyStopped = { Resources: [VM_DB_01, VM_WEB_02], RecoveryServicesResources: [ITEM_DB_01, ITEM_SQL_WEB_02] };
    const query = `Resources
| where type in~ ('microsoft.compute/virtualmachines','microsoft.classiccompute/virtualmachines')
| extend resourceId=tolower(id)
| join kind = leftouter ( RecoveryServicesResources
| where type == "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems"
| where properties.backupManagementType == "AzureIaasVM"
| project resourceId = tolower(tostring(properties.sourceResourceId)), backupItemid = id, isBackedUp = isnotempty(id) ) on resourceId
| extend isProtected = isnotempty(backupItemid)
| project name, isProtected, isBackedUp, resourceId1`;
    expect(run(query, onlyStopped)).toEqual([
      {
        name: 'vm-db-01',
        isProtected: true,
        isBackedUp: true,
        resourceId1: vmId(SUB1, 'RG-Data', 'vm-db-01').toLowerCase(),
      },
      { name: 'vm-web-02', isProtected: false, isBackedUp: null, resourceId1: null },
    ]);
  });

  it('"List all Azure VMs that have been configured for backup" (same article)', () => {
    const ZERO = '00000000-0000-0000-0000-000000000000';
    const items = [
      protectedItem('rsv-a', 'RG-Backup', ZERO, 'RG-App', 'vm-a', {
        backupManagementType: 'AzureIaasVM',
        currentProtectionState: 'ProtectionConfigured',
        lastRecoveryPoint: '2024-06-01T01:00:00Z',
      }),
      protectedItem('rsv-a', 'RG-Backup', ZERO, 'RG-App', 'vm-b', {
        backupManagementType: 'AzureIaasVM',
        currentProtectionState: 'SoftDeleted',
      }),
      protectedItem('rsv-a', 'RG-Backup', ZERO, 'RG-App', 'vm-c', {
        backupManagementType: 'AzureIaasVM',
        currentProtectionState: 'NotProtected',
      }),
      protectedItem('rsv-a', 'RG-Backup', SUB1, 'RG-App', 'vm-d', {
        backupManagementType: 'AzureIaasVM',
        currentProtectionState: 'ProtectionConfigured',
      }),
      protectedItem('rsv-a', 'RG-Backup', ZERO, 'RG-App', 'vm-e', {
        backupManagementType: 'AzureWorkload',
        currentProtectionState: 'ProtectionConfigured',
      }),
    ];
    const query = `RecoveryServicesResources 
| where type in~ ('Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems')
| extend vaultName = case(type =~ 'microsoft.dataprotection/backupVaults/backupInstances',split(split(id, '/Microsoft.DataProtection/backupVaults/')[1],'/')[0],type =~ 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',split(split(id, '/Microsoft.RecoveryServices/vaults/')[1],'/')[0],'--')
| extend dataSourceType = case(type=~'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',properties.backupManagementType,type =~ 'microsoft.dataprotection/backupVaults/backupInstances',properties.dataSourceSetInfo.datasourceType,'--')
| extend friendlyName = properties.friendlyName
| extend dsResourceGroup = split(split(properties.dataSourceInfo.resourceID, '/resourceGroups/')[1],'/')[0]
| extend dsSubscription = split(split(properties.dataSourceInfo.resourceID, '/subscriptions/')[1],'/')[0]
| extend lastRestorePoint = properties.lastRecoveryPoint
| extend primaryLocation = properties.dataSourceInfo.resourceLocation
| extend policyName = case(type =~ 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',properties.policyName, type =~ 'microsoft.dataprotection/backupVaults/backupInstances', properties.policyInfo.name, '--')
| extend protectionState = properties.currentProtectionState
| where protectionState in~ ('ConfiguringProtection','ProtectionConfigured','ConfiguringProtectionFailed','ProtectionStopped','SoftDeleted','ProtectionError')
| where (dsSubscription in~ ('00000000-0000-0000-0000-000000000000')) and (dataSourceType in~ ('AzureIaasVM')) //add the relevant subscription ids you wish to query to this line

`;
    const rows = run(query, { RecoveryServicesResources: items });
    expect(
      rows.map((r) => [
        r['friendlyName'],
        r['vaultName'],
        r['dataSourceType'],
        r['dsResourceGroup'],
        r['dsSubscription'],
        r['protectionState'],
        r['policyName'],
        r['lastRestorePoint'],
        r['primaryLocation'],
      ]),
    ).toEqual([
      [
        'vm-a',
        'rsv-a',
        'AzureIaasVM',
        'RG-App',
        ZERO,
        'ProtectionConfigured',
        'DefaultPolicy',
        '2024-06-01T01:00:00Z',
        'westeurope',
      ],
      ['vm-b', 'rsv-a', 'AzureIaasVM', 'RG-App', ZERO, 'SoftDeleted', 'DefaultPolicy', null, 'westeurope'],
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'id',
      'name',
      'type',
      'tenantId',
      'kind',
      'location',
      'resourceGroup',
      'subscriptionId',
      'managedBy',
      'sku',
      'plan',
      'properties',
      'tags',
      'identity',
      'zones',
      'extendedLocation',
      'vaultName',
      'dataSourceType',
      'friendlyName',
      'dsResourceGroup',
      'dsSubscription',
      'lastRestorePoint',
      'primaryLocation',
      'policyName',
      'protectionState',
    ]);
  });

  it('REST example ResourcesPropertiesQuery: summarize count() by tostring(properties.storageProfile.osDisk.osType)', () => {
    const query =
      "Resources | where type =~ 'Microsoft.Compute/virtualMachines' | summarize count() by tostring(properties.storageProfile.osDisk.osType)";
    // The example's response shows "count"; the Kusto engine (and Resource Graph's tutorials) name
    // an unnamed count() `count_`, which is what Kusto.Language's binder infers too.
    expect(run(query)).toEqual([
      { properties_storageProfile_osDisk_osType: 'Linux', count_: 2 },
      { properties_storageProfile_osDisk_osType: 'Windows', count_: 2 },
    ]);
  });

  it('REST example ResourcesBasicQuery: project id, name, type, location, tags | limit 3', () => {
    expect(run('Resources | project id, name, type, location, tags | limit 3')).toEqual([
      {
        id: VM_WEB_01['id'],
        name: 'vm-web-01',
        type: 'microsoft.compute/virtualmachines',
        location: 'westeurope',
        tags: { env: 'prod', owner: 'team-web' },
      },
      {
        id: VM_WEB_02['id'],
        name: 'vm-web-02',
        type: 'microsoft.compute/virtualmachines',
        location: 'westeurope',
        tags: { env: 'prod' },
      },
      {
        id: VAULT_ID,
        name: 'rsv-weu-01',
        type: 'microsoft.recoveryservices/vaults',
        location: 'westeurope',
        tags: { env: 'prod' },
      },
    ]);
  });

  it("REST example ResourcesFirstPageQuery: where name contains 'test'", () => {
    const rows: Row[] = [
      {
        id: '/x/yetanothertest_OsDisk_1',
        name: 'yetanothertest_OsDisk_1',
        type: 'microsoft.compute/disks',
        location: 'eastus',
      },
      { id: '/x/TestAA', name: 'TestAA', type: 'microsoft.automation/automationaccounts', location: 'eastus2' },
      { id: '/x/prod', name: 'prod-vm', type: 'microsoft.compute/virtualmachines', location: 'eastus' },
    ];
    expect(
      run("Resources | where name contains 'test' | project id, name, type, location", { Resources: rows }),
    ).toEqual([
      {
        id: '/x/yetanothertest_OsDisk_1',
        name: 'yetanothertest_OsDisk_1',
        type: 'microsoft.compute/disks',
        location: 'eastus',
      },
      { id: '/x/TestAA', name: 'TestAA', type: 'microsoft.automation/automationaccounts', location: 'eastus2' },
    ]);
  });
});

describe('tables', () => {
  it('returns every Resource Graph column, filling missing strings with "" and missing dynamics with null', () => {
    const [nic] = run("Resources | where name == 'vm-web-01-nic'");
    expect(Object.keys(nic ?? {})).toEqual([
      'id',
      'name',
      'type',
      'tenantId',
      'kind',
      'location',
      'resourceGroup',
      'subscriptionId',
      'managedBy',
      'sku',
      'plan',
      'properties',
      'tags',
      'identity',
      'zones',
      'extendedLocation',
    ]);
    expect(nic?.['kind']).toBe('');
    expect(nic?.['managedBy']).toBe('');
    expect(nic?.['sku']).toBeNull();
  });

  it('keeps extra row columns after the standard ones', () => {
    expect(
      run(
        "T | project-away properties, tags, sku, plan, identity, zones, extendedLocation | project-away tenantId, ['kind'], location, resourceGroup, subscriptionId, managedBy, type",
        {
          T: [{ id: 'a', name: 'n', extra: 5 }],
        },
      ),
    ).toEqual([{ id: 'a', name: 'n', extra: 5 }]);
  });

  it('looks table names up case-insensitively', () => {
    expect(names(run("resources | where type == 'microsoft.recoveryservices/vaults'"))).toEqual(['rsv-weu-01']);
    expect(names(run("RESOURCES | where type == 'microsoft.recoveryservices/vaults'"))).toEqual(['rsv-weu-01']);
  });

  it('treats a query that starts with an operator as a query over Resources', () => {
    expect(names(run("where type =~ 'Microsoft.RecoveryServices/vaults' | project name"))).toEqual(['rsv-weu-01']);
  });
});

describe('where', () => {
  it('filters with and / or / not()', () => {
    expect(
      names(
        run(
          "Resources | where type == 'microsoft.compute/virtualmachines' and (location == 'northeurope' or tags.owner == 'team-web')",
        ),
      ),
    ).toEqual(['vm-web-01', 'vm-db-01']);
    expect(
      names(run("Resources | where type == 'microsoft.compute/virtualmachines' and not(location == 'westeurope')")),
    ).toEqual(['vm-db-01']);
  });

  it('treats a missing property as null: == is false, != is true, null == null drops the row', () => {
    expect(
      names(run("Resources | where properties.redundancySettings.standardTierStorageRedundancy == 'GeoRedundant'")),
    ).toEqual(['rsv-weu-01']);
    expect(
      names(run("Resources | where properties.redundancySettings.standardTierStorageRedundancy != 'GeoRedundant'")),
    ).toEqual(['vm-web-01', 'vm-web-02', 'vm-db-01', 'vm-web-01-nic', 'vm-batch-01']);
    expect(run('Resources | where properties.absent == properties.alsoAbsent')).toEqual([]);
    expect(names(run('RecoveryServicesResources | where toint(properties.protectedItemsCount) > 1'))).toEqual([
      'DefaultPolicy',
    ]);
  });

  it('compares with =~ case-insensitively and with == case-sensitively', () => {
    expect(run("Resources | where type == 'Microsoft.Compute/virtualMachines' | count")).toEqual([{ Count: 0 }]);
    expect(run("Resources | where type =~ 'Microsoft.Compute/virtualMachines' | count")).toEqual([{ Count: 4 }]);
    expect(names(run("Resources | where type !~ 'MICROSOFT.COMPUTE/VIRTUALMACHINES'"))).toEqual([
      'rsv-weu-01',
      'vm-web-01-nic',
    ]);
  });
});

describe('project, project-away, project-keep, project-rename, extend', () => {
  it('projects columns, renames and computed columns', () => {
    expect(
      run(
        "Resources | where name == 'vm-web-01' | project name, vmName = name, size = properties.hardwareProfile.vmSize, upper = toupper(name)",
      ),
    ).toEqual([{ name: 'vm-web-01', vmName: 'vm-web-01', size: 'Standard_D2s_v5', upper: 'VM-WEB-01' }]);
  });

  it('names unnamed columns as Kusto does', () => {
    const [row] = run(
      "Resources | where name == 'vm-web-01' | project properties.storageProfile.osDisk.osType, tostring(properties.hardwareProfile.vmSize), properties.networkProfile.networkInterfaces[0].id, tags['env'], tolower(name), toupper(name), strlen(name)",
    );
    expect(row).toEqual({
      properties_storageProfile_osDisk_osType: 'Linux',
      properties_hardwareProfile_vmSize: 'Standard_D2s_v5',
      properties_networkProfile_networkInterfaces_0_id: nicId(SUB1, 'RG-App', 'vm-web-01-nic'),
      tags_env: 'prod',
      Column1: 'vm-web-01',
      Column2: 'VM-WEB-01',
      strlen_name: 9,
    });
  });

  it('project-away and project-keep take names and wildcards', () => {
    const [row] = run(
      "Resources | where name == 'rsv-weu-01' | project-away properties, tags, sku, plan, identity, zones, extendedLocation, *Id, ['kind'], managedBy",
    );
    expect(row).toEqual({
      id: VAULT_ID,
      name: 'rsv-weu-01',
      type: 'microsoft.recoveryservices/vaults',
      location: 'westeurope',
      resourceGroup: 'rg-backup',
    });
    expect(run("Resources | where name == 'rsv-weu-01' | project-keep name, *Group")).toEqual([
      { name: 'rsv-weu-01', resourceGroup: 'rg-backup' },
    ]);
  });

  it('project-rename renames in place', () => {
    expect(
      run("Resources | where name == 'rsv-weu-01' | project name, location | project-rename vault = name"),
    ).toEqual([{ vault: 'rsv-weu-01', location: 'westeurope' }]);
  });

  it('extend adds columns, replaces existing ones in place and sees earlier ones', () => {
    const [row] = run(
      "Resources | where name == 'vm-db-01' | project name, location | extend location = toupper(location), managed = isnotempty(name), tag = strcat(name, '@', location)",
    );
    expect(row).toEqual({ name: 'vm-db-01', location: 'NORTHEUROPE', managed: true, tag: 'vm-db-01@NORTHEUROPE' });
    expect(Object.keys(row ?? {})).toEqual(['name', 'location', 'managed', 'tag']);
  });

  it('extend of an unnamed expression takes the inferred name', () => {
    expect(
      run(
        "Resources | where name == 'vm-db-01' | project name, properties | extend tostring(properties.hardwareProfile.vmSize) | project-away properties",
      ),
    ).toEqual([{ name: 'vm-db-01', properties_hardwareProfile_vmSize: 'Standard_E4s_v5' }]);
  });
});

describe('join', () => {
  const left: Row[] = [
    { id: 'a', name: 'vm-a', k: 1 },
    { id: 'b', name: 'vm-b', k: 2 },
    { id: 'b', name: 'vm-b-dup', k: 2 },
    { id: 'c', name: 'vm-c', k: 3 },
  ];
  const right: Row[] = [
    { id: 'b', name: 'item-b1', k: 2 },
    { id: 'b', name: 'item-b2', k: 2 },
    { id: 'c', name: 'item-c', k: 30 },
    { id: 'd', name: 'item-d', k: 4 },
  ];
  const T = { L: left, R: right };
  const pick = (q: string): unknown[] =>
    run(`${q} | project name, name1`, T).map((r) => `${String(r['name'])}|${String(r['name1'])}`);

  it('defaults to innerunique: the left side is deduplicated on the key', () => {
    expect(pick('L | join (R) on id')).toEqual(['vm-b|item-b1', 'vm-b|item-b2', 'vm-c|item-c']);
  });

  it('kind=inner keeps every pair', () => {
    expect(pick('L | join kind=inner (R) on id')).toEqual([
      'vm-b|item-b1',
      'vm-b|item-b2',
      'vm-b-dup|item-b1',
      'vm-b-dup|item-b2',
      'vm-c|item-c',
    ]);
  });

  it('kind=leftouter keeps unmatched left rows with null right columns', () => {
    expect(pick('L | join kind=leftouter (R) on id')).toEqual([
      'vm-a|null',
      'vm-b|item-b1',
      'vm-b|item-b2',
      'vm-b-dup|item-b1',
      'vm-b-dup|item-b2',
      'vm-c|item-c',
    ]);
  });

  it('in plain Kusto, kind=leftanti and kind=leftsemi keep only left columns', () => {
    expect(runKusto('L | join kind=leftanti (R) on id', T)).toEqual([{ id: 'a', name: 'vm-a', k: 1, ...blank() }]);
    expect(names(runKusto('L | join kind=leftsemi (R) on id', T))).toEqual(['vm-b', 'vm-b-dup', 'vm-c']);
  });

  it('Resource Graph refuses the flavors it does not allow, with UnsupportedJoinFlavor', () => {
    for (const [kind, spelled] of [
      ['leftanti', 'LeftAnti'],
      ['leftsemi', 'LeftSemi'],
      ['rightanti', 'RightAnti'],
      ['rightsemi', 'RightSemi'],
      ['rightouter', 'RightOuter'],
    ]) {
      let caught: unknown;
      try {
        run(`L | join kind=${kind} (R) on id`, T);
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({
        code: 'InvalidQuery',
        details: [
          { code: 'InvalidQuery' },
          { code: 'UnsupportedJoinFlavor', message: `The join kind "${spelled}" is not supported or not allowed.` },
        ],
      });
    }
  });

  it('in plain Kusto, kind=rightanti, rightsemi and rightouter; fullouter in both', () => {
    expect(names(runKusto('L | join kind=rightanti (R) on id', T))).toEqual(['item-d']);
    expect(names(runKusto('L | join kind=rightsemi (R) on id', T))).toEqual(['item-b1', 'item-b2', 'item-c']);
    expect(
      runKusto('L | join kind=rightouter (R) on id', T).map((r) => `${String(r['name'])}|${String(r['name1'])}`),
    ).toEqual(['vm-b|item-b1', 'vm-b|item-b2', 'vm-b-dup|item-b1', 'vm-b-dup|item-b2', 'vm-c|item-c', 'null|item-d']);
    expect(pick('L | join kind=fullouter (R) on id')).toEqual([
      'vm-a|null',
      'vm-b|item-b1',
      'vm-b|item-b2',
      'vm-b-dup|item-b1',
      'vm-b-dup|item-b2',
      'vm-c|item-c',
      'null|item-d',
    ]);
  });

  it('joins on $left.a == $right.b and on several conditions with and', () => {
    const rows = run(
      'L | project lid = id, name, k | join kind=inner (R | project rid = id, item = name, k) on $left.lid == $right.rid and $left.k == $right.k | project name, item',
      T,
    );
    expect(rows).toEqual([
      { name: 'vm-b', item: 'item-b1' },
      { name: 'vm-b', item: 'item-b2' },
      { name: 'vm-b-dup', item: 'item-b1' },
      { name: 'vm-b-dup', item: 'item-b2' },
    ]);
    expect(run('L | join kind=inner (R) on id, k | project name, name1', T)).toHaveLength(4);
    expect(run('L | join kind=inner (R) on $left.id == $right.id | where k1 == 30 | project name', T)).toEqual([
      { name: 'vm-c' },
    ]);
  });

  it('names right-side collisions with a numeric suffix (id1, name1, ...)', () => {
    const [row] = run(
      "L | where id == 'c' | project id, name, id1 = 'x' | join kind=inner (R | project id, name) on id",
      T,
    );
    expect(row).toEqual({ id: 'c', name: 'vm-c', id1: 'x', id2: 'c', name1: 'item-c' });
  });

  it('accepts a bare table name as the right side', () => {
    expect(run('L | join kind=inner R on id | count', T)).toEqual([{ Count: 5 }]);
  });

  it('joins VMs to their NICs after mv-expand', () => {
    const query = `Resources
| where type == 'microsoft.compute/virtualmachines'
| mv-expand nic = properties.networkProfile.networkInterfaces
| extend nicId = tolower(tostring(nic.id))
| join kind=leftouter (Resources | where type == 'microsoft.network/networkinterfaces' | project nicId = tolower(id), ip = tostring(properties.ipConfigurations[0].properties.privateIPAddress)) on nicId
| project name, nicId, ip`;
    expect(run(query)).toEqual([
      { name: 'vm-web-01', nicId: nicId(SUB1, 'RG-App', 'vm-web-01-nic').toLowerCase(), ip: '10.0.1.4' },
      { name: 'vm-web-02', nicId: nicId(SUB1, 'RG-App', 'vm-web-02-nic').toLowerCase(), ip: null },
      { name: 'vm-web-02', nicId: nicId(SUB1, 'RG-App', 'vm-web-02-nic2').toLowerCase(), ip: null },
      { name: 'vm-db-01', nicId: nicId(SUB1, 'RG-Data', 'vm-db-01-nic').toLowerCase(), ip: null },
    ]);
  });
});

function blank(): Row {
  return {
    type: '',
    tenantId: '',
    kind: '',
    location: '',
    resourceGroup: '',
    subscriptionId: '',
    managedBy: '',
    sku: null,
    plan: null,
    properties: null,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

describe('summarize', () => {
  it('counts by a column with the default name count_', () => {
    expect(run('Resources | summarize count() by type')).toEqual([
      { type: 'microsoft.compute/virtualmachines', count_: 4 },
      { type: 'microsoft.recoveryservices/vaults', count_: 1 },
      { type: 'microsoft.network/networkinterfaces', count_: 1 },
    ]);
  });

  it('supports aliases, expressions in by, and the aggregate family with Kusto default names', () => {
    const query = `Resources | where type == 'microsoft.compute/virtualmachines'
| summarize n = count(), make_list(name), make_set(location), any(properties.hardwareProfile.vmSize), take_any(resourceGroup),
    countif(tags.env == 'prod'), dcount(resourceGroup), min(name), max(name), sum(array_length(properties.networkProfile.networkInterfaces)),
    avg(array_length(properties.networkProfile.networkInterfaces))
  by os = tostring(properties.storageProfile.osDisk.osType), tolower(subscriptionId)
| order by os asc`;
    expect(run(query)).toEqual([
      {
        os: 'Linux',
        Column1: SUB1,
        n: 2,
        list_name: ['vm-web-01', 'vm-web-02'],
        set_location: ['westeurope'],
        any_properties_hardwareProfile_vmSize: 'Standard_D2s_v5',
        resourceGroup: 'rg-app',
        countif_: 2,
        dcount_resourceGroup: 1,
        min_name: 'vm-web-01',
        max_name: 'vm-web-02',
        sum_: 3,
        avg_: 1.5,
      },
      {
        os: 'Windows',
        Column1: SUB1,
        n: 1,
        list_name: ['vm-db-01'],
        set_location: ['northeurope'],
        any_properties_hardwareProfile_vmSize: 'Standard_E4s_v5',
        resourceGroup: 'rg-data',
        countif_: 0,
        dcount_resourceGroup: 1,
        min_name: 'vm-db-01',
        max_name: 'vm-db-01',
        sum_: 1,
        avg_: 1,
      },
      {
        os: 'Windows',
        Column1: SUB2,
        n: 1,
        list_name: ['vm-batch-01'],
        set_location: ['westeurope'],
        any_properties_hardwareProfile_vmSize: 'Standard_F8s_v2',
        resourceGroup: 'rg-batch',
        countif_: 0,
        dcount_resourceGroup: 1,
        min_name: 'vm-batch-01',
        max_name: 'vm-batch-01',
        sum_: 0,
        avg_: 0,
      },
    ]);
  });

  it('make_set deduplicates, make_list skips nulls, duplicate default names get a suffix', () => {
    const rows = run(
      'Resources | summarize make_set(location), make_list(properties.redundancySettings.standardTierStorageRedundancy), count(), count()',
    );
    expect(rows).toEqual([
      {
        set_location: ['westeurope', 'northeurope'],
        list_properties_redundancySettings_standardTierStorageRedundancy: ['GeoRedundant'],
        count_: 6,
        count_1: 6,
      },
    ]);
  });

  it('without by returns one row even for empty input; with by returns none', () => {
    expect(run("Resources | where name == 'nope' | summarize count(), make_list(name)")).toEqual([
      { count_: 0, list_name: [] },
    ]);
    expect(run("Resources | where name == 'nope' | summarize count() by type")).toEqual([]);
  });

  it('summarize by only (no aggregates) gives distinct groups', () => {
    expect(run('Resources | summarize by location | order by location asc')).toEqual([
      { location: 'northeurope' },
      { location: 'westeurope' },
    ]);
  });

  it('arg_max picks the row with the largest value', () => {
    const rows: Row[] = [
      { id: 'a', name: 'x', n: 1 },
      { id: 'b', name: 'x', n: 5 },
      { id: 'c', name: 'y', n: 2 },
    ];
    expect(run('T | summarize arg_max(n, id) by name', { T: rows })).toEqual([
      { name: 'x', n: 5, id: 'b' },
      { name: 'y', n: 2, id: 'c' },
    ]);
    const [all] = run('T | summarize arg_min(n, *) by name | where name == "x"', { T: rows });
    expect(all?.['n']).toBe(1);
    expect(all?.['id']).toBe('a');
    expect(Object.keys(all ?? {}).slice(0, 3)).toEqual(['name', 'n', 'id']);
  });
});

describe('mv-expand', () => {
  it('expands an array column into one row per element with an alias', () => {
    expect(
      run(
        "Resources | where type == 'microsoft.compute/virtualmachines' | mv-expand nic = properties.networkProfile.networkInterfaces | project name, primary = tobool(nic.properties.primary)",
      ),
    ).toEqual([
      { name: 'vm-web-01', primary: true },
      { name: 'vm-web-02', primary: true },
      { name: 'vm-web-02', primary: false },
      { name: 'vm-db-01', primary: true },
    ]);
  });

  it('names an unaliased path by Kusto rules and keeps a column name when expanding a column', () => {
    const rows: Row[] = [{ id: 'a', arr: [1, 2], properties: { xs: ['p'] } }];
    expect(run('T | mv-expand properties.xs | project id, properties_xs', { T: rows })).toEqual([
      { id: 'a', properties_xs: 'p' },
    ]);
    expect(run('T | mv-expand arr | project id, arr', { T: rows })).toEqual([
      { id: 'a', arr: 1 },
      { id: 'a', arr: 2 },
    ]);
  });

  it('drops rows with empty arrays, keeps one row for null, expands bags into single-entry bags', () => {
    const rows: Row[] = [
      { id: 'empty', v: [] },
      { id: 'null', v: null },
      { id: 'bag', v: { a: 1, b: 'x' } },
      { id: 'scalar', v: 'text' },
    ];
    expect(run('T | mv-expand v | project id, v', { T: rows })).toEqual([
      { id: 'null', v: null },
      { id: 'bag', v: { a: 1 } },
      { id: 'bag', v: { b: 'x' } },
      { id: 'scalar', v: 'text' },
    ]);
    expect(run("T | where id == 'bag' | mv-expand kind=array v | project v", { T: rows })).toEqual([
      { v: ['a', 1] },
      { v: ['b', 'x'] },
    ]);
  });

  it('supports with_itemindex, limit, parallel expansion and to typeof()', () => {
    const rows: Row[] = [{ id: 'a', xs: [10, 20, 30], ys: ['p', 'q'] }];
    expect(run('T | mv-expand with_itemindex=i x = xs limit 2 | project id, x, i', { T: rows })).toEqual([
      { id: 'a', x: 10, i: 0 },
      { id: 'a', x: 20, i: 1 },
    ]);
    expect(run('T | mv-expand xs, ys | project xs, ys', { T: rows })).toEqual([
      { xs: 10, ys: 'p' },
      { xs: 20, ys: 'q' },
      { xs: 30, ys: null },
    ]);
    expect(run('T | mv-expand xs to typeof(string) | project xs', { T: rows })).toEqual([
      { xs: null },
      { xs: null },
      { xs: null },
    ]);
  });
});

describe('order by, sort by, top, take, limit, distinct, count', () => {
  it('orders descending by default, ascending on request, nulls last when descending', () => {
    expect(names(run("Resources | where type == 'microsoft.compute/virtualmachines' | order by name"))).toEqual([
      'vm-web-02',
      'vm-web-01',
      'vm-db-01',
      'vm-batch-01',
    ]);
    expect(names(run("Resources | where type == 'microsoft.compute/virtualmachines' | sort by name asc"))).toEqual([
      'vm-batch-01',
      'vm-db-01',
      'vm-web-01',
      'vm-web-02',
    ]);
    expect(names(run('Resources | order by tostring(tags.owner) desc, name asc | take 2'))).toEqual([
      'vm-web-01',
      'rsv-weu-01',
    ]);
    const rows: Row[] = [{ name: 'a', n: 2 }, { name: 'b' }, { name: 'c', n: 1 }];
    expect(names(run('T | order by n', { T: rows }))).toEqual(['a', 'c', 'b']);
    expect(names(run('T | order by n asc', { T: rows }))).toEqual(['b', 'c', 'a']);
    expect(names(run('T | order by n asc nulls last', { T: rows }))).toEqual(['c', 'a', 'b']);
  });

  it('top N by, take, limit', () => {
    expect(names(run('Resources | top 2 by name asc'))).toEqual(['rsv-weu-01', 'vm-batch-01']);
    expect(names(run('Resources | top 1 by name'))).toEqual(['vm-web-02']);
    expect(names(run('Resources | take 2'))).toEqual(['vm-web-01', 'vm-web-02']);
    expect(run('Resources | limit 0')).toEqual([]);
  });

  it('distinct on columns and expressions', () => {
    expect(run('Resources | distinct location, subscriptionId | order by subscriptionId asc, location asc')).toEqual([
      { location: 'northeurope', subscriptionId: SUB1 },
      { location: 'westeurope', subscriptionId: SUB1 },
      { location: 'westeurope', subscriptionId: SUB2 },
    ]);
    expect(run('Resources | distinct toupper(location) | order by Column1 asc')).toEqual([
      { Column1: 'NORTHEUROPE' },
      { Column1: 'WESTEUROPE' },
    ]);
  });

  it('count operator', () => {
    expect(run('RecoveryServicesResources | count')).toEqual([{ Count: 4 }]);
  });
});

describe('union and let', () => {
  it('union T1, T2 concatenates with the union of the columns', () => {
    const A: Row[] = [{ id: 'a', onlyA: 1 }];
    const B: Row[] = [{ id: 'b', onlyB: 2 }];
    expect(run('union A, B | project id, onlyA, onlyB', { A, B })).toEqual([
      { id: 'a', onlyA: 1, onlyB: null },
      { id: 'b', onlyA: null, onlyB: 2 },
    ]);
    expect(run('A | union (B | project id) | project id', { A, B })).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(
      Object.keys(run('A | project id, onlyA | union kind=inner (B | project id, onlyB)', { A, B })[0] ?? {}),
    ).toEqual(['id']);
  });

  it('unions Resources with RecoveryServicesResources', () => {
    expect(
      run(
        "Resources | where type == 'microsoft.recoveryservices/vaults' | union (RecoveryServicesResources | where type endswith 'backuppolicies') | project name",
      ),
    ).toEqual([{ name: 'rsv-weu-01' }, { name: 'DefaultPolicy' }]);
  });

  it('let binds scalars and tabular subqueries', () => {
    const query = `let vmType = 'microsoft.compute/virtualmachines';
let protectedIds = RecoveryServicesResources | where type == '${ITEM_TYPE}' | where properties.backupManagementType == 'AzureIaasVM' | project id = tolower(tostring(properties.sourceResourceId));
Resources | where type == vmType | where tolower(id) !in (protectedIds) | project name`;
    expect(run(query)).toEqual([{ name: 'vm-web-02' }, { name: 'vm-batch-01' }]);
  });

  it('in with a parenthesized subquery', () => {
    expect(
      run(
        `Resources | where tolower(id) in ((RecoveryServicesResources | project tolower(tostring(properties.sourceResourceId)))) | project name`,
      ),
    ).toEqual([{ name: 'vm-web-01' }, { name: 'vm-web-02' }, { name: 'vm-db-01' }]);
  });
});

describe("the app's queries (src/queries/*.kql)", () => {
  const dir = join(__dirname, '..', '..', 'src', 'queries');
  const files = readdirSync(dir).filter((f) => f.endsWith('.kql'));

  it('includes the virtual machine and protected item queries', () => {
    expect(files).toEqual(expect.arrayContaining(['virtual-machines.kql', 'protected-items.kql']));
  });

  it.each(files)('%s parses and evaluates', (file) => {
    const query = readFileSync(join(dir, file), 'utf8');
    expect(kqlDiagnostics(query)).toEqual([]);
    // resource-groups.kql reads ResourceContainers, which this file's fixture leaves empty.
    expect(() => run(query, { ...TABLES, ResourceContainers: [] })).not.toThrow();
  });

  it('virtual-machines.kql returns the four VMs ordered by id', () => {
    const rows = run(readFileSync(join(dir, 'virtual-machines.kql'), 'utf8'));
    expect(names(rows)).toEqual(['vm-web-01', 'vm-web-02', 'vm-db-01', 'vm-batch-01']);
  });
});

describe('performance', () => {
  it('joins 10,000 VMs to 6,667 protected items well under a second', () => {
    const vms: Row[] = [];
    const items: Row[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = vmId(SUB1, 'RG-Scale', `vm-${i}`);
      vms.push({
        id,
        name: `vm-${i}`,
        type: 'microsoft.compute/virtualmachines',
        location: 'westeurope',
        resourceGroup: 'rg-scale',
        subscriptionId: SUB1,
        tags: {},
        properties: { storageProfile: { osDisk: { osType: i % 2 ? 'Linux' : 'Windows' } } },
      });
      if (i % 3 !== 0)
        items.push({
          id: `${VAULT_ID}/backupFabrics/Azure/protectionContainers/c${i}/protectedItems/vm-${i}`,
          type: ITEM_TYPE,
          properties: { backupManagementType: 'AzureIaasVM', sourceResourceId: id.toUpperCase() },
        });
    }
    const query = `Resources
| where type =~ 'microsoft.compute/virtualmachines'
| extend resourceId = tolower(id)
| join kind=leftouter (RecoveryServicesResources | where type == '${ITEM_TYPE}' | project resourceId = tolower(tostring(properties.sourceResourceId)), itemId = id) on resourceId
| where isempty(itemId)
| summarize count() by tostring(properties.storageProfile.osDisk.osType)`;
    const tables = { Resources: vms, RecoveryServicesResources: items };
    run(query, tables); // warm the parser and analyzer
    const started = performance.now();
    const rows = run(query, tables);
    const elapsed = performance.now() - started;
    expect(rows).toEqual([
      { properties_storageProfile_osDisk_osType: 'Windows', count_: 1667 },
      { properties_storageProfile_osDisk_osType: 'Linux', count_: 1667 },
    ]);
    expect(elapsed).toBeLessThan(1000);
  });
});
