/**
 * The outbound NSG evaluator for backup egress: does TCP traffic from a VM's IP configuration reach the
 * `Storage.<vm region>` service tag on the ports the backup extension needs (docs/azure-facts.md §1, §3)?
 *
 * Malformed values never throw. A port range like `abc`, a bad CIDR or a rule without a usable priority
 * simply does not match, so evaluation falls through to the next rule.
 */
import { assertNever } from './assert';
import { sameId } from './ids';
import type { NetworkSecurityGroup, SecurityRule } from './model';
import { IntervalSet, parsePrefix } from './network/addresses';
import { AZURECLOUD_REGIONAL_EXCEPTIONS, type ServiceTagCatalogue } from './network/serviceTags';
import { EPHEMERAL_SOURCE_PORTS, fullSpace, measure, split, type Cell, type Space } from './network/space';
import { normaliseLocation, sameLocation } from './regions';

/** Where backup traffic leaves from: one IP configuration of the VM's NIC. */
export interface EgressSource {
  /** Unknown when the NIC row has none; only address-agnostic sources (`*`, `VirtualNetwork`, `0.0.0.0/0`) then match. */
  privateIPAddress?: string | undefined;
  /** The application security groups the IP configuration belongs to. */
  applicationSecurityGroupIds: readonly string[];
}

/** One NSG that blocks backup egress on one port, with the rule that decided it. */
export interface RuleMatch {
  nsgId: string;
  nsgName: string;
  rule: SecurityRule;
  port: number;
}

/** The first-match verdict of one NSG. */
export interface NsgDecision {
  allowed: boolean;
  /** The first matching rule; a default one when no custom rule matched. */
  decidingRule: SecurityRule;
}

/** Custom rule priorities run 100–4096 (docs/azure-facts.md §3). */
export const MIN_CUSTOM_PRIORITY = 100;
/** The highest priority a custom rule can have. */
export const MAX_CUSTOM_PRIORITY = 4096;
/** The client's source port is ephemeral, so a rule matches only if its source ports cover all of these. */
export const EPHEMERAL_PORTS = Object.freeze({ from: 1024, to: 65535 });

/** A list that throws on mutation, typed as the plain list `SecurityRule` declares. */
function frozenList(...items: string[]): string[] {
  Object.freeze(items);
  return items;
}

function platformRule(
  name: string,
  priority: number,
  access: SecurityRule['access'],
  source: string,
  destination: string,
): SecurityRule {
  return Object.freeze({
    name,
    priority,
    direction: 'Outbound',
    access,
    protocol: '*',
    sourcePortRanges: frozenList('*'),
    destinationPortRanges: frozenList('*'),
    sourceAddressPrefixes: frozenList(source),
    destinationAddressPrefixes: frozenList(destination),
    sourceApplicationSecurityGroupIds: frozenList(),
    destinationApplicationSecurityGroupIds: frozenList(),
    isDefault: true,
  });
}

/**
 * The platform default outbound rules, in the shape ARM returns them (`*`, not `0.0.0.0/0`; see
 * docs/azure-facts.md §3). They apply when a row lacks its defaults.
 */
