/**
 * Azure Backup for IaaS VMs (@azure/arm-recoveryservicesbackup 12), the enable-protection flow of
 * docs/azure-facts.md §4: refreshContainers (RefreshContainers.json) -> operationResults 202/204
 * (RefreshContainers_OperationResults.json) -> backupProtectableItems (BackupProtectableItems_List.json)
 * -> PUT protectedItem 202 (ConfigureProtection.json) -> operationsStatus (ProtectedItemOperationStatus.json)
 * -> protected item (Compute_ProtectedItem_Get.json); plus backup now (TriggerBackup_Post.json),
 * backupStatus (GetBackupStatus.json), policies (ProtectionPolicies_Get.json), storage config
 * (BackupStorageConfig_Get/Put.json), containers and jobs.
 */
import { API_VERSIONS, bodyObject } from '../arm';
import {
  backupNames,
  itemsOfVault,
  itemsOfVm,
  itemVmId,
  parseContainerName,
  parseItemName,
  protectedItemBody,
  protectedVmIds,
  protectedItemRow,
  protectionStateOf,
  storageLocked,
} from '../backupModels';
import { ArmError } from '../errors';
import type { Engine } from '../engine';
import type { Operation } from '../lro';
import type { HandlerResult, RequestContext, Route } from '../router';
import { TYPES, type Row } from '../state';
import { asRecord, asString, lastSegment, normId, normLocation, parseArmId } from '../util';
import { findVault, redundancyOf } from './vaults';

const VAULT =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';
const FABRIC = `${VAULT}/backupFabrics/{fabricName}`;
const ITEM = `${FABRIC}/protectionContainers/{containerName}/protectedItems/{protectedItemName}`;
const V = API_VERSIONS.backup;
const PAGE_SIZE = 200;

function bmsError(status: number, code: string, message: string): ArmError {
  return new ArmError(status, code, message);
}

function invalidInput(message: string): ArmError {
  return bmsError(400, 'BMSUserErrorInvalidInput', message);
}

function checkFabric(ctx: RequestContext): void {
  const fabric = ctx.params['fabricName'] ?? '';
  if (fabric.toLowerCase() !== 'azure') {
    throw bmsError(
      404,
      'BMSUserErrorFabricNotFound',
      `Fabric '${fabric}' was not found. IaaS VM backup uses the 'Azure' fabric.`,
    );
  }
}

/** Active states block protecting the VM in another vault (stop protection first, docs/azure-facts.md §1). */
function isActive(row: Readonly<Row>): boolean {
  const state = asString(asRecord(row['properties'])?.['currentProtectionState']);
  const arm = protectionStateOf(state, asString(asRecord(row['properties'])?.['protectionState']));
  return arm !== 'ProtectionStopped' && arm !== 'SoftDeleted';
}

/** A backup job as ARM returns it: its status follows the operation behind it. */
export function jobBody(engine: Engine, job: Readonly<Row>): Record<string, unknown> {
  const props = { ...(asRecord(job['properties']) ?? {}) };
  const opId = asString(props['_operationId']);
  delete props['_operationId'];
  const op = opId ? engine.ops.peek(opId) : undefined;
  if (op) {
    props['status'] = op.status === 'InProgress' ? 'InProgress' : op.status === 'Succeeded' ? 'Completed' : 'Failed';
    if (op.endedAt !== undefined) {
      props['endTime'] = new Date(op.endedAt).toISOString();
      props['duration'] = `PT${((op.endedAt - op.startedAt) / 1000).toFixed(3)}S`;
    }
    if (op.status === 'Failed' && op.error) {
      props['errorDetails'] = [{ errorCode: op.error.code, errorString: op.error.message, recommendations: [] }];
    }
  }
  return { ...job, properties: props };
}

function newJob(engine: Engine, vaultId: string, operation: string, vmName: string, op: Operation): Row {
  const jobId = op.jobId ?? engine.newId();
  const job: Row = {
    id: `${vaultId}/backupJobs/${jobId}`,
    name: jobId,
    type: 'Microsoft.RecoveryServices/vaults/backupJobs',
    properties: {
      jobType: 'AzureIaaSVMJob',
      entityFriendlyName: vmName,
      backupManagementType: 'AzureIaasVM',
      operation,
      status: 'InProgress',
      startTime: new Date(op.startedAt).toISOString(),
      activityId: engine.newId(),
      virtualMachineVersion: 'Compute',
      _operationId: op.id,
    },
  };
  engine.store.vaultBackup(vaultId).jobs.set(jobId.toLowerCase(), job);
  return job;
}

function itemAsyncHeaders(engine: Engine, itemId: string, op: Operation): Record<string, string> {
  return {
    Location: engine.url(`${itemId}/operationResults/${op.id}`, op.apiVersion),
    'Azure-AsyncOperation': engine.url(`${itemId}/operationsStatus/${op.id}`, op.apiVersion),
    'Retry-After': engine.retryAfter(),
  };
}

// ---------------------------------------------------------------------------------------------
// Discovery

