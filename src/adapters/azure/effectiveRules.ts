/**
 * Ground truth before add-nsg-rule: Azure's effective security rules on a NIC behind the NSG (POST
 * `effectiveNetworkSecurityGroups`, with service tags expanded to prefixes) are evaluated with the same
 * evaluator as the plan. When Azure's view of that NSG does not block backup egress on the planned ports
 * (a rule Resource Graph has not indexed yet, a changed association), the action is skipped with
 * `effective-rules-disagree` and both views (docs/azure-facts.md §11).
 */
import type {
  EffectiveNetworkSecurityGroup,
  EffectiveNetworkSecurityRule,
  NetworkSecurityGroup as ArmNetworkSecurityGroup,
} from '@azure/arm-network';
import type { AddNsgRuleAction } from '../../core/actions';
import { idKey, parseResourceId, sameId } from '../../core/ids';
import type { NetworkSecurityGroup, SecurityRule } from '../../core/model';
import { ServiceTagCatalogue } from '../../core/network/serviceTags';
import { evaluateNsgSpace, storageTarget } from '../../core/nsg';
import { toAzureErrorInfo } from './errors';
import type { AzureCalls } from './executors/types';
import { readServiceTags } from './serviceTags';

/** The outcome of the check: agree (write), or a skip detail with both views. */
export type EffectiveCheck = { agrees: true } | { agrees: false; detail: string; evidence: Record<string, unknown> };

const list = (single: string | undefined, plural: string[] | undefined): string[] =>
  plural && plural.length > 0 ? plural : single !== undefined ? [single] : [];

