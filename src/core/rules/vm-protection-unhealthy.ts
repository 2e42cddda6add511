import { fail, pass, vmRule } from './types';

/** Protection states in which the VM is registered but no longer gets new recovery points. */
export const UNHEALTHY_PROTECTION_STATES = [
  'ProtectionStopped',
  'ProtectionError',
  'ConfiguringProtectionFailed',
  'SoftDeleted',
];

/** The one unhealthy state the tool repairs: configuring protection failed, so protection is configured again. */
export const RECONFIGURABLE_PROTECTION_STATE = 'ConfiguringProtectionFailed';

/**
 * A VM's protected item is in a healthy state. A `ConfiguringProtectionFailed` item is configured again
 * (enable-protection, within the caps); stopped, failed and soft-deleted ones are an operator's call.
 */
export const vmProtectionUnhealthy = vmRule({
  id: 'vm-protection-unhealthy',
  severity: 'medium',
  subject: 'virtualMachine',
  remediation: 'enable-protection',
  description: "The VM's protected item is not stopped, failed or soft-deleted.",
  evaluate: (vm, { inventory }) => {
    const unhealthy = inventory
      .protectionOf(vm.id)
      .filter((item) =>
        UNHEALTHY_PROTECTION_STATES.some((s) => s.toLowerCase() === item.protectionState?.toLowerCase()),
      );
    if (unhealthy.length === 0) return pass();
    return fail(`VM '${vm.name}' protection is ${unhealthy.map((i) => i.protectionState).join(', ')}`, {
      protectedItems: unhealthy.map((i) => ({ id: i.id, vaultId: i.vaultId, protectionState: i.protectionState })),
    });
  },
});
