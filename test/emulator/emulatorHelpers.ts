/**
 * Test helpers for the emulator: a static token credential, SDK client options, a raw HTTPS client,
 * Resource Graph row builders and an example-shape comparison.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { RunningEmulator } from '@backup-warden/emulator';

/** Where the official x-ms-examples and the live recordings live (shared/ beside the repository). */
import { EXAMPLES, RECORDINGS } from '../support/shared';
export { EXAMPLES, RECORDINGS };

/** A TokenCredential that always returns the same emulator token. */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 3600e3 };
  }
}

/** The only client options an SDK client needs to talk to the emulator. */
export function sdkOptions(emu: RunningEmulator) {
  return { endpoint: emu.endpoint, tlsOptions: { ca: emu.caCert } };
}

/** A raw answer. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown>;
}

/** Sends one HTTPS request to the emulator, trusting its certificate. */
export function raw(
  emu: RunningEmulator,
  method: string,
  pathAndQuery: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(pathAndQuery.startsWith('https://') ? pathAndQuery : emu.endpoint + pathAndQuery);
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const token = opts.token === undefined ? emu.token : opts.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, ca: emu.caCert },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          let json: Record<string, unknown> = {};
          if (text.length > 0) {
            const parsed: unknown = JSON.parse(text);
            if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
              json = parsed as Record<string, unknown>;
          }
          resolve({ status: res.statusCode ?? 0, headers: h, text, json });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The `error.code` of an ARM error body. */
export function errorCode(r: RawResponse): string | undefined {
  const err = r.json['error'];
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Loads an official example file. */
export function loadExample(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(EXAMPLES, rel), 'utf8')) as Record<string, unknown>;
}

/** The response part of an example for one status code. */
export function exampleResponse(
  example: Record<string, unknown>,
  status: string,
): { body?: unknown; headers?: Record<string, unknown> } {
  const responses = example['responses'] as Record<string, { body?: unknown; headers?: Record<string, unknown> }>;
  const r = responses[status];
  if (!r) throw new Error(`example has no ${status} response`);
  return r;
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Differences between an example body and an actual body: every key the example has must be present
 * in the actual body with the same JSON type (null on either side matches anything). Arrays compare
 * their first elements. `ignore` lists dotted paths (`properties.userData`) the test accepts as absent.
 */
export function shapeDiff(expected: unknown, actual: unknown, ignore: readonly string[] = [], at = ''): string[] {
  if (ignore.includes(at)) return [];
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek === 'null' || ak === 'null') return ek === 'null' || !at ? [] : [`${at}: expected ${ek}, got null`];
  if (ek !== ak) return [`${at || '<root>'}: expected ${ek}, got ${ak}`];
  if (ek === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0) return [];
    if (a.length === 0) return [`${at}: expected a non-empty array`];
    return shapeDiff(e[0], a[0], ignore, `${at}[]`);
  }
  if (ek === 'object') {
    const out: string[] = [];
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      const p = at ? `${at}.${key}` : key;
      if (ignore.includes(p)) continue;
      if (!(key in a)) out.push(`${p}: missing`);
      else out.push(...shapeDiff(e[key], a[key], ignore, p));
    }
    return out;
  }
  return [];
}

/** Header names of an example response that are missing from an actual answer. */
export function missingHeaders(
  expected: Record<string, unknown> | undefined,
  actual: Record<string, string>,
): string[] {
  return Object.keys(expected ?? {}).filter((h) => actual[h.toLowerCase()] === undefined);
}

// ------------------------------------------------------------------------------------------------
// Resource Graph row builders (realistic rows, as Resource Graph returns them)

export const SUB = '11111111-1111-1111-1111-111111111111';
export const SUB2 = '22222222-2222-2222-2222-222222222222';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** A VM row; `power` is the extended power state. */
export function aVm(o: {
  name: string;
  rg?: string;
  sub?: string;
  location?: string;
  power?: string;
  nicIds?: string[];
}): Record<string, unknown> {
  const rg = o.rg ?? 'rg-app';
  const sub = o.sub ?? SUB;
  const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${o.name}`;
  return {
    id,
    name: o.name,
    type: 'microsoft.compute/virtualmachines',
    tenantId: TENANT,
    kind: '',
    location: o.location ?? 'eastus',
    resourceGroup: rg.toLowerCase(),
    subscriptionId: sub,
    managedBy: '',
    sku: null,
    plan: null,
    tags: { env: 'prod' },
    identity: null,
    zones: null,
    extendedLocation: null,
    properties: {
      vmId: '0f47b100-583c-48e3-a4c0-aefc2c9bbcc1',
      hardwareProfile: { vmSize: 'Standard_D2s_v3' },
      storageProfile: {
        osDisk: {
          osType: 'Linux',
          name: `${o.name}_OsDisk_1`,
          createOption: 'FromImage',
          caching: 'ReadWrite',
          managedDisk: {
            storageAccountType: 'Premium_LRS',
            id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${o.name}_OsDisk_1`,
          },
          diskSizeGB: 30,
        },
        dataDisks: [],
      },
      osProfile: {
        computerName: o.name,
        adminUsername: 'azureuser',
        linuxConfiguration: { provisionVMAgent: true },
        secrets: [],
      },
      networkProfile: {
        networkInterfaces: (
          o.nicIds ?? [
            `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/${o.name}-nic`,
          ]
        ).map((n) => ({ id: n })),
      },
      provisioningState: 'Succeeded',
      extended: {
        instanceView: {
          powerState: { code: o.power ?? 'PowerState/running', level: 'Info', displayStatus: 'VM running' },
        },
      },
    },
  };
}

