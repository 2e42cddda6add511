/**
 * A realistic, deterministic estate for the bench: rows as Resource Graph returns them, from a seed.
 * - one subscription per ~900 VMs (111 at 100k), each in 3 of 12 regions;
 * - 1–3 NICs per VM, subnet NSGs and shared NIC NSGs with 5–60 rules in several deny designs;
 * - Windows and Linux, tags, exemptions (valid, expired, malformed), designated vaults (some in another region);
 * - a few percent of each finding kind: unprotected, unhealthy, vault elsewhere, no vault in the region,
 *   blocked egress (fixable and explicit Storage denies), LRS vaults, orphaned protected items.
 * Rows are yielded one at a time, so a snapshot of any size is written without holding it.
 */
import { createWriteStream } from 'node:fs';
import { nicRow, nsgRow, protectedItemRow, vaultRow, vmRow, vnetRow, type Row } from './estate';

/** What to generate. */
export interface EstateOptions {
  vms: number;
  seed?: number;
  /** Subscriptions; by default one per 900 VMs, at least 2. */
  subscriptions?: number;
}

/** The regions the estate spreads over (12). */
export const REGIONS = [
  'eastus',
  'eastus2',
  'westus2',
  'centralus',
  'northeurope',
  'westeurope',
  'uksouth',
  'francecentral',
  'japaneast',
  'southeastasia',
  'australiaeast',
  'canadacentral',
] as const;
const TAG_REGION: Record<string, string> = {
  eastus: 'EastUS',
  eastus2: 'EastUS2',
  westus2: 'WestUS2',
  centralus: 'CentralUS',
  northeurope: 'NorthEurope',
  westeurope: 'WestEurope',
  uksouth: 'UKSouth',
  francecentral: 'FranceCentral',
  japaneast: 'JapanEast',
  southeastasia: 'SoutheastAsia',
  australiaeast: 'AustraliaEast',
  canadacentral: 'CanadaCentral',
};

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type RuleSpec = Parameters<typeof nsgRow>[4][number];
type Design =
  | 'inbound-only'
  | 'deny-internet-allow-storage'
  | 'deny-all-allow-storage'
  | 'asg-allow'
  | 'blocking'
  | 'storage-deny'
  | 'port-deny';

/** Subnet NSG designs and their weights (blocking ones are a few percent). */
const DESIGNS: [Design, number][] = [
  ['inbound-only', 0.42],
  ['deny-internet-allow-storage', 0.2],
  ['deny-all-allow-storage', 0.16],
  ['asg-allow', 0.08],
  ['port-deny', 0.08],
  ['blocking', 0.045],
  ['storage-deny', 0.015],
];

const PORTS = ['22', '80', '443', '1433', '3389', '5432', '8080', '8000-8999', '10250-10255', '6379'];

