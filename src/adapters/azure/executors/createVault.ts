/** Executes create-vault: creates the vault (and its resource group when absent); an existing vault is left as it is. */
import type { CreateVaultAction } from '../../../core/actions';
import { parseResourceId } from '../../../core/ids';
import { sameLocation } from '../../../core/regions';
import { statusCodeOf } from '../errors';
import { failed, skipped, succeeded, type Executor } from './types';

/** The create-vault executor. */
export const createVaultExecutor: Executor<CreateVaultAction> = {
  async execute(action, { azure }) {
    const id = parseResourceId(action.target);
    const { location, storageRedundancy } = action.params;
    const resourceGroup = action.params.resourceGroup || id.resourceGroup;
    const name = action.params.name || id.names[0] || '';
    const vaults = azure.clients.recoveryServices(id.subscriptionId).vaults;

    const existing = await azure
      .retrying(() => vaults.get(resourceGroup, name))
      .catch((e: unknown) => {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      });
    if (existing) {
      if (sameLocation(existing.location, location)) return skipped('already-exists');
      return failed({
        code: 'VaultExistsInAnotherLocation',
        message: `vault ${action.target} already exists in ${existing.location ?? 'an unknown location'}, not ${location}; it is left as it is`,
      });
    }

    // One check-then-create per resource group at a time: two new vaults of one subscription share the
    // group, and a second PUT with another location would fail with InvalidResourceGroupLocation.
    const resources = azure.clients.resources(id.subscriptionId);
    const detail = await azure.resourceGroupLocks.run(
      `${id.subscriptionId}|${resourceGroup}`.toLowerCase(),
      async () => {
        const rgExists = await azure.retrying(() => resources.resourceGroups.checkExistence(resourceGroup));
        if (rgExists.body) return 'created';
        await azure.retrying(() => resources.resourceGroups.createOrUpdate(resourceGroup, { location }));
        return 'created-with-resource-group';
      },
    );

    await azure.retrying(() =>
      vaults.beginCreateOrUpdateAndWait(
        resourceGroup,
        name,
        {
          location,
          sku: { name: 'RS0', tier: 'Standard' },
          properties: {
            publicNetworkAccess: 'Enabled',
            redundancySettings: { standardTierStorageRedundancy: storageRedundancy, crossRegionRestore: 'Disabled' },
          },
        },
        { updateIntervalInMs: azure.pollIntervalMs },
      ),
    );
    return succeeded(detail);
  },
};
