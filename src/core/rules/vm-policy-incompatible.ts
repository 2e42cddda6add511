import { enhancedNeeds, isEnhancedPolicyType } from '../backup-support';
import { fail, pass, vmRule } from './types';

/**
 * A protected VM that only an Enhanced (V2) policy can protect (Premium SSD v2 or Ultra disks, a
 * Confidential VM: docs/azure-facts.md §10) is protected with one. Report only: Azure Backup does not
 * change a protected item's policy type from Standard in place; moving it is an operator's call. Not
 * judged when neither the item nor the inventory's policy tells the policy type.
 */
export const vmPolicyIncompatible = vmRule({
  id: 'vm-policy-incompatible',
  severity: 'medium',
  subject: 'virtualMachine',
  description: "The VM's backup policy type (Standard or Enhanced) is one Azure Backup can use for it.",
  evaluate: (vm, { inventory }) => {
    const needs = enhancedNeeds(vm);
    if (needs.length === 0) return pass();
    const wrong = inventory
      .protectionOf(vm.id)
      .map((item) => ({ item, type: item.policyType ?? inventory.policy(item.policyId)?.policyType }))
      .filter(({ type }) => type !== undefined && !isEnhancedPolicyType(type));
    if (wrong.length === 0) return pass();
    const why = needs.map((n) => (n.kind === 'disk-type' ? `${n.diskType} disks` : n.securityType)).join(', ');
    return fail(`VM '${vm.name}' needs an Enhanced (V2) backup policy (${why}) but is protected with a Standard one`, {
      needs,
      protectedItems: wrong.map(({ item, type }) => ({
        id: item.id,
        policyId: item.policyId ?? null,
        policyType: type ?? null,
      })),
    });
  },
});
