/**
 * The network path beyond NSGs: route tables and the subnets that use them, Azure Firewalls and their
 * policies' rule collection groups, Virtual Network Manager security admin rules with the network groups
 * they apply to, and the service tag catalogue. Built from Resource Graph rows (the catalogue from the
 * Service Tag Discovery API body, which carries its own `type`).
 */
import { z } from 'zod';
import { idKey } from '../ids';
import { normaliseLocation } from '../regions';
import { ServiceTagCatalogue } from './serviceTags';

/** One user-defined route. */
export interface Route {
  name: string;
  /** A CIDR or a service tag. */
  addressPrefix: string;
  /** `VirtualNetworkGateway`, `VnetLocal`, `Internet`, `VirtualAppliance` or `None`. */
  nextHopType: string;
  nextHopIpAddress?: string;
}

/** A route table and the subnets associated with it. */
export interface RouteTable {
  id: string;
  name: string;
  location: string;
  routes: Route[];
  subnetIds: string[];
}

/** An Azure Firewall with its private IPs and its policy. */
export interface AzureFirewall {
  id: string;
  name: string;
  location: string;
  privateIpAddresses: string[];
  firewallPolicyId?: string;
}

/** A rule of a firewall policy's filter rule collection. */
export type FirewallRule =
  | {
      ruleType: 'NetworkRule';
      name: string;
      ipProtocols: string[];
      sourceAddresses: string[];
      destinationAddresses: string[];
      destinationPorts: string[];
    }
  | {
      ruleType: 'ApplicationRule';
      name: string;
      sourceAddresses: string[];
      protocols: { protocolType: string; port: number }[];
      fqdnTags: string[];
      targetFqdns: string[];
    };

/** A filter rule collection: an action and its rules, by priority inside its group. */
export interface FirewallRuleCollection {
  name: string;
  priority: number;
  action: 'Allow' | 'Deny';
  rules: FirewallRule[];
}

/** A firewall policy's rule collection group. */
export interface RuleCollectionGroup {
  id: string;
  name: string;
  policyId: string;
  priority: number;
  ruleCollections: FirewallRuleCollection[];
}

/** A firewall policy (its rule collection groups are rows of their own). */
export interface FirewallPolicy {
  id: string;
  name: string;
  basePolicyId?: string;
}

/** An address item of a security admin rule. */
export interface AdminAddress {
  addressPrefix: string;
  addressPrefixType: string;
}

/** A Virtual Network Manager security admin rule. */
export interface SecurityAdminRule {
  id: string;
  name: string;
  collectionId: string;
  priority: number;
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  direction: 'Inbound' | 'Outbound';
  protocol: string;
  sources: AdminAddress[];
  destinations: AdminAddress[];
  sourcePortRanges: string[];
  destinationPortRanges: string[];
}

/** The network groups a security admin rule collection applies to. */
export interface AdminRuleCollection {
  id: string;
  appliesToGroups: string[];
}

/** The Resource Graph types of the network path's resources (lower case). */
export const NETWORK_PATH_TYPES = {
  routeTable: 'microsoft.network/routetables',
  azureFirewall: 'microsoft.network/azurefirewalls',
  firewallPolicy: 'microsoft.network/firewallpolicies',
  ruleCollectionGroup: 'microsoft.network/firewallpolicies/rulecollectiongroups',
  adminRuleCollection: 'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections',
  adminRule: 'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections/rules',
  staticMember: 'microsoft.network/networkmanagers/networkgroups/staticmembers',
  serviceTags: 'microsoft.network/servicetags',
} as const;

const ref = z.object({ id: z.string() });
const strings = z.array(z.string()).nullish();
const base = z.object({
  id: z.string(),
  name: z.string().nullish(),
  location: z.string().nullish(),
  properties: z.unknown(),
});

const routeTableProps = z.object({
  routes: z
    .array(
      z.object({
        name: z.string(),
        properties: z.object({
          addressPrefix: z.string(),
          nextHopType: z.string(),
          nextHopIpAddress: z.string().nullish(),
        }),
      }),
    )
    .nullish(),
  subnets: z.array(ref).nullish(),
});

