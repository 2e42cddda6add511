/**
 * Executes planned actions with the real SDK clients. Each action is idempotent against what Azure already
 * has: it reads first, skips what is already there, and never modifies an existing vault, resource group
 * or security rule.
 *
 * Scheduling: actions start in the planned order. An `enable-protection` waits for the `create-vault` of
 * its vault, a `trigger-backup` for the `enable-protection` of its VM; everything else runs concurrently,
 * at most `writeConcurrency` actions per subscription, and writes to one NSG one at a time (concurrent
 * writes to an NSG get `RetryableErrorDueToAnotherOperation`, docs/azure-facts.md §3).
 *
 * The backup flow is docs/azure-facts.md §4: backupStatus,
 * refreshContainers (202 + Location, poll operationResults until 204), backupProtectableItems, PUT the
 * protected item (arm-recoveryservicesbackup 12 returns `{}` on 202: the Azure-AsyncOperation header is
 * read with `onResponse` and `protectedItemOperationStatuses.get` is polled), then Backups_Trigger.
 */
import type { SecurityRule } from '@azure/arm-network';
import type { BackupStatusResponse, RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { z } from 'zod';
import type {
  Action,
  AddNsgRuleAction,
  CreateVaultAction,
  EnableProtectionAction,
  SecurityRuleParams,
  TriggerBackupAction,
} from '../../core/model';
import { idKey, parseResourceId, sameId, subscriptionOf } from '../../core/ids';
import type { ActionResult, AzureErrorInfo, ProgressListener, Remediator } from '../../ports';
import type { AzureClients } from './clients';
import { KeyedMutex, KeyedSemaphore } from './concurrency';
import { AzureOperationError, codesOf, isInProgressError, isRetryable, statusCodeOf, toAzureErrorInfo } from './errors';
import { isPipelineRetried, realSleep, retryAfterFromHeaders, type RetryOptions, type Sleep, withRetry } from './retry';

/** Options of {@link AzureRemediator}. */
export interface AzureRemediatorOptions {
  clients: AzureClients;
  /** Actions running at once per subscription; default 4. */
  writeConcurrency?: number;
  /** Interval between polls of long-running operations; default 2 s. */
  pollIntervalMs?: number;
  /** Cap on a poll response's Retry-After (the examples say 60 s); default 30 s. */
  maxPollDelayMs?: number;
  /** Give up polling an operation after this long; default 10 min. */
  pollTimeoutMs?: number;
  /** Operation-level retries of writes (conflicts, "another operation in progress"). */
  retry?: Partial<RetryOptions>;
  sleep?: Sleep;
  now?: () => number;
}

/** The fabric of Azure IaaS VMs. */
const FABRIC = 'Azure';
const PROTECTABLE_FILTER = "backupManagementType eq 'AzureIaasVM'";

/** An action's outcome before its duration is added. */
type Outcome = Omit<ActionResult, 'durationMs'>;

const succeeded = (detail?: string): Outcome => (detail ? { status: 'succeeded', detail } : { status: 'succeeded' });
const skipped = (detail: string): Outcome => ({ status: 'skipped', detail });
const failed = (error: AzureErrorInfo, detail?: string): Outcome =>
  detail ? { status: 'failed', error, detail } : { status: 'failed', error };

/** Names of a VM's backup container and protected item in a vault. */
interface ProtectedItemNames {
  vaultId: string;
  containerName: string;
  protectedItemName: string;
}

/**
 * Indexes of the earlier actions an action waits for: an `enable-protection` waits for the `create-vault`
 * of its `vaultId`; a `trigger-backup` for the `enable-protection` of the same VM.
 */
export function dependenciesOf(actions: readonly Action[], index: number): number[] {
  const action = actions[index];
  if (!action) return [];
  const deps: number[] = [];
  for (let j = 0; j < index; j++) {
    const earlier = actions[j];
    if (!earlier) continue;
    if (
      action.kind === 'enable-protection' &&
      earlier.kind === 'create-vault' &&
      sameId(earlier.target, action.params.vaultId)
    )
      deps.push(j);
    if (
      action.kind === 'trigger-backup' &&
      earlier.kind === 'enable-protection' &&
      sameId(earlier.target, action.target)
    )
      deps.push(j);
  }
  return deps;
}

/** Container and item names from a protectable item's name (`iaasvmcontainerv2;{rg};{vm}`, sometimes with `VM;`). */
export function protectedItemNamesFor(protectableItemName: string): {
  containerName: string;
  protectedItemName: string;
} {
  const base = protectableItemName.replace(/^vm;/i, '');
  return { containerName: `IaasVMContainer;${base}`, protectedItemName: `VM;${base}` };
}

/** Normalises a location for comparison (`West US` = `westus`). */
export function sameLocation(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const n = (s: string): string => s.replace(/\s+/g, '').toLowerCase();
  return n(a) === n(b);
}

/** The set of the singular and plural forms of a rule field, for order- and case-insensitive comparison. */
function fieldSet(single: string | undefined, plural: readonly string[] | undefined, caseInsensitive: boolean): string {
  const values = [...(single ? [single] : []), ...(plural ?? [])].map((v) =>
    caseInsensitive ? v.trim().toLowerCase() : v.trim(),
  );
  return [...new Set(values)].sort().join(',');
}

/** True when an existing security rule has exactly the content the action would write. */
export function sameRuleContent(existing: SecurityRule, wanted: SecurityRuleParams): boolean {
  const ci = (s: string | undefined): string => (s ?? '').trim().toLowerCase();
  const asgs = (list: readonly { id?: string }[] | undefined): string =>
    (list ?? [])
      .map((a) => idKey(a.id ?? ''))
      .sort()
      .join(',');
  return (
    existing.priority === wanted.priority &&
    ci(existing.direction) === ci(wanted.direction) &&
    ci(existing.access) === ci(wanted.access) &&
    ci(existing.protocol) === ci(wanted.protocol) &&
    fieldSet(existing.sourcePortRange, existing.sourcePortRanges, false) ===
      fieldSet(wanted.sourcePortRange, [], false) &&
    fieldSet(existing.destinationPortRange, existing.destinationPortRanges, false) ===
      fieldSet(undefined, wanted.destinationPortRanges, false) &&
    fieldSet(existing.sourceAddressPrefix, existing.sourceAddressPrefixes, true) ===
      fieldSet(wanted.sourceAddressPrefix, [], true) &&
    fieldSet(existing.destinationAddressPrefix, existing.destinationAddressPrefixes, true) ===
      fieldSet(wanted.destinationAddressPrefix, [], true) &&
    asgs(existing.sourceApplicationSecurityGroups) === '' &&
    asgs(existing.destinationApplicationSecurityGroups) === ''
  );
}

const protectableItemSchema = z.looseObject({
  name: z.string().optional(),
  properties: z
    .looseObject({
      virtualMachineId: z.string().optional(),
      sourceResourceId: z.string().optional(),
    })
    .optional(),
});

/** The operation id at the end of an async-operation URL (`…/operationsStatus/{id}?api-version=…`). */
export function operationIdFrom(url: string | undefined, segment: string): string | undefined {
  if (!url) return undefined;
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split('?')[0] ?? url;
  }
  const parts = pathname.split('/').filter(Boolean);
  const at = parts.findIndex((p) => p.toLowerCase() === segment.toLowerCase());
  const id = at >= 0 ? parts[at + 1] : parts[parts.length - 1];
  return id ? decodeURIComponent(id) : undefined;
}

