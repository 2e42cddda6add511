/**
 * Builders of realistic Resource Graph rows (the shapes `az graph query -o json` returns), for rule and
 * planner tests: `aVm({ location: 'eastus' })`, `anNsg(...)`. Each wires a VM to its NIC, subnet and NSG.
 */
import { nicRow, nsgRow, protectedItemRow, vaultRow, vmRow, vnetRow, type Row } from '../../bench/estate';

export const SUB = '3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c';
export const OTHER_SUB = '9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a';

export type RuleSpec = Parameters<typeof nsgRow>[4][number];

export const vmId = (name: string, rg = 'RG-App', sub = SUB): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
export const vaultId = (name: string, rg = 'rg-backup-warden', sub = SUB): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${name}`;
export const nsgId = (name: string, rg = 'rg-net', sub = SUB): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${name}`;

/** A network: one VNet with one subnet, optionally behind an NSG with the given rules. */
export function aNetwork(
  opts: {
    name?: string;
    location?: string;
    sub?: string;
    subnetRules?: RuleSpec[];
    withDefaults?: boolean;
    cidr?: string;
  } = {},
): { rows: Row[]; subnetId: string; nsgId?: string } {
  const name = opts.name ?? 'net1';
  const location = opts.location ?? 'eastus';
  const sub = opts.sub ?? SUB;
  const cidr = opts.cidr ?? '10.0.1.0/24';
  const rows: Row[] = [];
  const vnetId = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${name}`;
  const subnetId = `${vnetId}/subnets/snet-${name}`;
  let id: string | undefined;
  if (opts.subnetRules) {
    id = nsgId(`nsg-${name}`, 'rg-net', sub);
    rows.push(
      nsgRow(sub, 'rg-net', `nsg-${name}`, location, opts.subnetRules, {
        subnets: [subnetId],
        withDefaults: opts.withDefaults ?? true,
      }),
    );
  }
  rows.push(
    vnetRow(sub, 'rg-net', `vnet-${name}`, location, cidr, [
      { name: `snet-${name}`, cidr, ...(id ? { nsgId: id } : {}) },
    ]),
  );
  return id ? { rows, subnetId, nsgId: id } : { rows, subnetId };
}

/** A VM and its NIC in a subnet. */
export function aVm(opts: {
  name?: string;
  location?: string;
  rg?: string;
  sub?: string;
  subnetId: string;
  ip?: string;
  managed?: boolean;
  os?: 'Linux' | 'Windows';
  tags?: Record<string, string>;
  nicNsgId?: string;
  asgs?: string[];
  power?: string;
}): Row[] {
  const name = opts.name ?? 'vm1';
  const rg = opts.rg ?? 'RG-App';
  const sub = opts.sub ?? SUB;
  const location = opts.location ?? 'eastus';
  const nicId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${name}-nic`;
  const vm = vmRow(sub, rg, name, location, nicId, {
    ...(opts.managed !== undefined ? { managed: opts.managed } : {}),
    ...(opts.os ? { os: opts.os } : {}),
    ...(opts.tags ? { tags: opts.tags } : {}),
    ...(opts.power ? { power: opts.power } : {}),
  });
  const nic = nicRow(sub, rg, `${name}-nic`, location, opts.ip ?? '10.0.1.4', opts.subnetId, {
    vmId: vm.id as string,
    ...(opts.nicNsgId ? { nsgId: opts.nicNsgId } : {}),
    ...(opts.asgs ? { asgs: opts.asgs } : {}),
  });
  return [vm, nic];
}

/** A standalone NSG row (e.g. for a NIC). */
export function anNsg(
  name: string,
  rules: RuleSpec[],
  opts: { location?: string; sub?: string; withDefaults?: boolean } = {},
): Row {
  return nsgRow(opts.sub ?? SUB, 'rg-net', name, opts.location ?? 'eastus', rules, {
    withDefaults: opts.withDefaults ?? true,
  });
}

/** A vault row. */
export function aVault(
  name: string,
  opts: { location?: string; rg?: string; sub?: string; redundancy?: string; tags?: Record<string, string> } = {},
): Row {
  return vaultRow(
    opts.sub ?? SUB,
    opts.rg ?? 'rg-backup-warden',
    name,
    opts.location ?? 'eastus',
    opts.redundancy ?? 'GeoRedundant',
    opts.tags ?? {},
  );
}

/** A protected item row for a VM in a vault. */
export function aProtectedItem(vault: string, vm: string, opts: { location?: string; state?: string } = {}): Row {
  return protectedItemRow(vault, vm, opts.location ?? 'eastus', opts.state ?? 'ProtectionConfigured');
}
