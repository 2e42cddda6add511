/**
 * Recovery Services vaults (@azure/arm-recoveryservices 7.2; PUTVault.json, GETVault.json,
 * ListResources.json, ListBySubscriptionIds.json). PUT is an LRO. The OpenAPI gives 201 + Location
 * (final-state-via location); live Azure (the azure-sdk-for-js recording) answers 201 with
 * `provisioningState: Provisioning` and Azure-AsyncOperation `{vault}/operationStatus/{id}`. The emulator
 * sends both headers; core-lro then polls Azure-AsyncOperation and GETs the vault.
 */
import { API_VERSIONS, asyncHeaders, bodyObject, toArmBody } from '../arm';
import { storageLocked } from '../backupModels';
import { ArmError, resourceGroupNotFound, resourceNotFound } from '../errors';
import type { Engine } from '../engine';
import type { RequestContext, Route } from '../router';
import { TYPES, type Row } from '../state';
import { asRecord, asString, clone, normId, normLocation } from '../util';

const VAULT =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';
const V = API_VERSIONS.vaults;
const NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,49}$/;
const REDUNDANCY = ['GeoRedundant', 'LocallyRedundant', 'ZoneRedundant'];
const SEEDED_ETAG = `W/"datetime'2026-01-01T00%3A00%3A00.0000000Z'"`;