/** Executes actions against Azure with the SDK clients. */
export class AzureRemediator implements Remediator {
  private readonly clients: AzureClients;
  private readonly writeConcurrency: number;
  private readonly pollIntervalMs: number;
  private readonly maxPollDelayMs: number;
  private readonly pollTimeoutMs: number;
  private readonly retryOptions: Partial<RetryOptions>;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  /** Serialises resource group creation across the actions of every run of this remediator. */
  private readonly resourceGroupLocks = new KeyedMutex();

  constructor(options: AzureRemediatorOptions) {
    this.clients = options.clients;
    this.writeConcurrency = Math.max(1, options.writeConcurrency ?? 4);
    this.pollIntervalMs = Math.max(0, options.pollIntervalMs ?? 2_000);
    this.maxPollDelayMs = Math.max(0, options.maxPollDelayMs ?? 30_000);
    this.pollTimeoutMs = options.pollTimeoutMs ?? 600_000;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.retryOptions = { sleep: this.sleep, now: this.now, ...options.retry };
  }

  /** Executes the actions (see the module comment for the order); one result per action, in action order. */
  async execute(actions: readonly Action[], onProgress?: ProgressListener): Promise<ActionResult[]> {
    const run = new Run();
    const perSubscription = new KeyedSemaphore(this.writeConcurrency);
    const perNsg = new KeyedMutex();
    const pending: Promise<ActionResult>[] = [];

    actions.forEach((action, index) => {
      const deps = dependenciesOf(actions, index);
      pending[index] = (async (): Promise<ActionResult> => {
        const depResults = await Promise.all(deps.map((d) => pending[d] as Promise<ActionResult>));
        const started = this.now();
        let outcome: Outcome;
        const blocked = depResults.find(
          (r) => r.status === 'failed' || (r.status === 'skipped' && r.detail === 'dependency-failed'),
        );
        if (blocked) {
          outcome = skipped('dependency-failed');
        } else if (
          action.kind === 'trigger-backup' &&
          depResults.some((r) => r.status === 'skipped' && r.detail === 'in-progress')
        ) {
          outcome = skipped('dependency-in-progress');
        } else {
          const subscription = subscriptionOf(action.target) ?? '';
          const work = (): Promise<Outcome> => perSubscription.run(subscription, () => this.runAction(action, run));
          outcome = await (action.kind === 'add-nsg-rule' ? perNsg.run(idKey(action.target), work) : work());
        }
        const result: ActionResult = { ...outcome, durationMs: Math.max(0, this.now() - started) };
        try {
          onProgress?.(action, result, index);
        } catch {
          // A progress listener's failure is not the action's failure.
        }
        return result;
      })();
    });
    return Promise.all(pending);
  }

