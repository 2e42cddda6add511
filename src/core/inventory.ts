/**
 * The inventory: every resource backup compliance depends on, indexed by case-insensitive id, with the
 * lookups the rules need (VM → NIC → ipconfig → subnet → NSG, VM → protected item → vault).
 */
import { assertNever } from './assert';
import { idKey, subscriptionOf } from './ids';
import type {
  IpConfiguration,
  NetworkInterface,
  NetworkSecurityGroup,
  ProtectedItem,
  Subnet,
  Vault,
  VirtualMachine,
  VirtualNetwork,
} from './model';
import { fromResourceGraphRow, type RowProblem } from './rows';
import { sameLocation } from './regions';

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
  readonly virtualMachines: VirtualMachine[] = [];
  readonly networkInterfaces = new Map<string, NetworkInterface>();
  readonly networkSecurityGroups = new Map<string, NetworkSecurityGroup>();
  readonly virtualNetworks = new Map<string, VirtualNetwork>();
  readonly subnets = new Map<string, Subnet>();
  readonly vaults = new Map<string, Vault>();
  readonly protectedItems: ProtectedItem[] = [];
  /** Rows that could not be used, with their index and id. */
  readonly problems: RowProblem[] = [];
  /** Number of rows read, valid or not. */
  rowCount = 0;

  private readonly vmIndex = new Map<string, VirtualMachine>();
  private readonly protectionIndex = new Map<string, ProtectedItem[]>();
  private readonly subscriptionSet = new Set<string>();

  /** Builds an inventory from raw rows; bad rows become problems and the rest still count. */
  static fromRows(rows: readonly unknown[]): Inventory {
    const inv = new Inventory();
    rows.forEach((row, index) => inv.add(row, index));
    return inv;
  }

  /** Adds one raw row. Duplicate ids: the last row wins, as in a merged export. */
  add(row: unknown, index: number): void {
    this.rowCount++;
    let parsed;
    try {
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
        const existing = this.vmIndex.get(key);
        if (existing) this.virtualMachines.splice(this.virtualMachines.indexOf(existing), 1);
        this.virtualMachines.push(parsed.value);
        this.vmIndex.set(key, parsed.value);
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
        this.subscriptionSet.add(parsed.value.subscriptionId);
        break;
      case 'protectedItem': {
        const key = idKey(parsed.value.sourceResourceId);
        const list = this.protectionIndex.get(key) ?? [];
        const dup = list.findIndex((p) => idKey(p.id) === idKey(parsed.value.id));
        if (dup >= 0) {
          this.protectedItems.splice(this.protectedItems.indexOf(list[dup] as ProtectedItem), 1);
          list.splice(dup, 1);
        }
        list.push(parsed.value);
        this.protectionIndex.set(key, list);
        this.protectedItems.push(parsed.value);
        const sub = subscriptionOf(parsed.value.id);
        if (sub) this.subscriptionSet.add(sub);
        break;
      }
      case 'ignored':
        break;
      default:
        assertNever(parsed, 'row kind');
    }
  }

  /** Number of resources the inventory understood. */
  get resourceCount(): number {
    return (
      this.virtualMachines.length +
      this.networkInterfaces.size +
      this.networkSecurityGroups.size +
      this.virtualNetworks.size +
      this.vaults.size +
      this.protectedItems.length
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
    return this.protectionIndex.get(idKey(vmId)) ?? [];
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
    const sub = subscriptionId.toLowerCase();
    return [...this.vaults.values()]
      .filter((v) => v.subscriptionId === sub && sameLocation(v.location, location))
      .sort((a, b) => a.name.localeCompare(b.name) || idKey(a.id).localeCompare(idKey(b.id)));
  }

  /** Vaults of a subscription with this name (case-insensitive), in any resource group. */
  vaultsNamed(subscriptionId: string, name: string): Vault[] {
    const sub = subscriptionId.toLowerCase();
    const n = name.toLowerCase();
    return [...this.vaults.values()].filter((v) => v.subscriptionId === sub && v.name.toLowerCase() === n);
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
