/**
 * Backup egress along the whole path, in Azure's order: Virtual Network Manager security admin rules first
 * (Deny blocks, AlwaysAllow allows, Allow hands on), then the NIC's NSG and the subnet's NSG, then the
 * subnet's routes by longest prefix (docs/azure-facts.md §11).
 */
import { assertNever } from '../assert';
import type { NetworkSecurityGroup } from '../model';
import {
  destinationAddresses,
  evaluateNsgSpace,
  portRangesContain,
  type DecidingRule,
  type EgressSource,
  type StorageTarget,
} from '../nsg';
import { IntervalSet, ipv4ToNumber, parsePrefix } from './addresses';
import type { AzureFirewall, NetworkInventory, Route, RouteTable, SecurityAdminRule } from './inventory';
import {
  EPHEMERAL_SOURCE_PORTS,
  fullSpace,
  intersectSpaces,
  measure,
  restrictAddresses,
  split,
  type Cell,
  type Space,
} from './space';

/** What decided a block. */
export type DecidedBy = 'nsg' | 'security-admin-rule' | 'route';

/** An admin rule that decided part of the flows. */
export interface DecidingAdminRule {
  rule: SecurityAdminRule;
  share: number;
}

/** The verdict of one destination port. */
export interface PortVerdict {
  port: number;
  /** Share of (Storage address × ephemeral source port) flows that are blocked. */
  blockedShare: number;
  nsgDenies: { nsg: NetworkSecurityGroup; denying: DecidingRule[] }[];
  adminDenies: DecidingAdminRule[];
  /** Share blocked by a route whose next hop is `None`. */
  routeDropShare: number;
}

function portsInclude(ranges: readonly string[], port: number): boolean {
  return portRangesContain(ranges, port);
}

function adminSourceCovers(rule: SecurityAdminRule, ip: number | undefined): boolean {
  if (rule.sources.length === 0) return true;
  return rule.sources.some((s) => {
    const p = parsePrefix(s.addressPrefix);
    if (p.kind === 'any') return true;
    if (p.kind === 'name') return ['virtualnetwork', '*'].includes(p.name.toLowerCase());
    return p.kind === 'ipv4' && ip !== undefined && p.range[0] <= ip && ip <= p.range[1];
  });
}

/** Admin rules over the flow space: what is blocked, what is always allowed, and what goes on to the NSGs. */
export function evaluateAdminRules(
  rules: readonly SecurityAdminRule[],
  ip: number | undefined,
  target: StorageTarget,
  port: number,
): { denied: Space; alwaysAllowed: Space; handedOn: Space; denying: DecidingAdminRule[] } {
  const total = target.addresses.size * EPHEMERAL_SOURCE_PORTS.size;
  let remaining: Space = fullSpace(target.addresses);
  const denied: Cell[] = [];
  const alwaysAllowed: Cell[] = [];
  const handedOn: Cell[] = [];
  const denying: DecidingAdminRule[] = [];
  for (const rule of rules) {
    if (remaining.length === 0) break;
    const protocol = rule.protocol.toLowerCase();
    if (!(protocol === 'tcp' || protocol === 'any')) continue;
    if (!portsInclude(rule.destinationPortRanges, port) || !adminSourceCovers(rule, ip)) continue;
    const destinations = rule.destinations.length === 0 ? ['*'] : rule.destinations.map((d) => d.addressPrefix);
    const ports = sourcePortSet(rule.sourcePortRanges);
    const { inside, outside } = split(remaining, destinationAddresses(destinations, target), ports);
    remaining = outside;
    if (inside.length === 0) continue;
    switch (rule.access) {
      case 'Deny':
        denied.push(...inside);
        denying.push({ rule, share: measure(inside) / total });
        break;
      case 'AlwaysAllow':
        alwaysAllowed.push(...inside);
        break;
      case 'Allow':
        handedOn.push(...inside);
        break;
      default:
        assertNever(rule.access, 'admin rule access');
    }
  }
  handedOn.push(...remaining);
  return { denied, alwaysAllowed, handedOn, denying };
}

