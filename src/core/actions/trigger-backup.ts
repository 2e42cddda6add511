/**
 * trigger-backup: the first backup ("Backup now") of a VM the plan protects, when `initialBackup` is on.
 * Depends on the enable-protection of its VM, runs in its job and sits right after it in the plan.
 */
import { z } from 'zod';
import { sameId } from '../ids';
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

/** The trigger-backup action kind. */
export const triggerBackup: ActionDefinition<TriggerBackupAction> = {
  kind: 'trigger-backup',
  schema: triggerBackupSchema,
  resolves: [],
  plan(ctx) {
    if (!ctx.config.initialBackup) return [];
    const expiry = addDays(ctx.now, ctx.config.initialBackupRetentionDays);
    return ctx.planned.flatMap((p): TriggerBackupAction[] =>
      p.kind === 'enable-protection'
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
  dependsOn: (action, earlier) => earlier.kind === 'enable-protection' && sameId(earlier.target, action.target),
  waitsFor: (action) => ({ kind: 'enable-protection', target: action.target }),
  placement: 'after-its-dependency',
  permissions: [
    {
      operation: 'Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/backup/action',
      usedBy: 'backupClient.backups.trigger',
    },
  ],
  describe: (a) => `keep until ${a.params.recoveryPointExpiryTimeInUTC.slice(0, 10)}`,
};
