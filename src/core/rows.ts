/**
 * Resource Graph rows → domain types. Rows arrive as `unknown` (from `az graph query`, the REST API or an
 * exported snapshot); they are validated here once, with zod, and normalised: ids are kept as written but
 * every lookup uses ids.idKey, singular and plural rule fields are merged, `access` and `direction` are
 * canonicalised ("deny" and "TCP" are seen live: docs/azure-facts.md §3).
 */
import { z } from 'zod';
import { ancestorId, subscriptionOf, tryParseResourceId, unsafeIdReason } from './ids';
import type {
  Access,
  BackupHealthError,
  BackupPolicy,
  Direction,
  IpConfiguration,
  NetworkInterface,
  NetworkSecurityGroup,
  ProtectedItem,
  ResourceGroup,
  SecurityRule,
  Subnet,
  Vault,
  VirtualMachine,
  VirtualNetwork,
  VmAgentStatus,
} from './model';
import { normaliseLocation } from './regions';

/** Resource types the inventory understands, lower case as Resource Graph writes them. */
export const RESOURCE_TYPES = {
  virtualMachine: 'microsoft.compute/virtualmachines',
  networkInterface: 'microsoft.network/networkinterfaces',
  networkSecurityGroup: 'microsoft.network/networksecuritygroups',
  virtualNetwork: 'microsoft.network/virtualnetworks',
  vault: 'microsoft.recoveryservices/vaults',
  protectedItem: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
  backupPolicy: 'microsoft.recoveryservices/vaults/backuppolicies',
  resourceGroup: 'microsoft.resources/subscriptions/resourcegroups',
} as const;

/** A converted row. */
export type ParsedRow =
  | { kind: 'virtualMachine'; value: VirtualMachine }
  | { kind: 'networkInterface'; value: NetworkInterface }
  | { kind: 'networkSecurityGroup'; value: NetworkSecurityGroup }
  | { kind: 'virtualNetwork'; value: VirtualNetwork }
  | { kind: 'vault'; value: Vault }
  | { kind: 'protectedItem'; value: ProtectedItem }
  | { kind: 'backupPolicy'; value: BackupPolicy }
  | { kind: 'resourceGroup'; value: ResourceGroup }
  | { kind: 'ignored'; type: string };

/** A row that could not be used: its index in the input, its id when it had one, and why. */
export interface RowProblem {
  index: number;
  id?: string;
  message: string;
}

const str = z.string();
const optStr = z.string().nullish();
const idRef = z.object({ id: z.string() }).passthrough().nullish();
const strList = z.array(z.string()).nullish();
const anyRecord = z.record(z.string(), z.unknown());

const baseRow = z
  .object({
    id: z.string().min(1),
    name: z.string().nullish(),
    type: z.string().min(1),
    location: z.string().nullish(),
    resourceGroup: z.string().nullish(),
    subscriptionId: z.string().nullish(),
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullish(),
    properties: anyRecord.nullish(),
    managedBy: z.string().nullish(),
  })
  .passthrough();

const managedDiskRef = z.object({ storageAccountType: optStr }).passthrough().nullish();

const vmProps = z
  .object({
    priority: optStr,
    securityProfile: z.object({ securityType: optStr }).passthrough().nullish(),
    networkProfile: z
      .object({
        networkInterfaces: z
          .array(
            z
              .object({
                id: z.string(),
                properties: z.object({ primary: z.boolean().nullish() }).passthrough().nullish(),
              })
              .passthrough(),
          )
          .nullish(),
      })
      .passthrough()
      .nullish(),
    storageProfile: z
      .object({
        osDisk: z
          .object({
            osType: optStr,
            managedDisk: z.unknown().optional(),
            vhd: z.object({ uri: optStr }).passthrough().nullish(),
            diffDiskSettings: z.object({ option: optStr }).passthrough().nullish(),
          })
          .passthrough()
          .nullish(),
        imageReference: z.object({ publisher: optStr, offer: optStr }).passthrough().nullish(),
        dataDisks: z.array(z.object({ managedDisk: z.unknown().optional() }).passthrough()).nullish(),
      })
      .passthrough()
      .nullish(),
    extended: z.object({ instanceView: z.unknown().optional() }).passthrough().nullish(),
    instanceView: z.unknown().optional(),
  })
  .passthrough();