function refreshContainers(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  checkFabric(ctx);
  const vaultId = String(vault['id']);
  const vaultSub = (asString(vault['subscriptionId']) ?? '').toLowerCase();
  const vaultLoc = normLocation(asString(vault['location']) ?? '');
  const op = engine.startLro({
    kind: 'RefreshContainers',
    lockId: `${vaultId}/refreshContainers`,
    apiVersion: ctx.apiVersion,
    canFail: false,
    failure: { code: 'BMSUserErrorRefreshContainersFailed', message: 'Discovery failed.' },
    onSucceeded: () => {
      const state = engine.store.vaultBackup(vaultId);
      state.discovered.clear();
      const protectedVms = protectedVmIds(engine.store, isActive);
      for (const vm of engine.store.all('Resources')) {
        if (vm['type'] !== TYPES.vm) continue;
        if ((asString(vm['subscriptionId']) ?? '').toLowerCase() !== vaultSub) continue;
        if (normLocation(asString(vm['location']) ?? '') !== vaultLoc) continue;
        const vmId = String(vm['id']);
        if (protectedVms.has(normId(vmId))) continue;
        state.discovered.set(normId(vmId), {
          vmId,
          name: String(vm['name']),
          resourceGroup: parseArmId(vmId).resourceGroup ?? String(vm['resourceGroup']),
          subscriptionId: String(vm['subscriptionId']),
          location: vaultLoc,
        });
      }
    },
  });
  return {
    status: 202,
    headers: {
      Location: engine.url(`${vaultId}/backupFabrics/Azure/operationResults/${op.id}`, ctx.apiVersion),
      'Retry-After': engine.retryAfter(),
    },
  };
}

function refreshResult(ctx: RequestContext) {
  const vault = findVault(ctx);
  checkFabric(ctx);
  const vaultId = String(vault['id']);
  const opId = ctx.params['operationId'] ?? '';
  const op = ctx.engine.ops.poll(opId);
  if (!op || op.lockId !== normId(`${vaultId}/refreshContainers`)) {
    throw bmsError(
      404,
      'BMSUserErrorOperationNotFound',
      `Operation '${opId}' was not found in vault '${String(vault['name'])}'.`,
    );
  }
  if (op.status === 'InProgress') {
    return {
      status: 202,
      headers: {
        Location: ctx.engine.url(`${vaultId}/backupFabrics/Azure/operationResults/${op.id}`, op.apiVersion),
        'Retry-After': ctx.engine.retryAfter(),
      },
    };
  }
  return { status: 204 };
}

function protectableItems(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const filter = ctx.query.get('$filter') ?? '';
  const bmt = /backupManagementType\s+eq\s+'([^']*)'/i.exec(filter)?.[1];
  const state = engine.store.vaultBackup(vaultId);
  const protectedVms = protectedVmIds(engine.store, isActive);
  const items =
    bmt !== undefined && bmt.toLowerCase() !== 'azureiaasvm'
      ? []
      : [...state.discovered.values()]
          .filter((d) => !protectedVms.has(normId(d.vmId)))
          .filter((d) => !engine.store.protecting.has(normId(d.vmId)))
          .map((d) => {
            const n = backupNames(d.resourceGroup, d.name);
            return {
              id: `${vaultId}/backupFabrics/Azure/protectionContainers/${n.containerName}/protectableItems/${n.itemName}`,
              name: n.shortName,
              type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems',
              properties: {
                backupManagementType: 'AzureIaasVM',
                friendlyName: d.name,
                protectableItemType: 'Microsoft.Compute/virtualMachines',
                protectionState: 'NotProtected',
                virtualMachineId: d.vmId,
                workloadType: 'VM',
              },
            };
          });
  const skip = Number(ctx.query.get('$skipToken') ?? '0');
  const offset = Number.isInteger(skip) && skip > 0 ? skip : 0;
  const page = items.slice(offset, offset + PAGE_SIZE);
  const body: Record<string, unknown> = { value: page };
  if (offset + PAGE_SIZE < items.length) {
    const filterPart = filter ? `&$filter=${encodeURIComponent(filter)}` : '';
    body['nextLink'] =
      `${engine.url(`${vaultId}/backupProtectableItems`, ctx.apiVersion)}${filterPart}&$skipToken=${offset + PAGE_SIZE}`;
  }
  return { status: 200, body };
}

// ---------------------------------------------------------------------------------------------
// Protected items

function itemIdOf(ctx: RequestContext, vault: Readonly<Row>): string {
  return `${String(vault['id'])}/backupFabrics/Azure/protectionContainers/${ctx.params['containerName'] ?? ''}/protectedItems/${ctx.params['protectedItemName'] ?? ''}`;
}

function findItem(ctx: RequestContext, vault: Readonly<Row>): Row {
  const row = ctx.engine.store.get('RecoveryServicesResources', itemIdOf(ctx, vault));
  if (!row) {
    throw bmsError(
      404,
      'ResourceNotFound',
      `The protected item '${ctx.params['protectedItemName'] ?? ''}' was not found in container '${ctx.params['containerName'] ?? ''}' of vault '${String(vault['name'])}'.`,
    );
  }
  return row;
}

