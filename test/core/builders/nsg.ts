/**
 * Builders for network security groups and their rules, in the domain shape core/rows.ts produces from a
 * Resource Graph row: singular and plural fields merged into lists, ids on every rule, and the six default
 * rules of shared/azure-rest-examples/network/NetworkSecurityGroupGet.json unless a test says otherwise.
 */
import type { NetworkSecurityGroup, SecurityRule } from '../../../src/core/model';
import type { EgressSource } from '../../../src/core/nsg';

export const SUBSCRIPTION_ID = '6f1b5c2e-3d4a-4b8e-9c71-0a2f3e4d5c6b';
export const RESOURCE_GROUP = 'rg-app';

/** The ARM id of an application security group in the test resource group. */
export function anAsgId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/applicationSecurityGroups/${name}`;
}

/** The ARM id of an NSG in the test resource group. */
export function anNsgId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
}

/** A custom rule: by default the narrow backup allow rule (Tcp, VirtualNetwork → Storage.EastUS, 443) at priority 100. */
export function aRule(overrides: Partial<SecurityRule> = {}): SecurityRule {
  return {
    name: 'Allow-Storage-EastUS',
    priority: 100,
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRanges: ['*'],
    destinationPortRanges: ['443'],
    sourceAddressPrefixes: ['VirtualNetwork'],
    destinationAddressPrefixes: ['Storage.EastUS'],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: false,
    ...overrides,
  };
}

/** A deny-everything-outbound rule, as lockdown networks write it. */
export function aDenyAllOutboundRule(overrides: Partial<SecurityRule> = {}): SecurityRule {
  return aRule({
    name: 'Deny-All-Outbound',
    priority: 4096,
    access: 'Deny',
    protocol: '*',
    destinationPortRanges: ['*'],
    sourceAddressPrefixes: ['*'],
    destinationAddressPrefixes: ['*'],
    ...overrides,
  });
}

function defaultRule(
  nsgId: string,
  name: string,
  priority: number,
  direction: SecurityRule['direction'],
  access: SecurityRule['access'],
  source: string,
  destination: string,
): SecurityRule {
  return {
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    priority,
    direction,
    access,
    protocol: '*',
    sourcePortRanges: ['*'],
    destinationPortRanges: ['*'],
    sourceAddressPrefixes: [source],
    destinationAddressPrefixes: [destination],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: true,
  };
}

/** The six default rules an NSG row carries (NetworkSecurityGroupGet.json). */
export function defaultSecurityRulesOf(nsgId: string): SecurityRule[] {
  return [
    defaultRule(nsgId, 'AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule(nsgId, 'AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    defaultRule(nsgId, 'DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    defaultRule(nsgId, 'AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule(nsgId, 'AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    defaultRule(nsgId, 'DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
  ];
}

export interface NsgOptions {
  name?: string;
  location?: string;
  rules?: SecurityRule[];
  /** The row's default rules; `[]` for a row that lacks them. Defaults to the six platform defaults. */
  defaults?: SecurityRule[];
}

/** An NSG in eastus; rules without an id get `{nsgId}/securityRules/{name}`. */
export function anNsg(options: NsgOptions = {}): NetworkSecurityGroup {
  const name = options.name ?? 'nsg-app';
  const id = anNsgId(name);
  return {
    id,
    name,
    location: options.location ?? 'eastus',
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroup: RESOURCE_GROUP,
    securityRules: (options.rules ?? []).map((rule) => ({ id: `${id}/securityRules/${rule.name}`, ...rule })),
    defaultSecurityRules: options.defaults ?? defaultSecurityRulesOf(id),
  };
}

/** The IP configuration backup traffic leaves from: 10.0.1.4 in the `asg-web` ASG unless told otherwise. */
export function aSource(overrides: Partial<EgressSource> = {}): EgressSource {
  return { privateIPAddress: '10.0.1.4', applicationSecurityGroupIds: [anAsgId('asg-web')], ...overrides };
}