/** An NSG row. */
export function anNsg(o: {
  name: string;
  rg?: string;
  sub?: string;
  location?: string;
  rules?: Record<string, unknown>[];
}): Record<string, unknown> {
  const rg = o.rg ?? 'rg-net';
  const sub = o.sub ?? SUB;
  const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${o.name}`;
  return {
    id,
    name: o.name,
    type: 'microsoft.network/networksecuritygroups',
    tenantId: TENANT,
    location: o.location ?? 'eastus',
    resourceGroup: rg.toLowerCase(),
    subscriptionId: sub,
    etag: 'W/"acf983f3-0a8a-4fde-ba48-ccdbed151e9f"',
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: '162e13c2-28b1-4039-98a9-5205ab77797d',
      securityRules: (o.rules ?? []).map((r) => ({ ...r, id: `${id}/securityRules/${String(r['name'])}` })),
    },
  };
}

/** A security rule as it sits in an NSG row. */
export function aRule(name: string, props: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    properties: {
      provisioningState: 'Succeeded',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '443',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      access: 'Allow',
      direction: 'Outbound',
      priority: 1000,
      ...props,
    },
  };
}

/** A Recovery Services vault row. */
export function aVault(o: {
  name: string;
  rg?: string;
  sub?: string;
  location?: string;
  redundancy?: string;
}): Record<string, unknown> {
  const rg = o.rg ?? 'rg-backup';
  const sub = o.sub ?? SUB;
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.RecoveryServices/vaults/${o.name}`,
    name: o.name,
    type: 'microsoft.recoveryservices/vaults',
    tenantId: TENANT,
    location: o.location ?? 'eastus',
    resourceGroup: rg.toLowerCase(),
    subscriptionId: sub,
    sku: { name: 'RS0', tier: 'Standard' },
    tags: {},
    properties: {
      provisioningState: 'Succeeded',
      redundancySettings: {
        standardTierStorageRedundancy: o.redundancy ?? 'GeoRedundant',
        crossRegionRestore: 'Disabled',
      },
    },
  };
}

/** A protected item row (RecoveryServicesResources). */
export function aProtectedItem(o: {
  vaultId: string;
  vmId: string;
  state?: string;
  location?: string;
  policyName?: string;
}): Record<string, unknown> {
  const parts = o.vmId.split('/');
  const rg = (parts[4] ?? '').toLowerCase();
  const vm = (parts[8] ?? '').toLowerCase();
  const vaultParts = o.vaultId.split('/');
  const policyName = o.policyName ?? 'DefaultPolicy';
  return {
    id: `${o.vaultId}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;${rg};${vm}/protectedItems/VM;iaasvmcontainerv2;${rg};${vm}`,
    name: `VM;iaasvmcontainerv2;${rg};${vm}`,
    type: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
    tenantId: TENANT,
    location: o.location ?? 'eastus',
    resourceGroup: (vaultParts[4] ?? '').toLowerCase(),
    subscriptionId: vaultParts[2] ?? SUB,
    properties: {
      friendlyName: parts[8],
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      sourceResourceId: o.vmId,
      policyId: `${o.vaultId}/backupPolicies/${policyName}`,
      policyName,
      currentProtectionState: o.state ?? 'ProtectionConfigured',
      dataSourceInfo: {
        resourceID: o.vmId,
        resourceLocation: o.location ?? 'eastus',
        datasourceType: 'AzureIaasVM.VM',
      },
    },
  };
}

/** Converts a recorded ARM body into a Resource Graph row, as estate-b's script does. */
export function recordedToRow(body: Record<string, unknown>): Record<string, unknown> {
  const id = String(body['id']);
  const parts = id.split('/');
  return {
    ...body,
    type: String(body['type']).toLowerCase(),
    resourceGroup: (parts[4] ?? '').toLowerCase(),
    subscriptionId: parts[2],
    tenantId: '00000000-0000-0000-0000-000000000000',
  };
}

/** Reads a cloud-custodian cassette and returns every NSG body it recorded (last one wins per id). */
export function recordedNsgs(file: string): Record<string, unknown>[] {
  const cassette = JSON.parse(readFileSync(path.join(RECORDINGS, 'cloud-custodian', file), 'utf8')) as {
    interactions: { response: { body?: { data?: { value?: Record<string, unknown>[] } } } }[];
  };
  const byId = new Map<string, Record<string, unknown>>();
  for (const i of cassette.interactions) {
    for (const v of i.response.body?.data?.value ?? []) {
      if (String(v['type']).toLowerCase() === 'microsoft.network/networksecuritygroups')
        byId.set(String(v['id']).toLowerCase(), v);
    }
  }
  return [...byId.values()];
}

/** Waits for a number of milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