function getItem(ctx: RequestContext) {
  const vault = findVault(ctx);
  checkFabric(ctx);
  return { status: 200, body: protectedItemBody(findItem(ctx, vault)) };
}

function listItems(ctx: RequestContext) {
  const vault = findVault(ctx);
  const value = itemsOfVault(ctx.engine.store, String(vault['id'])).map(protectedItemBody);
  return { status: 200, body: { value } };
}

function setItemProps(engine: Engine, itemId: string, patch: Record<string, unknown>): void {
  const row = engine.store.get('RecoveryServicesResources', itemId);
  if (!row) return;
  row['properties'] = { ...(asRecord(row['properties']) ?? {}), ...patch };
  engine.store.put(row);
}

function putItem(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  checkFabric(ctx);
  const vaultId = String(vault['id']);
  const containerName = ctx.params['containerName'] ?? '';
  const itemName = ctx.params['protectedItemName'] ?? '';
  const fromContainer = parseContainerName(containerName);
  const fromItem = parseItemName(itemName);
  if (!fromContainer || !fromItem) {
    throw invalidInput(
      `Container '${containerName}' / item '${itemName}' are not IaaS VM names. Expected 'IaasVMContainer;iaasvmcontainerv2;{rg};{vm}' and 'VM;iaasvmcontainerv2;{rg};{vm}'.`,
    );
  }
  if (
    fromContainer.rg.toLowerCase() !== fromItem.rg.toLowerCase() ||
    fromContainer.vm.toLowerCase() !== fromItem.vm.toLowerCase()
  ) {
    throw invalidInput(`Container '${containerName}' and item '${itemName}' name different VMs.`);
  }
  const props = asRecord(bodyObject(ctx.body)['properties']);
  if (!props) throw invalidInput("The request body must carry 'properties'.");
  const itemType = asString(props['protectedItemType']);
  if (itemType !== undefined && itemType.toLowerCase() !== 'microsoft.compute/virtualmachines') {
    throw invalidInput(
      `protectedItemType '${itemType}' is not supported here; use 'Microsoft.Compute/virtualMachines'.`,
    );
  }
  const itemId = itemIdOf(ctx, vault);
  const existing = engine.store.get('RecoveryServicesResources', itemId);
  const sourceResourceId = asString(props['sourceResourceId']) ?? (existing ? itemVmId(existing) : undefined);
  if (!sourceResourceId) throw invalidInput('properties.sourceResourceId is required to configure protection.');
  const vmParts = parseArmId(sourceResourceId);
  const vmName = vmParts.types[0]?.[1] ?? '';
  if (
    (vmParts.resourceGroup ?? '').toLowerCase() !== fromItem.rg.toLowerCase() ||
    vmName.toLowerCase() !== fromItem.vm.toLowerCase()
  ) {
    throw invalidInput(`sourceResourceId '${sourceResourceId}' does not match container '${containerName}'.`);
  }
  const running = engine.ops.inFlight(itemId);
  if (running) {
    throw bmsError(
      400,
      'BMSUserErrorConflictingProtectionOperation',
      'Another configure protection operation is in progress for this item.',
    );
  }

  // Stop protection, keeping data (StopProtection.json).
  if (asString(props['protectionState'])?.toLowerCase() === 'protectionstopped') {
    if (!existing)
      throw bmsError(
        404,
        'ResourceNotFound',
        `The protected item '${itemName}' was not found in vault '${String(vault['name'])}'.`,
      );
    const op = engine.startLro({
      kind: 'StopProtection',
      lockId: itemId,
      apiVersion: ctx.apiVersion,
      failure: { code: 'BMSUserErrorStopProtectionFailed', message: 'Stop protection failed. Retry the operation.' },
      onSucceeded: () =>
        setItemProps(engine, itemId, {
          currentProtectionState: 'ProtectionStopped',
          protectionState: 'ProtectionStopped',
        }),
    });
    newJob(engine, vaultId, 'DisableBackup', vmName, op);
    return { status: 202, headers: itemAsyncHeaders(engine, itemId, op) };
  }

  const vm = engine.store.get('Resources', sourceResourceId);
  if (!vm || vm['type'] !== TYPES.vm) {
    throw bmsError(
      404,
      'BMSUserErrorInvalidSourceResourceId',
      `The virtual machine '${sourceResourceId}' was not found. Check sourceResourceId.`,
    );
  }
  const vmLoc = normLocation(asString(vm['location']) ?? '');
  const vaultLoc = normLocation(asString(vault['location']) ?? '');
  if (vmLoc !== vaultLoc) {
    throw bmsError(
      400,
      'BMSUserErrorVmLocationMismatch',
      `The virtual machine '${String(vm['name'])}' is in '${vmLoc}' but vault '${String(vault['name'])}' is in '${vaultLoc}'. A vault protects only VMs in its own region.`,
    );
  }
  const elsewhere = itemsOfVm(engine.store, sourceResourceId).find(
    (r) => isActive(r) && !normId(String(r['id'])).startsWith(normId(vaultId) + '/'),
  );
  const pendingElsewhere = engine.store.protecting.get(normId(sourceResourceId));
  if (elsewhere || (pendingElsewhere && normId(pendingElsewhere.vaultId) !== normId(vaultId))) {
    const other = elsewhere
      ? String(elsewhere['id']).slice(0, String(elsewhere['id']).toLowerCase().indexOf('/backupfabrics/'))
      : pendingElsewhere?.vaultId;
    throw bmsError(
      400,
      'BMSUserErrorVmAlreadyProtected',
      `The virtual machine '${String(vm['name'])}' is already protected by vault '${other ?? ''}'. A VM can be backed up to only one vault: stop protection there, then protect it here.`,
    );
  }
  const state = engine.store.vaultBackup(vaultId);
  const alreadyHere = existing !== undefined && isActive(existing);
  // Cross Subscription Backup: discovery runs only in the vault's subscription, so a VM of another
  // subscription is configured without it (names from its id, region checked above).
  const crossSubscription =
    (vmParts.subscriptionId ?? '').toLowerCase() !== String(vault['subscriptionId'] ?? '').toLowerCase();
  if (!alreadyHere && !crossSubscription && !state.discovered.has(normId(sourceResourceId))) {
    throw bmsError(
      400,
      'BMSUserErrorInvalidConfigureProtectionRequest',
      `The virtual machine '${String(vm['name'])}' has not been discovered by vault '${String(vault['name'])}'. Run refreshContainers (backupFabrics/Azure/refreshContainers), wait for it to finish, then configure protection.`,
    );
  }
  const policyId = asString(props['policyId']) ?? asString(asRecord(existing?.['properties'])?.['policyId']);
  if (!policyId) throw invalidInput('properties.policyId is required to configure protection.');
  const policyName = lastSegment(policyId);
  const policy = state.policies.get(policyName.toLowerCase());
  if (!policy || !normId(policyId).startsWith(normId(vaultId) + '/backuppolicies/')) {
    throw bmsError(
      404,
      'BMSUserErrorPolicyNotFound',
      `Policy '${policyId}' was not found in vault '${String(vault['name'])}'.`,
    );
  }
  const canonicalPolicyName = String(policy['name']);
  const canonicalPolicyId = `${vaultId}/backupPolicies/${canonicalPolicyName}`;
  const vmId = String(vm['id']);
  const vmRg = parseArmId(vmId).resourceGroup ?? fromItem.rg;
  const build = (currentProtectionState: string): Row =>
    protectedItemRow({
      vaultId,
      vaultLocation: vaultLoc,
      tenantId: engine.store.tenantOf(String(vault['subscriptionId'])),
      vmId,
      vmName: String(vm['name']),
      vmResourceGroup: vmRg,
      vmLocation: vmLoc,
      policyId: canonicalPolicyId,
      policyName: canonicalPolicyName,
      currentProtectionState,
      protectedItemDataId: String(Math.floor(engine.now() * 1000)),
      policyType: asString(asRecord(policy['properties'])?.['policyType']) ?? 'V1',
    });
  const vmKey = normId(vmId);
  const op = engine.startLro({
    kind: 'ConfigureProtection',
    lockId: itemId,
    apiVersion: ctx.apiVersion,
    jobId: engine.newId(),
    failure: {
      code: 'UserErrorGuestAgentStatusUnavailable',
      message: 'VM Agent unable to communicate with Azure Backup.',
    },
    onSucceeded: () => {
      engine.store.protecting.delete(vmKey);
      const row = build('ProtectionConfigured');
      const old = engine.store.get('RecoveryServicesResources', row['id'] as string);
      if (old) {
        const oldProps = asRecord(old['properties']) ?? {};
        row['id'] = old['id'];
        row['properties'] = {
          ...oldProps,
          ...(asRecord(row['properties']) ?? {}),
          lastBackupStatus: oldProps['lastBackupStatus'] ?? '',
          lastBackupTime: oldProps['lastBackupTime'] ?? null,
          lastRecoveryPoint: oldProps['lastRecoveryPoint'] ?? null,
        };
      }
      engine.store.put(row);
      state.discovered.delete(vmKey);
    },
    onFailed: () => {
      engine.store.protecting.delete(vmKey);
      if (!engine.store.get('RecoveryServicesResources', itemId))
        engine.store.put(build('ConfiguringProtectionFailed'));
    },
  });
  engine.store.protecting.set(vmKey, { vaultId, itemId, policyName: canonicalPolicyName });
  newJob(engine, vaultId, 'ConfigureBackup', String(vm['name']), op);
  return { status: 202, headers: itemAsyncHeaders(engine, itemId, op) };
}

