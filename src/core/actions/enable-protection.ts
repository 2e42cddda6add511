/**
 * enable-protection: registers a VM with a vault of its own region and the configured policy. Depends on
 * the create-vault of its vault when that vault is new, and then runs in that vault's job.
 */
import { z } from 'zod';
import { idKey, sameId } from '../ids';
import { findingKey, type FindingKey } from '../model';
import { RECONFIGURABLE_PROTECTION_STATE } from '../rules/vm-protection-unhealthy';
import type { Action } from './index';
import { actionFields, type ActionDefinition } from './types';
import {
  designationsOf,
  existingVaultFor,
  newVaultFor,
  policyIdFor,
  policyNameFor,
  protectionKeys,
  skipUnsupported,
} from './vault-choice';

/** A queued enable-protection action. */
export const enableProtectionSchema = z.object({
  kind: z.literal('enable-protection'),
  ...actionFields,
  params: z.object({ vaultId: z.string(), policyId: z.string() }),
});

/** Registers a VM with a vault and policy. */
export type EnableProtectionAction = z.infer<typeof enableProtectionSchema>;

/** The vault id a planned create-vault makes, when `action` is one. */
const createdVault = (action: Action): string | undefined =>
  action.kind === 'create-vault' ? action.target : undefined;

/** The enable-protection action kind. */
export const enableProtection: ActionDefinition<EnableProtectionAction> = {
  kind: 'enable-protection',
  schema: enableProtectionSchema,
  resolves: ['vm-unprotected', 'vault-region-mismatch', 'vm-protection-unhealthy'],
  plan(ctx) {
    const { inventory, config } = ctx;
    const designations = designationsOf(ctx);
    const protections: EnableProtectionAction[] = [];
    const createdVaults = new Map<string, string>();
    for (const a of ctx.planned) {
      const id = createdVault(a);
      if (id !== undefined && !createdVaults.has(idKey(id))) createdVaults.set(idKey(id), id);
    }
    const resolvedKeys = new Set<FindingKey>();
    for (const f of ctx.findings('vm-unprotected')) {
      const vm = inventory.vm(f.resourceId);
      if (!vm || ctx.unplanned.has(findingKey(f.ruleId, f.resourceId)) || skipUnsupported(ctx, f)) continue;
      const target = newVaultFor(vm, config).target;
      const vaultId = existingVaultFor(vm, inventory, config)?.id ?? createdVaults.get(idKey(target));
      if (!vaultId) continue;
      const resolves = protectionKeys(f, designations);
      for (const k of resolves) resolvedKeys.add(k);
      protections.push({
        kind: 'enable-protection',
        target: vm.id,
        params: { vaultId, policyId: policyIdFor(vaultId, policyNameFor(vm, config)) },
        resolves,
      });
    }
    // Protection whose configuration failed is configured again in its own vault (the executor re-reads the
    // Backup service's state first); stopped, failed and soft-deleted items stay an operator's call.
    for (const f of ctx.findings('vm-protection-unhealthy')) {
      const key = findingKey(f.ruleId, f.resourceId);
      const vm = inventory.vm(f.resourceId);
      const items = f.details.protectedItems;
      const failedOnly = items.every(
        (i) => (i.protectionState ?? '').toLowerCase() === RECONFIGURABLE_PROTECTION_STATE.toLowerCase(),
      );
      const item = items[0];
      if (!vm || !item || items.length !== 1 || !failedOnly || ctx.unplanned.has(key)) {
        if (!ctx.unplanned.has(key)) ctx.unplanned.set(key, 'report-only');
        continue;
      }
      const same = protections.find((p) => sameId(p.target, vm.id));
      if (same) {
        if (sameId(same.params.vaultId, item.vaultId)) same.resolves = [...same.resolves, key];
        else ctx.unplanned.set(key, 'report-only');
        continue;
      }
      const known = inventory.protectionOf(vm.id).find((p) => sameId(p.id, item.id))?.policyId;
      protections.push({
        kind: 'enable-protection',
        target: vm.id,
        params: { vaultId: item.vaultId, policyId: known ?? policyIdFor(item.vaultId, policyNameFor(vm, config)) },
        resolves: [key],
      });
    }
    // Other vault-region-mismatch findings are reported only: moving a protected VM breaks its recovery points.
    for (const f of ctx.findings('vault-region-mismatch')) {
      const key = findingKey(f.ruleId, f.resourceId);
      const resolved = designations.has(idKey(f.resourceId)) && resolvedKeys.has(key);
      if (!resolved && !ctx.unplanned.has(key)) ctx.unplanned.set(key, 'report-only');
    }
    return protections;
  },
  dependsOn: (action, earlier) =>
    (earlier.kind === 'create-vault' && sameId(earlier.target, action.params.vaultId)) ||
    (earlier.kind === 'create-backup-policy' && sameId(earlier.target, action.params.policyId)),
  waitsFor: (action) => ({ kind: 'create-vault', target: action.params.vaultId }),
  placement: 'with-its-kind',
  permissions: [
    {
      operation: 'Microsoft.RecoveryServices/locations/backupStatus/action',
      usedBy: 'backupClient.backupStatus.get (already protected, and where?)',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/refreshContainers/action',
      usedBy: 'backupClient.protectionContainers.refresh',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/operationResults/read',
      usedBy: 'backupClient.protectionContainerRefreshOperationResults.get',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupProtectableItems/read',
      usedBy: 'backupClient.backupProtectableItems.list',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write',
      usedBy: 'backupClient.protectedItems.createOrUpdate',
    },
    {
      operation:
        'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/operationsStatus/read',
      usedBy: 'backupClient.protectedItemOperationStatuses.get',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupPolicies/read',
      usedBy:
        'protectedItems.createOrUpdate: the service reads the policyId it is given; backup-policies.kql rows; protectionPolicies.get (create-backup-policy)',
    },
    {
      operation: 'Microsoft.Compute/virtualMachines/write',
      usedBy:
        'protectedItems.createOrUpdate: enabling backup installs the backup extension on the VM (backup-rbac-rs-vault)',
    },
  ],
  noun: ['VM to protect', 'VMs to protect'],
  describe: (a) => `vault ${shortVault(a.params.vaultId)}, policy ${a.params.policyId.split('/').pop() ?? ''}`,
};

/** A vault id shortened to `resourceGroup/name`. */
function shortVault(id: string): string {
  const m = /\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
  return m ? `${m[1]}/${m[2]}` : id;
}