/** One effective rule as a security rule: expanded prefixes where Azure gives them, `All` as `*`. */
export function fromEffectiveRule(r: EffectiveNetworkSecurityRule): SecurityRule {
  const name = r.name ?? '';
  const protocol = r.protocol ?? '*';
  return {
    name: name.replace(/^(default)?securityRules\//i, ''),
    priority: r.priority ?? Number.NaN,
    direction: (r.direction ?? '').toLowerCase() === 'inbound' ? 'Inbound' : 'Outbound',
    access: (r.access ?? '').toLowerCase() === 'allow' ? 'Allow' : 'Deny',
    protocol: protocol.toLowerCase() === 'all' ? '*' : protocol,
    sourcePortRanges: list(r.sourcePortRange, r.sourcePortRanges),
    destinationPortRanges: list(r.destinationPortRange, r.destinationPortRanges),
    sourceAddressPrefixes: [
      ...list(r.sourceAddressPrefix, r.sourceAddressPrefixes),
      ...(r.expandedSourceAddressPrefix ?? []),
    ],
    destinationAddressPrefixes: [
      ...list(r.destinationAddressPrefix, r.destinationAddressPrefixes),
      ...(r.expandedDestinationAddressPrefix ?? []),
    ],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: /^defaultSecurityRules\//i.test(name),
  };
}

/** A NIC behind the NSG in Azure's view: one it is attached to, else one in a subnet it is attached to. */
async function nicBehind(
  azure: AzureCalls,
  nsg: ArmNetworkSecurityGroup,
  subscriptionId: string,
): Promise<string | undefined> {
  const direct = nsg.networkInterfaces?.find((n) => n.id)?.id;
  if (direct) return direct;
  for (const s of nsg.subnets ?? []) {
    if (!s.id) continue;
    const p = parseResourceId(s.id);
    const subnet = await azure.retrying(() =>
      azure.clients.network(subscriptionId).subnets.get(p.resourceGroup, p.names[0] ?? '', p.names[1] ?? ''),
    );
    const ipc = subnet.ipConfigurations?.find((c) => c.id && /\/networkInterfaces\//i.test(c.id))?.id;
    if (ipc) return ipc.replace(/\/ipConfigurations\/[^/]+$/i, '');
  }
  return undefined;
}

/** Evaluates Azure's effective view of the NSG for the action's ports on one NIC behind it. */
export async function confirmEffectiveBlock(
  azure: AzureCalls,
  action: AddNsgRuleAction,
  nsg: ArmNetworkSecurityGroup,
): Promise<EffectiveCheck> {
  const target = parseResourceId(action.target);
  const ports = action.params.destinationPortRanges.map(Number).filter(Number.isInteger);
  const plan = {
    nsgId: action.target,
    ports,
    destination: action.params.destinationAddressPrefix,
    says: 'this NSG denies backup egress on these ports',
  };
  const disagree = (azureView: Record<string, unknown>, why: string): EffectiveCheck => ({
    agrees: false,
    detail: 'effective-rules-disagree',
    evidence: { plan, azure: { ...azureView, why } },
  });
  let nicId: string | undefined;
  let groups: EffectiveNetworkSecurityGroup[];
  let ip: string | undefined;
  try {
    nicId = await nicBehind(azure, nsg, target.subscriptionId);
    if (!nicId) return disagree({}, 'the NSG is associated with no NIC and no subnet with a NIC');
    const nic = parseResourceId(nicId);
    const network = azure.clients.network(nic.subscriptionId);
    const got = await azure.retrying(() => network.networkInterfaces.get(nic.resourceGroup, nic.names[0] ?? ''));
    ip = (got.ipConfigurations?.find((c) => c.primary) ?? got.ipConfigurations?.[0])?.privateIPAddress;
    const result = await azure.retrying(() =>
      network.networkInterfaces
        .listEffectiveNetworkSecurityGroups(nic.resourceGroup, nic.names[0] ?? '', {
          updateIntervalInMs: azure.pollIntervalMs,
        })
        .pollUntilDone(),
    );
    groups = result.value ?? [];
  } catch (e) {
    const error = toAzureErrorInfo(e);
    return {
      agrees: false,
      detail: 'effective-rules-unreadable',
      evidence: { plan, azure: { networkInterfaceId: nicId, error } },
    };
  }
  const effective = groups.find((g) => g.networkSecurityGroup?.id && sameId(g.networkSecurityGroup.id, action.target));
  if (!effective) {
    return disagree(
      { networkInterfaceId: nicId, effectiveNsgs: groups.map((g) => g.networkSecurityGroup?.id ?? '') },
      "Azure's effective view of the NIC does not include this NSG",
    );
  }
  const location = nsg.location ?? '';
  let catalogue: ServiceTagCatalogue | undefined;
  try {
    catalogue = ServiceTagCatalogue.fromBodies([await readServiceTags(azure.clients, target.subscriptionId, location)]);
  } catch {
    catalogue = undefined; // tag-name reading of the same rules
  }
  const rules = (effective.effectiveSecurityRules ?? []).map(fromEffectiveRule);
  const asNsg: NetworkSecurityGroup = {
    id: action.target,
    name: target.names[0] ?? '',
    location,
    subscriptionId: target.subscriptionId,
    resourceGroup: target.resourceGroup,
    securityRules: rules.filter((r) => !r.isDefault),
    defaultSecurityRules: rules.filter((r) => r.isDefault),
  };
  const storage = storageTarget(location, catalogue);
  const source = { applicationSecurityGroupIds: [], ...(ip ? { privateIPAddress: ip } : {}) };
  const view = ports.map((port) => {
    const v = evaluateNsgSpace(asNsg, source, storage, port);
    const denied = v.denying.reduce((n, d) => n + d.share, 0);
    return {
      port,
      blockedShare: Math.round(denied * 1e6) / 1e6,
      denying: v.denying.map((d) => `${d.rule.name} (${d.rule.priority})`),
    };
  });
  if (view.some((p) => p.blockedShare > 0)) return { agrees: true };
  return disagree(
    {
      networkInterfaceId: nicId,
      networkSecurityGroupId: idKey(action.target),
      addressEvaluation: storage.mode,
      ports: view,
    },
    "Azure's effective rules allow backup egress on every planned port",
  );
}
