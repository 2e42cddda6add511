/**
 * Executes enable-protection, the backup flow of docs/azure-facts.md §4: backupStatus, refreshContainers
 * (202 + Location, poll operationResults until 204), backupProtectableItems, PUT the protected item
 * (arm-recoveryservicesbackup 12 returns `{}` on 202: the Azure-AsyncOperation header is read with
 * `onResponse` and `protectedItemOperationStatuses.get` is polled).
 */
import type { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { z } from 'zod';
import type { EnableProtectionAction } from '../../../core/actions';
import { parseResourceId, sameId } from '../../../core/ids';
import { sameLocation } from '../../../core/regions';
import { AzureOperationError, isInProgressError, statusCodeOf, toAzureErrorInfo } from '../errors';
import { retryAfterFromHeaders } from '../retry';
import { operationIdFrom } from './poller';
import {
  type AzureCalls,
  type ExecutionContext,
  type Executor,
  failed,
  FABRIC,
  type Outcome,
  skipped,
  succeeded,
} from './types';

const PROTECTABLE_FILTER = "backupManagementType eq 'AzureIaasVM'";

const protectableItemSchema = z.looseObject({
  name: z.string().optional(),
  properties: z
    .looseObject({
      virtualMachineId: z.string().optional(),
      sourceResourceId: z.string().optional(),
    })
    .optional(),
});

/** Container and item names from a protectable item's name (`iaasvmcontainerv2;{rg};{vm}`, sometimes with `VM;`). */
export function protectedItemNamesFor(protectableItemName: string): {
  containerName: string;
  protectedItemName: string;
} {
  const base = protectableItemName.replace(/^vm;/i, '');
  return { containerName: `IaasVMContainer;${base}`, protectedItemName: `VM;${base}` };
}

/** Container and item names built from a VM id (`iaasvmcontainerv2;{rg};{vm}`, lower case as Azure writes them). */
export function crossSubscriptionNamesFor(vmId: string): { containerName: string; protectedItemName: string } {
  const vm = parseResourceId(vmId);
  return protectedItemNamesFor(
    `iaasvmcontainerv2;${vm.resourceGroup.toLowerCase()};${(vm.names[0] ?? '').toLowerCase()}`,
  );
}

/** Where a protected item is written: the vault and the item's names. */
interface ItemTarget {
  backup: RecoveryServicesBackupClient;
  vaultName: string;
  resourceGroup: string;
  containerName: string;
  protectedItemName: string;
}

/** Discovery: refreshContainers, polled until 204. */
async function refreshContainers(
  azure: AzureCalls,
  backup: RecoveryServicesBackupClient,
  vaultName: string,
  resourceGroup: string,
): Promise<void> {
  let refreshLocation: string | undefined;
  await azure.retrying(() =>
    backup.protectionContainers.refresh(vaultName, resourceGroup, FABRIC, {
      onResponse: (raw) => {
        refreshLocation = raw.headers.get('location') ?? undefined;
      },
    }),
  );
  const refreshId = operationIdFrom(refreshLocation, 'operationResults');
  if (refreshId) {
    await azure.poll('refreshContainers', async () => {
      let statusCode = 0;
      let retryAfterMs: number | undefined;
      await azure.retrying(() =>
        backup.protectionContainerRefreshOperationResults.get(vaultName, resourceGroup, FABRIC, refreshId, {
          onResponse: (raw) => {
            statusCode = raw.status;
            retryAfterMs = retryAfterFromHeaders((n) => raw.headers.get(n), azure.now());
          },
        }),
      );
      return { done: statusCode !== 202, retryAfterMs };
    });
  }
}

/** Discovery again, then the VM's protectable item name, if listed (the fallback when derived names are refused). */
async function discover(
  azure: AzureCalls,
  backup: RecoveryServicesBackupClient,
  vaultName: string,
  resourceGroup: string,
  vmId: string,
): Promise<string | undefined> {
  await refreshContainers(azure, backup, vaultName, resourceGroup);
  return azure.retrying(async () => {
    for await (const item of backup.backupProtectableItems.list(vaultName, resourceGroup, {
      filter: PROTECTABLE_FILTER,
    })) {
      const parsed = protectableItemSchema.safeParse(item);
      if (!parsed.success) continue;
      const vmRef = parsed.data.properties?.virtualMachineId ?? parsed.data.properties?.sourceResourceId;
      if (sameId(vmRef, vmId) && parsed.data.name) return parsed.data.name;
    }
    return undefined;
  });
}

/** True when the Backup service says the VM is protected (or being protected) in this vault. */
async function protectedIn(azure: AzureCalls, vmId: string, vaultId: string): Promise<boolean> {
  try {
    const vm = parseResourceId(vmId);
    const status = await azure.backupStatus(vm.subscriptionId, await azure.vmLocation(vmId), vmId);
    const state = (status.protectionStatus ?? '').toLowerCase();
    return (state === 'protected' || state === 'protecting') && sameId(status.vaultId, vaultId);
  } catch {
    return false;
  }
}

/** PUTs the protected item; on 202 polls the Azure-AsyncOperation status until it ends. */
async function configureProtection(
  { azure, run }: ExecutionContext,
  item: ItemTarget,
  vmId: string,
  vaultId: string,
  policyId: string,
  createOnly: boolean,
): Promise<Outcome> {
  const { backup, vaultName, resourceGroup, containerName, protectedItemName } = item;
  let asyncOperation: string | undefined;
  let putStatus = 0;
  // A new item is created only if it does not exist (If-None-Match: *): another run that protected the VM
  // in between gets a 412, and its item is left as it is. Re-configuring a failed item rewrites our own.
  const conditional = createOnly ? { requestOptions: { customHeaders: { 'If-None-Match': '*' } } } : {};
  try {
    await azure.retrying(() =>
      backup.protectedItems.createOrUpdate(
        vaultName,
        resourceGroup,
        FABRIC,
        containerName,
        protectedItemName,
        { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId, policyId } },
        {
          ...conditional,
          onResponse: (raw) => {
            putStatus = raw.status;
            asyncOperation = raw.headers.get('azure-asyncoperation') ?? raw.headers.get('location') ?? undefined;
          },
        },
      ),
    );
  } catch (error) {
    if (isInProgressError(error)) return skipped('in-progress');
    if (createOnly && statusCodeOf(error) === 412) return skipped('already-protected');
    throw error;
  }

  if (putStatus === 202) {
    const operationId = operationIdFrom(
      asyncOperation,
      asyncOperation?.toLowerCase().includes('/operationsstatus/') ? 'operationsStatus' : 'operationResults',
    );
    if (!operationId) {
      return failed({
        code: 'MissingAsyncOperation',
        message: 'the protected item PUT answered 202 without an Azure-AsyncOperation header',
      });
    }
    let final: { status: string; code?: string; message?: string } = { status: 'InProgress' };
    const polled = azure.poll('protectedItemOperationStatus', async () => {
      let retryAfterMs: number | undefined;
      const s = await azure.retrying(() =>
        backup.protectedItemOperationStatuses.get(
          vaultName,
          resourceGroup,
          FABRIC,
          containerName,
          protectedItemName,
          operationId,
          {
            onResponse: (raw) => {
              retryAfterMs = retryAfterFromHeaders((n) => raw.headers.get(n), azure.now());
            },
          },
        ),
      );
      final = {
        status: s.status ?? 'InProgress',
        ...(s.error?.code ? { code: s.error.code } : {}),
        ...(s.error?.message ? { message: s.error.message } : {}),
      };
      return { done: final.status.toLowerCase() !== 'inprogress', retryAfterMs };
    });
    try {
      await polled;
    } catch (error) {
      // The poll failed or ran out of time, which says nothing about the PUT: read the protection back.
      if (await protectedIn(azure, vmId, vaultId)) {
        run.remember(vmId, { vaultId, containerName, protectedItemName });
        return succeeded('protected (verified by reading it back)');
      }
      throw error;
    }
    const outcome = final.status.toLowerCase();
    if (outcome !== 'succeeded') {
      const error = new AzureOperationError(
        final.code ?? `Protection${final.status}`,
        final.message ?? `configuring protection ended ${final.status}`,
      );
      if (isInProgressError(error)) return skipped('in-progress');
      return failed(toAzureErrorInfo(error));
    }
  }

  run.remember(vmId, { vaultId, containerName, protectedItemName });
  return succeeded('protected');
}