export const DEFAULT_OUTBOUND_RULES: readonly SecurityRule[] = Object.freeze([
  platformRule('AllowVnetOutBound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
  platformRule('AllowInternetOutBound', 65001, 'Allow', '*', 'Internet'),
  platformRule('DenyAllOutBound', 65500, 'Deny', '*', '*'),
]);

const DENY_ALL_OUTBOUND = DEFAULT_OUTBOUND_RULES[2] as SecurityRule;

// ---------------------------------------------------------------------------------------------------------
// Ports

interface PortInterval {
  from: number;
  to: number;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parsePortRange(text: string): PortInterval | undefined {
  const range = text.trim();
  if (range === '*') return { from: 0, to: 65535 };
  const bounds = /^(\d+)\s*-\s*(\d+)$/.exec(range);
  if (bounds) {
    const from = parsePort(bounds[1] as string);
    const to = parsePort(bounds[2] as string);
    return from !== undefined && to !== undefined && from <= to ? { from, to } : undefined;
  }
  const port = parsePort(range);
  return port === undefined ? undefined : { from: port, to: port };
}

/** The intervals of a port-range list; a comma-separated string counts as several entries, malformed entries are dropped. */
function portIntervals(ranges: readonly string[]): PortInterval[] {
  return ranges
    .flatMap((r) => r.split(','))
    .map(parsePortRange)
    .filter((i): i is PortInterval => i !== undefined);
}

/** True when one of the ranges (`*`, `443`, `400-500`, `80,8443`) contains `port`; malformed ranges contain nothing. */
export function portRangesContain(ranges: readonly string[], port: number): boolean {
  return portIntervals(ranges).some((i) => i.from <= port && port <= i.to);
}

/** True when the union of the ranges covers every port from `from` to `to` (e.g. `1024-40000` + `40001-65535`). */
export function portRangesCover(ranges: readonly string[], from: number, to: number): boolean {
  let next = from; // the lowest port not yet known to be covered
  for (const interval of portIntervals(ranges).sort((a, b) => a.from - b.from)) {
    if (interval.from > next) break;
    next = Math.max(next, interval.to + 1);
  }
  return next > to;
}

// ---------------------------------------------------------------------------------------------------------
// Addresses

function parseIpv4(text: string): number | undefined {
  const octets = text.trim().split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet)) return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** True when the IPv4 address lies in the CIDR (a bare IP counts as /32); a malformed or IPv6 value contains nothing. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const address = parseIpv4(ip);
  const [base = '', bits, ...rest] = cidr.trim().split('/');
  const network = parseIpv4(base);
  if (address === undefined || network === undefined || rest.length > 0) return false;
  let prefixLength = 32;
  if (bits !== undefined) {
    if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return false;
    prefixLength = Number(bits);
  }
  const blockSize = 2 ** (32 - prefixLength);
  return Math.floor(address / blockSize) === Math.floor(network / blockSize);
}

function lower(text: string): string {
  return text.trim().toLowerCase();
}

/** Sources that cover every IP configuration of the VNet, whatever its address. */
const ADDRESS_AGNOSTIC_SOURCES = new Set(['*', 'virtualnetwork', '0.0.0.0/0']);

/** True when the rule's source covers the IP configuration: by ASG membership when the rule names ASGs, else by prefix. */
export function sourceCovers(rule: SecurityRule, source: EgressSource): boolean {
  if (rule.sourceApplicationSecurityGroupIds.length > 0) {
    return rule.sourceApplicationSecurityGroupIds.some((asg) =>
      source.applicationSecurityGroupIds.some((own) => sameId(asg, own)),
    );
  }
  const ip = source.privateIPAddress?.trim();
  return rule.sourceAddressPrefixes.some(
    (prefix) => ADDRESS_AGNOSTIC_SOURCES.has(lower(prefix)) || (ip ? ipInCidr(ip, prefix) : false),
  );
}

/** Destinations that contain every region's Storage ranges (docs/azure-facts.md §3, "What reaches Storage"). */
const GLOBAL_STORAGE_DESTINATIONS = new Set(['*', '0.0.0.0/0', 'internet', 'azurecloud', 'storage']);
/** Tags whose regional form `<tag>.<region>` contains that region's Storage ranges. */
const REGIONAL_STORAGE_TAGS = new Set(['azurecloud', 'storage']);

/**
 * True when one destination prefix covers Storage in `location`: `*`, `0.0.0.0/0`, `Internet`, `AzureCloud`,
 * `AzureCloud.<location>`, `Storage` or `Storage.<location>`, case-insensitively. Other CIDRs and tags do not:
 * the Storage ranges are unknown offline.
 */
export function destinationCoversStorage(prefix: string, location: string): boolean {
  const tag = lower(prefix);
  if (GLOBAL_STORAGE_DESTINATIONS.has(tag)) return true;
  const dot = tag.indexOf('.');
  return dot > 0 && REGIONAL_STORAGE_TAGS.has(tag.slice(0, dot)) && sameLocation(tag.slice(dot + 1), location);
}

function isTcp(protocol: string): boolean {
  const p = lower(protocol);
  return p === 'tcp' || p === '*';
}

function isOutbound(rule: SecurityRule): boolean {
  return rule.direction === 'Outbound';
}

