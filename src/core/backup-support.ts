/**
 * What Azure Backup can protect, and with which policy type, from a VM's Resource Graph facts. The
 * exclusions are those of Microsoft's built-in "Configure backup on virtual machines..." policies and the
 * scenarios of the Azure VM backup support matrix that Resource Graph shows (docs/azure-facts.md §10).
 */
import type { Inventory } from './inventory';
import type { VirtualMachine } from './model';

/** Why Azure Backup cannot protect a VM as configured. */
export type UnsupportedReason =
  'databricks-managed' | 'openshift-image' | 'managed-resource-group' | 'ephemeral-os-disk' | 'spot-vm';

/** One reason with the text the finding shows. */
export interface Unsupported {
  reason: UnsupportedReason;
  explanation: string;
}

/** Disk storage types that only an Enhanced (V2) policy protects. */
export const ENHANCED_ONLY_DISK_TYPES = ['PremiumV2_LRS', 'UltraSSD_LRS'];

/** Security types that only an Enhanced (V2) policy protects. */
export const ENHANCED_ONLY_SECURITY_TYPES = ['ConfidentialVM'];

/** Why a VM needs an Enhanced policy. */
export type EnhancedNeed = { kind: 'disk-type'; diskType: string } | { kind: 'security-type'; securityType: string };

const eq = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

/** Every reason Azure Backup cannot protect this VM; empty when it can. */
export function unsupportedReasons(vm: VirtualMachine, inventory: Inventory): Unsupported[] {
  const out: Unsupported[] = [];
  if (vm.resourceGroup.toLowerCase().startsWith('databricks-rg') || eq(vm.imagePublisher, 'AzureDatabricks')) {
    out.push({
      reason: 'databricks-managed',
      explanation:
        'a Databricks-managed VM (resource group databricks-rg-* or image publisher AzureDatabricks): the built-in backup policies exclude it',
    });
  }
  if (eq(vm.imagePublisher, 'azureopenshift')) {
    out.push({
      reason: 'openshift-image',
      explanation:
        'an Azure Red Hat OpenShift node (image publisher azureopenshift): the built-in backup policies exclude it',
    });
  }
  const group = inventory.resourceGroup(vm.subscriptionId, vm.resourceGroup);
  if (group?.managedBy && !out.some((u) => u.reason === 'databricks-managed')) {
    out.push({
      reason: 'managed-resource-group',
      explanation: `its resource group is managed by ${group.managedBy}: the owning service manages its VMs`,
    });
  }
  if (vm.ephemeralOsDisk) {
    out.push({
      reason: 'ephemeral-os-disk',
      explanation:
        'an ephemeral OS disk (diffDiskSettings Local): the support matrix does not support backing up ephemeral disks',
    });
  }
  if (eq(vm.priority, 'Spot') || eq(vm.priority, 'Low')) {
    out.push({
      reason: 'spot-vm',
      explanation: `a ${vm.priority ?? 'Spot'} priority VM: the support matrix does not support backing up Spot VMs`,
    });
  }
  return out;
}

/** Why the VM needs an Enhanced (V2) policy; empty when a Standard policy protects it. */
export function enhancedNeeds(vm: VirtualMachine): EnhancedNeed[] {
  const needs: EnhancedNeed[] = [];
  for (const t of vm.diskStorageTypes ?? [])
    if (ENHANCED_ONLY_DISK_TYPES.some((e) => eq(t, e))) needs.push({ kind: 'disk-type', diskType: t });
  if (vm.securityType && ENHANCED_ONLY_SECURITY_TYPES.some((e) => eq(vm.securityType, e)))
    needs.push({ kind: 'security-type', securityType: vm.securityType });
  return needs;
}

/** True for an Enhanced (V2) policy type. */
export const isEnhancedPolicyType = (policyType: string | undefined): boolean => eq(policyType, 'V2');
