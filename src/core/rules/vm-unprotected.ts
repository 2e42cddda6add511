import { fail, pass, vmRule } from './types';

/** Every VM is registered with a backup policy in some vault (any subscription of the tenant counts). */
export const vmUnprotected = vmRule({
  id: 'vm-unprotected',
  severity: 'high',
  subject: 'virtualMachine',
  description: 'The VM is protected by Azure Backup in a Recovery Services vault.',
  remediation: 'enable-protection',
  evaluate: (vm, { inventory }) =>
    inventory.protectionOf(vm.id).length > 0
      ? pass()
      : fail(`VM '${vm.name}' has no protected item in any vault`, {
          location: vm.location,
          subscriptionId: vm.subscriptionId,
        }),
});