/** True when the rule catches TCP traffic from `source` (ephemeral source port) to Storage.<location> on `port`. */
export function ruleMatchesBackupEgress(
  rule: SecurityRule,
  source: EgressSource,
  location: string,
  port: number,
): boolean {
  return (
    isOutbound(rule) &&
    isTcp(rule.protocol) &&
    portRangesCover(rule.sourcePortRanges, EPHEMERAL_PORTS.from, EPHEMERAL_PORTS.to) &&
    sourceCovers(rule, source) &&
    rule.destinationApplicationSecurityGroupIds.length === 0 &&
    rule.destinationAddressPrefixes.some((prefix) => destinationCoversStorage(prefix, location)) &&
    portRangesContain(rule.destinationPortRanges, port)
  );
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

/**
 * The NSG's outbound rules in evaluation order: custom and default rules by ascending priority. When the NSG
 * has no outbound default rules (the row lacks them), the platform defaults stand in.
 */
export function outboundRulesInOrder(nsg: NetworkSecurityGroup): SecurityRule[] {
  const defaults = nsg.defaultSecurityRules.filter(isOutbound);
  return [...nsg.securityRules.filter(isOutbound), ...(defaults.length > 0 ? defaults : DEFAULT_OUTBOUND_RULES)]
    .filter((rule) => Number.isFinite(rule.priority))
    .sort((a, b) => a.priority - b.priority);
}

/**
 * First-match decision of one NSG for TCP traffic from `source` to Storage.<location> on `port`. Should the
 * NSG's own defaults be incomplete and nothing match, the platform defaults decide (the platform always has them).
 */
export function evaluateNsgOutbound(
  nsg: NetworkSecurityGroup,
  source: EgressSource,
  location: string,
  port: number,
): NsgDecision {
  const matches = (rule: SecurityRule): boolean => ruleMatchesBackupEgress(rule, source, location, port);
  const decidingRule =
    outboundRulesInOrder(nsg).find(matches) ?? DEFAULT_OUTBOUND_RULES.find(matches) ?? DENY_ALL_OUTBOUND;
  return { allowed: decidingRule.access === 'Allow', decidingRule };
}

/**
 * Evaluates the NIC's NSG, then the subnet's (either may be undefined), for each port and returns the blocking
 * decisions, NSG by NSG then port by port; empty means egress is allowed. Every blocking NSG is reported, not
 * only the first on the path, because each needs a fix. An NSG attached to both the NIC and its subnet is
 * reported once.
 */
export function blockedBackupEgress(
  nsgs: readonly (NetworkSecurityGroup | undefined)[],
  source: EgressSource,
  location: string,
  ports: readonly number[],
): RuleMatch[] {
  const evaluated: NetworkSecurityGroup[] = [];
  const blocks: RuleMatch[] = [];
  for (const nsg of nsgs) {
    if (!nsg || evaluated.some((seen) => seen === nsg || sameId(seen.id, nsg.id))) continue;
    evaluated.push(nsg);
    for (const port of new Set(ports)) {
      const decision = evaluateNsgOutbound(nsg, source, location, port);
      if (!decision.allowed) blocks.push({ nsgId: nsg.id, nsgName: nsg.name, rule: decision.decidingRule, port });
    }
  }
  return blocks;
}

/**
 * True when a rule's destination names `Storage` or `Storage.<region>` (someone meant to block it). With a
 * location, only `Storage` and `Storage.<location>` count.
 */
export function targetsStorageExplicitly(rule: SecurityRule, location?: string): boolean {
  return rule.destinationAddressPrefixes.some((prefix) => {
    const tag = lower(prefix);
    if (tag === 'storage') return true;
    if (!tag.startsWith('storage.')) return false;
    return location === undefined || sameLocation(tag.slice('storage.'.length), location);
  });
}

/**
 * The highest free outbound priority p with 100 <= p < belowPriority (and p <= 4096), not used by any
 * outbound rule of the NSG; undefined when none. Inbound rules may share a priority with outbound ones.
 */
export function highestFreeOutboundPriority(nsg: NetworkSecurityGroup, belowPriority: number): number | undefined {
  const used = new Set(nsg.securityRules.filter(isOutbound).map((rule) => rule.priority));
  for (let p = Math.min(Math.ceil(belowPriority) - 1, MAX_CUSTOM_PRIORITY); p >= MIN_CUSTOM_PRIORITY; p--) {
    if (!used.has(p)) return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Exact evaluation (docs/azure-facts.md §11): every prefix against Storage.<region>'s published IPv4 ranges,
// every source-port range against the ephemeral ports, first match by priority over the whole flow space.

/** How destinations are resolved: exactly from the Service Tag Discovery API, or by tag names when it is unread. */
export type AddressEvaluation = 'exact' | 'tag-names';

/** Where backup traffic goes in one region, and how its prefixes are read. */
export interface StorageTarget {
  location: string;
  mode: AddressEvaluation;
  /** Storage.<region>'s IPv4 ranges (exact), or every IPv4 address standing for "Storage" (tag-names). */
  addresses: IntervalSet;
  catalogue?: ServiceTagCatalogue;
}

const targets = new WeakMap<ServiceTagCatalogue, Map<string, StorageTarget>>();
const tagNameTargets = new Map<string, StorageTarget>();

/** The target of backup egress for a location: exact when the catalogue has `Storage.<region>`. Memoised. */
export function storageTarget(location: string, catalogue: ServiceTagCatalogue | undefined): StorageTarget {
  const key = normaliseLocation(location);
  let cache = catalogue ? targets.get(catalogue) : tagNameTargets;
  if (!cache) {
    cache = new Map();
    if (catalogue) targets.set(catalogue, cache);
  }
  let t = cache.get(key);
  if (!t) {
    t = computeStorageTarget(location, catalogue);
    if (cache.size < 10_000) cache.set(key, t);
  }
  return t;
}

function computeStorageTarget(location: string, catalogue: ServiceTagCatalogue | undefined): StorageTarget {
  const tag = catalogue?.regional('Storage', location);
  if (catalogue && tag && !tag.ipv4.isEmpty) return { location, mode: 'exact', addresses: tag.ipv4, catalogue };
  return { location, mode: 'tag-names', addresses: IntervalSet.ALL_IPV4 };
}

/** True when a tag name (fallback reading) covers Storage in `location`, including Microsoft's AzureCloud exceptions. */
function nameCoversStorage(name: string, location: string): boolean {
  if (destinationCoversStorage(name, location)) return true;
  const region = AZURECLOUD_REGIONAL_EXCEPTIONS[lower(name)];
  return region !== undefined && sameLocation(region, location);
}

/**
 * The part of the target that a list of destination prefixes names. Exact: CIDRs by arithmetic, tags by the
 * catalogue's prefixes, `Internet` as everything public, IPv6 as nothing. Tag names: all or nothing, by name,
 * or by CIDRs whose union is all of IPv4 (`0.0.0.0/1` + `128.0.0.0/1`).
 */
export function destinationAddresses(prefixes: readonly string[], target: StorageTarget): IntervalSet {
  const ranges: IntervalSet[] = [];
  let cidrs = IntervalSet.EMPTY;
  for (const prefix of prefixes) {
    const p = parsePrefix(prefix);
    switch (p.kind) {
      case 'any':
        return target.addresses;
      case 'ipv4':
        cidrs = cidrs.union(IntervalSet.of([p.range]));
        break;
      case 'name': {
        const name = lower(p.name);
        if (name === 'internet') return target.addresses;
        const tag = target.mode === 'exact' ? target.catalogue?.tag(name) : undefined;
        if (tag) ranges.push(tag.ipv4);
        else if (nameCoversStorage(name, target.location)) return target.addresses;
        break;
      }
      case 'ipv6':
      case 'invalid':
        break;
      default:
        assertNever(p, 'prefix kind');
    }
  }
  if (target.mode === 'tag-names') return cidrs.covers(IntervalSet.ALL_IPV4) ? target.addresses : IntervalSet.EMPTY;
  return ranges.reduce((acc, r) => acc.union(r), cidrs).intersect(target.addresses);
}

interface CompiledRule {
  rule: SecurityRule;
  /** Outbound, TCP or any protocol, no destination ASG. */
  candidate: boolean;
  sourcePorts: IntervalSet;
  destinationPorts: IntervalSet;
  destinations: Map<string, IntervalSet>;
}

interface CompiledNsg {
  rules: CompiledRule[];
  verdicts: Map<string, NsgSpaceVerdict>;
}

/** One rule that decided part of the flows, with the share of the target it decided. */
export interface DecidingRule {
  rule: SecurityRule;
  share: number;
}

/** The first-match result of one NSG over the whole flow space of one port. */
export interface NsgSpaceVerdict {
  allowed: Space;
  blocked: Space;
  /** The Deny rules that blocked flows, with their shares, in evaluation order. */
  denying: DecidingRule[];
}

function portSet(ranges: readonly string[]): IntervalSet {
  return IntervalSet.of(portIntervals(ranges).map((i) => [i.from, i.to] as const));
}

const compiledNsgs = new WeakMap<NetworkSecurityGroup, CompiledNsg>();

function compile(rule: SecurityRule): CompiledRule {
  return {
    rule,
    candidate: isOutbound(rule) && isTcp(rule.protocol) && rule.destinationApplicationSecurityGroupIds.length === 0,
    sourcePorts: portSet(rule.sourcePortRanges),
    destinationPorts: portSet(rule.destinationPortRanges),
    destinations: new Map(),
  };
}

const PLATFORM_DEFAULTS = DEFAULT_OUTBOUND_RULES.map(compile);

function compiledNsg(nsg: NetworkSecurityGroup): CompiledNsg {
  let c = compiledNsgs.get(nsg);
  if (!c) {
    c = { rules: [...outboundRulesInOrder(nsg).map(compile), ...PLATFORM_DEFAULTS], verdicts: new Map() };
    compiledNsgs.set(nsg, c);
  }
  return c;
}

function destinationsOf(c: CompiledRule, target: StorageTarget): IntervalSet {
  const key = `${target.catalogue?.serial ?? 0}|${target.mode}|${normaliseLocation(target.location)}`;
  let set = c.destinations.get(key);
  if (!set) {
    set = destinationAddresses(c.rule.destinationAddressPrefixes, target);
    c.destinations.set(key, set);
  }
  return set;
}

/**
 * Evaluates one NSG over every flow of `port` from `source` to the target, first match by priority; what no
 * rule catches meets the platform's DenyAllOutBound. Rules are compiled once per NSG and verdicts memoised
 * per (region, mode, port, the rules whose source covers this source).
 */
export function evaluateNsgSpace(
  nsg: NetworkSecurityGroup,
  source: EgressSource,
  target: StorageTarget,
  port: number,
): NsgSpaceVerdict {
  const c = compiledNsg(nsg);
  const applicable: number[] = [];
  c.rules.forEach((r, i) => {
    if (
      r.candidate &&
      r.destinationPorts.intervals.some(([a, b]) => a <= port && port <= b) &&
      sourceCovers(r.rule, source)
    )
      applicable.push(i);
  });
  const key = `${target.catalogue?.serial ?? 0}|${target.mode}|${normaliseLocation(target.location)}|${port}|${applicable.join(',')}`;
  const memo = c.verdicts.get(key);
  if (memo) return memo;
  const total = target.addresses.size * EPHEMERAL_SOURCE_PORTS.size;
  let remaining: Space = fullSpace(target.addresses);
  const allowed: Cell[] = [];
  const blocked: Cell[] = [];
  const denying: DecidingRule[] = [];
  for (const i of applicable) {
    if (remaining.length === 0) break;
    const r = c.rules[i] as CompiledRule;
    const { inside, outside } = split(remaining, destinationsOf(r, target), r.sourcePorts);
    remaining = outside;
    if (inside.length === 0) continue;
    if (r.rule.access === 'Allow') allowed.push(...inside);
    else {
      blocked.push(...inside);
      denying.push({ rule: r.rule, share: measure(inside) / total });
    }
  }
  if (remaining.length > 0) {
    blocked.push(...remaining);
    denying.push({ rule: DENY_ALL_OUTBOUND, share: measure(remaining) / total });
  }
  const verdict: NsgSpaceVerdict = { allowed, blocked, denying };
  c.verdicts.set(key, verdict);
  return verdict;
}
