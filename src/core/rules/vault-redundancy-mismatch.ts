import { fail, pass, vaultRule } from './types';

/** A vault's storage redundancy is the configured one. Report only: it is locked once items are protected. */
export const vaultRedundancyMismatch = vaultRule({
  id: 'vault-redundancy-mismatch',
  severity: 'low',
  subject: 'vault',
  description: 'The vault uses the configured storage redundancy (GeoRedundant by default).',
  evaluate: (vault, { config }) =>
    !vault.storageRedundancy || vault.storageRedundancy.toLowerCase() === config.storageRedundancy.toLowerCase()
      ? pass()
      : fail(`vault '${vault.name}' is ${vault.storageRedundancy}, expected ${config.storageRedundancy}`, {
          storageRedundancy: vault.storageRedundancy,
          expected: config.storageRedundancy,
        }),
});