const instanceViewSchema = z
  .object({
    powerState: z.object({ code: optStr }).passthrough().nullish(),
    vmAgent: z
      .object({
        vmAgentVersion: optStr,
        statuses: z.array(z.object({ code: optStr, displayStatus: optStr }).passthrough()).nullish(),
      })
      .passthrough()
      .nullish(),
    statuses: z.array(z.object({ code: optStr }).passthrough()).nullish(),
  })
  .passthrough();

const ruleSchema = z
  .object({
    name: z.string(),
    id: optStr,
    properties: z
      .object({
        priority: z.union([z.number(), z.string().regex(/^\d+$/)]),
        direction: str,
        access: str,
        protocol: str,
        sourcePortRange: optStr,
        sourcePortRanges: strList,
        destinationPortRange: optStr,
        destinationPortRanges: strList,
        sourceAddressPrefix: optStr,
        sourceAddressPrefixes: strList,
        destinationAddressPrefix: optStr,
        destinationAddressPrefixes: strList,
        sourceApplicationSecurityGroups: z.array(z.object({ id: z.string() }).passthrough()).nullish(),
        destinationApplicationSecurityGroups: z.array(z.object({ id: z.string() }).passthrough()).nullish(),
      })
      .passthrough(),
  })
  .passthrough();

const nsgProps = z
  .object({
    securityRules: z.array(z.unknown()).nullish(),
    defaultSecurityRules: z.array(z.unknown()).nullish(),
  })
  .passthrough();

