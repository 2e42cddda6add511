/**
 * Azure Backup shapes: container and item names, the DefaultPolicy, protected-item rows (Resource
 * Graph) and bodies (ARM). Shapes follow Microsoft's published examples for
 * the Backup API (ProtectionPolicies_Get, Compute_ProtectedItem_Get) and items recorded from live Azure
 * (names `iaasvmcontainerv2;{rg};{vm}`, ids with the long segments); docs/azure-facts.md §4.
 */
import type { Row, Store } from './state';
import { PROTECTED_ITEM_TYPE } from './state';
import { asRecord, asString, lastSegment, normId, parseArmId } from './util';

/** The names Azure Backup gives an IaaS VM's container and item (lower-case rg and vm, as Azure does). */
export function backupNames(resourceGroup: string, vmName: string) {
  const rg = resourceGroup.toLowerCase();
  const vm = vmName.toLowerCase();
  return {
    /** `iaasvmcontainerv2;rg;vm`: the protectable item name and the item's `containerName`. */
    shortName: `iaasvmcontainerv2;${rg};${vm}`,
    /** `IaasVMContainer;iaasvmcontainerv2;rg;vm`: the container path segment. */
    containerName: `IaasVMContainer;iaasvmcontainerv2;${rg};${vm}`,
    /** `VM;iaasvmcontainerv2;rg;vm`: the protected item path segment. */
    itemName: `VM;iaasvmcontainerv2;${rg};${vm}`,
  };
}

/** The resource group and VM named by `iaasvmcontainer;iaasvmcontainerv2;rg;vm`, or undefined. */
export function parseContainerName(name: string): { rg: string; vm: string } | undefined {
  const m = /^iaasvmcontainer;iaasvmcontainerv2;([^;]+);([^;]+)$/i.exec(name);
  return m && m[1] && m[2] ? { rg: m[1], vm: m[2] } : undefined;
}

/** The resource group and VM named by `vm;iaasvmcontainerv2;rg;vm`, or undefined. */
export function parseItemName(name: string): { rg: string; vm: string } | undefined {
  const m = /^vm;iaasvmcontainerv2;([^;]+);([^;]+)$/i.exec(name);
  return m && m[1] && m[2] ? { rg: m[1], vm: m[2] } : undefined;
}

/** The ARM id of a protected item in a vault. */
export function protectedItemId(vaultId: string, resourceGroup: string, vmName: string): string {
  const n = backupNames(resourceGroup, vmName);
  return `${vaultId}/backupFabrics/Azure/protectionContainers/${n.containerName}/protectedItems/${n.itemName}`;
}

/** The vault id prefix of a protected item id (Resource Graph has no vaultId column, docs/azure-facts.md §2). */
export function vaultIdOfItem(itemId: string): string {
  const i = itemId.toLowerCase().indexOf('/backupfabrics/');
  return i >= 0 ? itemId.slice(0, i) : itemId;
}

const SCHEDULE_TIME = '2024-01-01T22:30:00Z';

/** A V1 AzureIaasVM policy: daily at 22:30 UTC, 30 daily recovery points (ProtectionPolicies_Get.json). */
export function defaultPolicy(vaultId: string, name: string): Row {
  return {
    id: `${vaultId}/backupPolicies/${name}`,
    name,
    type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
    properties: {
      backupManagementType: 'AzureIaasVM',
      instantRpRetentionRangeInDays: 2,
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicy',
        scheduleRunFrequency: 'Daily',
        scheduleRunTimes: [SCHEDULE_TIME],
        scheduleWeeklyFrequency: 0,
      },
      retentionPolicy: {
        retentionPolicyType: 'LongTermRetentionPolicy',
        dailySchedule: { retentionTimes: [SCHEDULE_TIME], retentionDuration: { count: 30, durationType: 'Days' } },
      },
      timeZone: 'UTC',
      protectedItemsCount: 0,
      policyType: 'V1',
    },
  };
}

/** Resource Graph `currentProtectionState` -> ARM `protectionState`. */
export function protectionStateOf(current: string | undefined, armState: string | undefined): string {
  switch ((current ?? '').toLowerCase()) {
    case 'protectionconfigured':
      return 'Protected';
    case 'configuringprotection':
      return 'IRPending';
    case 'protectionstopped':
      return 'ProtectionStopped';
    case 'softdeleted':
      return 'SoftDeleted';
    case 'protectionerror':
    case 'configuringprotectionfailed':
      return 'ProtectionError';
    default:
      return armState ?? 'Protected';
  }
}

/** What a protected-item row is built from. */
export interface ProtectedItemInit {
  vaultId: string;
  vaultLocation: string;
  tenantId: string;
  vmId: string;
  vmName: string;
  vmResourceGroup: string;
  vmLocation: string;
  policyId: string;
  policyName: string;
  currentProtectionState: string;
  protectedItemDataId: string;
  /** The policy's `policyType` (`V1` Standard, `V2` Enhanced); the item reports it as Compute_ProtectedItem_Get does. */
  policyType?: string;
}

