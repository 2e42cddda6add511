/** Executes trigger-backup: "Backup now" of a protected VM, with the names its enable-protection learnt or backupStatus gives. */
import type { TriggerBackupAction } from '../../../core/actions';
import { parseResourceId, sameId } from '../../../core/ids';
import { codesOf, isInProgressError } from '../errors';
import { failed, FABRIC, skipped, succeeded, type Executor } from './types';

/** The trigger-backup executor. */
export const triggerBackupExecutor: Executor<TriggerBackupAction> = {
  skipWhileDependencyInProgress: true,
  async execute(action, { azure, run }) {
    const vmId = action.target;
    const { vaultId, recoveryPointExpiryTimeInUTC } = action.params;
    const vault = parseResourceId(vaultId);
    const vaultName = vault.names[0] ?? '';

    let names = run.namesOf(vmId, vaultId);
    if (!names) {
      const vm = parseResourceId(vmId);
      const location = await azure.vmLocation(vmId);
      const status = await azure.backupStatus(vm.subscriptionId, location, vmId);
      const state = (status.protectionStatus ?? '').toLowerCase();
      if (
        !(state === 'protected' || state === 'protecting') ||
        !sameId(status.vaultId, vaultId) ||
        !status.containerName ||
        !status.protectedItemName
      ) {
        return failed({
          code: 'ItemNotProtected',
          message: `virtual machine ${vmId} is not protected by ${vaultId} (backupStatus: ${status.protectionStatus ?? 'unknown'}${status.vaultId ? ` in ${status.vaultId}` : ''})`,
        });
      }
      names = { vaultId, containerName: status.containerName, protectedItemName: status.protectedItemName };
    }

    const expiry = new Date(recoveryPointExpiryTimeInUTC);
    if (Number.isNaN(expiry.getTime())) {
      return failed({
        code: 'InvalidRecoveryPointExpiry',
        message: `recoveryPointExpiryTimeInUTC '${recoveryPointExpiryTimeInUTC}' is not a date`,
      });
    }
    const { containerName, protectedItemName } = names;
    try {
      await azure.retrying(
        () =>
          azure.clients
            .recoveryServicesBackup(vault.subscriptionId)
            .backups.trigger(vaultName, vault.resourceGroup, FABRIC, containerName, protectedItemName, {
              properties: { objectType: 'IaasVMBackupRequest', recoveryPointExpiryTimeInUTC: expiry },
            }),
        (e) => codesOf(e).some((c) => c.toLowerCase() === 'usererrorbackupoperationinprogress'),
      );
    } catch (error) {
      if (isInProgressError(error)) return skipped('in-progress');
      throw error;
    }
    return succeeded('triggered');
  },
};
