/**
 * The network path beyond NSGs: the Service Tag Discovery API (ServiceTagsList.json), the NIC's effective
 * network security groups (NetworkInterfaceEffectiveNSGList.json: every rule of the NIC's and the subnet's
 * NSG with its service tags expanded to prefixes), and ARM reads of route tables, Azure Firewalls, firewall
 * policies and their rule collection groups, and Virtual Network Manager security admin rules. The estate
 * seeds those resources as Resource Graph rows, so Resource Graph serves them too.
 */
import { API_VERSIONS, toArmBody } from '../arm';
import { ArmError, childNotFound, resourceNotFound } from '../errors';
import type { RequestContext, Route } from '../router';
import { prefixesOfTag, serviceTagsList } from '../serviceTagRanges';
import { isIpOrCidr, REGIONS } from '../serviceTags';
import { TYPES, type Row } from '../state';
import { asArray, asRecord, asString, normLocation } from '../util';
import { defaultSecurityRules } from './network';

const NET = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network';
const V = API_VERSIONS.network;

function serviceTags(ctx: RequestContext) {
  const location = normLocation(ctx.params['location'] ?? '');
  if (!REGIONS.has(location)) {
    throw new ArmError(
      400,
      'LocationNotAvailableForResourceType',
      `The provided location '${ctx.params['location'] ?? ''}' is not available for resource type 'Microsoft.Network/locations/serviceTags'.`,
    );
  }
  return { status: 200, body: serviceTagsList(ctx.params['subscriptionId'] ?? '') };
}

/** `*` → `0-65535`, `443` → `443-443`, as the effective view writes port ranges. */
function effectivePorts(list: string[]): string[] {
  return list.map((r) => (r === '*' ? '0-65535' : r.includes('-') ? r : `${r}-${r}`));
}

function listOf(p: Record<string, unknown>, single: string, plural: string): string[] {
  const many = asArray(p[plural]).filter((v): v is string => typeof v === 'string');
  const one = asString(p[single]);
  return many.length > 0 ? many : one !== undefined ? [one] : [];
}

/** The prefixes a tag expands to; CIDRs, `*` and tags the list lacks (VirtualNetwork, Internet) expand to nothing. */
function expand(prefixes: string[]): string[] {
  return prefixes.flatMap((p) => (p === '*' || isIpOrCidr(p) ? [] : (prefixesOfTag(p) ?? [])));
}

/** One rule in the effective view's shape. */
function effectiveRule(rule: Record<string, unknown>, kind: 'securityRules' | 'defaultSecurityRules'): Row {
  const p = asRecord(rule['properties']) ?? {};
  const protocol = asString(p['protocol']) ?? '*';
  const src = listOf(p, 'sourceAddressPrefix', 'sourceAddressPrefixes');
  const dst = listOf(p, 'destinationAddressPrefix', 'destinationAddressPrefixes');
  const srcPorts = effectivePorts(listOf(p, 'sourcePortRange', 'sourcePortRanges'));
  const dstPorts = effectivePorts(listOf(p, 'destinationPortRange', 'destinationPortRanges'));
  const out: Row = {
    name: `${kind}/${asString(rule['name']) ?? ''}`,
    protocol: protocol === '*' ? 'All' : protocol,
  };
  if (srcPorts.length === 1) out['sourcePortRange'] = srcPorts[0];
  else out['sourcePortRanges'] = srcPorts;
  if (dstPorts.length === 1) out['destinationPortRange'] = dstPorts[0];
  else out['destinationPortRanges'] = dstPorts;
  if (src.length === 1) out['sourceAddressPrefix'] = src[0] === '*' ? '0.0.0.0/0' : src[0];
  else out['sourceAddressPrefixes'] = src;
  const expandedSource = expand(src);
  if (expandedSource.length > 0) out['expandedSourceAddressPrefix'] = expandedSource;
  if (dst.length === 1) out['destinationAddressPrefix'] = dst[0] === '*' ? '0.0.0.0/0' : dst[0];
  else out['destinationAddressPrefixes'] = dst;
  const expandedDestination = expand(dst);
  if (expandedDestination.length > 0) out['expandedDestinationAddressPrefix'] = expandedDestination;
  const asgs = asArray(p['sourceApplicationSecurityGroups']);
  if (asgs.length > 0) out['sourceApplicationSecurityGroups'] = asgs;
  out['access'] = p['access'];
  out['priority'] = p['priority'];
  out['direction'] = p['direction'];
  return out;
}

function effectiveNsg(ctx: RequestContext, nsgId: string, association: Record<string, unknown>): Row | undefined {
  const nsg = ctx.engine.store.get('Resources', nsgId);
  if (!nsg) return undefined;
  const p = asRecord(nsg['properties']) ?? {};
  const custom = asArray(p['securityRules']).map((r) => effectiveRule(asRecord(r) ?? {}, 'securityRules'));
  const rowDefaults = asArray(p['defaultSecurityRules']);
  const defaults = (rowDefaults.length > 0 ? rowDefaults : defaultSecurityRules(asString(nsg['id']) ?? nsgId)).map(
    (r) => effectiveRule(asRecord(r) ?? {}, 'defaultSecurityRules'),
  );
  return {
    networkSecurityGroup: { id: asString(nsg['id']) ?? nsgId },
    association,
    effectiveSecurityRules: [...custom, ...defaults],
  };
}

