import { fail, pass, vaultRule } from './types';

/**
 * A Recovery Services vault keeps deleted backup data recoverable: its soft delete state is `Enabled` or
 * `AlwaysON`, not `Disabled`. Report only: turning soft delete back on is a change to the vault's security
 * settings, an operator's call. Not judged when the row carries no soft delete state.
 */
export const vaultSoftDeleteDisabled = vaultRule({
  id: 'vault-soft-delete-disabled',
  severity: 'medium',
  subject: 'vault',
  description: 'The vault keeps deleted backup data recoverable (soft delete Enabled or AlwaysON).',
  evaluate: (vault) =>
    vault.softDeleteState?.toLowerCase() === 'disabled'
      ? fail(`vault '${vault.name}' has soft delete disabled: deleted backup data is purged at once`, {
          softDeleteState: vault.softDeleteState,
        })
      : pass(),
});
