/**
 * Compute: virtual machines (VirtualMachine_Get.json, VirtualMachine_Get_InstanceView.json). GET with
 * `$expand=instanceView`, `.../instanceView`, list by group and subscription, and PUT as an
 * Azure-AsyncOperation LRO. The instance view comes from the row's `properties.extended.instanceView`
 * (or `properties.instanceView`); a running VM without one gets a Ready agent, a stopped one a Not Ready agent.
 */
import { API_VERSIONS, asyncHeaders, bodyObject, operationStatusBody, toArmBody } from '../arm';
import { itemsOfVm } from '../backupModels';
import { ArmError, resourceGroupNotFound, resourceNotFound } from '../errors';
import type { Engine } from '../engine';
import type { RequestContext, Route } from '../router';
import { TYPES, type Row } from '../state';
import { asArray, asRecord, asString, clone, normId, normLocation } from '../util';

/** A current Windows/Linux guest agent version (the example shows 2.7.41491.949). */
export const AGENT_VERSION = '2.7.41491.1102';

const VM_PATH =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines/{vmName}';

function vmId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

function findVm(ctx: RequestContext): Row {
  const { subscriptionId = '', resourceGroupName = '', vmName = '' } = ctx.params;
  const row = ctx.engine.store.get('Resources', vmId(subscriptionId, resourceGroupName, vmName));
  if (!row || row['type'] !== TYPES.vm)
    throw resourceNotFound('Microsoft.Compute', 'virtualMachines', vmName, resourceGroupName);
  return row;
}

const POWER_DISPLAY: Record<string, string> = {
  'powerstate/running': 'VM running',
  'powerstate/stopped': 'VM stopped',
  'powerstate/deallocated': 'VM deallocated',
  'powerstate/starting': 'VM starting',
  'powerstate/stopping': 'VM stopping',
  'powerstate/deallocating': 'VM deallocating',
};

/** The VM's power state code, e.g. `PowerState/running` (running when the row does not say). */
export function powerStateOf(row: Readonly<Row>): string {
  const props = asRecord(row['properties']) ?? {};
  const ext = asRecord(asRecord(props['extended'])?.['instanceView']);
  const fromExt = asString(asRecord(ext?.['powerState'])?.['code']);
  if (fromExt) return fromExt;
  const iv = asRecord(props['instanceView']);
  const fromStatuses = asArray(iv?.['statuses'])
    .map((s) => asString(asRecord(s)?.['code']))
    .find((c) => c?.toLowerCase().startsWith('powerstate/'));
  return fromStatuses ?? 'PowerState/running';
}

/** The Azure Backup VM extension's handler version the emulator reports. */
export const BACKUP_EXTENSION_VERSION = '1.0.9211.0';

/**
 * The Azure Backup extension a protected VM carries (VMSnapshot on Windows, VMSnapshotLinux on Linux),
 * present once any vault holds a protected item for the VM (or protection is being configured).
 */
export function backupExtensionOf(row: Readonly<Row>, engine: Engine): { name: string; type: string } | undefined {
  const id = String(row['id']);
  const protectedNow = itemsOfVm(engine.store, id).length > 0 || engine.store.protecting.has(normId(id));
  if (!protectedNow) return undefined;
  const storage = asRecord(asRecord(row['properties'])?.['storageProfile']) ?? {};
  const linux = asString(asRecord(storage['osDisk'])?.['osType'])?.toLowerCase() === 'linux';
  const name = linux ? 'VMSnapshotLinux' : 'VMSnapshot';
  return { name, type: `Microsoft.Azure.RecoveryServices.${name}` };
}

/** `resources[]` of a VM GET: its extensions (VirtualMachine_Get.json), here the backup extension. */
function extensionResources(row: Readonly<Row>, engine: Engine): Record<string, unknown>[] {
  const ext = backupExtensionOf(row, engine);
  if (!ext) return [];
  return [
    {
      name: ext.name,
      id: `${String(row['id'])}/extensions/${ext.name}`,
      type: 'Microsoft.Compute/virtualMachines/extensions',
      location: row['location'],
      properties: {
        autoUpgradeMinorVersion: true,
        provisioningState: 'Succeeded',
        publisher: 'Microsoft.Azure.RecoveryServices',
        type: ext.name,
        typeHandlerVersion: '1.0',
        settings: {},
      },
    },
  ];
}

