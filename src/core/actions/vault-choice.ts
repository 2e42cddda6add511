/**
 * The vault a VM is protected in, shared by create-vault and enable-protection: its designated vault (the
 * vault tag) in its region, else one in the configured resource group, else any vault of its region, else
 * a new one named by the template.
 */
import type { EngineConfig } from '../engine-config';
import { enhancedNeeds } from '../backup-support';
import { idKey, resourceId, sameId } from '../ids';
import type { Inventory } from '../inventory';
import { findingKey, type FindingKey, type Vault, type VirtualMachine } from '../model';
import type { FindingOf } from '../rules';
import { tagValue } from '../tags';
import type { PlanContext } from './types';

/** The vault naming rule: 2–50 characters, starts with a letter, letters, digits and hyphens (docs/azure-facts.md §1). */
export const VAULT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{1,49}$/;

/** Renders the vault name template for a subscription and location. */
export function vaultNameFor(template: string, location: string, subscriptionId: string): string {
  return template.replaceAll('{location}', location).replaceAll('{subscriptionId}', subscriptionId);
}

/** The id of a VM's protected item's policy in a vault. */
export function policyIdFor(vaultId: string, policyName: string): string {
  return `${vaultId}/backupPolicies/${policyName}`;
}

/** The subscription whose vaults protect the VM: the central `vaultSubscription` when set, else the VM's own. */
export function vaultSubscriptionFor(vm: VirtualMachine, config: EngineConfig): string {
  return (config.vaultSubscription || vm.subscriptionId).toLowerCase();
}

/** The existing vault of the VM's vault subscription and region that should protect it, if any. */
export function existingVaultFor(vm: VirtualMachine, inventory: Inventory, config: EngineConfig): Vault | undefined {
  const inRegion = inventory.vaultsIn(vaultSubscriptionFor(vm, config), vm.location);
  const designated = tagValue(vm.tags, config.vaultTag);
  const named = designated ? inRegion.find((v) => v.name.toLowerCase() === designated.toLowerCase()) : undefined;
  return (
    named ??
    inRegion.find((v) => v.resourceGroup.toLowerCase() === config.vaultResourceGroup.toLowerCase()) ??
    inRegion[0]
  );
}

/** The name and id of the vault the template gives a VM's vault subscription and region. */
export function newVaultFor(vm: VirtualMachine, config: EngineConfig): { name: string; target: string } {
  const subscription = vaultSubscriptionFor(vm, config);
  const name = vaultNameFor(config.vaultNameTemplate, vm.location, subscription);
  return {
    name,
    target: resourceId(subscription, config.vaultResourceGroup, 'Microsoft.RecoveryServices', 'vaults', name),
  };
}

/** The policy name a VM needs: `enhancedPolicyName` when only an Enhanced policy protects it, else `policyName`. */
export function policyNameFor(vm: VirtualMachine, config: EngineConfig): string {
  return enhancedNeeds(vm).length > 0 ? config.enhancedPolicyName : config.policyName;
}

/**
 * True when the VM must not be planned: Azure Backup cannot protect it (its open vm-backup-unsupported
 * finding). Records why its vm-unprotected finding got no action.
 */
export function skipUnsupported(ctx: PlanContext, unprotected: FindingOf<'vm-unprotected'>): boolean {
  const unsupported = ctx.findings('vm-backup-unsupported').some((f) => sameId(f.resourceId, unprotected.resourceId));
  if (unsupported) ctx.unplanned.set(findingKey(unprotected.ruleId, unprotected.resourceId), 'backup-unsupported');
  return unsupported;
}

/** The open "designated vault in another region" findings, by VM: protecting the VM in its region resolves them. */
export function designationsOf(ctx: PlanContext): Map<string, FindingOf<'vault-region-mismatch'>> {
  const out = new Map<string, FindingOf<'vault-region-mismatch'>>();
  for (const f of ctx.findings('vault-region-mismatch'))
    if (f.details.case === 'designated-vault-in-other-region') out.set(idKey(f.resourceId), f);
  return out;
}

/** The keys that protecting a VM resolves: its vm-unprotected finding and its designation finding, if any. */
export function protectionKeys(
  unprotected: FindingOf<'vm-unprotected'>,
  designations: ReadonlyMap<string, FindingOf<'vault-region-mismatch'>>,
): FindingKey[] {
  const designation = designations.get(idKey(unprotected.resourceId));
  const key = findingKey(unprotected.ruleId, unprotected.resourceId);
  return designation ? [key, findingKey(designation.ruleId, designation.resourceId)] : [key];
}
