/**
 * Why a VM stands where it does: the outbound path of its primary ipconfig with every NSG rule evaluated
 * (and why each one matched or not), the rules the plan would add shown in place, and plain-word meanings
 * of the reasons a finding got no action. Pure: it reads the inventory and the report.
 */
import { sameId } from './ids';
import type { EgressPath, Inventory } from './inventory';
import type { AddNsgRuleAction, NetworkSecurityGroup, SecurityRule, VirtualMachine } from './model';
import {
  destinationCoversStorage,
  EPHEMERAL_PORTS,
  evaluateNsgOutbound,
  outboundRulesInOrder,
  portRangesContain,
  portRangesCover,
  sourceCovers,
  type EgressSource,
} from './nsg';
import { storageServiceTag } from './regions';
import type { Report } from './report';
import type { UnplannedReason } from './actions/types';
import type { EngineConfig } from './engine-config';
import { primaryPaths, requiredBackupPorts } from './rules/nsg-blocks-backup-egress';
import type { VmStanding } from './score';

/** One rule of an NSG as evaluated for backup egress on each required port. */
export interface EvaluatedRule {
  name: string;
  priority: number;
  access: 'Allow' | 'Deny';
  protocol: string;
  destination: string;
  ports: string;
  isDefault: boolean;
  /** A rule the plan would add (not yet in Azure). */
  planned: boolean;
  /** The required ports this rule matches and is reached for (no rule of higher priority decided them). */
  matchesPorts: number[];
  /** The required ports this rule decides (the first match by priority). */
  decidesPorts: number[];
  /** Why it matches, or the first condition it fails. */
  why: string;
}

/** One NSG on the path: the NIC's, then the subnet's. */
export interface EvaluatedNsg {
  role: 'network interface' | 'subnet';
  nsgId: string;
  nsgName: string;
  rules: EvaluatedRule[];
  /** The verdict per required port. */
  verdicts: { port: number; allowed: boolean; rule: string; priority: number }[];
}

/** The outbound path of one ipconfig to `Storage.<region>`. */
export interface EgressExplanation {
  networkInterface: string;
  ipConfiguration: string;
  privateIPAddress?: string;
  subnet?: string;
  serviceTag: string;
  ports: number[];
  /** NIC NSG then subnet NSG; an absent NSG is a step with no rules, which allows everything. */
  nsgs: EvaluatedNsg[];
  allowed: boolean;
}

/** Plain words for every reason the planner gives; the type makes a new reason without words a compile error. */
const PLANNED_REASON: Record<UnplannedReason, string> = {
  'report-only': 'this rule is reported, never fixed automatically: a person decides',
  'explicit-storage-deny':
    'a deny rule names Storage explicitly, so someone meant it; set overrideExplicitStorageDeny to plan an allow rule above it',
  'no-free-priority': 'no free outbound priority is left above the blocking rule in that NSG',
  'invalid-vault-name': 'the vault name from vaultNameTemplate is not a valid vault name',
  'vault-name-taken': 'a vault with the planned name already exists elsewhere in the subscription',
  'backup-unsupported': 'Azure Backup cannot protect the VM as it is configured',
  'exemption-unreadable':
    'the exemption tag has a value that is neither true, empty nor a date: its owner meant something, so warden changes nothing',
  'not-fixable-by-nsg-rule':
    'a security admin rule or a route decides part of the block: an NSG allow rule cannot fix it',
};

/** A plain-word meaning of an unplanned reason (`details.reason` of a finding). */
export function reasonMeaning(reason: string): string {
  return (PLANNED_REASON as Record<string, string>)[reason] ?? reason;
}

function isTcp(protocol: string): boolean {
  const p = protocol.toLowerCase();
  return p === 'tcp' || p === '*';
}

/** Why a rule matches backup egress on a port, or the first condition it fails (the evaluator's order). */
export function whyRule(rule: SecurityRule, source: EgressSource, location: string, port: number): string {
  if (rule.direction !== 'Outbound') return 'inbound rule';
  if (!isTcp(rule.protocol)) return `protocol ${rule.protocol} is not TCP`;
  if (!portRangesCover(rule.sourcePortRanges, EPHEMERAL_PORTS.from, EPHEMERAL_PORTS.to))
    return `source ports ${rule.sourcePortRanges.join(',')} do not cover the ephemeral ports`;
  if (!sourceCovers(rule, source)) return 'source does not include this VM';
  if (rule.destinationApplicationSecurityGroupIds.length > 0) return 'destination is an application security group';
  const dest = rule.destinationAddressPrefixes.find((p) => destinationCoversStorage(p, location));
  if (!dest)
    return `destination ${rule.destinationAddressPrefixes.join(',')} does not cover ${storageServiceTag(location)}`;
  if (!portRangesContain(rule.destinationPortRanges, port))
    return `destination ports ${rule.destinationPortRanges.join(',')} exclude ${port}`;
  return `TCP to ${dest} on ${port} from this VM`;
}