/** The enable-protection executor. */
export const enableProtectionExecutor: Executor<EnableProtectionAction> = {
  async execute(action, ctx) {
    const { azure, run } = ctx;
    const vmId = action.target;
    const { vaultId, policyId } = action.params;
    const vm = parseResourceId(vmId);
    const vault = parseResourceId(vaultId);
    const vaultName = vault.names[0] ?? '';
    const backup = azure.clients.recoveryServicesBackup(vault.subscriptionId);

    // The cheap check (docs/azure-facts.md §4.5): is the VM already protected, and where?
    const location = await azure.vmLocation(vmId);
    const status = await azure.backupStatus(vm.subscriptionId, location, vmId);
    const state = (status.protectionStatus ?? '').toLowerCase();
    if (state === 'protected' || state === 'protecting') {
      if (sameId(status.vaultId, vaultId)) {
        if (status.containerName && status.protectedItemName) {
          run.remember(vmId, {
            vaultId,
            containerName: status.containerName,
            protectedItemName: status.protectedItemName,
          });
        }
        return skipped('already-protected');
      }
      if (state === 'protecting') return skipped('in-progress');
      return failed({
        code: 'ProtectedInAnotherVault',
        message: `virtual machine ${vmId} is already protected by ${status.vaultId ?? 'another vault'}; a VM can be backed up to one vault only`,
      });
    }
    let names: { containerName: string; protectedItemName: string } | undefined;
    let createOnly = true;
    if (state === 'protectionfailed' && status.vaultId) {
      if (!sameId(status.vaultId, vaultId)) {
        return failed({
          code: 'ProtectedInAnotherVault',
          message: `virtual machine ${vmId} has a protected item in ${status.vaultId} (configuring protection failed there); stop protection there before protecting it in ${vaultId}`,
        });
      }
      // Its item in this vault failed to configure (e.g. an earlier run): it is no longer "protectable",
      // configure the existing item again.
      if (status.containerName && status.protectedItemName) {
        names = { containerName: status.containerName, protectedItemName: status.protectedItemName };
        createOnly = false;
      }
    }
    if (!names && vm.subscriptionId.toLowerCase() !== vault.subscriptionId.toLowerCase()) {
      // Cross Subscription Backup (docs/azure-facts.md §10): discovery runs only in the vault's subscription,
      // so the names come from the VM's id; the vault must be in the VM's region.
      const vaultRow = await azure.retrying(() =>
        azure.clients.recoveryServices(vault.subscriptionId).vaults.get(vault.resourceGroup, vaultName),
      );
      if (!sameLocation(vaultRow.location, location)) {
        return failed({
          code: 'BMSUserErrorVmLocationMismatch',
          message: `virtual machine ${vmId} is in ${location} but vault ${vaultId} is in ${vaultRow.location ?? 'an unknown region'}; a vault protects only VMs of its own region`,
        });
      }
      names = crossSubscriptionNamesFor(vmId);
    }
    if (!names) {
      // One container refresh per vault per run, then the names derived from the VM id, as the published
      // examples spell them (IaasVMContainer;iaasvmcontainerv2;{rg};{vm} and VM;iaasvmcontainerv2;{rg};{vm}):
      // no listing of protectable items per VM. Only if the service refuses those names is the VM looked up.
      // A vault sees only VMs of its own region: checked once per vault per run, so no write is sent that
      // discovery would have ruled out.
      const vaultLocation = await run.once(`vaultLocation|${vaultId.toLowerCase()}`, async () => {
        const v = await azure.retrying(() =>
          azure.clients.recoveryServices(vault.subscriptionId).vaults.get(vault.resourceGroup, vaultName),
        );
        return v.location;
      });
      if (!sameLocation(vaultLocation, location)) {
        return failed({
          code: 'ProtectableItemNotFound',
          message: `virtual machine ${vmId} is in ${location} but vault ${vaultId} is in ${vaultLocation ?? 'an unknown region'}; a vault protects only VMs of its own region`,
        });
      }
      await run.once(`refreshContainers|${vaultId.toLowerCase()}`, () =>
        refreshContainers(azure, backup, vaultName, vault.resourceGroup),
      );
      const derived = crossSubscriptionNamesFor(vmId);
      try {
        return await configureProtection(
          ctx,
          { backup, vaultName, resourceGroup: vault.resourceGroup, ...derived },
          vmId,
          vaultId,
          policyId,
          createOnly,
        );
      } catch (error) {
        const status = statusCodeOf(error);
        if (status !== 400 && status !== 404) throw error;
      }
      const found = await discover(azure, backup, vaultName, vault.resourceGroup, vmId);
      if (!found) {
        return failed({
          code: 'ProtectableItemNotFound',
          message: `virtual machine ${vmId} is not among the protectable items of vault ${vaultId} after a container refresh (is it in the vault's region and subscription?)`,
        });
      }
      names = protectedItemNamesFor(found);
    }
    return configureProtection(
      ctx,
      { backup, vaultName, resourceGroup: vault.resourceGroup, ...names },
      vmId,
      vaultId,
      policyId,
      createOnly,
    );
  },
};
