/** Executes create-vault: creates the vault (and its resource group when absent); an existing vault is left as it is. */
import type { CreateVaultAction } from '../../../core/actions';
import { parseResourceId } from '../../../core/ids';
import { sameLocation } from '../../../core/regions';
import { statusCodeOf } from '../errors';
import { type AzureCalls, failed, skipped, succeeded, type Executor } from './types';

/**
 * The properties of a new vault (docs/azure-facts.md §10): soft delete Enabled (not AlwaysON, which cannot be
 * turned off), immutability Unlocked (enabled, not Locked, which is irreversible), cross-region restore on
 * for GeoRedundant, Azure Monitor alerts for job failures on and classic alerts off, public network access
 * as configured.
 */
export function secureVaultProperties(action: CreateVaultAction) {
  const geo = action.params.storageRedundancy.toLowerCase() === 'georedundant';
  return {
    publicNetworkAccess: action.params.publicNetworkAccess ?? 'Enabled',
    redundancySettings: {
      standardTierStorageRedundancy: action.params.storageRedundancy,
      crossRegionRestore: geo ? 'Enabled' : 'Disabled',
    },
    securitySettings: {
      softDeleteSettings: { softDeleteState: 'Enabled', softDeleteRetentionPeriodInDays: 14 },
      immutabilitySettings: { state: 'Unlocked' },
    },
    monitoringSettings: {
      azureMonitorAlertSettings: { alertsForAllJobFailures: 'Enabled' },
      classicAlertSettings: { alertsForCriticalOperations: 'Disabled' },
    },
  } as const;
}

/** The VMs a create-vault is for: the resources of its vm-unprotected keys (`vm-unprotected|{vm id}`). */
export function vmsOf(action: CreateVaultAction): string[] {
  const prefix = 'vm-unprotected|';
  return [...new Set(action.resolves.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)))];
}

/**
 * The Backup service's view of each VM the vault is for (backupStatus in the VM's subscription, in the vault's
 * region, which is the VM's): `unprotected` when it says NotProtected. A VM it cannot answer for is not
 * counted as unprotected, so nothing is created on an unconfirmed need.
 */
async function stillUnprotected(
  azure: AzureCalls,
  action: CreateVaultAction,
): Promise<{ vmId: string; unprotected: boolean; status: string }[]> {
  const out: { vmId: string; unprotected: boolean; status: string }[] = [];
  for (const vmId of vmsOf(action)) {
    const sub = parseResourceId(vmId).subscriptionId;
    try {
      const status = await azure.backupStatus(sub, action.params.location, vmId);
      const state = status.protectionStatus ?? 'unknown';
      out.push({ vmId, unprotected: state.toLowerCase() === 'notprotected', status: state });
      if (state.toLowerCase() === 'notprotected') break;
    } catch (e) {
      out.push({ vmId, unprotected: false, status: `unconfirmed (${statusCodeOf(e) ?? (e as Error).message})` });
    }
  }
  return out;
}

/** The create-vault executor. */
export const createVaultExecutor: Executor<CreateVaultAction> = {
  async execute(action, { azure }) {
    const id = parseResourceId(action.target);
    const { location } = action.params;
    const resourceGroup = action.params.resourceGroup || id.resourceGroup;
    const name = action.params.name || id.names[0] || '';
    const vaults = azure.clients.recoveryServices(id.subscriptionId).vaults;

    const existing = await azure
      .retrying(() => vaults.get(resourceGroup, name))
      .catch((e: unknown) => {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      });
    // A vault of this name whose creation failed, in the wanted region, is written again, but only while it is
    // the one just read (If-Match: its etag); any other existing vault is left as it is.
    const repairEtag =
      existing && sameLocation(existing.location, location) && existing.properties?.provisioningState === 'Failed'
        ? (existing.etag ?? '*')
        : undefined;
    if (existing && repairEtag === undefined) {
      if (sameLocation(existing.location, location)) return skipped('already-exists');
      return failed({
        code: 'VaultExistsInAnotherLocation',
        message: `vault ${action.target} already exists in ${existing.location ?? 'an unknown location'}, not ${location}; it is left as it is`,
      });
    }

    // Resource Graph lags: confirm with the Backup service that a VM this vault is for is still unprotected
    // (an action that names no VM, written by hand, has nothing to confirm).
    const needed = await stillUnprotected(azure, action);
    if (needed.length > 0 && !needed.some((s) => s.unprotected)) {
      return skipped(
        `no-unprotected-vm: ${needed.map((s) => `${s.vmId.split('/').pop() ?? s.vmId} is ${s.status}`).join(', ')}`,
      );
    }

    // One check-then-create per resource group at a time: two new vaults of one subscription share the
    // group, and a second PUT with another location would fail with InvalidResourceGroupLocation.
    const resources = azure.clients.resources(id.subscriptionId);
    const detail = await azure.resourceGroupLocks.run(
      `${id.subscriptionId}|${resourceGroup}`.toLowerCase(),
      async () => {
        const rgExists = await azure.retrying(() => resources.resourceGroups.checkExistence(resourceGroup));
        if (rgExists.body) return 'created';
        // Only if it does not exist: a group another run created since the check is left as it is.
        const made = await azure
          .retrying(() =>
            resources.resourceGroups.createOrUpdate(
              resourceGroup,
              { location },
              { requestOptions: { headers: { 'If-None-Match': '*' } } },
            ),
          )
          .then(
            () => true,
            (e: unknown) => {
              if (statusCodeOf(e) === 412) return false;
              throw e;
            },
          );
        return made ? 'created-with-resource-group' : 'created';
      },
    );

    // Created only if it does not exist (If-None-Match: *): a vault someone created since the GET above is
    // left as it is (412), never overwritten. After a failed or timed-out operation the vault is read back.
    const readBack = async (): Promise<boolean> => {
      const v = await vaults.get(resourceGroup, name);
      return sameLocation(v.location, location) && (v.properties?.provisioningState ?? '') === 'Succeeded';
    };
    try {
      const how = await azure.retrying(() =>
        azure.lro(
          `creating vault ${action.target}`,
          (abortSignal) =>
            vaults.createOrUpdate(
              resourceGroup,
              name,
              {
                location,
                sku: { name: 'RS0', tier: 'Standard' },
                properties: secureVaultProperties(action),
              },
              {
                updateIntervalInMs: azure.pollIntervalMs,
                abortSignal,
                requestOptions: {
                  headers: repairEtag === undefined ? { 'If-None-Match': '*' } : { 'If-Match': repairEtag },
                },
              },
            ),
          readBack,
        ),
      );
      const what = repairEtag === undefined ? detail : 'recreated-after-failed-provisioning';
      return succeeded(how === 'verified' ? `${what} (verified by reading it back)` : what);
    } catch (error) {
      if (statusCodeOf(error) === 412) return skipped('already-exists');
      throw error;
    }
  },
};
