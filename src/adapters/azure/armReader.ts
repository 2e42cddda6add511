/**
 * Direct ARM reads for the event path, on the real SDK clients. Resource Graph is eventually consistent
 * (docs/azure-facts.md §2: most changes within 30-60 s, no upper bound), so a just-created VM is read with GETs.
 * The raw ARM bodies are kept (through `onResponse`) and given the Resource Graph columns, so that the
 * same inventory converters and rules apply to both paths.
 */
import type { ResourceReader, SubscriptionDirectory } from '../../ports';
import { ancestorId, idKey, parseResourceId, tryParseResourceId } from '../../core/ids';
import type { AzureClients } from './clients';
import { statusCodeOf } from './errors';
import type { ResourceGraphInventory } from './resourceGraph';

type Body = Record<string, unknown>;

/** A string field of a body, or `fallback` when the field is absent or not a string. */
const stringOf = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
type RawCallback = (raw: { parsedBody?: unknown; bodyAsText?: string | null }) => void;

/** Runs an SDK call and returns the response body as ARM sent it, or undefined on 404. */
async function rawBody(call: (onResponse: RawCallback) => Promise<unknown>): Promise<Body | undefined> {
  let body: unknown;
  const onResponse: RawCallback = (raw) => {
    body = raw.parsedBody ?? (raw.bodyAsText ? JSON.parse(raw.bodyAsText) : undefined);
  };
  try {
    await call(onResponse);
  } catch (e) {
    if (statusCodeOf(e) === 404) return undefined;
    throw e;
  }
  return typeof body === 'object' && body !== null ? (body as Body) : undefined;
}

/** An ARM body → a Resource Graph row: lower-case type, resourceGroup and subscriptionId from the id. */
export function armBodyToRow(body: Body): Body {
  const id = stringOf(body.id);
  const parts = tryParseResourceId(id);
  return {
    ...body,
    type: stringOf(body.type).toLowerCase(),
    resourceGroup: parts?.resourceGroup.toLowerCase() ?? '',
    subscriptionId: parts?.subscriptionId ?? '',
  };
}

function refs(value: unknown): string[] {
  return Array.isArray(value)
    ? value.map((v) => (v as { id?: unknown }).id).filter((id): id is string => typeof id === 'string')
    : [];
}

function props(body: Body | undefined): Body {
  return (body?.properties ?? {}) as Body;
}

/** Reads VMs, NICs, VNets, NSGs, vaults and protection status with ARM GETs and backupStatus. */

/** A protected item's backup health fields, copied from its ARM body into the row the rules read. */
const HEALTH_FIELDS = [
  'protectionStatus',
  'healthStatus',
  'lastBackupStatus',
  'lastBackupTime',
  'lastRecoveryPoint',
  'healthDetails',
  'kpisHealths',
  'policyId',
  'policyType',
] as const;
export class ArmResourceReader implements ResourceReader {
  constructor(private readonly clients: AzureClients) {}

  private async get(id: string): Promise<Body | undefined> {
    const p = parseResourceId(id);
    const type = [p.provider, ...p.types].join('/').toLowerCase();
    const [name, child] = p.names;
    const rg = p.resourceGroup;
    const sub = p.subscriptionId;
    if (!name) return undefined;
    switch (type) {
      case 'microsoft.compute/virtualmachines':
        return rawBody((onResponse) =>
          this.clients.compute(sub).virtualMachines.get(rg, name, { expand: 'instanceView', onResponse }),
        );
      case 'microsoft.network/networkinterfaces':
        return rawBody((onResponse) => this.clients.network(sub).networkInterfaces.get(rg, name, { onResponse }));
      case 'microsoft.network/virtualnetworks':
      case 'microsoft.network/virtualnetworks/subnets':
        return rawBody((onResponse) => this.clients.network(sub).virtualNetworks.get(rg, name, { onResponse }));
      case 'microsoft.network/networksecuritygroups':
        return rawBody((onResponse) => this.clients.network(sub).networkSecurityGroups.get(rg, name, { onResponse }));
      default:
        throw new Error(`cannot read ${type} (${child ?? name})`);
    }
  }