function plannedRule(a: AddNsgRuleAction): SecurityRule {
  return {
    name: a.params.name,
    priority: a.params.priority,
    direction: 'Outbound',
    access: 'Allow',
    protocol: a.params.protocol,
    sourcePortRanges: [a.params.sourcePortRange],
    destinationPortRanges: a.params.destinationPortRanges,
    sourceAddressPrefixes: [a.params.sourceAddressPrefix],
    destinationAddressPrefixes: [a.params.destinationAddressPrefix],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: false,
  };
}

function evaluateNsg(
  role: EvaluatedNsg['role'],
  nsg: NetworkSecurityGroup,
  source: EgressSource,
  location: string,
  ports: number[],
  planned: AddNsgRuleAction[],
): EvaluatedNsg {
  const plannedHere = planned.filter((a) => sameId(a.target, nsg.id)).map(plannedRule);
  const ordered = [...outboundRulesInOrder(nsg), ...plannedHere].sort((a, b) => a.priority - b.priority);
  const verdicts = ports.map((port) => {
    const d = evaluateNsgOutbound(nsg, source, location, port);
    return { port, allowed: d.allowed, rule: d.decidingRule.name, priority: d.decidingRule.priority };
  });
  const rules = ordered.map((rule): EvaluatedRule => {
    const isPlanned = plannedHere.includes(rule);
    const matchesPorts = ports.filter((p) => whyRule(rule, source, location, p).startsWith('TCP to'));
    const decidesPorts = isPlanned
      ? []
      : verdicts.filter((v) => v.rule === rule.name && v.priority === rule.priority).map((v) => v.port);
    const firstPort = matchesPorts[0] ?? ports[0] ?? 443;
    // A matching rule below every port's deciding rule is never reached; a planned one is what would decide.
    const reached = matchesPorts.filter((p) =>
      verdicts.some((v) => v.port === p && (isPlanned || v.priority >= rule.priority)),
    );
    const base = whyRule(rule, source, location, firstPort);
    const why =
      matchesPorts.length === 0
        ? base
        : reached.length === 0
          ? `would match ${matchesPorts.join(', ')}, but a rule of higher priority decides first`
          : base.replace(` on ${firstPort} `, ` on ${reached.join(', ')} `);
    return {
      name: rule.name,
      priority: rule.priority,
      access: rule.access,
      protocol: rule.protocol,
      destination: [...rule.destinationAddressPrefixes, ...rule.destinationApplicationSecurityGroupIds].join(', '),
      ports: rule.destinationPortRanges.join(', '),
      isDefault: rule.isDefault,
      planned: isPlanned,
      matchesPorts: reached,
      decidesPorts,
      why,
    };
  });
  return { role, nsgId: nsg.id, nsgName: nsg.name, rules, verdicts };
}

function explainPath(
  vm: VirtualMachine,
  path: EgressPath,
  config: EngineConfig,
  planned: AddNsgRuleAction[],
): EgressExplanation {
  const ports = requiredBackupPorts(vm, config);
  const source: EgressSource = {
    applicationSecurityGroupIds: path.ipConfiguration.applicationSecurityGroupIds,
    ...(path.ipConfiguration.privateIPAddress ? { privateIPAddress: path.ipConfiguration.privateIPAddress } : {}),
  };
  const nsgs: EvaluatedNsg[] = [];
  if (path.nicNsg) nsgs.push(evaluateNsg('network interface', path.nicNsg, source, vm.location, ports, planned));
  if (path.subnetNsg && !(path.nicNsg && sameId(path.nicNsg.id, path.subnetNsg.id)))
    nsgs.push(evaluateNsg('subnet', path.subnetNsg, source, vm.location, ports, planned));
  return {
    networkInterface: path.nic.name,
    ipConfiguration: path.ipConfiguration.name,
    ...(path.ipConfiguration.privateIPAddress ? { privateIPAddress: path.ipConfiguration.privateIPAddress } : {}),
    ...(path.subnet ? { subnet: path.subnet.name } : {}),
    serviceTag: storageServiceTag(vm.location),
    ports,
    nsgs,
    allowed: nsgs.every((n) => n.verdicts.every((v) => v.allowed)),
  };
}

/** The evaluated outbound paths of a VM's primary ipconfig(s), with the plan's add-nsg-rule actions in place. */
export function egressOf(
  inventory: Inventory,
  vmId: string,
  report: Report,
  config: EngineConfig,
): EgressExplanation[] {
  const vm = inventory.vm(vmId);
  if (!vm) return [];
  const planned = report.actions.filter(
    (a): a is AddNsgRuleAction & (typeof report.actions)[number] => a.kind === 'add-nsg-rule',
  );
  return primaryPaths(vm, inventory.egressPaths(vm).paths).map((p) => explainPath(vm, p, config, planned));
}

/** The VMs a reference names: a full resource id (any case), `resourceGroup/name`, or a bare name. */
export function findVms(standings: readonly VmStanding[], ref: string): VmStanding[] {
  const r = ref.trim().toLowerCase();
  if (r.startsWith('/subscriptions/')) return standings.filter((s) => sameId(s.id, ref.trim()));
  if (r.includes('/')) return standings.filter((s) => `${s.resourceGroup}/${s.name}`.toLowerCase() === r);
  return standings.filter((s) => s.name.toLowerCase() === r);
}
