/**
 * The inventory: every resource backup compliance depends on, indexed by case-insensitive id, with the
 * lookups the rules need (VM → NIC → ipconfig → subnet → NSG, VM → protected item → vault).
 */
import { assertNever } from './assert';
import { idKey, subscriptionOf } from './ids';
import type {
  BackupPolicy,
  IpConfiguration,
  NetworkInterface,
  NetworkSecurityGroup,
  ProtectedItem,
  ResourceGroup,
  Subnet,
  Vault,
  VirtualMachine,
  VirtualNetwork,
} from './model';
import { NetworkInventory } from './network/inventory';
import { fromResourceGraphRow, type RowProblem } from './rows';
import { normaliseLocation } from './regions';

/** One ipconfig's outbound path: the NIC's NSG, then the subnet's NSG. */
export interface EgressPath {
  nic: NetworkInterface;
  ipConfiguration: IpConfiguration;
  subnet?: Subnet;
  nicNsg?: NetworkSecurityGroup;
  subnetNsg?: NetworkSecurityGroup;
}

/** The indexed inventory built from Resource Graph rows. */
export class Inventory {
  readonly networkInterfaces = new Map<string, NetworkInterface>();
  readonly networkSecurityGroups = new Map<string, NetworkSecurityGroup>();
  readonly virtualNetworks = new Map<string, VirtualNetwork>();
  readonly subnets = new Map<string, Subnet>();
  readonly vaults = new Map<string, Vault>();
  /** Azure IaaS VM backup policies, by lower-case id. */
  readonly backupPolicies = new Map<string, BackupPolicy>();
  /** Resource groups (ResourceContainers), by lower-case `{subscription}/{name}`. */
  readonly resourceGroups = new Map<string, ResourceGroup>();
  /** Route tables, firewalls and their policies, security admin rules and the service tag catalogue. */
  readonly network = new NetworkInventory();
  /** Rows that could not be used, with their index and id. */
  readonly problems: RowProblem[] = [];
  /** Number of rows read, valid or not. */
  rowCount = 0;

  /** VMs by id key, in the order of their last row (a duplicate id moves to the end, as a merged export reads). */
  private readonly vmIndex = new Map<string, VirtualMachine>();
  /** Protected items by their own id key, in the same last-row order. */
  private readonly itemIndex = new Map<string, ProtectedItem>();
  private readonly protectionIndex = new Map<string, Map<string, ProtectedItem>>();
  /** protectionOf's answers, built on first ask and dropped when that VM's items change. */
  private readonly protectionLists = new Map<string, ProtectedItem[]>();
  private readonly subscriptionSet = new Set<string>();
  private vmList: VirtualMachine[] | undefined;
  private itemList: ProtectedItem[] | undefined;
  /** Vaults by `subscription|location`, sorted by name then id; built on first use after a vault is added. */
  private vaultsByRegion: Map<string, Vault[]> | undefined;
  /** Vaults by `subscription|name` (lower case); built on first use after a vault is added. */
  private vaultsByName: Map<string, Vault[]> | undefined;

  /** Builds an inventory from raw rows; bad rows become problems and the rest still count. */
  static fromRows(rows: readonly unknown[]): Inventory {
    const inv = new Inventory();
    inv.addAll(rows);
    return inv;
  }

  /** Adds a page (or file) of raw rows; `firstIndex` numbers them after the rows already added. */
  addAll(rows: readonly unknown[], firstIndex = this.rowCount): void {
    for (let i = 0; i < rows.length; i++) this.add(rows[i], firstIndex + i);
  }

  /** The VMs, in row order (a duplicate id keeps its last row, at that row's place). */
  get virtualMachines(): readonly VirtualMachine[] {
    return (this.vmList ??= [...this.vmIndex.values()]);
  }

  /** The protected items, in row order (a duplicate id keeps its last row). */
  get protectedItems(): readonly ProtectedItem[] {
    return (this.itemList ??= [...this.itemIndex.values()]);
  }

