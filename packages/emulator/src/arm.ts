/**
 * ARM conventions shared by the routes: api-versions each provider accepts, Resource Graph row ->
 * ARM body conversion, and async-operation headers.
 */
import type { Engine } from './engine';
import { ArmError } from './errors';
import type { Operation } from './lro';
import type { Row } from './state';
import { asRecord, clone, isRecord } from './util';

/**
 * The api-version each pinned SDK sends, read from its package (node_modules/@azure/arm-*): the contract
 * tests run at exactly these. test/emulator/contract.test.ts checks them against the installed SDKs.
 */
export const SDK_API_VERSIONS = {
  resourceGraph: '2024-04-01', // @azure/arm-resourcegraph 5
  compute: '2026-04-01', // @azure/arm-compute 25 (virtualMachines)
  network: '2026-01-01', // @azure/arm-network 39
  resources: '2025-04-01', // @azure/arm-resources 8
  vaults: '2026-07-01', // @azure/arm-recoveryservices 7.2
  backup: '2023-06-01', // @azure/arm-recoveryservicesbackup 12
} as const;

/**
 * The api-versions the emulator answers: the SDKs' own first, then the real versions Microsoft's published
 * examples and the live recordings use (the fidelity tests compare against those), each with one shape,
 * the SDK version's. Any other version is refused as ARM refuses one the provider does not serve
 * (`apiVersionError`). docs/emulator.md lists the differences between the example versions and the SDK's.
 */
export const API_VERSIONS = {
  resourceGraph: [SDK_API_VERSIONS.resourceGraph, '2022-10-01', '2021-03-01'],
  // examples: 2026-03-01
  compute: [SDK_API_VERSIONS.compute, '2026-03-01'],
  // examples: 2025-05-01; recordings: 2020-08-01 (Cloud Custodian), 2018-08-01 (azure-sdk-for-python)
  network: [SDK_API_VERSIONS.network, '2025-05-01', '2020-08-01', '2018-08-01'],
  resources: [SDK_API_VERSIONS.resources],
  // examples: 2026-08-01; recording: 2023-01-01 (azure-sdk-for-js)
  vaults: [SDK_API_VERSIONS.vaults, '2026-08-01', '2023-01-01'],
  // examples: 2026-02-01 (their async URLs carry 2016-12-01 / 2016-06-01); recording: 2023-04-01 (Cloud Custodian)
  backup: [SDK_API_VERSIONS.backup, '2026-02-01', '2023-04-01', '2016-12-01', '2016-06-01'],
} as const;

const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-(preview|alpha|beta|privatepreview))?$/i;

/**
 * The error ARM answers for an api-version a route does not serve. ARM itself checks the versions of its
 * own types (subscriptions, resource groups) and the format of any version: `InvalidApiVersionParameter`.
 * A well-formed version that a resource provider does not have is refused by provider registration:
 * `NoRegisteredProviderFound`, naming the location, the type and the supported versions (docs/azure-facts.md §8).
 */
export function apiVersionError(
  apiVersion: string,
  supported: readonly string[],
  pathname: string,
  location = 'eastus',
): ArmError {
  const providerType = /\/providers\/(Microsoft\.[A-Za-z]+)\/([A-Za-z]+)/i.exec(pathname);
  const armOwn = !providerType || providerType[1]?.toLowerCase() === 'microsoft.resources';
  if (armOwn || !API_VERSION_FORMAT.test(apiVersion)) {
    return new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`,
    );
  }
  const type = providerType?.[2] ?? '';
  return new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are '${location}'.`,
  );
}

/** ARM's canonical spelling of the resource types the emulator serves. */
export const CANONICAL_TYPES: Record<string, string> = {
  'microsoft.compute/virtualmachines': 'Microsoft.Compute/virtualMachines',
  'microsoft.network/networkinterfaces': 'Microsoft.Network/networkInterfaces',
  'microsoft.network/virtualnetworks': 'Microsoft.Network/virtualNetworks',
  'microsoft.network/networksecuritygroups': 'Microsoft.Network/networkSecurityGroups',
  'microsoft.recoveryservices/vaults': 'Microsoft.RecoveryServices/vaults',
};

const GRAPH_ONLY = new Set(['resourceGroup', 'subscriptionId', 'tenantId']);
const DROP_WHEN_EMPTY = new Set([
  'kind',
  'managedBy',
  'sku',
  'plan',
  'identity',
  'zones',
  'extendedLocation',
  'tags',
  'etag',
]);

/**
 * The ARM body of a Resource Graph row: the Graph-only columns (resourceGroup, subscriptionId,
 * tenantId, `properties.extended`) removed, empty optional columns dropped, the type spelled as ARM does.
 */
export function toArmBody(row: Readonly<Row>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (GRAPH_ONLY.has(k)) continue;
    if (DROP_WHEN_EMPTY.has(k) && (v === null || v === undefined || v === '')) continue;
    out[k] = clone(v);
  }
  const type = typeof row['type'] === 'string' ? row['type'] : '';
  out['type'] = CANONICAL_TYPES[type] ?? type;
  const props = asRecord(out['properties']);
  if (props && 'extended' in props) {
    const { extended: _extended, ...rest } = props;
    out['properties'] = rest;
  }
  return out;
}

/** The body as a JSON object, or an empty object. */
export function bodyObject(body: unknown): Record<string, unknown> {
  return isRecord(body) ? body : {};
}

/** Headers of an accepted Azure-AsyncOperation LRO (plus `Location` when given). */
export function asyncHeaders(
  engine: Engine,
  statusPath: string,
  op: Operation,
  locationPath?: string,
): Record<string, string> {
  return {
    'Azure-AsyncOperation': engine.url(statusPath, op.apiVersion),
    ...(locationPath ? { Location: engine.url(locationPath, op.apiVersion) } : {}),
    'Retry-After': engine.retryAfter(),
  };
}

/** The ARM async-operation status body: `{status}` plus `error` when failed. */
export function operationStatusBody(op: Operation, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    status: op.status,
    ...(op.status === 'Failed' && op.error ? { error: op.error } : {}),
  };
}