/** The instance view of a VM row, synthesised where the row has none. */
export function instanceViewOf(row: Readonly<Row>, engine: Engine): Record<string, unknown> {
  const props = asRecord(row['properties']) ?? {};
  const ext = asRecord(asRecord(props['extended'])?.['instanceView']) ?? {};
  const given = asRecord(props['instanceView']) ?? {};
  const power = powerStateOf(row);
  const running = power.toLowerCase() === 'powerstate/running';
  const time = new Date(engine.startedAt).toISOString();
  const osProfile = asRecord(props['osProfile']) ?? {};
  const storage = asRecord(props['storageProfile']) ?? {};
  const agent =
    asRecord(ext['vmAgent']) ??
    asRecord(given['vmAgent']) ??
    (running
      ? {
          vmAgentVersion: AGENT_VERSION,
          statuses: [
            {
              code: 'ProvisioningState/succeeded',
              level: 'Info',
              displayStatus: 'Ready',
              message: 'GuestAgent is running and accepting new configurations.',
              time,
            },
          ],
          extensionHandlers: [],
        }
      : {
          vmAgentVersion: 'Unknown',
          statuses: [
            {
              code: 'ProvisioningState/Unavailable',
              level: 'Warning',
              displayStatus: 'Not Ready',
              message: 'VM Agent is unresponsive.',
              time,
            },
          ],
        });
  const diskNames = [
    asString(asRecord(storage['osDisk'])?.['name']),
    ...asArray(storage['dataDisks']).map((d) => asString(asRecord(d)?.['name'])),
  ].filter((n): n is string => n !== undefined);
  const disks =
    given['disks'] ??
    diskNames.map((name) => ({
      name,
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time }],
    }));
  const osType = asString(asRecord(storage['osDisk'])?.['osType']);
  const backupExt = backupExtensionOf(row, engine);
  const extensions =
    given['extensions'] ??
    (backupExt
      ? [
          {
            name: backupExt.name,
            type: backupExt.type,
            typeHandlerVersion: BACKUP_EXTENSION_VERSION,
            statuses: [
              {
                code: 'ProvisioningState/succeeded',
                level: 'Info',
                displayStatus: 'Provisioning succeeded',
                message: 'Extension is installed and the VM can be backed up.',
                time,
              },
            ],
          },
        ]
      : []);
  let vmAgent: Record<string, unknown> = clone(agent);
  if (backupExt && running) {
    const handlers = asArray(vmAgent['extensionHandlers']);
    if (!handlers.some((h) => asString(asRecord(h)?.['type']) === backupExt.type)) {
      vmAgent = { ...vmAgent };
      vmAgent['extensionHandlers'] = [
        ...handlers,
        {
          type: backupExt.type,
          typeHandlerVersion: BACKUP_EXTENSION_VERSION,
          status: { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' },
        },
      ];
    }
  }
  const boot = asRecord(asRecord(props['diagnosticsProfile'])?.['bootDiagnostics']);
  const storageUri = asString(boot?.['storageUri']) ?? `https://md-${String(row['name'])}.blob.storage.azure.net/`;
  const bootDiagnostics =
    given['bootDiagnostics'] ??
    (boot?.['enabled'] === true
      ? {
          consoleScreenshotBlobUri: `${storageUri}bootdiagnostics-${String(row['name'])}/${String(row['name'])}.screenshot.bmp`,
          serialConsoleLogBlobUri: `${storageUri}bootdiagnostics-${String(row['name'])}/${String(row['name'])}.serialconsole.log`,
        }
      : undefined);
  const patchStatus = given['patchStatus'] ?? {
    availablePatchSummary: {
      status: running ? 'Succeeded' : 'Unknown',
      assessmentActivityId: asString(props['vmId']) ?? '00000000-0000-0000-0000-000000000000',
      rebootPending: false,
      criticalAndSecurityPatchCount: 0,
      otherPatchCount: 0,
      startTime: time,
      lastModifiedTime: time,
      error: null,
    },
    lastPatchInstallationSummary: {
      status: 'Unknown',
      installationActivityId: asString(props['vmId']) ?? '00000000-0000-0000-0000-000000000000',
      maintenanceWindowExceeded: false,
      notSelectedPatchCount: 0,
      excludedPatchCount: 0,
      pendingPatchCount: 0,
      installedPatchCount: 0,
      failedPatchCount: 0,
      startTime: time,
      lastModifiedTime: time,
      error: null,
    },
    configurationStatuses: [
      {
        code: 'PatchModeConfigurationState/Ready',
        level: 'Info',
        displayStatus: 'Status_PatchModeConfigurationState_Ready',
        time,
      },
    ],
  };
  return {
    ...clone(given),
    computerName:
      asString(ext['computerName']) ??
      asString(given['computerName']) ??
      asString(osProfile['computerName']) ??
      String(row['name']),
    osName:
      asString(ext['osName']) ??
      asString(given['osName']) ??
      (osType === 'Linux' ? 'ubuntu' : 'Windows Server 2022 Datacenter'),
    osVersion:
      asString(ext['osVersion']) ??
      asString(given['osVersion']) ??
      (osType === 'Linux' ? '22.04' : 'Microsoft Windows NT 10.0.20348.0'),
    vmAgent,
    disks: clone(disks),
    ...(bootDiagnostics ? { bootDiagnostics: clone(bootDiagnostics) } : {}),
    extensions: clone(extensions),
    patchStatus: clone(patchStatus),
    hyperVGeneration: asString(ext['hyperVGeneration']) ?? asString(given['hyperVGeneration']) ?? 'V2',
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time },
      { code: power, level: 'Info', displayStatus: POWER_DISPLAY[power.toLowerCase()] ?? power },
    ],
  };
}

