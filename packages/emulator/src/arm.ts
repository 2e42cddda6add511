/**
 * ARM conventions shared by the routes: api-versions each provider accepts, Resource Graph row ->
 * ARM body conversion, and async-operation headers.
 */
import type { Engine } from './engine';
import type { Operation } from './lro';
import type { Row } from './state';
import { asRecord, clone, isRecord } from './util';

/**
 * Accepted api-versions: what the installed SDKs send, what Microsoft's published examples use, what the
 * recordings used, and a few recent stable versions.
 */
export const API_VERSIONS = {
  resourceGraph: ['2024-04-01', '2022-10-01', '2021-03-01'],
  // @azure/arm-compute 25 sends 2026-04-01 for virtualMachines; the examples are 2026-03-01.
  compute: [
    '2026-04-01',
    '2026-03-01',
    '2025-04-01',
    '2024-11-01',
    '2024-07-01',
    '2024-03-01',
    '2023-09-01',
    '2023-07-01',
    '2023-03-01',
    '2022-11-01',
    '2022-08-01',
    '2021-11-01',
  ],
  // @azure/arm-network 39 sends 2026-01-01; the examples are 2025-05-01; c7n recorded 2020-08-01.
  network: [
    '2026-01-01',
    '2025-07-01',
    '2025-05-01',
    '2025-03-01',
    '2025-01-01',
    '2024-10-01',
    '2024-07-01',
    '2024-05-01',
    '2024-03-01',
    '2024-01-01',
    '2023-11-01',
    '2023-09-01',
    '2023-06-01',
    '2023-05-01',
    '2023-04-01',
    '2022-07-01',
    '2021-05-01',
    '2020-08-01',
  ],
  // @azure/arm-resources 8 sends 2025-04-01.
  resources: [
    '2025-04-01',
    '2025-03-01',
    '2024-11-01',
    '2024-07-01',
    '2024-03-01',
    '2023-07-01',
    '2022-09-01',
    '2021-04-01',
    '2020-06-01',
  ],
  // @azure/arm-recoveryservices 7.2 sends 2026-07-01; the examples are 2026-08-01; the JS recording used 2023-01-01.
  vaults: [
    '2026-08-01',
    '2026-07-01',
    '2025-08-01',
    '2025-02-01',
    '2025-01-01',
    '2024-10-01',
    '2024-09-30-preview',
    '2024-04-01',
    '2024-02-01',
    '2023-08-01',
    '2023-06-01',
    '2023-04-01',
    '2023-02-01',
    '2023-01-01',
    '2022-10-01',
    '2016-06-01',
  ],
  // @azure/arm-recoveryservicesbackup 12 sends 2023-06-01; examples 2026-02-01 (their async URLs say 2016-12-01 / 2016-06-01); c7n recorded 2023-04-01.
  backup: [
    '2026-02-01',
    '2025-08-01',
    '2025-02-01',
    '2024-10-01',
    '2024-04-01',
    '2024-02-01',
    '2023-08-01',
    '2023-06-01',
    '2023-04-01',
    '2023-02-01',
    '2023-01-01',
    '2021-12-01',
    '2016-12-01',
    '2016-06-01',
  ],
} as const;

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