/** The vault id for route parameters. */
export function vaultIdOf(ctx: RequestContext): string {
  const { subscriptionId = '', resourceGroupName = '', vaultName = '' } = ctx.params;
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/${vaultName}`;
}

/** The vault row for route parameters, or 404 ResourceNotFound. */
export function findVault(ctx: RequestContext): Row {
  const row = ctx.engine.store.get('Resources', vaultIdOf(ctx));
  if (!row || row['type'] !== TYPES.vault) {
    throw resourceNotFound(
      'Microsoft.RecoveryServices',
      'vaults',
      ctx.params['vaultName'] ?? '',
      ctx.params['resourceGroupName'] ?? '',
    );
  }
  return row;
}

/** The ARM body of a vault row. */
export function vaultBody(row: Readonly<Row>): Record<string, unknown> {
  const body = toArmBody(row);
  if (!body['sku']) body['sku'] = { name: 'Standard' };
  // Azure answers every vault with an etag (GETVault.json); a seeded row without one gets a fixed one.
  if (typeof body['etag'] !== 'string') body['etag'] = SEEDED_ETAG;
  const p = asRecord(body['properties']) ?? {};
  if (!p['provisioningState']) p['provisioningState'] = 'Succeeded';
  body['properties'] = p;
  return body;
}

/** The vault's standard-tier redundancy (GeoRedundant when the row does not say, as Azure defaults). */
export function redundancyOf(row: Readonly<Row>): string {
  const rs = asRecord(asRecord(row['properties'])?.['redundancySettings']);
  return asString(rs?.['standardTierStorageRedundancy']) ?? 'GeoRedundant';
}

function vaultEtag(engine: Engine): string {
  return `W/"datetime'${encodeURIComponent(engine.isoNow())}'"`;
}

function getVault(ctx: RequestContext) {
  return { status: 200, body: vaultBody(findVault(ctx)) };
}

function listVaults(ctx: RequestContext) {
  const sub = (ctx.params['subscriptionId'] ?? '').toLowerCase();
  const rg = ctx.params['resourceGroupName']?.toLowerCase();
  const value = ctx.engine.store
    .all('Resources')
    .filter((r) => r['type'] === TYPES.vault)
    .filter((r) => (asString(r['subscriptionId']) ?? '').toLowerCase() === sub)
    .filter((r) => rg === undefined || asString(r['resourceGroup']) === rg)
    .map(vaultBody);
  return { status: 200, body: { value } };
}

function setVaultState(engine: Engine, id: string, state: string): void {
  const row = engine.store.get('Resources', id);
  if (!row) return;
  const p = asRecord(row['properties']) ?? {};
  p['provisioningState'] = state;
  row['properties'] = p;
  row['etag'] = vaultEtag(engine);
  engine.store.put(row);
}

function putVault(ctx: RequestContext) {
  const { engine } = ctx;
  const { subscriptionId = '', resourceGroupName = '', vaultName = '' } = ctx.params;
  if (!NAME.test(vaultName)) {
    throw new ArmError(
      400,
      'InvalidResourceName',
      `Vault name '${vaultName}' is invalid. Recovery Services vault name must be 2 - 50 characters long, start with a letter, contain only letters, numbers and hyphens.`,
    );
  }
  const rg = engine.store.getResourceGroup(subscriptionId, resourceGroupName);
  if (!rg) throw resourceGroupNotFound(resourceGroupName);
  const body = bodyObject(ctx.body);
  const location = asString(body['location']);
  if (!location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const id = `/subscriptions/${subscriptionId}/resourceGroups/${String(rg['name'])}/providers/Microsoft.RecoveryServices/vaults/${vaultName}`;
  const sub = subscriptionId.toLowerCase();
  const twin = engine.store
    .all('Resources')
    .find(
      (r) =>
        r['type'] === TYPES.vault &&
        (asString(r['subscriptionId']) ?? '').toLowerCase() === sub &&
        String(r['name']).toLowerCase() === vaultName.toLowerCase() &&
        normId(String(r['id'])) !== normId(id),
    );
  if (twin) {
    throw new ArmError(
      409,
      'VaultAlreadyExists',
      `Resource already exists with the same name. Vault names must be unique in a subscription: '${String(twin['name'])}' exists in resource group '${String(twin['resourceGroup'])}'.`,
    );
  }
  const existing = engine.store.get('Resources', id);
  if (existing && existing['type'] !== TYPES.vault)
    throw new ArmError(409, 'Conflict', `A resource with id '${id}' already exists.`);
  if (existing && normLocation(String(existing['location'])) !== normLocation(location)) {
    throw new ArmError(
      400,
      'InvalidResourceLocation',
      `The resource '${vaultName}' already exists in location '${String(existing['location'])}' in resource group '${resourceGroupName}'. A resource with the same name cannot be created in location '${normLocation(location)}'. Please select a new resource name.`,
    );
  }
  const bodyProps = clone(asRecord(body['properties']) ?? {});
  const requested = asRecord(bodyProps['redundancySettings']);
  const wanted = asString(requested?.['standardTierStorageRedundancy']);
  if (wanted !== undefined && !REDUNDANCY.some((r) => r.toLowerCase() === wanted.toLowerCase())) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `Invalid standardTierStorageRedundancy '${wanted}'. Allowed: ${REDUNDANCY.join(', ')}.`,
    );
  }
  const oldProps = asRecord(existing?.['properties']) ?? {};
  const current = existing ? redundancyOf(existing) : undefined;
  if (
    existing &&
    wanted &&
    current &&
    wanted.toLowerCase() !== current.toLowerCase() &&
    storageLocked(engine.store, id)
  ) {
    throw new ArmError(
      400,
      'StorageModelModifyError',
      'Storage Redundancy option is locked when the first machine is registered with the vault, and cannot be modified thereafter.',
    );
  }
  const oldRs = asRecord(oldProps['redundancySettings']) ?? {};
  delete bodyProps['provisioningState'];
  const properties: Record<string, unknown> = {
    privateEndpointStateForBackup: 'None',
    privateEndpointStateForSiteRecovery: 'None',
    publicNetworkAccess: 'Enabled',
    secureScore: 'None',
    securitySettings: {
      softDeleteSettings: {
        softDeleteState: 'Enabled',
        softDeleteRetentionPeriodInDays: 14,
        enhancedSecurityState: 'Enabled',
      },
      immutabilitySettings: { state: 'Disabled' },
      multiUserAuthorization: 'Disabled',
    },
    ...oldProps,
    ...bodyProps,
    redundancySettings: {
      standardTierStorageRedundancy: wanted ?? asString(oldRs['standardTierStorageRedundancy']) ?? 'GeoRedundant',
      crossRegionRestore:
        asString(requested?.['crossRegionRestore']) ?? asString(oldRs['crossRegionRestore']) ?? 'Disabled',
    },
    provisioningState: existing ? 'Updating' : 'Provisioning',
  };
  const identityIn = asRecord(body['identity']);
  const identity =
    identityIn && asString(identityIn['type'])?.toLowerCase().includes('systemassigned')
      ? {
          ...identityIn,
          principalId: asString(asRecord(existing?.['identity'])?.['principalId']) ?? engine.newId(),
          tenantId: engine.store.tenantOf(subscriptionId),
        }
      : (identityIn ?? existing?.['identity'] ?? null);
  const row: Row = {
    ...(existing ?? {}),
    id: existing ? existing['id'] : id,
    name: existing ? existing['name'] : vaultName,
    type: TYPES.vault,
    tenantId: engine.store.tenantOf(subscriptionId),
    kind: '',
    location: normLocation(location),
    resourceGroup: resourceGroupName.toLowerCase(),
    subscriptionId,
    managedBy: '',
    sku: asRecord(body['sku']) ?? existing?.['sku'] ?? { name: 'Standard' },
    plan: null,
    etag: vaultEtag(engine),
    tags: asRecord(body['tags']) ?? asRecord(existing?.['tags']) ?? {},
    identity,
    zones: null,
    extendedLocation: null,
    properties,
  };
  if (!existing) engine.store.dropVaultBackup(id);
  engine.store.put(row);
  engine.store.vaultBackup(String(row['id']));
  const rowId = String(row['id']);
  const op = engine.startLro({
    kind: existing ? 'UpdateVault' : 'CreateVault',
    lockId: rowId,
    apiVersion: ctx.apiVersion,
    failure: {
      code: 'CloudInternalError',
      message: 'An internal error occurred while creating the vault. Please retry the operation.',
    },
    onSucceeded: () => setVaultState(engine, rowId, 'Succeeded'),
    onFailed: () => setVaultState(engine, rowId, 'Failed'),
  });
  return {
    status: existing ? 200 : 201,
    body: vaultBody(row),
    headers: asyncHeaders(engine, `${rowId}/operationStatus/${op.id}`, op, `${rowId}/operationResults/${op.id}`),
  };
}

function vaultOperation(ctx: RequestContext) {
  const vault = findVault(ctx);
  const opId = ctx.params['operationId'] ?? '';
  const op = ctx.engine.ops.poll(opId);
  if (!op || op.lockId !== normId(String(vault['id']))) {
    throw new ArmError(
      404,
      'ResourceNotFound',
      `The operation '${opId}' was not found on vault '${String(vault['name'])}'.`,
    );
  }
  return { vault, op };
}

function getOperationStatus(ctx: RequestContext) {
  const { vault, op } = vaultOperation(ctx);
  const vaultId = String(vault['id']);
  const running = op.status === 'InProgress';
  return {
    status: 200,
    body: {
      id: `${vaultId}/operationStatus/${op.id}`,
      name: op.id,
      status: op.status,
      startTime: new Date(op.startedAt).toISOString(),
      ...(op.endedAt !== undefined ? { endTime: new Date(op.endedAt).toISOString() } : {}),
      ...(op.status === 'Failed' && op.error ? { error: op.error } : {}),
    },
    headers: running
      ? asyncHeaders(ctx.engine, `${vaultId}/operationStatus/${op.id}`, op, `${vaultId}/operationResults/${op.id}`)
      : {},
  };
}

function getOperationResult(ctx: RequestContext) {
  const { vault, op } = vaultOperation(ctx);
  const vaultId = String(vault['id']);
  if (op.status === 'InProgress') {
    return {
      status: 202,
      headers: {
        Location: ctx.engine.url(`${vaultId}/operationResults/${op.id}`, op.apiVersion),
        'Retry-After': ctx.engine.retryAfter(),
      },
    };
  }
  if (op.status === 'Failed')
    throw new ArmError(500, op.error?.code ?? 'CloudInternalError', op.error?.message ?? 'The operation failed.');
  return { status: 200, body: vaultBody(vault) };
}

/** Vault routes. */
export const vaultRoutes: Route[] = [
  {
    method: 'GET',
    pattern: VAULT,
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/read',
    handler: getVault,
  },
  {
    method: 'PUT',
    pattern: VAULT,
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/write',
    handler: putVault,
  },
  {
    method: 'GET',
    pattern:
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/read',
    handler: listVaults,
  },
  {
    method: 'GET',
    pattern: '/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/vaults',
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/read',
    handler: listVaults,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/operationStatus/{operationId}`,
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/operationStatus/read',
    handler: getOperationStatus,
  },
  {
    method: 'GET',
    pattern: `${VAULT}/operationResults/{operationId}`,
    apiVersions: V,
    action: 'Microsoft.RecoveryServices/vaults/operationResults/read',
    handler: getOperationResult,
  },
];