function deleteItem(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  checkFabric(ctx);
  const item = findItem(ctx, vault);
  const itemId = String(item['id']);
  if (engine.ops.inFlight(itemId)) {
    throw bmsError(
      400,
      'BMSUserErrorConflictingProtectionOperation',
      'Another configure protection operation is in progress for this item.',
    );
  }
  const op = engine.startLro({
    kind: 'DeleteProtectedItem',
    lockId: itemId,
    apiVersion: ctx.apiVersion,
    canFail: false,
    failure: { code: 'BMSUserErrorDeleteFailed', message: 'Delete failed.' },
    onSucceeded: () => engine.store.remove('RecoveryServicesResources', itemId),
  });
  newJob(
    engine,
    String(vault['id']),
    'DeleteBackupData',
    String(asRecord(item['properties'])?.['friendlyName'] ?? ''),
    op,
  );
  return { status: 202, headers: itemAsyncHeaders(engine, itemId, op) };
}

function itemOperation(ctx: RequestContext): { vault: Row; itemId: string; op: Operation } {
  const vault = findVault(ctx);
  checkFabric(ctx);
  const itemId = itemIdOf(ctx, vault);
  const opId = ctx.params['operationId'] ?? '';
  const op = ctx.engine.ops.poll(opId);
  if (!op || !op.lockId.startsWith(normId(itemId))) {
    throw bmsError(
      404,
      'BMSUserErrorOperationNotFound',
      `Operation '${opId}' was not found for item '${ctx.params['protectedItemName'] ?? ''}'.`,
    );
  }
  return { vault, itemId, op };
}