  /** Adds one raw row. Duplicate ids: the last row wins, as in a merged export. */
  add(row: unknown, index: number): void {
    this.rowCount++;
    let parsed;
    try {
      if (this.network.add(row)) return;
      parsed = fromResourceGraphRow(row);
    } catch (e) {
      const problem: RowProblem = { index, message: (e as Error).message };
      const id = typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined;
      if (typeof id === 'string') problem.id = id;
      this.problems.push(problem);
      return;
    }
    switch (parsed.kind) {
      case 'virtualMachine': {
        const key = idKey(parsed.value.id);
        this.vmIndex.delete(key);
        this.vmIndex.set(key, parsed.value);
        this.vmList = undefined;
        this.subscriptionSet.add(parsed.value.subscriptionId);
        break;
      }
      case 'networkInterface':
        this.networkInterfaces.set(idKey(parsed.value.id), parsed.value);
        break;
      case 'networkSecurityGroup':
        this.networkSecurityGroups.set(idKey(parsed.value.id), parsed.value);
        break;
      case 'virtualNetwork':
        this.virtualNetworks.set(idKey(parsed.value.id), parsed.value);
        for (const s of parsed.value.subnets) this.subnets.set(idKey(s.id), s);
        break;
      case 'vault':
        this.vaults.set(idKey(parsed.value.id), parsed.value);
        this.vaultsByRegion = undefined;
        this.vaultsByName = undefined;
        this.subscriptionSet.add(parsed.value.subscriptionId);
        break;
      case 'protectedItem': {
        const itemKey = idKey(parsed.value.id);
        const previous = this.itemIndex.get(itemKey);
        if (previous) {
          const previousVm = idKey(previous.sourceResourceId);
          this.protectionIndex.get(previousVm)?.delete(itemKey);
          this.protectionLists.delete(previousVm);
        }
        this.itemIndex.delete(itemKey);
        this.itemIndex.set(itemKey, parsed.value);
        this.itemList = undefined;
        const key = idKey(parsed.value.sourceResourceId);
        let forVm = this.protectionIndex.get(key);
        if (!forVm) this.protectionIndex.set(key, (forVm = new Map<string, ProtectedItem>()));
        forVm.delete(itemKey);
        forVm.set(itemKey, parsed.value);
        this.protectionLists.delete(key);
        const sub = subscriptionOf(parsed.value.id);
        if (sub) this.subscriptionSet.add(sub);
        break;
      }
      case 'backupPolicy':
        this.backupPolicies.set(idKey(parsed.value.id), parsed.value);
        break;
      case 'resourceGroup':
        this.resourceGroups.set(groupKey(parsed.value.subscriptionId, parsed.value.name), parsed.value);
        break;
      case 'ignored':
        break;
      default:
        assertNever(parsed, 'row kind');
    }
  }

  /** Number of resources the inventory understood. */
  get resourceCount(): number {
    return (
      this.vmIndex.size +
      this.networkInterfaces.size +
      this.networkSecurityGroups.size +
      this.virtualNetworks.size +
      this.vaults.size +
      this.itemIndex.size
    );
  }

  /** The subscriptions the inventory covers (lower case): those with any VM, vault or protected item. */
  get subscriptions(): ReadonlySet<string> {
    return this.subscriptionSet;
  }

  /** The VM with this id, in any case. */
  vm(id: string): VirtualMachine | undefined {
    return this.vmIndex.get(idKey(id));
  }

  /** The protected items whose source is this VM, in any vault of any subscription. */
  protectionOf(vmId: string): ProtectedItem[] {
    const key = idKey(vmId);
    let list = this.protectionLists.get(key);
    if (!list) {
      const forVm = this.protectionIndex.get(key);
      if (!forVm) return [];
      list = [...forVm.values()];
      this.protectionLists.set(key, list);
    }
    return list;
  }

  /** The backup policy with this id, when the inventory has it. */
  policy(id: string | undefined): BackupPolicy | undefined {
    return id ? this.backupPolicies.get(idKey(id)) : undefined;
  }

  /** The policy of a vault with this name (case-insensitive), when the inventory has it. */
  policyNamed(vaultId: string, name: string): BackupPolicy | undefined {
    return this.policy(`${vaultId}/backupPolicies/${name}`);
  }

