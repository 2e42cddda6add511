/**
 * Builders of Resource Graph rows for the adapter integration tests, with named options: VMs wired to NICs,
 * subnets and NSGs, vaults, and large synthetic estates. They delegate to the project's row builders in
 * bench/estate.ts (the shapes `az graph query` returns, as in the REST specs' examples).
 */
import * as rows from '../../../bench/estate';

export type Row = rows.Row;

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUB_A = '5a1c3e5f-7b9d-4f1a-8c3e-5f7a9b1d3f5a';
export const SUB_B = 'b2d4f6a8-0c2e-4a6c-9e0a-2c4e6a8c0e2b';

/** A deterministic GUID-shaped id from a number (for subscription lists and vmIds). */
export function guid(n: number, prefix = 'c0ffee00'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix}-0000-4000-8000-${hex}`;
}

function rid(sub: string, rg: string, provider: string, ...pairs: string[]): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${pairs.join('/')}`;
}

export const vmIdOf = (sub: string, rg: string, name: string): string =>
  rid(sub, rg, 'Microsoft.Compute', 'virtualMachines', name);
export const nicIdOf = (sub: string, rg: string, name: string): string =>
  rid(sub, rg, 'Microsoft.Network', 'networkInterfaces', name);
export const nsgIdOf = (sub: string, rg: string, name: string): string =>
  rid(sub, rg, 'Microsoft.Network', 'networkSecurityGroups', name);
export const vnetIdOf = (sub: string, rg: string, name: string): string =>
  rid(sub, rg, 'Microsoft.Network', 'virtualNetworks', name);
export const vaultIdOf = (sub: string, rg: string, name: string): string =>
  rid(sub, rg, 'Microsoft.RecoveryServices', 'vaults', name);

/** A VM row: managed OS disk, one NIC, running. */
export function vmRow(opts: {
  sub: string;
  rg: string;
  name: string;
  location?: string;
  nicId?: string;
  index?: number;
  power?: string;
  os?: 'Linux' | 'Windows';
}): Row {
  const nicId = opts.nicId ?? nicIdOf(opts.sub, opts.rg, `${opts.name}-nic`);
  const row = rows.vmRow(opts.sub, opts.rg, opts.name, opts.location ?? 'eastus', nicId, {
    tags: { env: 'prod' },
    ...(opts.os ? { os: opts.os } : {}),
    ...(opts.power ? { power: opts.power } : {}),
  });
  (row.properties as Record<string, unknown>).vmId = guid(opts.index ?? 0, '0f1e2d3c');
  return row;
}

/** A NIC row with one ipconfig in a subnet, optionally with its own NSG. */
export function nicRow(opts: {
  sub: string;
  rg: string;
  name: string;
  location?: string;
  subnetId: string;
  vmId?: string;
  ip?: string;
  nsgId?: string;
}): Row {
  return rows.nicRow(opts.sub, opts.rg, opts.name, opts.location ?? 'eastus', opts.ip ?? '10.0.1.4', opts.subnetId, {
    ...(opts.vmId ? { vmId: opts.vmId } : {}),
    ...(opts.nsgId ? { nsgId: opts.nsgId } : {}),
  });
}

type RuleOpts = {
  name: string;
  priority: number;
  direction?: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol?: string;
  destination?: string;
  ports?: string[];
};

function ruleSpec(r: RuleOpts): Parameters<typeof rows.securityRule>[1] {
  const { ports = ['*'], ...rest } = r;
  return { ...rest, ...(ports.length === 1 ? { ports: ports[0] ?? '*' } : { portList: ports }) };
}

/** An NSG security rule as the API returns it (singular and plural fields side by side). */
export function securityRule(nsgId: string, r: RuleOpts): Row {
  return rows.securityRule(nsgId, ruleSpec(r));
}

/** An NSG row with the default rules. */
export function nsgRow(opts: {
  sub: string;
  rg: string;
  name: string;
  location?: string;
  rules: RuleOpts[];
  subnets?: string[];
}): Row {
  return rows.nsgRow(opts.sub, opts.rg, opts.name, opts.location ?? 'eastus', opts.rules.map(ruleSpec), {
    ...(opts.subnets ? { subnets: opts.subnets } : {}),
  });
}