function operationStatus(ctx: RequestContext): HandlerResult {
  const { op } = itemOperation(ctx);
  return {
    status: 200,
    body: {
      id: op.id,
      name: op.id,
      status: op.status,
      startTime: new Date(op.startedAt).toISOString(),
      ...(op.endedAt !== undefined ? { endTime: new Date(op.endedAt).toISOString() } : {}),
      ...(op.status === 'Failed' && op.error ? { error: op.error } : {}),
      ...(op.jobId ? { properties: { objectType: 'OperationStatusJobExtendedInfo', jobId: op.jobId } } : {}),
    },
    headers: op.status === 'InProgress' ? { 'Retry-After': ctx.engine.retryAfter() } : {},
  };
}

function operationResult(ctx: RequestContext) {
  const { engine } = ctx;
  const { itemId, op } = itemOperation(ctx);
  if (op.status === 'InProgress') return { status: 202, headers: itemAsyncHeaders(engine, itemId, op) };
  if (op.status === 'Failed')
    throw bmsError(400, op.error?.code ?? 'BMSUserErrorOperationFailed', op.error?.message ?? 'The operation failed.');
  const row = engine.store.get('RecoveryServicesResources', itemId);
  if (op.kind === 'ConfigureProtection' || op.kind === 'StopProtection') {
    if (row) return { status: 200, body: protectedItemBody(row) };
  }
  return { status: 204 };
}

function triggerBackup(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  checkFabric(ctx);
  const item = findItem(ctx, vault);
  const itemId = String(item['id']);
  const itemProps = asRecord(item['properties']) ?? {};
  const state = protectionStateOf(
    asString(itemProps['currentProtectionState']),
    asString(itemProps['protectionState']),
  );
  if (state === 'ProtectionStopped' || state === 'SoftDeleted') {
    throw bmsError(
      400,
      'BMSUserErrorProtectionStopped',
      `Protection is stopped for '${String(itemProps['friendlyName'] ?? '')}'. Resume protection before taking a backup.`,
    );
  }
  const props = asRecord(bodyObject(ctx.body)['properties']);
  const objectType = asString(props?.['objectType']);
  if (!props || objectType?.toLowerCase() !== 'iaasvmbackuprequest') {
    throw invalidInput("The backup request must have properties.objectType 'IaasVMBackupRequest'.");
  }
  const expiryText = asString(props['recoveryPointExpiryTimeInUTC']);
  let expiry = engine.now() + 30 * 24 * 3600 * 1000;
  if (expiryText !== undefined) {
    const parsed = Date.parse(expiryText);
    if (Number.isNaN(parsed))
      throw invalidInput(`recoveryPointExpiryTimeInUTC '${expiryText}' is not a valid date-time.`);
    if (parsed <= engine.now()) {
      throw invalidInput(
        `recoveryPointExpiryTimeInUTC '${expiryText}' is in the past. The retention date of an on-demand recovery point must be in the future.`,
      );
    }
    expiry = parsed;
  }
  const backupLock = `${itemId}/backup`;
  if (engine.ops.inFlight(backupLock)) {
    throw bmsError(
      400,
      'UserErrorBackupOperationInProgress',
      'A backup operation is already in progress for this item.',
    );
  }
  const op = engine.startLro({
    kind: 'Backup',
    lockId: backupLock,
    apiVersion: ctx.apiVersion,
    jobId: engine.newId(),
    failure: {
      code: 'UserErrorGuestAgentStatusUnavailable',
      message: 'VM Agent unable to communicate with Azure Backup.',
    },
    onSucceeded: () => {
      const at = engine.isoNow();
      setItemProps(engine, itemId, {
        lastBackupStatus: 'Completed',
        lastBackupTime: at,
        lastRecoveryPoint: at,
        healthStatus: 'Passed',
        protectionStatus: 'Healthy',
        healthDetails: [],
        recoveryPointExpiryTimeInUTC: new Date(expiry).toISOString(),
      });
    },
    // A failed backup leaves the item Protected but Unhealthy, with the failure's title and message in
    // healthDetails, as live Azure reports it (docs/azure-facts.md §10).
    onFailed: () =>
      setItemProps(engine, itemId, {
        lastBackupStatus: 'Failed',
        lastBackupTime: engine.isoNow(),
        healthStatus: 'ActionRequired',
        protectionStatus: 'Unhealthy',
        healthDetails: [
          {
            code: 400239,
            title: 'UserErrorGuestAgentStatusUnavailable',
            message: 'VM Agent unable to communicate with Azure Backup.',
            recommendations: ['Ensure that the VM agent is installed, running and up to date.'],
          },
        ],
      }),
  });
  newJob(engine, String(vault['id']), 'Backup', String(itemProps['friendlyName'] ?? ''), op);
  return { status: 202, headers: itemAsyncHeaders(engine, itemId, op) };
}