function effectiveNetworkSecurityGroups(ctx: RequestContext) {
  const { subscriptionId = '', resourceGroupName = '', networkInterfaceName = '' } = ctx.params;
  const nicId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Network/networkInterfaces/${networkInterfaceName}`;
  const nic = ctx.engine.store.get('Resources', nicId);
  if (!nic || nic['type'] !== TYPES.nic)
    throw resourceNotFound('Microsoft.Network', 'networkInterfaces', networkInterfaceName, resourceGroupName);
  const p = asRecord(nic['properties']) ?? {};
  const value: Row[] = [];
  const nicNsg = asString(asRecord(p['networkSecurityGroup'])?.['id']);
  if (nicNsg) {
    const e = effectiveNsg(ctx, nicNsg, { networkInterface: { id: asString(nic['id']) ?? nicId } });
    if (e) value.push(e);
  }
  for (const ipc of asArray(p['ipConfigurations'])) {
    const subnetId = asString(asRecord(asRecord(asRecord(ipc)?.['properties'])?.['subnet'])?.['id']);
    if (!subnetId) continue;
    const vnetId = subnetId.replace(/\/subnets\/[^/]+$/i, '');
    const vnet = ctx.engine.store.get('Resources', vnetId);
    const subnet = asArray(asRecord(vnet?.['properties'])?.['subnets'])
      .map((s) => asRecord(s))
      .find((s) => (asString(s?.['id']) ?? '').toLowerCase() === subnetId.toLowerCase());
    const subnetNsg = asString(asRecord(asRecord(subnet?.['properties'])?.['networkSecurityGroup'])?.['id']);
    if (
      !subnetNsg ||
      value.some(
        (v) => asString(asRecord(v['networkSecurityGroup'])?.['id'])?.toLowerCase() === subnetNsg.toLowerCase(),
      )
    )
      continue;
    const e = effectiveNsg(ctx, subnetNsg, { subnet: { id: subnetId } });
    if (e) value.push(e);
  }
  return { status: 200, body: { value } };
}

/** A read-only ARM GET of a row the estate holds, by the request path (child resources included). */
function getRow(type: string) {
  return (ctx: RequestContext) => {
    const id = ctx.path.replace(/\/+$/, '');
    const row = ctx.engine.store.get('Resources', id);
    if (!row || row['type'] !== type) {
      const { resourceGroupName = '' } = ctx.params;
      const segments = id.split('/');
      if (type.split('/').length > 2) throw childNotFound(id);
      throw resourceNotFound(
        'Microsoft.Network',
        segments[segments.length - 2] ?? '',
        segments[segments.length - 1] ?? '',
        resourceGroupName,
      );
    }
    return { status: 200, body: toArmBody(row) };
  };
}

const READS: [pattern: string, type: string, action: string][] = [
  [`${NET}/routeTables/{routeTableName}`, 'microsoft.network/routetables', 'Microsoft.Network/routeTables/read'],
  [
    `${NET}/azureFirewalls/{azureFirewallName}`,
    'microsoft.network/azurefirewalls',
    'Microsoft.Network/azureFirewalls/read',
  ],
  [
    `${NET}/firewallPolicies/{firewallPolicyName}`,
    'microsoft.network/firewallpolicies',
    'Microsoft.Network/firewallPolicies/read',
  ],
  [
    `${NET}/firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}`,
    'microsoft.network/firewallpolicies/rulecollectiongroups',
    'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
  ],
  [
    `${NET}/networkManagers/{networkManagerName}/securityAdminConfigurations/{configurationName}/ruleCollections/{ruleCollectionName}`,
    'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections',
    'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/read',
  ],
  [
    `${NET}/networkManagers/{networkManagerName}/securityAdminConfigurations/{configurationName}/ruleCollections/{ruleCollectionName}/rules/{ruleName}`,
    'microsoft.network/networkmanagers/securityadminconfigurations/rulecollections/rules',
    'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules/read',
  ],
  [
    `${NET}/networkManagers/{networkManagerName}/networkGroups/{networkGroupName}/staticMembers/{staticMemberName}`,
    'microsoft.network/networkmanagers/networkgroups/staticmembers',
    'Microsoft.Network/networkManagers/networkGroups/staticMembers/read',
  ],
];

/** The network path's routes. */
export const networkPathRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/serviceTags',
    apiVersions: V,
    action: 'Microsoft.Network/locations/serviceTags/read',
    handler: serviceTags,
  },
  {
    method: 'POST',
    pattern: `${NET}/networkInterfaces/{networkInterfaceName}/effectiveNetworkSecurityGroups`,
    apiVersions: V,
    action: 'Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action',
    handler: effectiveNetworkSecurityGroups,
  },
  ...READS.map(([pattern, type, action]): Route => ({
    method: 'GET',
    pattern,
    apiVersions: V,
    action,
    handler: getRow(type),
  })),
];
