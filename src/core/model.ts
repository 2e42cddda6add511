/**
 * The domain model: typed, normalised views of the Resource Graph rows that matter for VM backup.
 * Converters in core/rows.ts build these from raw rows; nothing else in core sees a raw row.
 */

/** Severity of a finding, as the rules assign it. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

/** `Allow` or `Deny`, normalised from whatever case the API returned (`"deny"` is seen live). */
export type Access = 'Allow' | 'Deny';

/** `Inbound` or `Outbound`. */
export type Direction = 'Inbound' | 'Outbound';

/** A security rule with singular and plural fields merged into lists (docs/azure-facts.md §3). */
export interface SecurityRule {
  name: string;
  /** ARM id when known. */
  id?: string;
  priority: number;
  direction: Direction;
  access: Access;
  /** As written by the API (`Tcp`, `TCP`, `*`, `Udp`, ...); compare case-insensitively. */
  protocol: string;
  sourcePortRanges: string[];
  destinationPortRanges: string[];
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  sourceApplicationSecurityGroupIds: string[];
  destinationApplicationSecurityGroupIds: string[];
  /** True for the platform's default rules (priority 65000+). */
  isDefault: boolean;
  /** `provisioningState` when the row carries it; an allow rule that is not `Succeeded` does not count. */
  provisioningState?: string;
}

/** A network security group with its custom and default rules. */
export interface NetworkSecurityGroup {
  id: string;
  name: string;
  location: string;
  subscriptionId: string;
  resourceGroup: string;
  securityRules: SecurityRule[];
  /** Empty when the row lacks them; the platform defaults then apply (core/nsg.ts). */
  defaultSecurityRules: SecurityRule[];
}

/** One IP configuration of a NIC. */
export interface IpConfiguration {
  name: string;
  privateIPAddress?: string;
  subnetId?: string;
  applicationSecurityGroupIds: string[];
  primary?: boolean;
}

/** A network interface. */
export interface NetworkInterface {
  id: string;
  name: string;
  location: string;
  networkSecurityGroupId?: string;
  ipConfigurations: IpConfiguration[];
}

/** A subnet of a virtual network. */
export interface Subnet {
  id: string;
  name: string;
  addressPrefixes: string[];
  networkSecurityGroupId?: string;
}

/** A virtual network and its subnets. */
export interface VirtualNetwork {
  id: string;
  name: string;
  location: string;
  subnets: Subnet[];
}

/** The guest agent status read from `instanceView.vmAgent`. */
export interface VmAgentStatus {
  /** `displayStatus` of the agent's first status, e.g. `Ready` or `Not Ready`. */
  status?: string;
  vmAgentVersion?: string;
}

/** A virtual machine. */
export interface VirtualMachine {
  id: string;
  name: string;
  location: string;
  subscriptionId: string;
  resourceGroup: string;
  tags: Record<string, string>;
  networkInterfaceIds: string[];
  /** The NIC marked `primary` in the VM's network profile, when one is marked. */
  primaryNetworkInterfaceId?: string;
  /** True when `storageProfile.osDisk.managedDisk` is present (backup then also needs port 8443). */
  managedOsDisk: boolean;
  osType?: string;
  /** e.g. `PowerState/running`. */
  powerState?: string;
  /**
   * The VM agent as the instance view reports it: `null` when the instance view was read and has no agent,
   * `undefined` when the inventory has no instance view at all (the agent rule is then not applicable).
   */
  vmAgent?: VmAgentStatus | null;
  /** `storageProfile.imageReference.publisher`, when the VM was made from a marketplace image. */
  imagePublisher?: string;
  /** `storageProfile.imageReference.offer`. */
  imageOffer?: string;
  /** `priority` (`Regular`, `Low`, `Spot`), when the row carries it. */
  priority?: string;
  /** True when `storageProfile.osDisk.diffDiskSettings.option` is `Local` (an ephemeral OS disk). */
  ephemeralOsDisk?: boolean;
  /** `securityProfile.securityType` (`TrustedLaunch`, `ConfidentialVM`), when set. */
  securityType?: string;
  /** `managedDisk.storageAccountType` of the OS disk and each data disk, as written (e.g. `UltraSSD_LRS`). */
  diskStorageTypes?: string[];
  /** Number of data disks (`storageProfile.dataDisks`), when the row lists them. */
  dataDiskCount?: number;
}

/** A resource group, from ResourceContainers: only what backup eligibility needs. */
export interface ResourceGroup {
  id: string;
  name: string;
  subscriptionId: string;
  /** `managedBy`: the resource that owns the group (a Databricks workspace, an AKS cluster...). */
  managedBy?: string;
}