// ---------------------------------------------------------------------------------------------
// backupStatus

function backupStatus(ctx: RequestContext) {
  const { engine } = ctx;
  const body = bodyObject(ctx.body);
  const resourceId = asString(body['resourceId']);
  if (!resourceId) throw invalidInput('resourceId is required.');
  const parts = parseArmId(resourceId);
  const names = backupNames(parts.resourceGroup ?? '', parts.types[0]?.[1] ?? '');
  const base = {
    fabricName: 'Azure',
    containerName: `iaasvmcontainer;${names.shortName}`,
    protectedItemName: `vm;${names.shortName}`,
    protectedItemsCount: 0,
    objectType: 'BackupStatusResponse',
  };
  const items = itemsOfVm(engine.store, resourceId);
  const item = items.find(isActive) ?? items[0];
  if (item) {
    const props = asRecord(item['properties']) ?? {};
    const current = (asString(props['currentProtectionState']) ?? '').toLowerCase();
    const status =
      current === 'configuringprotection'
        ? 'Protecting'
        : current === 'configuringprotectionfailed' || current === 'protectionerror'
          ? 'ProtectionFailed'
          : 'Protected';
    const vaultId = String(item['id']).slice(0, String(item['id']).toLowerCase().indexOf('/backupfabrics/'));
    return {
      status: 200,
      body: {
        protectionStatus: status,
        ...base,
        vaultId,
        policyName: asString(props['policyName']) ?? lastSegment(asString(props['policyId']) ?? ''),
        ...(status === 'ProtectionFailed'
          ? { errorCode: 'UserErrorGuestAgentStatusUnavailable', errorMessage: 'Configure protection failed.' }
          : {}),
      },
    };
  }
  const pending = engine.store.protecting.get(normId(resourceId));
  if (pending) {
    return {
      status: 200,
      body: { protectionStatus: 'Protecting', ...base, vaultId: pending.vaultId, policyName: pending.policyName },
    };
  }
  return { status: 200, body: { protectionStatus: 'NotProtected', ...base } };
}

// ---------------------------------------------------------------------------------------------
// Policies, storage config, containers, jobs

function policyBody(engine: Engine, vaultId: string, policy: Readonly<Row>): Record<string, unknown> {
  const name = String(policy['name']).toLowerCase();
  const count = itemsOfVault(engine.store, vaultId).filter((r) => {
    const p = asRecord(r['properties']) ?? {};
    return (
      (asString(p['policyName']) ?? lastSegment(asString(p['policyId']) ?? '')).toLowerCase() === name && isActive(r)
    );
  }).length;
  const props = { ...(asRecord(policy['properties']) ?? {}), protectedItemsCount: count };
  return { ...policy, properties: props };
}

function listPolicies(ctx: RequestContext) {
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const value = [...ctx.engine.store.vaultBackup(vaultId).policies.values()].map((p) =>
    policyBody(ctx.engine, vaultId, p),
  );
  return { status: 200, body: { value } };
}

function getPolicy(ctx: RequestContext) {
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const name = ctx.params['policyName'] ?? '';
  const policy = ctx.engine.store.vaultBackup(vaultId).policies.get(name.toLowerCase());
  if (!policy)
    throw bmsError(
      404,
      'BMSUserErrorPolicyNotFound',
      `Policy '${name}' was not found in vault '${String(vault['name'])}'.`,
    );
  return { status: 200, body: policyBody(ctx.engine, vaultId, policy) };
}

/**
 * Creates or updates an Azure IaaS VM policy (ProtectionPolicies_CreateOrUpdate_Simple.json): 200 with the
 * policy. A V2 (Enhanced) policy needs `SimpleSchedulePolicyV2`, a V1 policy `SimpleSchedulePolicy`, as the
 * service requires; the policy type cannot change once items use the policy.
 */
