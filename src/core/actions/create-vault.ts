/**
 * create-vault: a Recovery Services vault for VMs whose subscription and region have none, with its storage
 * redundancy set at creation. Depends on nothing; the enable-protections that use it join its job.
 */
import { z } from 'zod';
import { idKey } from '../ids';
import { sameLocation } from '../regions';
import { actionFields, type ActionDefinition } from './types';
import {
  designationsOf,
  existingVaultFor,
  newVaultFor,
  protectionKeys,
  skipUnsupported,
  VAULT_NAME_PATTERN,
  vaultSubscriptionFor,
} from './vault-choice';

/** A queued create-vault action. */
export const createVaultSchema = z.object({
  kind: z.literal('create-vault'),
  ...actionFields,
  params: z.object({
    location: z.string(),
    storageRedundancy: z.string(),
    resourceGroup: z.string(),
    name: z.string(),
    /** `publicNetworkAccess` of the new vault (`vaultPublicNetworkAccess`); absent in messages queued before it existed. */
    publicNetworkAccess: z.enum(['Enabled', 'Disabled']).optional(),
  }),
});

/** Creates a Recovery Services vault with its storage redundancy set at creation. */
export type CreateVaultAction = z.infer<typeof createVaultSchema>;

/** The create-vault action kind. */
export const createVault: ActionDefinition<CreateVaultAction> = {
  kind: 'create-vault',
  schema: createVaultSchema,
  resolves: ['vm-unprotected', 'vault-region-mismatch'],
  plan(ctx) {
    const { inventory, config } = ctx;
    const designations = designationsOf(ctx);
    const creates = new Map<string, CreateVaultAction>();
    for (const f of ctx.findings('vm-unprotected')) {
      const vm = inventory.vm(f.resourceId);
      if (!vm || skipUnsupported(ctx, f) || existingVaultFor(vm, inventory, config)) continue;
      const keys = protectionKeys(f, designations);
      const { name, target } = newVaultFor(vm, config);
      const planned = creates.get(idKey(target));
      if (planned) {
        planned.resolves.push(...keys);
        continue;
      }
      if (!VAULT_NAME_PATTERN.test(name)) {
        ctx.warn(
          `vault name '${name}' (from template '${config.vaultNameTemplate}') breaks the naming rule: 2-50 characters, a letter first, then letters, digits and hyphens`,
        );
        for (const k of keys) ctx.unplanned.set(k, 'invalid-vault-name');
        continue;
      }
      // The tool's own vault whose creation failed (same id and region) is not "taken": it is created again.
      const taken = inventory
        .vaultsNamed(vaultSubscriptionFor(vm, config), name)
        .filter(
          (v) =>
            !(
              idKey(v.id) === idKey(target) &&
              sameLocation(v.location, vm.location) &&
              v.provisioningState === 'Failed'
            ),
        );
      if (taken.length > 0) {
        ctx.warn(
          `vault name '${name}' is already used in subscription ${vm.subscriptionId} by ${taken.map((v) => `${v.id} (${v.location})`).join(', ')}; change vaultNameTemplate`,
        );
        for (const k of keys) ctx.unplanned.set(k, 'vault-name-taken');
        continue;
      }
      creates.set(idKey(target), {
        kind: 'create-vault',
        target,
        params: {
          location: vm.location,
          storageRedundancy: config.storageRedundancy,
          resourceGroup: config.vaultResourceGroup,
          name,
          publicNetworkAccess: config.vaultPublicNetworkAccess,
        },
        resolves: [...keys],
      });
    }
    return [...creates.values()].sort((a, b) => idKey(a.target).localeCompare(idKey(b.target)));
  },
  dependsOn: () => false,
  waitsFor: () => undefined,
  placement: 'with-its-kind',
  permissions: [
    {
      operation: 'Microsoft.Resources/subscriptions/resourceGroups/read',
      usedBy: 'resourcesClient.resourceGroups.checkExistence; resource-groups.kql rows (ResourceContainers managedBy)',
    },
    {
      operation: 'Microsoft.Resources/subscriptions/resourceGroups/write',
      usedBy: 'resourcesClient.resourceGroups.createOrUpdate (only when the group does not exist)',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/write',
      usedBy: 'recoveryServicesClient.vaults.beginCreateOrUpdateAndWait',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/operationStatus/read',
      usedBy: 'vaults.beginCreateOrUpdateAndWait polling (vaults/{name}/operationStatus/{id})',
    },
    {
      operation: 'Microsoft.RecoveryServices/Vaults/operationResults/read',
      usedBy:
        'vaults.beginCreateOrUpdateAndWait polling (final-state-via location: vaults/{name}/operationResults/{id})',
    },
  ],
  noun: ['vault to create', 'vaults to create'],
  describe: (a) => `${a.params.name} in ${a.params.location}, ${a.params.storageRedundancy}`,
};