  /** Runs one action; every failure becomes a failed outcome. */
  private async runAction(action: Action, run: Run): Promise<Outcome> {
    try {
      switch (action.kind) {
        case 'create-vault':
          return await this.createVault(action);
        case 'enable-protection':
          return await this.enableProtection(action, run);
        case 'add-nsg-rule':
          return await this.addNsgRule(action);
        case 'trigger-backup':
          return await this.triggerBackup(action, run);
      }
    } catch (error) {
      return failed(toAzureErrorInfo(error));
    }
  }

  /**
   * Retries a call on what the pipeline does not retry itself (409 conflicts, operations in progress),
   * except what `notRetried` excludes (a running backup job lasts far longer than any retry budget).
   * Used for writes, and for reads too: POST actions such as backupStatus can meet a conflict as well.
   */
  private retrying<T>(fn: () => Promise<T>, notRetried: (e: unknown) => boolean = () => false): Promise<T> {
    return withRetry(fn, {
      ...this.retryOptions,
      isRetryable: (e) => !notRetried(e) && (isInProgressError(e) || (isRetryable(e) && !isPipelineRetried(e))),
    });
  }

  // --- create-vault -------------------------------------------------------------------------------

  private async createVault(action: CreateVaultAction): Promise<Outcome> {
    const id = parseResourceId(action.target);
    const { location, storageRedundancy } = action.params;
    const resourceGroup = action.params.resourceGroup || id.resourceGroup;
    const name = action.params.name || id.names[0] || '';
    const vaults = this.clients.recoveryServices(id.subscriptionId).vaults;

    const existing = await this.retrying(() => vaults.get(resourceGroup, name)).catch((e: unknown) => {
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
    const resources = this.clients.resources(id.subscriptionId);
    const detail = await this.resourceGroupLocks.run(
      `${id.subscriptionId}|${resourceGroup}`.toLowerCase(),
      async () => {
        const rgExists = await this.retrying(() => resources.resourceGroups.checkExistence(resourceGroup));
        if (rgExists.body) return 'created';
        await this.retrying(() => resources.resourceGroups.createOrUpdate(resourceGroup, { location }));
        return 'created-with-resource-group';
      },
    );

    await this.retrying(() =>
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
        { updateIntervalInMs: this.pollIntervalMs },
      ),
    );
    return succeeded(detail);
  }

  // --- enable-protection --------------------------------------------------------------------------

  /** The cheap protection check (docs/azure-facts.md §4.5): `protectionStatus` and `vaultId` of a VM. */
  private backupStatus(subscriptionId: string, location: string, vmId: string): Promise<BackupStatusResponse> {
    return this.retrying(() =>
      this.clients
        .recoveryServicesBackup(subscriptionId)
        .backupStatus.get(location, { resourceId: vmId, resourceType: 'VM' }),
    );
  }

  /** The VM's location, read with a direct GET (Resource Graph may lag). */
  private async vmLocation(vmId: string): Promise<string> {
    const vm = parseResourceId(vmId);
    const got = await this.retrying(() =>
      this.clients.compute(vm.subscriptionId).virtualMachines.get(vm.resourceGroup, vm.names[0] ?? ''),
    );
    if (!got.location)
      throw new AzureOperationError('VirtualMachineLocationUnknown', `virtual machine ${vmId} has no location`);
    return got.location;
  }

  private async enableProtection(action: EnableProtectionAction, run: Run): Promise<Outcome> {
    const vmId = action.target;
    const { vaultId, policyId } = action.params;
    const vm = parseResourceId(vmId);
    const vault = parseResourceId(vaultId);
    const vaultName = vault.names[0] ?? '';
    const backup = this.clients.recoveryServicesBackup(vault.subscriptionId);

    // The cheap check (docs/azure-facts.md §4.5): is the VM already protected, and where?
    const location = await this.vmLocation(vmId);
    const status = await this.backupStatus(vm.subscriptionId, location, vmId);
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
      }
    }
    if (!names) {
      const found = await this.discover(backup, vaultName, vault.resourceGroup, vmId);
      if (!found) {
        return failed({
          code: 'ProtectableItemNotFound',
          message: `virtual machine ${vmId} is not among the protectable items of vault ${vaultId} after a container refresh (is it in the vault's region and subscription?)`,
        });
      }
      names = protectedItemNamesFor(found);
    }
    return this.configureProtection(backup, vaultName, vault.resourceGroup, vmId, vaultId, policyId, names, run);
  }

  /** Discovery (refreshContainers, polled until 204), then the VM's protectable item name, if listed. */
  private async discover(
    backup: RecoveryServicesBackupClient,
    vaultName: string,
    resourceGroup: string,
    vmId: string,
  ): Promise<string | undefined> {
    let refreshLocation: string | undefined;
    await this.retrying(() =>
      backup.protectionContainers.refresh(vaultName, resourceGroup, FABRIC, {
        onResponse: (raw) => {
          refreshLocation = raw.headers.get('location') ?? undefined;
        },
      }),
    );
    const refreshId = operationIdFrom(refreshLocation, 'operationResults');
    if (refreshId) {
      await this.poll('refreshContainers', async () => {
        let statusCode = 0;
        let retryAfterMs: number | undefined;
        await this.retrying(() =>
          backup.protectionContainerRefreshOperationResults.get(vaultName, resourceGroup, FABRIC, refreshId, {
            onResponse: (raw) => {
              statusCode = raw.status;
              retryAfterMs = retryAfterFromHeaders((n) => raw.headers.get(n), this.now());
            },
          }),
        );
        return { done: statusCode !== 202, retryAfterMs };
      });
    }

    return this.retrying(async () => {
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

  /** PUTs the protected item; on 202 polls the Azure-AsyncOperation status until it ends. */
  private async configureProtection(
    backup: RecoveryServicesBackupClient,
    vaultName: string,
    resourceGroup: string,
    vmId: string,
    vaultId: string,
    policyId: string,
    names: { containerName: string; protectedItemName: string },
    run: Run,
  ): Promise<Outcome> {
    let asyncOperation: string | undefined;
    let putStatus = 0;
    try {
      await this.retrying(() =>
        backup.protectedItems.createOrUpdate(
          vaultName,
          resourceGroup,
          FABRIC,
          names.containerName,
          names.protectedItemName,
          { properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId: vmId, policyId } },
          {
            onResponse: (raw) => {
              putStatus = raw.status;
              asyncOperation = raw.headers.get('azure-asyncoperation') ?? raw.headers.get('location') ?? undefined;
            },
          },
        ),
      );
    } catch (error) {
      if (isInProgressError(error)) return skipped('in-progress');
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
      await this.poll('protectedItemOperationStatus', async () => {
        let retryAfterMs: number | undefined;
        const s = await this.retrying(() =>
          backup.protectedItemOperationStatuses.get(
            vaultName,
            resourceGroup,
            FABRIC,
            names.containerName,
            names.protectedItemName,
            operationId,
            {
              onResponse: (raw) => {
                retryAfterMs = retryAfterFromHeaders((n) => raw.headers.get(n), this.now());
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

    run.remember(vmId, { vaultId, ...names });
    return succeeded('protected');
  }

  /** Polls until `step` says done, waiting the poll's Retry-After (capped) or the poll interval; bounded in time. */
  private async poll(
    what: string,
    step: () => Promise<{ done: boolean; retryAfterMs: number | undefined }>,
  ): Promise<void> {
    const deadline = this.now() + this.pollTimeoutMs;
    for (;;) {
      const { done, retryAfterMs } = await step();
      if (done) return;
      const wait = Math.min(retryAfterMs ?? this.pollIntervalMs, this.maxPollDelayMs);
      if (this.now() + wait > deadline) {
        throw new AzureOperationError('OperationTimedOut', `${what} did not finish within ${this.pollTimeoutMs} ms`);
      }
      await this.sleep(wait);
    }
  }

  // --- add-nsg-rule -------------------------------------------------------------------------------

  private async addNsgRule(action: AddNsgRuleAction): Promise<Outcome> {
    const nsg = parseResourceId(action.target);
    const nsgName = nsg.names[0] ?? '';
    const wanted = action.params;
    const network = this.clients.network(nsg.subscriptionId);

    const current = await this.retrying(() => network.networkSecurityGroups.get(nsg.resourceGroup, nsgName));
    const sameName = (current.securityRules ?? []).find(
      (r) => (r.name ?? '').toLowerCase() === wanted.name.toLowerCase(),
    );
    // A same-content rule whose provisioning failed (e.g. an earlier run's failed LRO) is written again:
    // that re-applies the same content, it changes nothing anyone else wrote.
    const reapply =
      !!sameName && sameRuleContent(sameName, wanted) && (sameName.provisioningState ?? '').toLowerCase() === 'failed';
    if (sameName && !reapply) {
      if (sameRuleContent(sameName, wanted)) return skipped('already-exists');
      return failed({
        code: 'RuleNameConflict',
        message: `NSG ${action.target} already has a rule named '${sameName.name ?? wanted.name}' with different content (priority ${sameName.priority ?? '?'}, ${sameName.direction ?? '?'} ${sameName.access ?? '?'}); it is left as it is`,
      });
    }

    try {
      await this.retrying(() =>
        network.securityRules.beginCreateOrUpdateAndWait(
          nsg.resourceGroup,
          nsgName,
          wanted.name,
          {
            description: wanted.description,
            protocol: wanted.protocol,
            sourcePortRange: wanted.sourcePortRange,
            destinationPortRanges: [...wanted.destinationPortRanges],
            sourceAddressPrefix: wanted.sourceAddressPrefix,
            destinationAddressPrefix: wanted.destinationAddressPrefix,
            access: wanted.access,
            priority: wanted.priority,
            direction: wanted.direction,
          },
          { updateIntervalInMs: this.pollIntervalMs },
        ),
      );
    } catch (error) {
      if (isInProgressError(error)) return failed(toAzureErrorInfo(error), 'in-progress');
      throw error;
    }
    return succeeded(reapply ? 'reapplied' : 'created');
  }

  // --- trigger-backup -----------------------------------------------------------------------------

  private async triggerBackup(action: TriggerBackupAction, run: Run): Promise<Outcome> {
    const vmId = action.target;
    const { vaultId, recoveryPointExpiryTimeInUTC } = action.params;
    const vault = parseResourceId(vaultId);
    const vaultName = vault.names[0] ?? '';

    let names = run.namesOf(vmId, vaultId);
    if (!names) {
      const vm = parseResourceId(vmId);
      const location = await this.vmLocation(vmId);
      const status = await this.backupStatus(vm.subscriptionId, location, vmId);
      const state = (status.protectionStatus ?? '').toLowerCase();
      if (
        !(state === 'protected' || state === 'protecting') ||
        !sameId(status.vaultId, vaultId) ||
        !status.containerName ||
        !status.protectedItemName
      ) {
        return failed({
          code: 'ItemNotProtected',
          message: `virtual machine ${vmId} is not protected by ${vaultId} (backupStatus: ${status.protectionStatus ?? 'unknown'}${status.vaultId ? ` in ${status.vaultId}` : ''})`,
        });
      }
      names = { vaultId, containerName: status.containerName, protectedItemName: status.protectedItemName };
    }

    const expiry = new Date(recoveryPointExpiryTimeInUTC);
    if (Number.isNaN(expiry.getTime())) {
      return failed({
        code: 'InvalidRecoveryPointExpiry',
        message: `recoveryPointExpiryTimeInUTC '${recoveryPointExpiryTimeInUTC}' is not a date`,
      });
    }
    const { containerName, protectedItemName } = names;
    try {
      await this.retrying(
        () =>
          this.clients
            .recoveryServicesBackup(vault.subscriptionId)
            .backups.trigger(vaultName, vault.resourceGroup, FABRIC, containerName, protectedItemName, {
              properties: { objectType: 'IaasVMBackupRequest', recoveryPointExpiryTimeInUTC: expiry },
            }),
        (e) => codesOf(e).some((c) => c.toLowerCase() === 'usererrorbackupoperationinprogress'),
      );
    } catch (error) {
      if (isInProgressError(error)) return skipped('in-progress');
      throw error;
    }
    return succeeded('triggered');
  }
}

/** What one `execute` learns along the way: the protected item names of VMs it protected or found protected. */
class Run {
  private readonly names = new Map<string, ProtectedItemNames>();

  remember(vmId: string, names: ProtectedItemNames): void {
    this.names.set(idKey(vmId), names);
  }

  namesOf(vmId: string, vaultId: string): ProtectedItemNames | undefined {
    const n = this.names.get(idKey(vmId));
    return n && sameId(n.vaultId, vaultId) ? n : undefined;
  }
}