function putPolicy(ctx: RequestContext) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const name = ctx.params['policyName'] ?? '';
  if (!/^[A-Za-z][-A-Za-z0-9]{2,149}$/.test(name))
    throw invalidInput(
      `Policy name '${name}' is invalid: 3-150 characters, a letter first, then letters, digits and hyphens.`,
    );
  const props = asRecord(bodyObject(ctx.body)['properties']);
  if (!props) throw invalidInput("The request body must carry 'properties'.");
  if ((asString(props['backupManagementType']) ?? '').toLowerCase() !== 'azureiaasvm')
    throw invalidInput("Only backupManagementType 'AzureIaasVM' policies are supported here.");
  const policyType = (asString(props['policyType']) ?? 'V1').toUpperCase();
  const schedule = asRecord(props['schedulePolicy']);
  const scheduleType = asString(schedule?.['schedulePolicyType']) ?? '';
  const expected = policyType === 'V2' ? 'SimpleSchedulePolicyV2' : 'SimpleSchedulePolicy';
  if (scheduleType.toLowerCase() !== expected.toLowerCase())
    throw invalidInput(`A ${policyType} policy needs schedulePolicyType '${expected}', not '${scheduleType}'.`);
  if (!asRecord(props['retentionPolicy'])) throw invalidInput('properties.retentionPolicy is required.');
  const state = engine.store.vaultBackup(vaultId);
  const existing = state.policies.get(name.toLowerCase());
  const oldType = (asString(asRecord(existing?.['properties'])?.['policyType']) ?? 'V1').toUpperCase();
  const inUse = existing
    ? Number(asRecord(policyBody(engine, vaultId, existing)['properties'])?.['protectedItemsCount'] ?? 0)
    : 0;
  if (existing && oldType !== policyType && inUse > 0) {
    throw bmsError(
      400,
      'BMSUserErrorPolicyTypeChangeNotAllowed',
      `Policy '${name}' protects items; its type cannot change from ${oldType} to ${policyType}.`,
    );
  }
  const policy: Row = {
    id: `${vaultId}/backupPolicies/${existing ? String(existing['name']) : name}`,
    name: existing ? String(existing['name']) : name,
    type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
    properties: { ...props, policyType, protectedItemsCount: 0 },
  };
  state.policies.set(name.toLowerCase(), policy);
  return { status: 200, body: policyBody(engine, vaultId, policy) };
}

function storageConfigBody(engine: Engine, vault: Readonly<Row>): Record<string, unknown> {
  const vaultId = String(vault['id']);
  const type = redundancyOf(vault);
  const crr = asString(asRecord(asRecord(vault['properties'])?.['redundancySettings'])?.['crossRegionRestore']);
  return {
    id: `${vaultId}/backupstorageconfig/vaultstorageconfig`,
    name: 'vaultstorageconfig',
    type: 'Microsoft.RecoveryServices/vaults/backupstorageconfig',
    properties: {
      storageModelType: type,
      storageType: type,
      storageTypeState: storageLocked(engine.store, vaultId) ? 'Locked' : 'Unlocked',
      crossRegionRestoreFlag: crr?.toLowerCase() === 'enabled',
    },
  };
}

function getStorageConfig(ctx: RequestContext) {
  return { status: 200, body: storageConfigBody(ctx.engine, findVault(ctx)) };
}

function updateStorageConfig(ctx: RequestContext, status: number) {
  const { engine } = ctx;
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const props = asRecord(bodyObject(ctx.body)['properties']) ?? {};
  const wanted = asString(props['storageType']) ?? asString(props['storageModelType']);
  const allowed = ['GeoRedundant', 'LocallyRedundant', 'ZoneRedundant'];
  const canonical = wanted ? allowed.find((a) => a.toLowerCase() === wanted.toLowerCase()) : undefined;
  if (wanted && !canonical) throw invalidInput(`storageType '${wanted}' is not one of ${allowed.join(', ')}.`);
  const current = redundancyOf(vault);
  if (canonical && canonical !== current && storageLocked(engine.store, vaultId)) {
    throw bmsError(
      400,
      'StorageModelModifyError',
      'Storage Redundancy option is locked when the first machine is registered with the vault, and cannot be modified thereafter.',
    );
  }
  const vp = asRecord(vault['properties']) ?? {};
  const rs = { ...(asRecord(vp['redundancySettings']) ?? {}) };
  if (canonical) rs['standardTierStorageRedundancy'] = canonical;
  if (typeof props['crossRegionRestoreFlag'] === 'boolean')
    rs['crossRegionRestore'] = props['crossRegionRestoreFlag'] ? 'Enabled' : 'Disabled';
  vp['redundancySettings'] = rs;
  vault['properties'] = vp;
  engine.store.put(vault);
  return status === 204 ? { status } : { status, body: storageConfigBody(engine, vault) };
}

function containerBody(vaultId: string, item: Readonly<Row>): Record<string, unknown> {
  const props = asRecord(item['properties']) ?? {};
  const vmId = itemVmId(item) ?? '';
  const parts = parseArmId(vmId);
  const n = backupNames(parts.resourceGroup ?? '', parts.types[0]?.[1] ?? lastSegment(vmId));
  return {
    id: `${vaultId}/backupFabrics/Azure/protectionContainers/${n.containerName}`,
    name: n.containerName,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers',
    properties: {
      friendlyName: asString(props['friendlyName']) ?? lastSegment(vmId),
      backupManagementType: 'AzureIaasVM',
      registrationStatus: 'Registered',
      healthStatus: 'Healthy',
      containerType: 'Microsoft.Compute/virtualMachines',
      virtualMachineId: vmId,
      virtualMachineVersion: 'Compute',
      resourceGroup: parts.resourceGroup ?? '',
    },
  };
}