/** 5–60 rules in one of the designs; `region` names the Storage service tag. */
function rulesFor(design: Design, region: string, rnd: () => number, asg?: string): RuleSpec[] {
  const rules: RuleSpec[] = [];
  const count = 5 + Math.floor(rnd() * 56);
  const tag = `Storage.${TAG_REGION[region] ?? 'EastUS'}`;
  const fixed: RuleSpec[] = [];
  switch (design) {
    case 'inbound-only':
      break;
    case 'deny-internet-allow-storage':
      fixed.push({
        name: 'Allow-Storage-Backup',
        priority: 200,
        access: 'Allow',
        protocol: 'Tcp',
        portList: ['443', '8443'],
        destination: tag,
      });
      fixed.push({
        name: 'Allow-AzureMonitor',
        priority: 210,
        access: 'Allow',
        protocol: 'Tcp',
        ports: '443',
        destination: 'AzureMonitor',
      });
      fixed.push({ name: 'Deny-Internet-Outbound', priority: 4000, access: 'Deny', destination: 'Internet' });
      break;
    case 'deny-all-allow-storage':
      fixed.push({
        name: 'Allow-Storage',
        priority: 150,
        access: 'Allow',
        protocol: '*',
        portList: ['443', '8443'],
        destination: 'Storage',
      });
      fixed.push({ name: 'Allow-VNet', priority: 160, access: 'Allow', destination: 'VirtualNetwork' });
      fixed.push({ name: 'Deny-All-Outbound', priority: 4096, access: 'Deny' });
      break;
    case 'asg-allow':
      fixed.push({
        name: 'Allow-Backup-ASG',
        priority: 300,
        access: 'Allow',
        protocol: 'Tcp',
        portList: ['443', '8443'],
        destination: tag,
        ...(asg ? { sourceAsgs: [asg] } : {}),
      });
      fixed.push({
        name: 'Allow-Storage-All',
        priority: 310,
        access: 'Allow',
        protocol: 'Tcp',
        portList: ['443', '8443'],
        destination: 'Storage',
      });
      fixed.push({ name: 'Deny-Internet', priority: 3500, access: 'Deny', destination: 'Internet' });
      break;
    case 'port-deny':
      fixed.push({
        name: 'Deny-9000s-Internet',
        priority: 2000,
        access: 'Deny',
        protocol: 'Tcp',
        portList: ['9000-9999'],
        destination: 'Internet',
      });
      break;
    case 'blocking':
      fixed.push({
        name: 'Allow-DNS',
        priority: 100,
        access: 'Allow',
        protocol: 'Udp',
        ports: '53',
        destination: '10.255.0.4',
      });
      fixed.push({ name: 'Deny-Internet-Outbound', priority: 4000, access: 'Deny', destination: 'Internet' });
      break;
    case 'storage-deny':
      fixed.push({ name: 'Deny-Storage-Exfiltration', priority: 140, access: 'Deny', destination: 'Storage' });
      break;
  }
  rules.push(...fixed);
  // Fill with inbound allows (and a few outbound allows to private ranges) at free priorities.
  for (let i = rules.length; i < count; i++) {
    const inbound = rnd() < 0.8;
    const port = PORTS[Math.floor(rnd() * PORTS.length)] as string;
    const list = rnd() < 0.2;
    rules.push({
      name: `${inbound ? 'Allow-In' : 'Allow-Out'}-${i}`,
      priority: 1000 + i * 7,
      direction: inbound ? 'Inbound' : 'Outbound',
      access: 'Allow',
      protocol: rnd() < 0.7 ? 'Tcp' : '*',
      ...(list ? { portList: [port, '8443'] } : { ports: port }),
      ...(inbound
        ? { source: rnd() < 0.5 ? `10.${Math.floor(rnd() * 250)}.0.0/16` : 'VirtualNetwork' }
        : { destination: `10.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.0/24` }),
    });
  }
  return rules;
}

const pick = <T>(rnd: () => number, weighted: readonly [T, number][]): T => {
  let x = rnd();
  for (const [v, w] of weighted) {
    if (x < w) return v;
    x -= w;
  }
  return (weighted[weighted.length - 1] as [T, number])[0];
};