  /** The resource group of a subscription with this name, when the inventory has it. */
  resourceGroup(subscriptionId: string, name: string): ResourceGroup | undefined {
    return this.resourceGroups.get(groupKey(subscriptionId, name));
  }

  /** The vault with this id. */
  vault(id: string): Vault | undefined {
    return this.vaults.get(idKey(id));
  }

  /** The NSG with this id. */
  nsg(id: string | undefined): NetworkSecurityGroup | undefined {
    return id ? this.networkSecurityGroups.get(idKey(id)) : undefined;
  }

  /** Vaults of a subscription in a location, sorted by name. */
  vaultsIn(subscriptionId: string, location: string): Vault[] {
    const region = normaliseLocation(location);
    if (region === '') return [];
    if (!this.vaultsByRegion) {
      const byRegion = new Map<string, Vault[]>();
      for (const v of this.vaults.values()) {
        // A vault whose creation did not succeed protects nothing: the planner repairs it instead of using it.
        if (v.provisioningState !== undefined && v.provisioningState !== 'Succeeded') continue;
        const key = `${v.subscriptionId}|${normaliseLocation(v.location)}`;
        const list = byRegion.get(key);
        if (list) list.push(v);
        else byRegion.set(key, [v]);
      }
      const keyed = new Map<Vault, string>();
      for (const v of this.vaults.values()) keyed.set(v, idKey(v.id));
      for (const list of byRegion.values())
        list.sort((a, b) => a.name.localeCompare(b.name) || (keyed.get(a) ?? '').localeCompare(keyed.get(b) ?? ''));
      this.vaultsByRegion = byRegion;
    }
    return [...(this.vaultsByRegion.get(`${subscriptionId.toLowerCase()}|${region}`) ?? [])];
  }

  /** Vaults of a subscription with this name (case-insensitive), in any resource group. */
  vaultsNamed(subscriptionId: string, name: string): Vault[] {
    if (!this.vaultsByName) {
      const byName = new Map<string, Vault[]>();
      for (const v of this.vaults.values()) {
        const key = `${v.subscriptionId}|${v.name.toLowerCase()}`;
        const list = byName.get(key);
        if (list) list.push(v);
        else byName.set(key, [v]);
      }
      this.vaultsByName = byName;
    }
    return [...(this.vaultsByName.get(`${subscriptionId.toLowerCase()}|${name.toLowerCase()}`) ?? [])];
  }

  /**
   * The outbound paths of a VM, one per ipconfig of each NIC. `missing` lists references the inventory
   * could not follow (a NIC, subnet or NSG outside the snapshot).
   */
  egressPaths(vm: VirtualMachine): { paths: EgressPath[]; missing: string[] } {
    const paths: EgressPath[] = [];
    const missing: string[] = [];
    for (const nicId of vm.networkInterfaceIds) {
      const nic = this.networkInterfaces.get(idKey(nicId));
      if (!nic) {
        missing.push(nicId);
        continue;
      }
      const nicNsg = this.nsg(nic.networkSecurityGroupId);
      if (nic.networkSecurityGroupId && !nicNsg) missing.push(nic.networkSecurityGroupId);
      for (const ipConfiguration of nic.ipConfigurations) {
        const path: EgressPath = { nic, ipConfiguration };
        if (nicNsg) path.nicNsg = nicNsg;
        if (ipConfiguration.subnetId) {
          const subnet = this.subnets.get(idKey(ipConfiguration.subnetId));
          if (subnet) {
            path.subnet = subnet;
            const subnetNsg = this.nsg(subnet.networkSecurityGroupId);
            if (subnetNsg) path.subnetNsg = subnetNsg;
            else if (subnet.networkSecurityGroupId) missing.push(subnet.networkSecurityGroupId);
          } else {
            missing.push(ipConfiguration.subnetId);
          }
        }
        paths.push(path);
      }
    }
    return { paths, missing: [...new Set(missing)] };
  }
}

/** The key of a resource group: lower-case subscription and name. */
function groupKey(subscriptionId: string, name: string): string {
  return `${subscriptionId}/${name}`.toLowerCase();
}