  /** The VM and everything its backup compliance depends on, as Resource Graph rows. */
  async readVmContext(vmId: string): Promise<unknown[] | undefined> {
    const vm = await this.get(vmId);
    if (!vm) return undefined;
    const rows: Body[] = [armBodyToRow(vm)];
    const p = parseResourceId(vmId);
    const seen = new Set<string>([idKey(vmId)]);
    const add = async (id: string | undefined): Promise<Body | undefined> => {
      if (!id || seen.has(idKey(id))) return undefined;
      seen.add(idKey(id));
      const body = await this.get(id);
      if (body) rows.push(armBodyToRow(body));
      return body;
    };
    const nics = refs((props(vm).networkProfile as Body | undefined)?.networkInterfaces);
    for (const nicId of nics) {
      const nic = await add(nicId);
      if (!nic) continue;
      await add((props(nic).networkSecurityGroup as { id?: string } | undefined)?.id);
      for (const cfg of (props(nic).ipConfigurations ?? []) as Body[]) {
        const subnetId = (props(cfg).subnet as { id?: string } | undefined)?.id;
        if (!subnetId) continue;
        const vnetId = ancestorId(subnetId, 1);
        const vnet = await add(vnetId);
        const subnet = ((props(vnet).subnets ?? []) as Body[]).find((s) => idKey(String(s.id)) === idKey(subnetId));
        await add((props(subnet).networkSecurityGroup as { id?: string } | undefined)?.id);
      }
    }
    // Vaults of the VM's subscription: the planner picks one of its region or plans a new one.
    const vaults = this.clients.recoveryServices(p.subscriptionId).vaults.listBySubscriptionId({
      onResponse: (raw: { parsedBody?: unknown }) => {
        for (const v of (raw.parsedBody as { value?: Body[] } | undefined)?.value ?? []) rows.push(armBodyToRow(v));
      },
    });
    for await (const _ of vaults) {
      /* rows are taken from the raw pages */
    }
    // Protection, the cheap way (docs/azure-facts.md §4.5): backupStatus names the vault when the VM is protected.
    const location = stringOf(vm.location);
    const status = await this.clients
      .recoveryServicesBackup(p.subscriptionId)
      .backupStatus.get(location, { resourceId: stringOf(vm.id, vmId), resourceType: 'VM' });
    const protectedStatus = status.protectionStatus?.toLowerCase();
    if (
      status.vaultId &&
      (protectedStatus === 'protected' || protectedStatus === 'protecting' || protectedStatus === 'protectionfailed')
    ) {
      const container = status.containerName ?? `iaasvmcontainer;iaasvmcontainerv2;${p.resourceGroup};${p.names[0]}`;
      const item = status.protectedItemName ?? `vm;iaasvmcontainerv2;${p.resourceGroup};${p.names[0]}`;
      const fabric = status.fabricName ?? 'Azure';
      // backupStatus says `Protected` for a stopped or soft-deleted item too (the VM still belongs to that
      // vault): the item's own state tells them apart, so that vm-protection-unhealthy sees what a sweep sees.
      const health: Body = {};
      const state =
        (await this.protectedItemState(status.vaultId, fabric, container, item, health)) ??
        (protectedStatus === 'protected'
          ? 'ProtectionConfigured'
          : protectedStatus === 'protecting'
            ? 'ConfiguringProtection'
            : 'ProtectionError');
      rows.push({
        id: `${status.vaultId}/backupFabrics/${fabric}/protectionContainers/${container}/protectedItems/${item}`,
        name: item,
        type: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
        location,
        properties: {
          backupManagementType: 'AzureIaasVM',
          sourceResourceId: stringOf(vm.id, vmId),
          policyName: status.policyName,
          currentProtectionState: state,
          dataSourceInfo: { resourceLocation: location },
          ...health,
        },
      });
    }
    return rows;
  }