function vmBody(row: Readonly<Row>, engine: Engine, expand: string | null): Record<string, unknown> {
  const body = toArmBody(row);
  const props = asRecord(body['properties']) ?? {};
  if (!props['provisioningState']) props['provisioningState'] = 'Succeeded';
  if (expand?.toLowerCase() === 'instanceview') props['instanceView'] = instanceViewOf(row, engine);
  else delete props['instanceView'];
  body['properties'] = props;
  const resources = extensionResources(row, engine);
  if (resources.length > 0) body['resources'] = resources;
  return body;
}

function getVm(ctx: RequestContext) {
  return { status: 200, body: vmBody(findVm(ctx), ctx.engine, ctx.query.get('$expand')) };
}

function getInstanceView(ctx: RequestContext) {
  return { status: 200, body: instanceViewOf(findVm(ctx), ctx.engine) };
}

function listVms(ctx: RequestContext) {
  const sub = (ctx.params['subscriptionId'] ?? '').toLowerCase();
  const rg = ctx.params['resourceGroupName']?.toLowerCase();
  const value = ctx.engine.store
    .all('Resources')
    .filter((r) => r['type'] === TYPES.vm)
    .filter((r) => (asString(r['subscriptionId']) ?? '').toLowerCase() === sub)
    .filter((r) => rg === undefined || asString(r['resourceGroup']) === rg)
    .map((r) => vmBody(r, ctx.engine, null));
  return { status: 200, body: { value } };
}