/** A VNet with one subnet, optionally behind an NSG. */
export function vnetRow(opts: {
  sub: string;
  rg: string;
  name: string;
  location?: string;
  subnet: string;
  cidr?: string;
  nsgId?: string;
}): Row {
  const cidr = opts.cidr ?? '10.0.1.0/24';
  return rows.vnetRow(opts.sub, opts.rg, opts.name, opts.location ?? 'eastus', '10.0.0.0/16', [
    { name: opts.subnet, cidr, ...(opts.nsgId ? { nsgId: opts.nsgId } : {}) },
  ]);
}

/** A Recovery Services vault row. */
export function vaultRow(opts: { sub: string; rg: string; name: string; location?: string; redundancy?: string }): Row {
  return rows.vaultRow(opts.sub, opts.rg, opts.name, opts.location ?? 'eastus', opts.redundancy ?? 'GeoRedundant');
}

/** A small estate: VMs in a subnet behind an NSG that denies all outbound at 1000, and their NICs. */
export function networkedVms(opts: {
  sub: string;
  vmNames: string[];
  location?: string;
  rg?: string;
  net?: string;
  withVault?: { rg: string; name: string };
}): { rows: Row[]; nsgId: string; vmIds: string[]; vaultId?: string } {
  const location = opts.location ?? 'eastus';
  const rg = opts.rg ?? 'RG-App';
  const net = opts.net ?? 'app';
  const nsgId = nsgIdOf(opts.sub, 'rg-net', `nsg-${net}`);
  const subnetId = `${vnetIdOf(opts.sub, 'rg-net', `vnet-${net}`)}/subnets/snet-${net}`;
  const out: Row[] = [
    nsgRow({
      sub: opts.sub,
      rg: 'rg-net',
      name: `nsg-${net}`,
      location,
      subnets: [subnetId],
      rules: [{ name: 'Deny_All_Outbound', priority: 1000, access: 'Deny' }],
    }),
    vnetRow({ sub: opts.sub, rg: 'rg-net', name: `vnet-${net}`, location, subnet: `snet-${net}`, nsgId }),
  ];
  const vmIds: string[] = [];
  opts.vmNames.forEach((name, i) => {
    const vmId = vmIdOf(opts.sub, rg, name);
    vmIds.push(vmId);
    out.push(vmRow({ sub: opts.sub, rg, name, location, index: i }));
    out.push(nicRow({ sub: opts.sub, rg, name: `${name}-nic`, location, subnetId, vmId, ip: `10.0.1.${4 + i}` }));
  });
  let vaultId: string | undefined;
  if (opts.withVault) {
    out.push(vaultRow({ sub: opts.sub, rg: opts.withVault.rg, name: opts.withVault.name, location }));
    vaultId = vaultIdOf(opts.sub, opts.withVault.rg, opts.withVault.name);
  }
  return vaultId ? { rows: out, nsgId, vmIds, vaultId } : { rows: out, nsgId, vmIds };
}

/** `n` VM rows spread over `subscriptions` (no NICs): enough for paging tests. */
export function manyVms(n: number, subscriptions: readonly string[] = [SUB_A]): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const sub = subscriptions[i % subscriptions.length] ?? SUB_A;
    return vmRow({
      sub,
      rg: `rg-fleet-${i % 7}`,
      name: `vm-${String(i).padStart(5, '0')}`,
      index: i,
      location: i % 3 === 0 ? 'westeurope' : 'eastus',
    });
  });
}

/** An Azure IaaS VM protected item row (RecoveryServicesResources), as Resource Graph returns it. */
export function protectedItemRow(opts: {
  vaultId: string;
  vmId: string;
  location?: string;
  policy?: string;
  state?: string;
}): Row {
  return rows.protectedItemRow(
    opts.vaultId,
    opts.vmId,
    opts.location ?? 'eastus',
    opts.state ?? 'ProtectionConfigured',
    opts.policy ?? 'DefaultPolicy',
  );
}