  /**
   * The protected item's state in Resource Graph's words (`currentProtectionState`), from a GET of the item:
   * its ARM `protectionState` (Protected, IRPending, ProtectionStopped, ProtectionPaused, BackupsSuspended,
   * ProtectionError) and `isScheduledForDeferredDelete` (soft-deleted). Undefined when the item cannot be
   * read (gone, or a vault of a subscription the identity cannot read). The item's backup health
   * (vm-backup-failing's fields, docs/azure-facts.md §10) is copied into `health`, as Resource Graph has it.
   */
  private async protectedItemState(
    vaultId: string,
    fabric: string,
    container: string,
    item: string,
    health: Body,
  ): Promise<string | undefined> {
    const v = tryParseResourceId(vaultId);
    const vaultName = v?.names[0];
    if (!v || !vaultName) return undefined;
    let body: Body | undefined;
    try {
      body = await rawBody((onResponse) =>
        this.clients
          .recoveryServicesBackup(v.subscriptionId)
          .protectedItems.get(vaultName, v.resourceGroup, fabric, container, item, { onResponse }),
      );
    } catch (e) {
      if (statusCodeOf(e) === 403) return undefined;
      throw e;
    }
    const p = props(body);
    // The SDK may have turned the times into Dates in the parsed body: rows carry ISO strings.
    for (const key of HEALTH_FIELDS) {
      const v = p[key];
      if (v !== undefined && v !== null) health[key] = v instanceof Date ? v.toISOString() : v;
    }
    if (typeof p.currentProtectionState === 'string' && p.currentProtectionState) return p.currentProtectionState;
    if (p.isScheduledForDeferredDelete === true) return 'SoftDeleted';
    switch (stringOf(p.protectionState).toLowerCase()) {
      case 'protected':
        return 'ProtectionConfigured';
      case 'irpending':
        return 'ConfiguringProtection';
      case 'protectionstopped':
      case 'protectionpaused':
      case 'backupssuspended':
        return 'ProtectionStopped';
      case 'softdeleted':
        return 'SoftDeleted';
      case 'protectionerror':
        return 'ProtectionError';
      default:
        return undefined;
    }
  }

  /** The VMs behind an NSG: through the NICs it is attached to and the NICs of the subnets it is attached to. */
  async vmsBehindNsg(nsgId: string): Promise<string[] | undefined> {
    const nsg = await this.get(nsgId);
    if (!nsg) return undefined;
    const nicIds = new Set(refs(props(nsg).networkInterfaces).map((id) => id));
    for (const subnetId of refs(props(nsg).subnets)) {
      const vnet = await this.get(ancestorId(subnetId, 1) ?? subnetId);
      const subnet = ((props(vnet).subnets ?? []) as Body[]).find((s) => idKey(String(s.id)) === idKey(subnetId));
      for (const cfgId of refs(props(subnet).ipConfigurations)) {
        const nicId = ancestorId(cfgId, 1);
        if (nicId) nicIds.add(nicId);
      }
    }
    const vms = new Map<string, string>();
    for (const nicId of nicIds) {
      const nic = await this.get(nicId);
      const vmId = (props(nic).virtualMachine as { id?: string } | undefined)?.id;
      if (vmId) vms.set(idKey(vmId), vmId);
    }
    return [...vms.values()].sort((a, b) => idKey(a).localeCompare(idKey(b)));
  }
}

/** Lists the tenant's subscriptions with Resource Graph (`ResourceContainers`), for tenant-wide sweeps. */
export class ResourceGraphSubscriptionDirectory implements SubscriptionDirectory {
  constructor(private readonly graph: ResourceGraphInventory) {}

  async listSubscriptions(): Promise<string[]> {
    const rows = await this.graph.runQuery(
      "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId | order by subscriptionId asc",
      { subscriptions: [], managementGroups: [] },
    );
    return rows.map((r) => stringOf(r.subscriptionId)).filter(Boolean);
  }
}