/** A RecoveryServicesResources row for an IaaS VM protected item. */
export function protectedItemRow(init: ProtectedItemInit): Row {
  const vault = parseArmId(init.vaultId);
  const names = backupNames(init.vmResourceGroup, init.vmName);
  return {
    id: protectedItemId(init.vaultId, init.vmResourceGroup, init.vmName),
    name: names.itemName,
    type: PROTECTED_ITEM_TYPE,
    tenantId: init.tenantId,
    kind: '',
    location: init.vaultLocation,
    resourceGroup: (vault.resourceGroup ?? '').toLowerCase(),
    subscriptionId: vault.subscriptionId ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
    properties: {
      friendlyName: init.vmName,
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      containerName: names.shortName,
      sourceResourceId: init.vmId,
      virtualMachineId: init.vmId,
      policyId: init.policyId,
      policyName: init.policyName,
      policyInfo: { name: init.policyName, policyId: init.policyId },
      ...(init.policyType ? { policyType: init.policyType } : {}),
      currentProtectionState: init.currentProtectionState,
      protectionState: protectionStateOf(init.currentProtectionState, undefined),
      protectionStatus: 'Healthy',
      healthStatus: 'Passed',
      lastBackupStatus: '',
      lastBackupTime: null,
      lastRecoveryPoint: null,
      protectedItemDataId: init.protectedItemDataId,
      isScheduledForDeferredDelete: false,
      dataSourceInfo: {
        resourceID: init.vmId,
        resourceName: init.vmName,
        resourceType: 'Microsoft.Compute/virtualMachines',
        resourceLocation: init.vmLocation,
        datasourceType: 'AzureIaasVM.VM',
      },
    },
  };
}

/** The VM id a protected-item row points at (modern rows: sourceResourceId; 2016 rows: virtualMachineId). */
export function itemVmId(row: Readonly<Row>): string | undefined {
  const props = asRecord(row['properties']) ?? {};
  return asString(props['sourceResourceId']) ?? asString(props['virtualMachineId']);
}

/** The ARM body of a protected item (Compute_ProtectedItem_Get.json) built from its row. */
export function protectedItemBody(row: Readonly<Row>): Record<string, unknown> {
  const props = asRecord(row['properties']) ?? {};
  const id = String(row['id']);
  const vmId = itemVmId(row) ?? '';
  const segs = id.split('/');
  const itemSeg = segs[segs.length - 1] ?? '';
  const containerSeg = segs[segs.length - 3] ?? '';
  const policyId = asString(props['policyId']) ?? null;
  const policyName = asString(props['policyName']) ?? (policyId ? lastSegment(policyId) : undefined);
  const current = asString(props['currentProtectionState']);
  const body: Record<string, unknown> = {
    id,
    name: itemSeg,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
    properties: {
      backupManagementType: asString(props['backupManagementType']) ?? 'AzureIaasVM',
      containerName: asString(props['containerName']) ?? containerSeg.replace(/^iaasvmcontainer;/i, ''),
      friendlyName: asString(props['friendlyName']) ?? lastSegment(vmId),
      healthStatus: asString(props['healthStatus']) ?? 'Passed',
      lastBackupStatus: props['lastBackupStatus'] ?? '',
      lastBackupTime: props['lastBackupTime'] ?? null,
      lastRecoveryPoint: props['lastRecoveryPoint'] ?? null,
      policyId,
      ...(policyName ? { policyName } : {}),
      policyType: asString(props['policyType']) ?? 'V1',
      protectedItemDataId: asString(props['protectedItemDataId']) ?? '0',
      protectedItemType: asString(props['protectedItemType']) ?? 'Microsoft.Compute/virtualMachines',
      protectionState: protectionStateOf(current, asString(props['protectionState'])),
      protectionStatus: asString(props['protectionStatus']) ?? 'Healthy',
      sourceResourceId: vmId,
      virtualMachineId: asString(props['virtualMachineId']) ?? vmId,
      workloadType: asString(props['workloadType']) ?? 'VM',
      ...(current ? { currentProtectionState: current } : {}),
      ...(Array.isArray(props['healthDetails']) ? { healthDetails: props['healthDetails'] } : {}),
      ...(asRecord(props['kpisHealths']) ? { kpisHealths: props['kpisHealths'] } : {}),
    },
  };
  return body;
}

/** Protected-item rows of a vault (live). */
export function itemsOfVault(store: Store, vaultId: string): readonly Readonly<Row>[] {
  const prefix = normId(vaultId) + '/';
  return store
    .all('RecoveryServicesResources')
    .filter((r) => r['type'] === PROTECTED_ITEM_TYPE && normId(String(r['id'])).startsWith(prefix));
}

/** Protected-item rows, in any vault, that point at this VM. */
export function itemsOfVm(store: Store, vmId: string): readonly Readonly<Row>[] {
  const key = normId(vmId);
  return store
    .all('RecoveryServicesResources')
    .filter((r) => r['type'] === PROTECTED_ITEM_TYPE && normId(itemVmId(r) ?? '') === key);
}

/** Storage redundancy is locked once any item is registered in the vault (docs/azure-facts.md §1, §4.6). */
export function storageLocked(store: Store, vaultId: string): boolean {
  return itemsOfVault(store, vaultId).length > 0;
}

/** Lower-case ids of VMs that have a protected item in a state matching `keep`, built in one pass. */
export function protectedVmIds(store: Store, keep: (row: Readonly<Row>) => boolean): Set<string> {
  const out = new Set<string>();
  for (const r of store.all('RecoveryServicesResources')) {
    if (r['type'] !== PROTECTED_ITEM_TYPE || !keep(r)) continue;
    const vm = itemVmId(r);
    if (vm) out.add(normId(vm));
  }
  return out;
}