function sourcePortSet(ranges: readonly string[]): IntervalSet {
  const out: [number, number][] = [];
  for (const r of ranges.flatMap((x) => x.split(','))) {
    const t = r.trim();
    if (t === '*') out.push([0, 65535]);
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(t);
    if (m) out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return IntervalSet.of(out);
}

/** Where part of the Storage ranges goes from a subnet. */
export interface RouteHop {
  /** Undefined for Azure's system route to the Internet. */
  routeTable?: RouteTable;
  route?: Route;
  nextHopType: string;
  nextHopIpAddress?: string;
  addresses: IntervalSet;
  share: number;
}

/**
 * The effective next hops for the target from a subnet with this route table: longest prefix first, a CIDR
 * route before a service-tag route of the same length, user routes before the system route of the same
 * prefix; what no user route covers follows the system route 0.0.0.0/0 → Internet. With tag-name reading,
 * only routes that cover all of Storage count.
 */
export function routeHops(table: RouteTable | undefined, target: StorageTarget): RouteHop[] {
  const total = target.addresses.size;
  const candidates: { route: Route; set: IntervalSet; length: number; tag: boolean }[] = [];
  for (const route of table?.routes ?? []) {
    const p = parsePrefix(route.addressPrefix);
    if (p.kind === 'ipv4') {
      if (target.mode === 'tag-names' && p.prefixLength !== 0) continue;
      candidates.push({
        route,
        set: IntervalSet.of([p.range]).intersect(target.addresses),
        length: p.prefixLength,
        tag: false,
      });
    } else if (p.kind === 'name') {
      const tag = target.mode === 'exact' ? target.catalogue?.tag(p.name) : undefined;
      if (tag) {
        for (const prefix of tag.addressPrefixes) {
          const q = parsePrefix(prefix);
          if (q.kind === 'ipv4')
            candidates.push({
              route,
              set: IntervalSet.of([q.range]).intersect(target.addresses),
              length: q.prefixLength,
              tag: true,
            });
        }
      } else {
        const set = destinationAddresses([p.name], target);
        if (!set.isEmpty) candidates.push({ route, set, length: 0, tag: true });
      }
    }
  }
  candidates.sort((a, b) => b.length - a.length || Number(a.tag) - Number(b.tag));
  let remaining = target.addresses;
  const byRoute = new Map<Route, IntervalSet>();
  for (const c of candidates) {
    if (remaining.isEmpty) break;
    const claimed = remaining.intersect(c.set);
    if (claimed.isEmpty) continue;
    remaining = remaining.subtract(claimed);
    byRoute.set(c.route, (byRoute.get(c.route) ?? IntervalSet.EMPTY).union(claimed));
  }
  const hops: RouteHop[] = [];
  for (const [route, addresses] of byRoute) {
    const hop: RouteHop = { route, nextHopType: route.nextHopType, addresses, share: addresses.size / total };
    if (table) hop.routeTable = table;
    if (route.nextHopIpAddress) hop.nextHopIpAddress = route.nextHopIpAddress;
    hops.push(hop);
  }
  if (!remaining.isEmpty) hops.push({ nextHopType: 'Internet', addresses: remaining, share: remaining.size / total });
  return hops;
}

/** True for next hops that carry the traffic through something that can inspect or drop it. */
export function isApplianceHop(nextHopType: string): boolean {
  const t = nextHopType.toLowerCase();
  return t === 'virtualappliance' || t === 'virtualnetworkgateway';
}

/** What a firewall's policy says about backup traffic on one port. */
export interface FirewallPortVerdict {
  port: number;
  allowed: boolean;
  /** `collection-group/collection/rule`, or `default-deny` when no rule matched. */
  decidedBy: string;
}

/**
 * Evaluates an Azure Firewall policy for TCP from `ip` to the target on `port`: network rules first (Storage
 * by address or tag), then application rules (the `AzureBackup` FQDN tag over HTTPS on the port); each
 * kind by rule collection group priority, then rule collection priority; no match is denied.
 */
export function evaluateFirewall(
  network: NetworkInventory,
  firewall: AzureFirewall,
  ip: number | undefined,
  target: StorageTarget,
  port: number,
): FirewallPortVerdict | undefined {
  if (!firewall.firewallPolicyId || !network.hasPolicy(firewall.firewallPolicyId)) return undefined;
  const groups = network.ruleCollectionGroupsOf(firewall.firewallPolicyId);
  const sourceOk = (sources: readonly string[]): boolean =>
    sources.length === 0 ||
    sources.some((s) => {
      const p = parsePrefix(s);
      return p.kind === 'any' || (p.kind === 'ipv4' && ip !== undefined && p.range[0] <= ip && ip <= p.range[1]);
    });
  const ordered = groups.flatMap((g) =>
    [...g.ruleCollections].sort((a, b) => a.priority - b.priority).map((c) => ({ g, c })),
  );
  for (const { g, c } of ordered) {
    for (const rule of c.rules) {
      if (rule.ruleType !== 'NetworkRule' || !sourceOk(rule.sourceAddresses)) continue;
      if (!rule.ipProtocols.some((p) => ['tcp', 'any'].includes(p.toLowerCase()))) continue;
      if (!portsInclude(rule.destinationPorts, port)) continue;
      if (!destinationAddresses(rule.destinationAddresses, target).covers(target.addresses)) continue;
      return { port, allowed: c.action === 'Allow', decidedBy: `${g.name}/${c.name}/${rule.name}` };
    }
  }
  for (const { g, c } of ordered) {
    for (const rule of c.rules) {
      if (rule.ruleType !== 'ApplicationRule' || !sourceOk(rule.sourceAddresses)) continue;
      if (!rule.fqdnTags.some((t) => t.toLowerCase() === 'azurebackup')) continue;
      if (!rule.protocols.some((p) => p.protocolType.toLowerCase() === 'https' && p.port === port)) continue;
      return { port, allowed: c.action === 'Allow', decidedBy: `${g.name}/${c.name}/${rule.name}` };
    }
  }
  return { port, allowed: false, decidedBy: 'default-deny' };
}

/** The inputs of one path's evaluation. */
export interface PathInput {
  source: EgressSource;
  nsgs: readonly (NetworkSecurityGroup | undefined)[];
  adminRules: readonly SecurityAdminRule[];
  routeTable: RouteTable | undefined;
  target: StorageTarget;
}

const measures = new WeakMap<Space, number>();
/** The measure of a space, memoised per space object (verdicts are memoised, so their spaces recur). */
function measured(space: Space): number {
  let m = measures.get(space);
  if (m === undefined) {
    m = measure(space);
    measures.set(space, m);
  }
  return m;
}

const pairs = new WeakMap<Space, WeakMap<Space, Space>>();
/** The intersection of two memoised spaces, memoised per pair (a NIC's NSG and its subnet's recur across VMs). */
function intersected(a: Space, b: Space): Space {
  let inner = pairs.get(a);
  if (!inner) {
    inner = new WeakMap();
    pairs.set(a, inner);
  }
  let r = inner.get(b);
  if (!r) {
    r = intersectSpaces(a, b);
    inner.set(b, r);
  }
  return r;
}

/** Evaluates one port along the path: admin rules, NSGs (NIC then subnet), routes with next hop `None`. */
export function evaluatePathPort(input: PathInput, port: number): PortVerdict {
  const { target } = input;
  const total = target.addresses.size * EPHEMERAL_SOURCE_PORTS.size;
  const admin =
    input.adminRules.length > 0
      ? evaluateAdminRules(input.adminRules, ipv4ToNumber(input.source.privateIPAddress), target, port)
      : undefined;
  // undefined stands for every flow: most paths have no admin rules, so nothing needs intersecting with it.
  let passing: Space | undefined = admin?.handedOn;
  const nsgDenies: PortVerdict['nsgDenies'] = [];
  const seen: NetworkSecurityGroup[] = [];
  for (const nsg of input.nsgs) {
    if (!nsg || seen.some((s) => s === nsg || s.id.toLowerCase() === nsg.id.toLowerCase())) continue;
    seen.push(nsg);
    const v = evaluateNsgSpace(nsg, input.source, target, port);
    // Each NSG's denies are reported over the whole space: each needs its own fix.
    if (v.denying.length > 0) nsgDenies.push({ nsg, denying: v.denying });
    passing =
      passing === undefined ? v.allowed : admin ? intersectSpaces(passing, v.allowed) : intersected(passing, v.allowed);
  }
  let routeDrop = 0;
  if (input.routeTable) {
    for (const hop of routeHops(input.routeTable, target)) {
      if (hop.nextHopType.toLowerCase() !== 'none') continue;
      const current: Space = passing ?? fullSpace(target.addresses);
      routeDrop += measure(restrictAddresses(current, hop.addresses));
      passing = split(current, hop.addresses, EPHEMERAL_SOURCE_PORTS).outside;
    }
  }
  const allowed = (admin ? measure(admin.alwaysAllowed) : 0) + (passing === undefined ? total : measured(passing));
  return {
    port,
    blockedShare: total === 0 ? 0 : 1 - allowed / total,
    nsgDenies,
    adminDenies: admin?.denying ?? [],
    routeDropShare: total === 0 ? 0 : routeDrop / total,
  };
}
