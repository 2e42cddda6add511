import { unsupportedReasons } from '../backup-support';
import { fail, pass, vmRule } from './types';

/**
 * Azure Backup can protect the VM as configured. A VM it cannot protect (Databricks- or OpenShift-managed,
 * in a managed resource group, with an ephemeral OS disk, a Spot VM) is reported with why, citing the
 * support matrix and the built-in policies (docs/azure-facts.md §10), and is never planned for protection.
 */
export const vmBackupUnsupported = vmRule({
  id: 'vm-backup-unsupported',
  severity: 'info',
  subject: 'virtualMachine',
  description: 'Azure Backup supports protecting the VM as it is configured.',
  evaluate: (vm, { inventory }) => {
    const reasons = unsupportedReasons(vm, inventory);
    if (reasons.length === 0) return pass();
    return fail(
      `VM '${vm.name}' cannot be backed up by Azure Backup: ${reasons.map((r) => r.explanation).join('; ')}`,
      {
        reasons: reasons.map((r) => r.reason),
        explanations: reasons.map((r) => r.explanation),
        source: 'Azure VM backup support matrix; built-in policy 345fa903-145c-4fe1-8bcd-93ec2adccde8',
      },
    );
  },
});