const rid = (sub: string, rg: string, provider: string, ...pairs: string[]): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${pairs.join('/')}`;

/** The subscription ids of an estate. */
export function subscriptionIds(options: EstateOptions): string[] {
  const count = options.subscriptions ?? Math.max(2, Math.ceil(options.vms / 900));
  return Array.from({ length: count }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
}

/** Yields the estate's rows: per subscription and region, the vault, network, NSGs, then VMs, NICs and items. */
export function* estateRows(options: EstateOptions): Generator<Row> {
  const rnd = prng(options.seed ?? 1);
  const subs = subscriptionIds(options);
  const perSub = Math.ceil(options.vms / subs.length);
  const perSubnet = 40;
  let vmNo = 0;
  let net = 0;
  for (const [s, sub] of subs.entries()) {
    const regions = [0, 1, 2].map((k) => REGIONS[(s + k * 5) % REGIONS.length] as string);
    const vaultOf = new Map<string, string>();
    for (const region of regions) {
      // 6% of subscription-regions have no vault yet (create-vault); 5% of vaults are LRS.
      if (rnd() < 0.06) continue;
      const name = `rsv-backup-${region}`;
      vaultOf.set(region, rid(sub, 'rg-backup-warden', 'Microsoft.RecoveryServices', 'vaults', name));
      yield vaultRow(sub, 'rg-backup-warden', name, region, rnd() < 0.05 ? 'LocallyRedundant' : 'GeoRedundant', {
        owner: 'platform-team',
      });
    }
    for (const [r, region] of regions.entries()) {
      const inRegion = Math.floor(perSub / 3) + (r < perSub % 3 ? 1 : 0);
      const vmsHere = Math.max(0, Math.min(inRegion, options.vms - vmNo));
      if (vmsHere === 0) continue;
      const netRg = `rg-network-${region}`;
      const subnets = Math.max(1, Math.ceil(vmsHere / perSubnet));
      const vnetName = `vnet-${region}-${net}`;
      const vnetId = rid(sub, netRg, 'Microsoft.Network', 'virtualNetworks', vnetName);
      const a = net % 250;
      net++;
      const asg = rid(sub, netRg, 'Microsoft.Network', 'applicationSecurityGroups', 'asg-backup');
      const subnetSpecs: { name: string; cidr: string; nsgId?: string }[] = [];
      for (let k = 0; k < subnets; k++) {
        const name = `snet-${k}`;
        const spec: { name: string; cidr: string; nsgId?: string } = { name, cidr: `10.${a}.${k % 250}.0/24` };
        if (rnd() < 0.85) {
          const nsgName = `nsg-${vnetName}-${name}`;
          spec.nsgId = rid(sub, netRg, 'Microsoft.Network', 'networkSecurityGroups', nsgName);
          const design = pick(rnd, DESIGNS);
          yield nsgRow(sub, netRg, nsgName, region, rulesFor(design, region, rnd, asg), {
            subnets: [`${vnetId}/subnets/${name}`],
            withDefaults: rnd() < 0.9,
          });
        }
        subnetSpecs.push(spec);
      }
      yield vnetRow(sub, netRg, vnetName, region, `10.${a}.0.0/16`, subnetSpecs);
      // Shared NIC NSGs per application resource group: mostly inbound rules, 3% deny all outbound.
      const appGroups = 4;
      const nicNsgs: (string | undefined)[] = [];
      for (let g = 0; g < appGroups; g++) {
        if (rnd() < 0.5) {
          nicNsgs.push(undefined);
          continue;
        }
        const name = `nsg-nic-${region}-${g}`;
        const rg = `rg-app-${region}-${g}`;
        nicNsgs.push(rid(sub, rg, 'Microsoft.Network', 'networkSecurityGroups', name));
        yield nsgRow(sub, rg, name, region, rulesFor(rnd() < 0.03 ? 'blocking' : 'inbound-only', region, rnd));
      }
      for (let i = 0; i < vmsHere; i++, vmNo++) {
        const g = i % appGroups;
        const rg = g === 0 ? `RG-App-${region.toUpperCase()}-${g}` : `rg-app-${region}-${g}`;
        const name = `vm-${s}-${region}-${i}`;
        const subnetIndex = Math.floor(i / perSubnet);
        const nicCount = pick(rnd, [
          [1, 0.6],
          [2, 0.3],
          [3, 0.1],
        ] as [number, number][]);
        const nicIds = Array.from({ length: nicCount }, (_, n) =>
          rid(sub, rg, 'Microsoft.Network', 'networkInterfaces', `${name}-nic${n}`),
        );
        const tags: Record<string, string> = {
          env: pick(rnd, [
            ['prod', 0.5],
            ['test', 0.3],
            ['dev', 0.2],
          ] as [string, number][]),
          'cost-center': `cc-${Math.floor(rnd() * 40)}`,
        };
        const x = rnd();
        if (x < 0.01) tags['backup-exempt'] = 'true';
        else if (x < 0.015) tags['backup-exempt'] = '2099-12-31';
        else if (x < 0.02) tags['backup-exempt'] = '2021-06-30';
        else if (x < 0.022) tags['backup-exempt'] = 'ask-ops';
        const designated = rnd();
        if (designated < 0.02) tags['backup-vault'] = `rsv-backup-${region}`;
        else if (designated < 0.03) tags['backup-vault'] = `rsv-backup-${regions[(r + 1) % 3] as string}`;
        const os = rnd() < 0.4 ? 'Windows' : 'Linux';
        const vm = vmRow(sub, rg, name, region, nicIds[0] as string, {
          os,
          tags,
          managed: rnd() >= 0.02,
          ...(rnd() < 0.03 ? { power: 'PowerState/deallocated' } : {}),
          size: os === 'Windows' ? 'Standard_D4s_v5' : 'Standard_D2s_v5',
        });
        (vm.properties as { networkProfile: unknown }).networkProfile = {
          networkInterfaces: nicIds.map((id, n) => ({ id, properties: { primary: n === 0 } })),
        };
        yield vm;
        for (let n = 0; n < nicIds.length; n++) {
          const sn = n === 0 ? subnetIndex : Math.floor(rnd() * subnets);
          const nicNsg = nicNsgs[g];
          yield nicRow(
            sub,
            rg,
            `${name}-nic${n}`,
            region,
            `10.${a}.${sn % 250}.${(i % 250) + 4}`,
            `${vnetId}/subnets/snet-${sn}`,
            {
              vmId: vm.id as string,
              ...(nicNsg && n === 0 ? { nsgId: nicNsg } : {}),
              ...(rnd() < 0.2 ? { asgs: [asg] } : {}),
            },
          );
        }
        // 93% protected where a vault exists: 1% of those in another region's vault, 2% unhealthy.
        const vault = vaultOf.get(region);
        const p = rnd();
        if (vault && p < 0.93) {
          const elsewhere = p < 0.0093 ? vaultOf.get(regions[(r + 1) % 3] as string) : undefined;
          const state = rnd() < 0.02 ? (rnd() < 0.5 ? 'ProtectionError' : 'ProtectionStopped') : 'ProtectionConfigured';
          yield protectedItemRow(
            elsewhere ?? vault,
            vm.id as string,
            elsewhere ? (regions[(r + 1) % 3] as string) : region,
            state,
          );
        }
        // Orphaned protected items: 0.3% of VMs have a retired twin still in the vault.
        if (vault && rnd() < 0.003)
          yield protectedItemRow(
            vault,
            rid(sub, rg, 'Microsoft.Compute', 'virtualMachines', `${name}-retired`),
            region,
          );
      }
    }
  }
}

/** The estate as an array (for the in-memory engine figures and tests). */
export function generateEstate(options: EstateOptions): Row[] {
  const rows: Row[] = [];
  for (const row of estateRows(options)) rows.push(row);
  return rows;
}

/** A written snapshot: its rows and bytes, and byte ranges of whole rows (for the JSON.parse floor). */
export interface WrittenSnapshot {
  rows: number;
  bytes: number;
  /** [start, end) byte offsets of runs of whole rows, comma-separated, each under 256 MB. */
  slices: [number, number][];
}

/**
 * Writes the estate as one snapshot file, `{"data": [...], "count": n}` as `az graph query -o json` prints it,
 * row by row, never holding it whole.
 */
export async function writeSnapshot(
  file: string,
  options: EstateOptions,
  sliceRows = 20_000,
): Promise<WrittenSnapshot> {
  const out = createWriteStream(file);
  let bytes = 0;
  let rows = 0;
  const slices: [number, number][] = [];
  let sliceStart: number;
  let buffer: string[] = [];
  let size = 0;
  const drain = async (): Promise<void> => {
    const text = buffer.join('');
    buffer = [];
    size = 0;
    if (text !== '' && !out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  const push = async (text: string): Promise<void> => {
    buffer.push(text);
    size += text.length;
    bytes += Buffer.byteLength(text);
    if (size > 1 << 20) await drain();
  };
  await push('{"data":[');
  sliceStart = bytes;
  for (const row of estateRows(options)) {
    if (rows > 0 && rows % sliceRows === 0) {
      slices.push([sliceStart, bytes]);
      await push(',');
      sliceStart = bytes;
    } else if (rows > 0) await push(',');
    await push(JSON.stringify(row));
    rows++;
  }
  if (rows > 0) slices.push([sliceStart, bytes]);
  await push(`],"count":${rows}}\n`);
  await drain();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { rows, bytes, slices };
}