const nicProps = z
  .object({
    networkSecurityGroup: idRef,
    ipConfigurations: z
      .array(
        z
          .object({
            name: z.string().nullish(),
            properties: z
              .object({
                privateIPAddress: optStr,
                subnet: idRef,
                primary: z.boolean().nullish(),
                applicationSecurityGroups: z.array(z.object({ id: z.string() }).passthrough()).nullish(),
              })
              .passthrough()
              .nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();

const vnetProps = z
  .object({
    subnets: z
      .array(
        z
          .object({
            id: z.string(),
            name: z.string().nullish(),
            properties: z
              .object({
                addressPrefix: optStr,
                addressPrefixes: strList,
                networkSecurityGroup: idRef,
              })
              .passthrough()
              .nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();

const vaultProps = z
  .object({
    redundancySettings: z
      .object({ standardTierStorageRedundancy: optStr, crossRegionRestore: optStr })
      .passthrough()
      .nullish(),
    securitySettings: z
      .object({
        softDeleteSettings: z.object({ softDeleteState: optStr }).passthrough().nullish(),
        immutabilitySettings: z.object({ state: optStr }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
    monitoringSettings: z
      .object({
        classicAlertSettings: z.object({ alertsForCriticalOperations: optStr }).passthrough().nullish(),
        azureMonitorAlertSettings: z.object({ alertsForAllJobFailures: optStr }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
    publicNetworkAccess: optStr,
  })
  .passthrough();

const protectedItemProps = z
  .object({
    backupManagementType: optStr,
    sourceResourceId: optStr,
    virtualMachineId: optStr,
    currentProtectionState: optStr,
    protectionState: optStr,
    policyId: optStr,
    policyName: optStr,
    dataSourceInfo: z.object({ resourceLocation: optStr }).passthrough().nullish(),
    protectionStatus: optStr,
    healthStatus: optStr,
    lastBackupStatus: optStr,
    lastBackupTime: optStr,
    lastRecoveryPoint: optStr,
    policyType: optStr,
    healthDetails: z.array(z.unknown()).nullish(),
    kpisHealths: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();

const healthDetailSchema = z
  .object({ code: z.union([z.number(), z.string()]).nullish(), title: optStr, message: optStr })
  .passthrough();
const kpiHealthSchema = z.object({ resourceHealthDetails: z.array(z.unknown()).nullish() }).passthrough();

const policyProps = z
  .object({
    backupManagementType: optStr,
    policyType: optStr,
    schedulePolicy: z
      .object({
        scheduleRunFrequency: optStr,
        hourlySchedule: z.object({ interval: z.number().nullish() }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

/**
 * The health errors of a protected item: `healthDetails[]` and every `kpisHealths.*.resourceHealthDetails[]`
 * ({code: int, title, message}); the title carries Azure's error code. Entries that are not objects are skipped.
 */
function healthErrorsOf(details: unknown[] | null | undefined, kpis: Record<string, unknown> | null | undefined) {
  const raw: unknown[] = [...(details ?? [])];
  for (const kpi of Object.values(kpis ?? {})) {
    const parsed = kpiHealthSchema.safeParse(kpi);
    if (parsed.success) raw.push(...(parsed.data.resourceHealthDetails ?? []));
  }
  const out: BackupHealthError[] = [];
  for (const d of raw) {
    const parsed = healthDetailSchema.safeParse(d);
    if (!parsed.success) continue;
    const { code, title, message } = parsed.data;
    const name =
      title ?? (typeof code === 'string' ? code : undefined) ?? (typeof code === 'number' ? String(code) : undefined);
    if (!name) continue;
    const error: BackupHealthError = { code: name };
    if (message) error.message = message;
    if (typeof code === 'number') error.numericCode = code;
    if (!out.some((e) => e.code === error.code && e.message === error.message)) out.push(error);
  }
  return out;
}

/** Formats a zod error as `path: message; ...`, naming each bad field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(row)'}: ${issue.message}`)
    .join('; ');
}

function tagsOf(raw: z.infer<typeof baseRow>['tags']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) out[k] = v === null ? '' : String(v);
  return out;
}

function nameFromId(id: string): string {
  const parts = id.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] ?? id;
}

function withSingular(single: string | null | undefined, plural: string[] | null | undefined): string[] {
  const list = [...(plural ?? [])];
  if (single !== null && single !== undefined && single !== '') list.unshift(single);
  return list;
}

function canonicalAccess(value: string): Access | undefined {
  const v = value.toLowerCase();
  return v === 'allow' ? 'Allow' : v === 'deny' ? 'Deny' : undefined;
}

function canonicalDirection(value: string): Direction | undefined {
  const v = value.toLowerCase();
  return v === 'inbound' ? 'Inbound' : v === 'outbound' ? 'Outbound' : undefined;
}

/** Converts one security rule; throws a message naming the bad field. */
export function fromSecurityRule(raw: unknown, isDefault: boolean): SecurityRule {
  const parsed = ruleSchema.safeParse(raw);
  if (!parsed.success) throw new Error(describeZodError(parsed.error));
  const r = parsed.data;
  const p = r.properties;
  const access = canonicalAccess(p.access);
  if (!access) throw new Error(`rule '${r.name}': access '${p.access}' is neither Allow nor Deny`);
  const direction = canonicalDirection(p.direction);
  if (!direction) throw new Error(`rule '${r.name}': direction '${p.direction}' is neither Inbound nor Outbound`);
  const priority = Number(p.priority);
  // Custom rules take 100-4096 (docs/azure-facts.md §3); anything else is a row the tool cannot reason about.
  if (!isDefault && !(Number.isInteger(priority) && priority >= 100 && priority <= 4096))
    throw new Error(`rule '${r.name}': priority ${String(p.priority)} is not an integer in 100-4096`);
  const rule: SecurityRule = {
    name: r.name,
    priority,
    direction,
    access,
    protocol: p.protocol,
    sourcePortRanges: withSingular(p.sourcePortRange, p.sourcePortRanges),
    destinationPortRanges: withSingular(p.destinationPortRange, p.destinationPortRanges),
    sourceAddressPrefixes: withSingular(p.sourceAddressPrefix, p.sourceAddressPrefixes),
    destinationAddressPrefixes: withSingular(p.destinationAddressPrefix, p.destinationAddressPrefixes),
    sourceApplicationSecurityGroupIds: (p.sourceApplicationSecurityGroups ?? []).map((a) => a.id),
    destinationApplicationSecurityGroupIds: (p.destinationApplicationSecurityGroups ?? []).map((a) => a.id),
    isDefault,
  };
  if (r.id) rule.id = r.id;
  const state = (raw as { properties?: { provisioningState?: unknown } }).properties?.provisioningState;
  if (typeof state === 'string' && state !== '') rule.provisioningState = state;
  return rule;
}

/** Reads the VM agent from an instance view: null when the view has no agent, undefined when there is no view. */
function agentOf(instanceView: unknown): VmAgentStatus | null | undefined {
  if (instanceView === undefined || instanceView === null) return undefined;
  const parsed = instanceViewSchema.safeParse(instanceView);
  if (!parsed.success) return undefined;
  const agent = parsed.data.vmAgent;
  if (!agent) return null;
  const status: VmAgentStatus = {};
  const display = agent.statuses?.[0]?.displayStatus;
  if (display) status.status = display;
  if (agent.vmAgentVersion) status.vmAgentVersion = agent.vmAgentVersion;
  return status;
}

function powerStateOf(instanceView: unknown): string | undefined {
  const parsed = instanceViewSchema.safeParse(instanceView ?? {});
  if (!parsed.success) return undefined;
  const direct = parsed.data.powerState?.code;
  if (direct) return direct;
  return parsed.data.statuses?.find((s) => s.code?.toLowerCase().startsWith('powerstate/'))?.code ?? undefined;
}

/**
 * Converts one Resource Graph row (Resources or RecoveryServicesResources) into a domain value.
 * Throws an Error whose message names the bad field; the caller adds the row index and id.
 */
export function fromResourceGraphRow(raw: unknown): ParsedRow {
  const base = baseRow.safeParse(raw);
  if (!base.success) throw new Error(describeZodError(base.error));
  const row = base.data;
  const type = row.type.toLowerCase();
  const id = row.id;
  const unsafe = unsafeIdReason(id);
  if (unsafe) throw new Error(`id: ${unsafe}`);
  const parts = tryParseResourceId(id);
  const subscriptionId = (row.subscriptionId ?? parts?.subscriptionId ?? subscriptionOf(id) ?? '').toLowerCase();
  const resourceGroup = (row.resourceGroup ?? parts?.resourceGroup ?? '').toLowerCase();
  const name = row.name ?? nameFromId(id);
  const location = normaliseLocation(row.location ?? '');
  const props = row.properties ?? {};

  switch (type) {
    case RESOURCE_TYPES.virtualMachine: {
      if (!parts) throw new Error(`id: not a resource id`);
      if (!location) throw new Error('location: required for a virtual machine');
      const p = vmProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const view = p.data.extended?.instanceView ?? p.data.instanceView;
      const osDisk = p.data.storageProfile?.osDisk;
      const vm: VirtualMachine = {
        id,
        name,
        location,
        subscriptionId,
        resourceGroup,
        tags: tagsOf(row.tags),
        networkInterfaceIds: (p.data.networkProfile?.networkInterfaces ?? []).map((n) => n.id),
        managedOsDisk: osDisk?.managedDisk !== undefined && osDisk?.managedDisk !== null,
      };
      const primaryNic = p.data.networkProfile?.networkInterfaces?.find((n) => n.properties?.primary === true);
      if (primaryNic) vm.primaryNetworkInterfaceId = primaryNic.id;
      const image = p.data.storageProfile?.imageReference;
      if (image?.publisher) vm.imagePublisher = image.publisher;
      if (image?.offer) vm.imageOffer = image.offer;
      if (p.data.priority) vm.priority = p.data.priority;
      if (osDisk?.diffDiskSettings?.option)
        vm.ephemeralOsDisk = osDisk.diffDiskSettings.option.toLowerCase() === 'local';
      if (p.data.securityProfile?.securityType) vm.securityType = p.data.securityProfile.securityType;
      const dataDisks = p.data.storageProfile?.dataDisks;
      if (dataDisks) vm.dataDiskCount = dataDisks.length;
      const diskTypes = [osDisk?.managedDisk, ...(dataDisks ?? []).map((d) => d.managedDisk)]
        .map((m) => managedDiskRef.safeParse(m ?? null))
        .map((m) => (m.success ? m.data?.storageAccountType : undefined))
        .filter((t): t is string => typeof t === 'string' && t !== '');
      if (diskTypes.length) vm.diskStorageTypes = [...new Set(diskTypes)];
      if (osDisk?.osType) vm.osType = osDisk.osType;
      const power = powerStateOf(view);
      if (power) vm.powerState = power;
      const agent = agentOf(view);
      if (agent !== undefined) {
        // A Resource Graph instance view with only a power state is not an agent report.
        const hasAgentKey = typeof view === 'object' && view !== null && 'vmAgent' in view;
        if (agent !== null || hasAgentKey || p.data.instanceView !== undefined) vm.vmAgent = agent;
      }
      return { kind: 'virtualMachine', value: vm };
    }
    case RESOURCE_TYPES.networkInterface: {
      const p = nicProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const nic: NetworkInterface = {
        id,
        name,
        location,
        ipConfigurations: (p.data.ipConfigurations ?? []).map((c, i): IpConfiguration => {
          const cfg: IpConfiguration = {
            name: c.name ?? `ipconfig${i + 1}`,
            applicationSecurityGroupIds: (c.properties?.applicationSecurityGroups ?? []).map((a) => a.id),
          };
          if (c.properties?.privateIPAddress) cfg.privateIPAddress = c.properties.privateIPAddress;
          if (c.properties?.subnet?.id) cfg.subnetId = c.properties.subnet.id;
          if (typeof c.properties?.primary === 'boolean') cfg.primary = c.properties.primary;
          return cfg;
        }),
      };
      if (p.data.networkSecurityGroup?.id) nic.networkSecurityGroupId = p.data.networkSecurityGroup.id;
      return { kind: 'networkInterface', value: nic };
    }
    case RESOURCE_TYPES.networkSecurityGroup: {
      const p = nsgProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const convert = (list: unknown[] | null | undefined, isDefault: boolean, field: string): SecurityRule[] =>
        (list ?? []).map((r, i) => {
          try {
            return fromSecurityRule(r, isDefault);
          } catch (e) {
            throw new Error(`properties.${field}[${i}]: ${(e as Error).message}`, { cause: e });
          }
        });
      const nsg: NetworkSecurityGroup = {
        id,
        name,
        location,
        subscriptionId,
        resourceGroup,
        // An allow rule whose provisioning did not succeed allows nothing: it does not count, so the next plan
        // writes it again. A deny rule counts whatever its state: a doubt never opens a path.
        securityRules: convert(p.data.securityRules, false, 'securityRules').filter(
          (rule) =>
            rule.access !== 'Allow' || rule.provisioningState === undefined || rule.provisioningState === 'Succeeded',
        ),
        defaultSecurityRules: convert(p.data.defaultSecurityRules, true, 'defaultSecurityRules'),
      };
      return { kind: 'networkSecurityGroup', value: nsg };
    }
    case RESOURCE_TYPES.virtualNetwork: {
      const p = vnetProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const vnet: VirtualNetwork = {
        id,
        name,
        location,
        subnets: (p.data.subnets ?? []).map((s): Subnet => {
          const subnet: Subnet = {
            id: s.id,
            name: s.name ?? nameFromId(s.id),
            addressPrefixes: withSingular(s.properties?.addressPrefix, s.properties?.addressPrefixes),
          };
          if (s.properties?.networkSecurityGroup?.id)
            subnet.networkSecurityGroupId = s.properties.networkSecurityGroup.id;
          return subnet;
        }),
      };
      return { kind: 'virtualNetwork', value: vnet };
    }
    case RESOURCE_TYPES.vault: {
      if (!location) throw new Error('location: required for a vault');
      const p = vaultProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const vault: Vault = { id, name, location, subscriptionId, resourceGroup, tags: tagsOf(row.tags) };
      const redundancy = p.data.redundancySettings?.standardTierStorageRedundancy;
      if (redundancy) vault.storageRedundancy = redundancy;
      const softDelete = p.data.securitySettings?.softDeleteSettings?.softDeleteState;
      if (softDelete) vault.softDeleteState = softDelete;
      const crr = p.data.redundancySettings?.crossRegionRestore;
      if (crr) vault.crossRegionRestore = crr;
      const classic = p.data.monitoringSettings?.classicAlertSettings?.alertsForCriticalOperations;
      if (classic) vault.classicAlerts = classic;
      const monitor = p.data.monitoringSettings?.azureMonitorAlertSettings?.alertsForAllJobFailures;
      if (monitor) vault.azureMonitorJobAlerts = monitor;
      const immutability = p.data.securitySettings?.immutabilitySettings?.state;
      if (immutability) vault.immutabilityState = immutability;
      if (p.data.publicNetworkAccess) vault.publicNetworkAccess = p.data.publicNetworkAccess;
      const state = (props as { provisioningState?: unknown }).provisioningState;
      if (typeof state === 'string' && state !== '') vault.provisioningState = state;
      return { kind: 'vault', value: vault };
    }
    case RESOURCE_TYPES.protectedItem: {
      const p = protectedItemProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      const source = p.data.sourceResourceId ?? p.data.virtualMachineId;
      if (!source) throw new Error('properties.sourceResourceId: required (nor is there a virtualMachineId)');
      const vaultId = ancestorId(id, 1);
      if (!vaultId) throw new Error('id: not a protected item id under a vault');
      const item: ProtectedItem = {
        id,
        vaultId,
        sourceResourceId: source,
        healthErrors: healthErrorsOf(p.data.healthDetails, p.data.kpisHealths),
      };
      const d = p.data;
      if (d.protectionStatus) item.protectionStatus = d.protectionStatus;
      if (d.healthStatus) item.healthStatus = d.healthStatus;
      if (d.lastBackupStatus) item.lastBackupStatus = d.lastBackupStatus;
      if (d.lastBackupTime) item.lastBackupTime = d.lastBackupTime;
      if (d.lastRecoveryPoint) item.lastRecoveryPoint = d.lastRecoveryPoint;
      if (d.policyType) item.policyType = d.policyType;
      const state = p.data.currentProtectionState ?? deriveProtectionState(p.data.protectionState);
      if (state) item.protectionState = state;
      if (p.data.policyId) item.policyId = p.data.policyId;
      if (p.data.policyName) item.policyName = p.data.policyName;
      if (p.data.dataSourceInfo?.resourceLocation)
        item.resourceLocation = normaliseLocation(p.data.dataSourceInfo.resourceLocation);
      return { kind: 'protectedItem', value: item };
    }
    case RESOURCE_TYPES.backupPolicy: {
      const p = policyProps.safeParse(props);
      if (!p.success) throw new Error(describeZodError(p.error));
      if (p.data.backupManagementType && p.data.backupManagementType.toLowerCase() !== 'azureiaasvm')
        return { kind: 'ignored', type };
      const vaultId = ancestorId(id, 1);
      if (!vaultId) throw new Error('id: not a backup policy id under a vault');
      const policy: BackupPolicy = { id, name, vaultId };
      if (p.data.policyType) policy.policyType = p.data.policyType;
      const schedule = p.data.schedulePolicy;
      if (schedule?.scheduleRunFrequency) policy.scheduleRunFrequency = schedule.scheduleRunFrequency;
      if (typeof schedule?.hourlySchedule?.interval === 'number')
        policy.hourlyInterval = schedule.hourlySchedule.interval;
      return { kind: 'backupPolicy', value: policy };
    }
    case RESOURCE_TYPES.resourceGroup: {
      const group: ResourceGroup = { id, name, subscriptionId };
      if (row.managedBy) group.managedBy = row.managedBy;
      return { kind: 'resourceGroup', value: group };
    }
    default:
      return { kind: 'ignored', type };
  }
}

/** Older API versions report `protectionState` only; map it to the `currentProtectionState` vocabulary. */
function deriveProtectionState(state: string | null | undefined): string | undefined {
  if (!state) return undefined;
  switch (state.toLowerCase()) {
    case 'protected':
      return 'ProtectionConfigured';
    case 'irpending':
      return 'ConfiguringProtection';
    default:
      return state;
  }
}
