/**
 * create-backup-policy: adds the Enhanced (V2) policy `enhancedPolicyName` to a vault that lacks it, for the
 * VMs only an Enhanced policy protects. A new object only: an existing policy of that name is never edited.
 * Depends on the create-vault of its vault when that vault is new; the enable-protections that use the
 * policy depend on it.
 */
import { z } from 'zod';
import { enhancedNeeds } from '../backup-support';
import { idKey, sameId } from '../ids';
import { findingKey } from '../model';
import { actionFields, type ActionDefinition } from './types';
import { existingVaultFor, newVaultFor, policyIdFor } from './vault-choice';

/** A queued create-backup-policy action; `target` is the policy id. */
export const createBackupPolicySchema = z.object({
  kind: z.literal('create-backup-policy'),
  ...actionFields,
  params: z.object({
    vaultId: z.string(),
    name: z.string(),
    policyType: z.literal('V2'),
    /** Daily run time, `HH:MM` UTC. */
    dailyRunTime: z.string().regex(/^\d{2}:\d{2}$/),
    retentionDays: z.number().int().min(7).max(9999),
    instantRpRetentionDays: z.number().int().min(1).max(30),
  }),
});

/** Creates an Enhanced (V2) Azure IaaS VM backup policy in a vault. */
export type CreateBackupPolicyAction = z.infer<typeof createBackupPolicySchema>;

/** The create-backup-policy action kind. */
export const createBackupPolicy: ActionDefinition<CreateBackupPolicyAction> = {
  kind: 'create-backup-policy',
  schema: createBackupPolicySchema,
  resolves: ['vm-unprotected'],
  plan(ctx) {
    const { inventory, config } = ctx;
    const policies = new Map<string, CreateBackupPolicyAction>();
    for (const f of ctx.findings('vm-unprotected')) {
      const vm = inventory.vm(f.resourceId);
      if (!vm || enhancedNeeds(vm).length === 0) continue;
      if (ctx.findings('vm-backup-unsupported').some((u) => sameId(u.resourceId, vm.id))) continue;
      const existing = existingVaultFor(vm, inventory, config);
      const target = newVaultFor(vm, config).target;
      const vaultId =
        existing?.id ?? ctx.planned.find((a) => a.kind === 'create-vault' && sameId(a.target, target))?.target;
      if (!vaultId) continue;
      if (existing && inventory.policyNamed(existing.id, config.enhancedPolicyName)) continue;
      const policyId = policyIdFor(vaultId, config.enhancedPolicyName);
      const key = findingKey(f.ruleId, f.resourceId);
      const planned = policies.get(idKey(policyId));
      if (planned) {
        planned.resolves.push(key);
        continue;
      }
      policies.set(idKey(policyId), {
        kind: 'create-backup-policy',
        target: policyId,
        params: {
          vaultId,
          name: config.enhancedPolicyName,
          policyType: 'V2',
          dailyRunTime: '22:30',
          retentionDays: 30,
          instantRpRetentionDays: 7,
        },
        resolves: [key],
      });
    }
    return [...policies.values()].sort((a, b) => idKey(a.target).localeCompare(idKey(b.target)));
  },
  dependsOn: (action, earlier) => earlier.kind === 'create-vault' && sameId(earlier.target, action.params.vaultId),
  placement: 'with-its-kind',
  permissions: [
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupPolicies/write',
      usedBy: 'backupClient.protectionPolicies.createOrUpdate (only when the policy does not exist)',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupPolicies/operationResults/read',
      usedBy: 'protectionPolicies.createOrUpdate answered 202: backupPolicies/{name}/operationResults/{id}',
    },
  ],
  noun: ['backup policy to add', 'backup policies to add'],
  describe: (a) =>
    `${a.params.name} (Enhanced, daily ${a.params.dailyRunTime} UTC, ${a.params.retentionDays} days) in ${a.params.vaultId.split('/').pop() ?? ''}`,
};
