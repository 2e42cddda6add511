/**
 * Every ARM authorization action the inventory and the remediator perform, with the SDK call that needs
 * it. This is the least-privilege role of the Function App's identity (infra compares it with the custom
 * RBAC role). Names are as in the resource provider operations list and the built-in roles
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance,
 * "Backup Operator"/"Backup Contributor" in built-in-roles/storage). "Enable backup of Azure VMs" needs
 * Backup Operator on the vault plus `Microsoft.Compute/virtualMachines/write` on the VM
 * (https://learn.microsoft.com/azure/backup/backup-rbac-rs-vault, "Minimum role requirements").
 */

/** One required operation and why. */
export interface RequiredOperation {
  operation: string;
  /** The SDK call (or service-side check) that needs it. */
  usedBy: string;
}

/** The operations with their reasons, grouped as the adapters use them. */
export const REQUIRED_OPERATIONS: readonly RequiredOperation[] = [
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
    usedBy: 'vaults.kql rows; recoveryServicesClient.vaults.get (create-vault existence check)',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/read',
    usedBy: 'protected-items.kql rows (RecoveryServicesResources)',
  },

  // --- create-vault ---
  {
    operation: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    usedBy: 'resourcesClient.resourceGroups.checkExistence',
  },
  {
    operation: 'Microsoft.Resources/subscriptions/resourceGroups/write',
    usedBy: 'resourcesClient.resourceGroups.createOrUpdate (only when the group does not exist)',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/write',
    usedBy: 'recoveryServicesClient.vaults.beginCreateOrUpdateAndWait',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/operationStatus/read',
    usedBy: 'vaults.beginCreateOrUpdateAndWait polling (vaults/{name}/operationStatus/{id})',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/operationResults/read',
    usedBy: 'vaults.beginCreateOrUpdateAndWait polling (final-state-via location: vaults/{name}/operationResults/{id})',
  },

  // --- enable-protection ---
  {
    operation: 'Microsoft.RecoveryServices/locations/backupStatus/action',
    usedBy: 'backupClient.backupStatus.get (already protected, and where?)',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/refreshContainers/action',
    usedBy: 'backupClient.protectionContainers.refresh',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/operationResults/read',
    usedBy: 'backupClient.protectionContainerRefreshOperationResults.get',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupProtectableItems/read',
    usedBy: 'backupClient.backupProtectableItems.list',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write',
    usedBy: 'backupClient.protectedItems.createOrUpdate',
  },
  {
    operation:
      'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/operationsStatus/read',
    usedBy: 'backupClient.protectedItemOperationStatuses.get',
  },
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupPolicies/read',
    usedBy: 'protectedItems.createOrUpdate: the service reads the policyId it is given',
  },
  {
    operation: 'Microsoft.Compute/virtualMachines/write',
    usedBy:
      'protectedItems.createOrUpdate: enabling backup installs the backup extension on the VM (backup-rbac-rs-vault)',
  },

  // --- trigger-backup ---
  {
    operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action',
    usedBy: 'backupClient.backups.trigger',
  },

  // --- add-nsg-rule ---
  {
    operation: 'Microsoft.Network/networkSecurityGroups/securityRules/read',
    usedBy: 'securityRules.beginCreateOrUpdateAndWait final GET of the rule',
  },
  {
    operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
    usedBy: 'networkClient.securityRules.beginCreateOrUpdateAndWait',
  },
  {
    operation: 'Microsoft.Network/locations/operations/read',
    usedBy: 'securityRules.beginCreateOrUpdateAndWait polling (Azure-AsyncOperation: locations/{l}/operations/{id})',
  },
];

/** Every ARM authorization action the remediator and the inventory perform (see {@link REQUIRED_OPERATIONS}). */
export const REMEDIATOR_OPERATIONS: readonly string[] = REQUIRED_OPERATIONS.map((o) => o.operation);
