/**
 * add-nsg-rule: one narrow outbound allow rule to `Storage.<region>` per NSG and region, however many VMs
 * sit behind it, below the lowest priority that denies backup egress. Depends on nothing: a job of its own.
 */
import { z } from 'zod';
import { idKey } from '../ids';
import { findingKey, type FindingKey } from '../model';
import { highestFreeOutboundPriority } from '../nsg';
import { serviceTagRegion, storageServiceTag } from '../regions';
import { actionFields, type ActionDefinition, type UnplannedReason } from './types';

const params = z.object({
  name: z.string(),
  direction: z.literal('Outbound'),
  access: z.literal('Allow'),
  protocol: z.literal('Tcp'),
  sourceAddressPrefix: z.literal('VirtualNetwork'),
  sourcePortRange: z.literal('*'),
  destinationAddressPrefix: z.string(),
  destinationPortRanges: z.array(z.string()).min(1),
  priority: z.number().int().min(100).max(4096),
  description: z.string(),
});

/** A queued add-nsg-rule action. */
export const addNsgRuleSchema = z.object({ kind: z.literal('add-nsg-rule'), ...actionFields, params });

/** The parameters of a security rule that `add-nsg-rule` creates. */
export type SecurityRuleParams = z.infer<typeof params>;

/** Adds one narrow outbound allow rule to an NSG. */
export type AddNsgRuleAction = z.infer<typeof addNsgRuleSchema>;

/** What the blocked VMs behind one NSG in one region need. */
interface NsgNeed {
  nsgId: string;
  location: string;
  ports: Set<number>;
  denyPriorities: number[];
  explicit: boolean;
  findings: Set<FindingKey>;
}

/** The add-nsg-rule action kind. */
export const addNsgRule: ActionDefinition<AddNsgRuleAction> = {
  kind: 'add-nsg-rule',
  schema: addNsgRuleSchema,
  resolves: ['nsg-blocks-backup-egress'],
  plan(ctx) {
    const { inventory, config } = ctx;
    const needs = new Map<string, NsgNeed>();
    for (const f of ctx.findings('nsg-blocks-backup-egress')) {
      const vm = inventory.vm(f.resourceId);
      if (!vm) continue;
      // Only a block the NSGs alone decide is one the narrow allow rule fixes (admin Deny runs first, routes after).
      if (f.details.notFixableByNsgRule !== undefined) {
        ctx.unplanned.set(findingKey(f.ruleId, f.resourceId), 'not-fixable-by-nsg-rule');
        continue;
      }
      for (const b of f.details.blocking) {
        const k = `${idKey(b.nsgId)}|${vm.location}`;
        let need = needs.get(k);
        if (!need) {
          need = {
            nsgId: b.nsgId,
            location: vm.location,
            ports: new Set(),
            denyPriorities: [],
            explicit: false,
            findings: new Set(),
          };
          needs.set(k, need);
        }
        need.ports.add(b.port);
        need.denyPriorities.push(b.priority);
        if (b.explicitStorageDeny) need.explicit = true;
        need.findings.add(findingKey(f.ruleId, f.resourceId));
      }
    }
    const actions: AddNsgRuleAction[] = [];
    for (const need of [...needs.values()].sort(
      (a, b) => idKey(a.nsgId).localeCompare(idKey(b.nsgId)) || a.location.localeCompare(b.location),
    )) {
      const nsg = inventory.nsg(need.nsgId);
      const reason: UnplannedReason | undefined =
        need.explicit && !config.overrideExplicitStorageDeny ? 'explicit-storage-deny' : undefined;
      const lowestDeny = Math.min(...need.denyPriorities, 4097);
      const priority = reason || !nsg ? undefined : highestFreeOutboundPriority(nsg, lowestDeny);
      // A finding behind two NSGs may be resolved by one action and unplanned for the other: it keeps the reason.
      if (reason || priority === undefined) {
        for (const k of need.findings) ctx.unplanned.set(k, reason ?? 'no-free-priority');
        continue;
      }
      const region = serviceTagRegion(need.location) ?? need.location;
      const ports = [...need.ports].sort((a, b) => a - b).map(String);
      actions.push({
        kind: 'add-nsg-rule',
        target: nsg?.id ?? need.nsgId,
        params: {
          // Unique per NSG, region and port set: a later fix for other ports never collides with an earlier rule.
          name: `AllowAzureBackupStorage-${region}-${ports.join('-')}`,
          direction: 'Outbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'VirtualNetwork',
          sourcePortRange: '*',
          destinationAddressPrefix: storageServiceTag(need.location),
          destinationPortRanges: ports,
          priority,
          description: `Azure Backup: allow the backup extension to reach ${storageServiceTag(need.location)} (added by backup-warden)`,
        },
        resolves: [...need.findings].sort(),
      });
    }
    return actions;
  },
  dependsOn: () => false,
  waitsFor: () => undefined,
  placement: 'with-its-kind',
  permissions: [
    {
      operation: 'Microsoft.Network/networkSecurityGroups/securityRules/read',
      usedBy: 'securityRules.beginCreateOrUpdateAndWait final GET of the rule',
    },
    {
      operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      usedBy: 'networkClient.securityRules.beginCreateOrUpdateAndWait',
    },
    {
      operation: 'Microsoft.Network/virtualNetworks/subnets/read',
      usedBy: 'networkClient.subnets.get (a NIC in a subnet the NSG is attached to, for the effective rules)',
    },
    {
      operation: 'Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action',
      usedBy: 'networkClient.networkInterfaces.listEffectiveNetworkSecurityGroups (ground truth before the write)',
    },
    {
      operation: 'Microsoft.Network/locations/operations/read',
      usedBy: 'securityRules.beginCreateOrUpdateAndWait polling (Azure-AsyncOperation: locations/{l}/operations/{id})',
    },
  ],
  noun: ['NSG allow rule', 'NSG allow rules'],
  describe: (a) =>
    `${a.params.name} priority ${a.params.priority} → ${a.params.destinationAddressPrefix}:${a.params.destinationPortRanges.join(',')}`,
};