function putVm(ctx: RequestContext) {
  const { engine } = ctx;
  const { subscriptionId = '', resourceGroupName = '', vmName = '' } = ctx.params;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/.test(vmName)) {
    throw new ArmError(400, 'InvalidParameter', `The value '${vmName}' of parameter 'vmName' is invalid.`);
  }
  const rgRow = engine.store.getResourceGroup(subscriptionId, resourceGroupName);
  if (!rgRow) throw resourceGroupNotFound(resourceGroupName);
  const body = bodyObject(ctx.body);
  const location = asString(body['location']);
  if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const id = vmId(subscriptionId, String(rgRow['name']), vmName);
  const existing = engine.store.get('Resources', id);
  if (existing && existing['type'] !== TYPES.vm)
    throw new ArmError(409, 'Conflict', `A resource with id '${id}' already exists.`);
  const props = clone(asRecord(body['properties']) ?? {});
  const oldProps = asRecord(existing?.['properties']) ?? {};
  props['vmId'] = asString(oldProps['vmId']) ?? engine.newId();
  props['timeCreated'] = asString(oldProps['timeCreated']) ?? engine.isoNow();
  props['provisioningState'] = existing ? 'Updating' : 'Creating';
  props['extended'] = asRecord(oldProps['extended']) ?? {
    instanceView: { powerState: { code: 'PowerState/running', displayStatus: 'VM running', level: 'Info' } },
  };
  delete props['instanceView'];
  const row: Row = {
    ...(existing ?? {}),
    id: existing ? existing['id'] : id,
    name: existing ? existing['name'] : vmName,
    type: TYPES.vm,
    tenantId: engine.store.tenantOf(subscriptionId),
    location: normLocation(location),
    resourceGroup: resourceGroupName.toLowerCase(),
    subscriptionId,
    tags: asRecord(body['tags']) ?? {},
    properties: props,
    ...(body['zones'] !== undefined ? { zones: body['zones'] } : {}),
    ...(body['identity'] !== undefined ? { identity: body['identity'] } : {}),
  };
  engine.store.put(row);
  const loc = normLocation(location);
  const op = engine.startLro({
    kind: existing ? 'UpdateVMOperation' : 'CreateVMOperation',
    lockId: id,
    apiVersion: ctx.apiVersion,
    failure: { code: 'InternalExecutionError', message: 'An internal execution error occurred. Please retry later.' },
    onSucceeded: () => setProvisioning(engine, id, 'Succeeded'),
    onFailed: () => setProvisioning(engine, id, 'Failed'),
  });
  const statusPath = `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${loc}/operations/${op.id}`;
  return {
    status: existing ? 200 : 201,
    body: vmBody(row, engine, null),
    headers: asyncHeaders(engine, statusPath, op),
  };
}

function setProvisioning(engine: Engine, id: string, state: string): void {
  const row = engine.store.get('Resources', id);
  if (!row) return;
  const props = asRecord(row['properties']) ?? {};
  props['provisioningState'] = state;
  row['properties'] = props;
  engine.store.put(row);
}

function getOperation(ctx: RequestContext) {
  const opId = ctx.params['operationId'] ?? '';
  const op = ctx.engine.ops.poll(opId);
  if (!op || !normId(op.lockId).includes('/providers/microsoft.compute/')) {
    throw new ArmError(404, 'NotFound', `The operation '${opId}' was not found.`);
  }
  const body = operationStatusBody(op, {
    startTime: new Date(op.startedAt).toISOString(),
    ...(op.endedAt !== undefined ? { endTime: new Date(op.endedAt).toISOString() } : {}),
    name: op.id,
  });
  return { status: 200, body, headers: op.status === 'InProgress' ? { 'Retry-After': ctx.engine.retryAfter() } : {} };
}

/** Compute routes. */
export const computeRoutes: Route[] = [
  {
    method: 'GET',
    pattern: VM_PATH,
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/virtualMachines/read',
    handler: getVm,
  },
  {
    method: 'PUT',
    pattern: VM_PATH,
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/virtualMachines/write',
    handler: putVm,
  },
  {
    method: 'GET',
    pattern: `${VM_PATH}/instanceView`,
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/virtualMachines/instanceView/read',
    handler: getInstanceView,
  },
  {
    method: 'GET',
    pattern:
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines',
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/virtualMachines/read',
    handler: listVms,
  },
  {
    method: 'GET',
    pattern: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines',
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/virtualMachines/read',
    handler: listVms,
  },
  {
    method: 'GET',
    pattern:
      '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}',
    apiVersions: API_VERSIONS.compute,
    action: 'Microsoft.Compute/locations/operations/read',
    handler: getOperation,
  },
];