/** An Azure IaaS VM backup policy (RecoveryServicesResources `vaults/backuppolicies`). */
export interface BackupPolicy {
  id: string;
  name: string;
  /** The id prefix up to the vault. */
  vaultId: string;
  /** `policyType`: `V1` (Standard) or `V2` (Enhanced); absent on older rows, which are Standard. */
  policyType?: string;
  /** `schedulePolicy.scheduleRunFrequency`: `Daily`, `Weekly` or `Hourly`. */
  scheduleRunFrequency?: string;
  /** `schedulePolicy.hourlySchedule.interval` for hourly (Enhanced) policies. */
  hourlyInterval?: number;
}

/** A Recovery Services vault. */
export interface Vault {
  id: string;
  name: string;
  /** `provisioningState` when the row carries it; a vault that is not `Succeeded` is no protection target. */
  provisioningState?: string;
  location: string;
  subscriptionId: string;
  resourceGroup: string;
  /** `properties.redundancySettings.standardTierStorageRedundancy`, when the row carries it. */
  storageRedundancy?: string;
  /**
   * `properties.securitySettings.softDeleteSettings.softDeleteState` as written (`Enabled`, `Disabled`,
   * `AlwaysON`, `Invalid`), when the row carries it (docs/azure-facts.md, "Recovery Services vault soft delete").
   */
  softDeleteState?: string;
  /** `properties.redundancySettings.crossRegionRestore` (`Enabled`, `Disabled`), when the row carries it. */
  crossRegionRestore?: string;
  /** `properties.monitoringSettings.classicAlertSettings.alertsForCriticalOperations`, when present. */
  classicAlerts?: string;
  /** `properties.monitoringSettings.azureMonitorAlertSettings.alertsForAllJobFailures`, when present. */
  azureMonitorJobAlerts?: string;
  /** `properties.securitySettings.immutabilitySettings.state` (`Disabled`, `Unlocked`, `Locked`). */
  immutabilityState?: string;
  /** `properties.publicNetworkAccess`. */
  publicNetworkAccess?: string;
  tags: Record<string, string>;
}

/** An Azure IaaS VM protected item (RecoveryServicesResources). */
export interface ProtectedItem {
  id: string;
  /** The id prefix up to the vault: Resource Graph has no vaultId column (docs/azure-facts.md §2). */
  vaultId: string;
  /** `sourceResourceId`, or `virtualMachineId` on older API versions. */
  sourceResourceId: string;
  /** `currentProtectionState` (derived from `protectionState` when absent). */
  protectionState?: string;
  policyId?: string;
  policyName?: string;
  /** `dataSourceInfo.resourceLocation`, when present. */
  resourceLocation?: string;
  /** `protectionStatus` (`Healthy`, `Unhealthy`), when present. */
  protectionStatus?: string;
  /** `healthStatus` (`Passed`, `ActionRequired`, `ActionSuggested`, `Invalid`), when present. */
  healthStatus?: string;
  /** `lastBackupStatus` (`Completed`, `Failed`, ...); empty strings are dropped. */
  lastBackupStatus?: string;
  /** `lastBackupTime` (ISO 8601). */
  lastBackupTime?: string;
  /** `lastRecoveryPoint` (ISO 8601): the newest successful recovery point. */
  lastRecoveryPoint?: string;
  /** `policyType` of the item (`V1`, `V2`), when present. */
  policyType?: string;
  /** The errors of `healthDetails` and `kpisHealths.*.resourceHealthDetails`: Azure's title (its error code) and message. */
  healthErrors: BackupHealthError[];
}

/** One health detail of a protected item: the title is Azure's error code (e.g. `UserErrorGuestAgentStatusUnavailable`). */
export interface BackupHealthError {
  code: string;
  message?: string;
  /** The numeric health code, when present. */
  numericCode?: number;
}

/** A finding's key: `ruleId|lower-case resourceId`. */
export type FindingKey = string;

/** What a rule reports about one resource. */
export interface Finding {
  ruleId: string;
  resourceId: string;
  severity: Severity;
  status: 'open' | 'exempt';
  message: string;
  details: Record<string, unknown>;
}

export type {
  Action,
  ActionKind,
  AddNsgRuleAction,
  CreateVaultAction,
  EnableProtectionAction,
  SecurityRuleParams,
  TriggerBackupAction,
} from './actions';

/** The key of a finding. */
export function findingKey(ruleId: string, resourceId: string): FindingKey {
  return `${ruleId}|${resourceId.toLowerCase()}`;
}
