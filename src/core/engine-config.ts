/** The settings the rules and the planner read. config.ts parses them (file or WARDEN_* variables) with zod. */
export interface EngineConfig {
  /** Tag that exempts a resource: `true`/empty for good, `YYYY-MM-DD` until the end of that day (UTC). */
  exemptTag: string;
  /** Tag on a VM that names the vault it should use. */
  vaultTag: string;
  /** Resource group for vaults that backup-warden creates (and the preferred place to find one). */
  vaultResourceGroup: string;
  /** Name template for new vaults; `{location}` and `{subscriptionId}` are replaced. */
  vaultNameTemplate: string;
  /** Storage redundancy for new vaults and the expected redundancy of existing ones. */
  storageRedundancy: 'GeoRedundant' | 'LocallyRedundant' | 'ZoneRedundant';
  /** Backup policy name inside the chosen vault. */
  policyName: string;
  /** Also require port 80 (unmanaged disks on an unencrypted storage account; docs/azure-facts.md §1). */
  includePort80: boolean;
  /** Plan an allow rule even above a deny rule that explicitly targets Storage. */
  overrideExplicitStorageDeny: boolean;
  /** Trigger a first backup after enabling protection. */
  initialBackup: boolean;
  /** Retention of that first recovery point, in days. */
  initialBackupRetentionDays: number;
  /** The blast-radius cap: at most this many actions per plan. */
  maxActions: number;
  /** Oldest acceptable Windows guest agent (WaAppAgent) version. */
  minWindowsAgentVersion: string;
  /** Enhanced (V2) policy name for VMs that Standard policies cannot protect (Premium SSD v2, Ultra disks, Confidential VMs). */
  enhancedPolicyName: string;
  /** Hours a recovery point may be late beyond its policy's schedule before the backup counts as failing. */
  backupGraceHours: number;
  /** Central backup subscription: when set, every VM is protected in this subscription's vault of its region (Cross Subscription Backup). */
  vaultSubscription: string;
  /** `publicNetworkAccess` of the vaults backup-warden creates. */
  vaultPublicNetworkAccess: 'Enabled' | 'Disabled';
}

/** Defaults: GeoRedundant as the Azure Backup guide recommends, DefaultPolicy, 50 actions per run. */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  exemptTag: 'backup-exempt',
  vaultTag: 'backup-vault',
  vaultResourceGroup: 'rg-backup-warden',
  vaultNameTemplate: 'rsv-backup-{location}',
  storageRedundancy: 'GeoRedundant',
  policyName: 'DefaultPolicy',
  includePort80: false,
  overrideExplicitStorageDeny: false,
  initialBackup: false,
  initialBackupRetentionDays: 30,
  maxActions: 50,
  minWindowsAgentVersion: '2.6.1198.718',
  enhancedPolicyName: 'EnhancedPolicy',
  backupGraceHours: 12,
  vaultSubscription: '',
  vaultPublicNetworkAccess: 'Enabled',
};
