import { fail, pass, vaultRule } from './types';

/**
 * A geo-redundant vault can restore in the paired region: its cross-region restore is `Enabled`
 * (docs/azure-facts.md §10). Report only: existing vaults are never changed. Not judged on LRS or ZRS
 * vaults, nor when the row carries no cross-region restore setting.
 */
export const vaultCrrDisabled = vaultRule({
  id: 'vault-crr-disabled',
  severity: 'low',
  subject: 'vault',
  description: 'A geo-redundant vault has cross-region restore enabled.',
  evaluate: (vault) =>
    vault.storageRedundancy?.toLowerCase() === 'georedundant' && vault.crossRegionRestore?.toLowerCase() === 'disabled'
      ? fail(`vault '${vault.name}' is geo-redundant but cross-region restore is disabled`, {
          storageRedundancy: vault.storageRedundancy,
          crossRegionRestore: vault.crossRegionRestore,
        })
      : pass(),
});
