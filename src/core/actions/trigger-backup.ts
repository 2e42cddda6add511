/**
 * trigger-backup: the first backup ("Backup now") of a VM the plan protects, when `initialBackup` is on.
 * Depends on the enable-protection of its VM, runs in its job and sits right after it in the plan.
 */
import { z } from 'zod';
import { idKey, sameId } from '../ids';
import { findingKey } from '../model';
import { actionFields, type ActionDefinition } from './types';

/** A queued trigger-backup action. */
export const triggerBackupSchema = z.object({
  kind: z.literal('trigger-backup'),
  ...actionFields,
  params: z.object({ vaultId: z.string(), recoveryPointExpiryTimeInUTC: z.string() }),
});

/** Triggers the first backup ("Backup now") of a newly protected VM. */
export type TriggerBackupAction = z.infer<typeof triggerBackupSchema>;

/** Adds days to a time and returns it as an ISO string (the recovery point expiry of a first backup). */
function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}

/** The rule whose open finding means the VM's backup traffic cannot reach storage yet. */
const EGRESS_RULE = 'nsg-blocks-backup-egress';

/** The trigger-backup action kind. */
export const triggerBackup: ActionDefinition<TriggerBackupAction> = {
  kind: 'trigger-backup',
  schema: triggerBackupSchema,
  resolves: [],
  plan(ctx) {
    if (!ctx.config.initialBackup) return [];
    const expiry = addDays(ctx.now, ctx.config.initialBackupRetentionDays);
    // No backup is triggered while the VM's egress to backup storage is blocked: only when every egress
    // finding of the VM is resolved by a planned rule, after which it runs (dependsOn), or there is none.
    const egressOpen = new Set(ctx.findings('nsg-blocks-backup-egress').map((f) => idKey(f.resourceId)));
    const egressPlanned = new Set(
      ctx.planned.flatMap((a) => (a.kind === 'add-nsg-rule' ? a.resolves : [])).map((k) => k.toLowerCase()),
    );
    const egressBlocked = (vmId: string): boolean =>
      egressOpen.has(idKey(vmId)) && !egressPlanned.has(findingKey(EGRESS_RULE, vmId).toLowerCase());
    return ctx.planned.flatMap((p): TriggerBackupAction[] =>
      p.kind === 'enable-protection' && !egressBlocked(p.target)
        ? [
            {
              kind: 'trigger-backup',
              target: p.target,
              params: { vaultId: p.params.vaultId, recoveryPointExpiryTimeInUTC: expiry },
              resolves: [],
            },
          ]
        : [],
    );
  },
  dependsOn: (action, earlier) =>
    (earlier.kind === 'enable-protection' && sameId(earlier.target, action.target)) ||
    (earlier.kind === 'add-nsg-rule' &&
      earlier.resolves.some((k) => k.toLowerCase() === findingKey(EGRESS_RULE, action.target).toLowerCase())),
  waitsFor: (action) => ({ kind: 'enable-protection', target: action.target }),
  placement: 'after-its-dependency',
  permissions: [
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action',
      usedBy: 'backupClient.backups.trigger',
    },
  ],
  noun: ['first backup', 'first backups'],
  describe: (a) => `keep until ${a.params.recoveryPointExpiryTimeInUTC.slice(0, 10)}`,
};
