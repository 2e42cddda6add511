/**
 * Every ARM authorization action the inventory and the remediator perform, with the SDK call that needs
 * it. This is the least-privilege role of the Function App's identity (infra compares it with the custom
 * RBAC role). Names are as in the resource provider operations list and the built-in roles
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance,
 * "Backup Operator"/"Backup Contributor" in built-in-roles/storage). "Enable backup of Azure VMs" needs
 * Backup Operator on the vault plus `Microsoft.Compute/virtualMachines/write` on the VM
 * (https://learn.microsoft.com/azure/backup/backup-rbac-rs-vault, "Minimum role requirements").
 */
import { ACTION_KINDS, definitionOf, type RequiredOperation } from '../../core/actions';

/** One required operation and why. */
export type { RequiredOperation } from '../../core/actions';

/** The operations of the inventory (Resource Graph rows, and the reads before a write). */
const INVENTORY_OPERATIONS: readonly RequiredOperation[] = [
  // --- inventory (resourceGraph.ts) ---
  {
    operation: 'Microsoft.ResourceGraph/resources/read',
    usedBy: 'ResourceGraphClient.resources (every src/queries/*.kql)',
  },
  // Resource Graph only returns rows the caller may read:
  {
    operation: 'Microsoft.Compute/virtualMachines/read',
    usedBy: 'virtual-machines.kql rows; computeClient.virtualMachines.get (VM location before backupStatus)',
  },
  { operation: 'Microsoft.Network/networkInterfaces/read', usedBy: 'network-interfaces.kql rows' },
  { operation: 'Microsoft.Network/virtualNetworks/read', usedBy: 'virtual-networks.kql rows' },
  {
    operation: 'Microsoft.Network/networkSecurityGroups/read',
    usedBy:
      'network-security-groups.kql rows; networkClient.networkSecurityGroups.get (existing rules before add-nsg-rule)',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/read',
    usedBy:
      'vaults.kql rows; recoveryServicesClient.vaults.get (create-vault existence check; enable-protection: a central vault is in the VM region)',
  },
  // --- the network path beyond NSGs (issue 11) ---
  { operation: 'Microsoft.Network/routeTables/read', usedBy: 'route-tables.kql rows' },
  { operation: 'Microsoft.Network/azureFirewalls/read', usedBy: 'azure-firewalls.kql rows (firewalls)' },
  { operation: 'Microsoft.Network/firewallPolicies/read', usedBy: 'azure-firewalls.kql rows (policies)' },
  {
    operation: 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
    usedBy: 'azure-firewalls.kql rows (rule collection groups)',
  },
  {
    operation: 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/read',
    usedBy: 'network-manager-admin-rules.kql rows (rule collections)',
  },
  {
    operation: 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules/read',
    usedBy: 'network-manager-admin-rules.kql rows (security admin rules)',
  },
  {
    operation: 'Microsoft.Network/networkManagers/networkGroups/staticMembers/read',
    usedBy: 'network-manager-admin-rules.kql rows (network group members)',
  },
  {
    operation: 'Microsoft.Network/locations/serviceTags/read',
    usedBy: 'networkClient.serviceTags.list (serviceTags.ts: Storage.<region> ranges, once per run and region)',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/read',
    usedBy: 'protected-items.kql rows (RecoveryServicesResources)',
  },
];

/** The operations with their reasons: the inventory's, then each action kind's (core/actions). */
export const REQUIRED_OPERATIONS: readonly RequiredOperation[] = [
  ...INVENTORY_OPERATIONS,
  ...ACTION_KINDS.flatMap((kind) => definitionOf(kind).permissions),
];

/** Every ARM authorization action the remediator and the inventory perform (see {@link REQUIRED_OPERATIONS}). */
export const REMEDIATOR_OPERATIONS: readonly string[] = REQUIRED_OPERATIONS.map((o) => o.operation);
