/**
 * The domain model: typed, normalised views of the Resource Graph rows that matter for VM backup.
 * Converters in core/rows.ts build these from raw rows; nothing else in core sees a raw row.
 */

/** Severity of a finding, as the rules assign it. */
export type Severity = 'high' | 'medium' | 'low';

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
}

/** A Recovery Services vault. */
export interface Vault {
  id: string;
  name: string;
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