function listContainers(ctx: RequestContext) {
  const vault = findVault(ctx);
  const vaultId = String(vault['id']);
  const value = itemsOfVault(ctx.engine.store, vaultId).map((i) => containerBody(vaultId, i));
  return { status: 200, body: { value } };
}

function getContainer(ctx: RequestContext) {
  const vault = findVault(ctx);
  checkFabric(ctx);
  const vaultId = String(vault['id']);
  const name = ctx.params['containerName'] ?? '';
  const found = itemsOfVault(ctx.engine.store, vaultId)
    .map((i) => containerBody(vaultId, i))
    .find((c) => String(c['name']).toLowerCase() === name.toLowerCase());
  if (!found)
    throw bmsError(
      404,
      'BMSUserErrorContainerObjectNotFound',
      `Container '${name}' is not registered with vault '${String(vault['name'])}'.`,
    );
  return { status: 200, body: found };
}

function listJobs(ctx: RequestContext) {
  const vault = findVault(ctx);
  const jobs = [...ctx.engine.store.vaultBackup(String(vault['id'])).jobs.values()];
  return { status: 200, body: { value: jobs.map((j) => jobBody(ctx.engine, j)) } };
}

function getJob(ctx: RequestContext) {
  const vault = findVault(ctx);
  const name = ctx.params['jobName'] ?? '';
  const job = ctx.engine.store.vaultBackup(String(vault['id'])).jobs.get(name.toLowerCase());
  if (!job)
    throw bmsError(404, 'BMSUserErrorJobNotFound', `Job '${name}' was not found in vault '${String(vault['name'])}'.`);
  return { status: 200, body: jobBody(ctx.engine, job) };
}

const ACT = 'Microsoft.RecoveryServices/vaults';

/** Azure Backup routes. */
export const backupRoutes: Route[] = [
  {
    method: 'POST',
    pattern: `${FABRIC}/refreshContainers`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/refreshContainers/action`,
    handler: refreshContainers,
  },
  {
    method: 'GET',
    pattern: `${FABRIC}/operationResults/{operationId}`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/operationResults/read`,
    handler: refreshResult,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupProtectableItems`,
    apiVersions: V,
    action: `${ACT}/backupProtectableItems/read`,
    handler: protectableItems,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupProtectedItems`,
    apiVersions: V,
    action: `${ACT}/backupProtectedItems/read`,
    handler: listItems,
  },
  {
    method: 'GET',
    pattern: ITEM,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/read`,
    handler: getItem,
  },
  {
    method: 'PUT',
    pattern: ITEM,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/write`,
    handler: putItem,
  },
  {
    method: 'DELETE',
    pattern: ITEM,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/delete`,
    handler: deleteItem,
  },
  {
    method: 'GET',
    pattern: `${ITEM}/operationsStatus/{operationId}`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/operationsStatus/read`,
    handler: operationStatus,
  },
  {
    method: 'GET',
    pattern: `${ITEM}/operationResults/{operationId}`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/operationResults/read`,
    handler: operationResult,
  },
  {
    method: 'POST',
    pattern: `${ITEM}/backup`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/protectedItems/backup/action`,
    handler: triggerBackup,
  },
  {
    method: 'POST',
    pattern:
      '/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/locations/{azureRegion}/backupStatus',
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/locations/backupStatus/action',
    handler: backupStatus,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupPolicies`,
    apiVersions: V,
    action: `${ACT}/backupPolicies/read`,
    handler: listPolicies,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupPolicies/{policyName}`,
    apiVersions: V,
    action: `${ACT}/backupPolicies/read`,
    handler: getPolicy,
  },
  {
    method: 'PUT',
    pattern: `${VAULT}/backupPolicies/{policyName}`,
    apiVersions: V,
    action: `${ACT}/backupPolicies/write`,
    handler: putPolicy,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupstorageconfig/vaultstorageconfig`,
    apiVersions: V,
    action: `${ACT}/backupstorageconfig/read`,
    handler: getStorageConfig,
  },
  {
    method: 'PUT',
    pattern: `${VAULT}/backupstorageconfig/vaultstorageconfig`,
    apiVersions: V,
    action: `${ACT}/backupstorageconfig/write`,
    handler: (ctx) => updateStorageConfig(ctx, 200),
  },
  {
    method: 'PATCH',
    pattern: `${VAULT}/backupstorageconfig/vaultstorageconfig`,
    apiVersions: V,
    action: `${ACT}/backupstorageconfig/write`,
    handler: (ctx) => updateStorageConfig(ctx, 204),
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupProtectionContainers`,
    apiVersions: V,
    action: `${ACT}/backupProtectionContainers/read`,
    handler: listContainers,
  },
  {
    method: 'GET',
    pattern: `${FABRIC}/protectionContainers/{containerName}`,
    apiVersions: V,
    action: `${ACT}/backupFabrics/protectionContainers/read`,
    handler: getContainer,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupJobs`,
    apiVersions: V,
    action: `${ACT}/backupJobs/read`,
    handler: listJobs,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/backupJobs/{jobName}`,
    apiVersions: V,
    action: `${ACT}/backupJobs/read`,
    handler: getJob,
  },
];
