import { sameLocation } from '../regions';
import { tagValue } from '../tags';
import { pass, vmRule, type Violation } from './types';

/** The details of a vault-region-mismatch finding: which case, and where the vault and the VM are. */
export type VaultRegionMismatchDetails = {
  case: 'protected-in-other-region' | 'designated-vault-in-other-region';
  vaultId: string | undefined;
  vaultLocation: string | undefined;
  vmLocation: string;
  remediable: boolean;
};

/**
 * A VM is backed up to a vault in its own region (the seed guide: only VMs in the vault's region can be
 * selected). Two cases: the VM is protected by a vault elsewhere (it moved after protection; report only,
 * moving it breaks the recovery-point chain), or its designated vault (the vault tag) is elsewhere, in
 * which case the planner protects it in a vault of its own region instead.
 */
export const vaultRegionMismatch = vmRule({
  id: 'vault-region-mismatch',
  severity: 'high',
  subject: 'virtualMachine',
  description: "The VM's vault is in the VM's own region.",
  remediation: 'enable-protection',
  evaluate: (vm, { inventory, config }) => {
    const items = inventory.protectionOf(vm.id);
    const out: Violation<VaultRegionMismatchDetails>[] = [];
    for (const item of items) {
      const vault = inventory.vault(item.vaultId);
      const vaultLocation = vault?.location ?? item.resourceLocation;
      if (vault && !sameLocation(vault.location, vm.location)) {
        out.push({
          message: `VM '${vm.name}' (${vm.location}) is protected by vault '${vault.name}' in ${vault.location}`,
          details: {
            case: 'protected-in-other-region',
            vaultId: vault.id,
            vaultLocation,
            vmLocation: vm.location,
            remediable: false,
          },
        });
      }
    }
    if (items.length > 0) return out;
    const designated = tagValue(vm.tags, config.vaultTag);
    if (!designated) return pass();
    const named = inventory.vaultsNamed(vm.subscriptionId, designated);
    const elsewhere = named.filter((v) => !sameLocation(v.location, vm.location));
    if (named.length > 0 && elsewhere.length === named.length) {
      const vault = elsewhere[0];
      out.push({
        message: `VM '${vm.name}' (${vm.location}) designates vault '${designated}', which is in ${vault?.location}`,
        details: {
          case: 'designated-vault-in-other-region',
          vaultId: vault?.id,
          vaultLocation: vault?.location,
          vmLocation: vm.location,
          remediable: true,
        },
      });
    }
    return out;
  },
});