const firewallProps = z.object({
  ipConfigurations: z
    .array(z.object({ properties: z.object({ privateIPAddress: z.string().nullish() }).nullish() }))
    .nullish(),
  firewallPolicy: ref.nullish(),
});

const networkRule = z.object({
  ruleType: z.literal('NetworkRule'),
  name: z.string(),
  ipProtocols: strings,
  sourceAddresses: strings,
  destinationAddresses: strings,
  destinationPorts: strings,
});
const applicationRule = z.object({
  ruleType: z.literal('ApplicationRule'),
  name: z.string(),
  sourceAddresses: strings,
  protocols: z.array(z.object({ protocolType: z.string(), port: z.number().int() })).nullish(),
  fqdnTags: strings,
  targetFqdns: strings,
});
const ruleCollection = z.object({
  ruleCollectionType: z.string(),
  name: z.string(),
  priority: z.number().int(),
  action: z.object({ type: z.string() }).nullish(),
  rules: z.array(z.unknown()).nullish(),
});
const ruleCollectionGroupProps = z.object({
  priority: z.number().int(),
  ruleCollections: z.array(ruleCollection).nullish(),
});

const adminAddress = z.object({ addressPrefix: z.string(), addressPrefixType: z.string() });
const adminRuleProps = z.object({
  priority: z.number().int(),
  access: z.enum(['Allow', 'Deny', 'AlwaysAllow']),
  direction: z.enum(['Inbound', 'Outbound']),
  protocol: z.string(),
  sources: z.array(adminAddress).nullish(),
  destinations: z.array(adminAddress).nullish(),
  sourcePortRanges: strings,
  destinationPortRanges: strings,
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`properties.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
}

const lastSegment = (id: string): string => id.split('/').filter(Boolean).pop() ?? id;

/** The id of a child resource's parent: the id without its last type/name pair. */
function parentId(id: string): string | undefined {
  const parts = id.replace(/\/+$/, '').split('/');
  return parts.length > 2 ? parts.slice(0, -2).join('/') : undefined;
}

/** The network path's resources, indexed by case-insensitive id. */
export class NetworkInventory {
  readonly routeTables = new Map<string, RouteTable>();
  private readonly routeTableBySubnet = new Map<string, RouteTable>();
  readonly firewalls = new Map<string, AzureFirewall>();
  private readonly firewallByIp = new Map<string, AzureFirewall>();
  readonly firewallPolicies = new Map<string, FirewallPolicy>();
  private readonly groupsByPolicy = new Map<string, RuleCollectionGroup[]>();
  private readonly adminCollections = new Map<string, AdminRuleCollection>();
  private readonly adminRules: SecurityAdminRule[] = [];
  private readonly groupMembers = new Map<string, Set<string>>();
  private readonly adminRulesByVnet = new Map<string, SecurityAdminRule[]>();
  private readonly serviceTagBodies: unknown[] = [];
  private catalogueCache: ServiceTagCatalogue | undefined;
  /** Why the Service Tag Discovery API could not be used, when it could not. */
  readonly serviceTagProblems: string[] = [];

  /** Adds one row of a network path type; returns false for any other type. Throws on a malformed row. */
  add(raw: unknown): boolean {
    if (typeof raw !== 'object' || raw === null) return false;
    const rawType = (raw as { type?: unknown }).type;
    const type = typeof rawType === 'string' ? rawType.toLowerCase() : '';
    switch (type) {
      case NETWORK_PATH_TYPES.serviceTags: {
        const error = (raw as { error?: unknown }).error;
        if (typeof error === 'string') this.serviceTagProblems.push(error);
        else {
          this.serviceTagBodies.push(raw);
          this.catalogueCache = undefined;
        }
        return true;
      }
      case NETWORK_PATH_TYPES.routeTable:
        this.addRouteTable(raw);
        return true;
      case NETWORK_PATH_TYPES.azureFirewall:
        this.addFirewall(raw);
        return true;
      case NETWORK_PATH_TYPES.firewallPolicy: {
        const row = parse(base, raw);
        const p = parse(z.object({ basePolicy: ref.nullish() }).nullish(), row.properties);
        const policy: FirewallPolicy = { id: row.id, name: row.name ?? lastSegment(row.id) };
        if (p?.basePolicy?.id) policy.basePolicyId = p.basePolicy.id;
        this.firewallPolicies.set(idKey(row.id), policy);
        return true;
      }
      case NETWORK_PATH_TYPES.ruleCollectionGroup:
        this.addRuleCollectionGroup(raw);
        return true;
      case NETWORK_PATH_TYPES.adminRuleCollection: {
        const row = parse(base, raw);
        const p = parse(
          z.object({ appliesToGroups: z.array(z.object({ networkGroupId: z.string() })).nullish() }),
          row.properties,
        );
        this.adminCollections.set(idKey(row.id), {
          id: row.id,
          appliesToGroups: (p.appliesToGroups ?? []).map((g) => g.networkGroupId),
        });
        this.adminRulesByVnet.clear();
        return true;
      }
      case NETWORK_PATH_TYPES.adminRule: {
        const row = parse(base, raw);
        const kind = (raw as { kind?: unknown }).kind;
        if (kind !== undefined && kind !== 'Custom') return true; // default rules carry no address fields here
        const p = parse(adminRuleProps, row.properties);
        this.adminRules.push({
          id: row.id,
          name: row.name ?? lastSegment(row.id),
          collectionId: parentId(row.id) ?? '',
          priority: p.priority,
          access: p.access,
          direction: p.direction,
          protocol: p.protocol,
          sources: p.sources ?? [],
          destinations: p.destinations ?? [],
          sourcePortRanges: p.sourcePortRanges ?? ['*'],
          destinationPortRanges: p.destinationPortRanges ?? ['*'],
        });
        this.adminRulesByVnet.clear();
        return true;
      }
      case NETWORK_PATH_TYPES.staticMember: {
        const row = parse(base, raw);
        const p = parse(z.object({ resourceId: z.string() }), row.properties);
        const group = idKey(parentId(row.id) ?? '');
        const set = this.groupMembers.get(group) ?? new Set<string>();
        set.add(idKey(p.resourceId));
        this.groupMembers.set(group, set);
        this.adminRulesByVnet.clear();
        return true;
      }
      default:
        return false;
    }
  }

  private addRouteTable(raw: unknown): void {
    const row = parse(base, raw);
    const p = parse(routeTableProps, row.properties ?? {});
    const table: RouteTable = {
      id: row.id,
      name: row.name ?? lastSegment(row.id),
      location: normaliseLocation(row.location ?? ''),
      routes: (p.routes ?? []).map((r) => {
        const route: Route = {
          name: r.name,
          addressPrefix: r.properties.addressPrefix,
          nextHopType: r.properties.nextHopType,
        };
        if (r.properties.nextHopIpAddress) route.nextHopIpAddress = r.properties.nextHopIpAddress;
        return route;
      }),
      subnetIds: (p.subnets ?? []).map((s) => s.id),
    };
    this.routeTables.set(idKey(row.id), table);
    for (const s of table.subnetIds) this.routeTableBySubnet.set(idKey(s), table);
  }

  private addFirewall(raw: unknown): void {
    const row = parse(base, raw);
    const p = parse(firewallProps, row.properties ?? {});
    const fw: AzureFirewall = {
      id: row.id,
      name: row.name ?? lastSegment(row.id),
      location: normaliseLocation(row.location ?? ''),
      privateIpAddresses: (p.ipConfigurations ?? [])
        .map((c) => c.properties?.privateIPAddress)
        .filter((ip): ip is string => typeof ip === 'string'),
    };
    if (p.firewallPolicy?.id) fw.firewallPolicyId = p.firewallPolicy.id;
    this.firewalls.set(idKey(row.id), fw);
    for (const ip of fw.privateIpAddresses) this.firewallByIp.set(ip.trim(), fw);
  }

  private addRuleCollectionGroup(raw: unknown): void {
    const row = parse(base, raw);
    const p = parse(ruleCollectionGroupProps, row.properties);
    const policyId = parentId(row.id) ?? '';
    const group: RuleCollectionGroup = {
      id: row.id,
      name: row.name ?? lastSegment(row.id),
      policyId,
      priority: p.priority,
      ruleCollections: (p.ruleCollections ?? [])
        .filter((c) => c.ruleCollectionType === 'FirewallPolicyFilterRuleCollection')
        .map((c, ci) => ({
          name: c.name,
          priority: c.priority,
          action: c.action?.type === 'Deny' ? 'Deny' : 'Allow',
          rules: (c.rules ?? []).flatMap((r, ri): FirewallRule[] => {
            const type = (r as { ruleType?: unknown }).ruleType;
            const where = `ruleCollections[${ci}].rules[${ri}]`;
            if (type === 'NetworkRule') {
              const n = parse(networkRule, r);
              return [
                {
                  ruleType: 'NetworkRule',
                  name: n.name,
                  ipProtocols: n.ipProtocols ?? [],
                  sourceAddresses: n.sourceAddresses ?? [],
                  destinationAddresses: n.destinationAddresses ?? [],
                  destinationPorts: n.destinationPorts ?? [],
                },
              ];
            }
            if (type === 'ApplicationRule') {
              const a = parse(applicationRule, r);
              return [
                {
                  ruleType: 'ApplicationRule',
                  name: a.name,
                  sourceAddresses: a.sourceAddresses ?? [],
                  protocols: a.protocols ?? [],
                  fqdnTags: a.fqdnTags ?? [],
                  targetFqdns: a.targetFqdns ?? [],
                },
              ];
            }
            if (typeof type !== 'string') throw new Error(`properties.${where}.ruleType: required`);
            return []; // NatRule and others do not carry outbound traffic
          }),
        })),
    };
    const list = (this.groupsByPolicy.get(idKey(policyId)) ?? []).filter((g) => idKey(g.id) !== idKey(group.id));
    list.push(group);
    this.groupsByPolicy.set(idKey(policyId), list);
  }

  /** The service tag catalogue, when the Discovery API (or a snapshot of it) was read. */
  get serviceTags(): ServiceTagCatalogue | undefined {
    if (!this.catalogueCache && this.serviceTagBodies.length > 0) {
      try {
        this.catalogueCache = ServiceTagCatalogue.fromBodies(this.serviceTagBodies);
      } catch (e) {
        this.serviceTagProblems.push((e as Error).message);
        this.serviceTagBodies.length = 0;
      }
    }
    return this.catalogueCache;
  }

  /** The route table associated with a subnet. */
  routeTableOf(subnetId: string | undefined): RouteTable | undefined {
    return subnetId ? this.routeTableBySubnet.get(idKey(subnetId)) : undefined;
  }

  /** The Azure Firewall that owns a private IP. */
  firewallAt(ip: string | undefined): AzureFirewall | undefined {
    return ip ? this.firewallByIp.get(ip.trim()) : undefined;
  }

  /** A policy's rule collection groups by priority, the base policy's first (Azure evaluates the parent first). */
  ruleCollectionGroupsOf(policyId: string, seen = new Set<string>()): RuleCollectionGroup[] {
    const key = idKey(policyId);
    if (seen.has(key)) return [];
    seen.add(key);
    const base = this.firewallPolicies.get(key)?.basePolicyId;
    const own = [...(this.groupsByPolicy.get(key) ?? [])].sort((a, b) => a.priority - b.priority);
    return [...(base ? this.ruleCollectionGroupsOf(base, seen) : []), ...own];
  }

  /** True when the policy's rule collection groups are in the inventory. */
  hasPolicy(policyId: string): boolean {
    return this.groupsByPolicy.has(idKey(policyId));
  }

  /** The outbound security admin rules that apply to a virtual network, by priority. */
  adminRulesFor(vnetId: string | undefined): SecurityAdminRule[] {
    if (!vnetId || this.adminRules.length === 0) return [];
    const key = idKey(vnetId);
    let rules = this.adminRulesByVnet.get(key);
    if (!rules) {
      rules = this.adminRules
        .filter((r) => r.direction === 'Outbound')
        .filter((r) =>
          (this.adminCollections.get(idKey(r.collectionId))?.appliesToGroups ?? []).some((g) =>
            this.groupMembers.get(idKey(g))?.has(key),
          ),
        )
        .sort((a, b) => a.priority - b.priority);
      this.adminRulesByVnet.set(key, rules);
    }
    return rules;
  }
}
