/**
 * Contract tests against shared/ (run by `npm run test:fidelity`): for each endpoint, the emulator's
 * status, headers and body shape, requested at the api-version the pinned SDK sends, against the matching
 * official x-ms-example in shared/azure-rest-examples. Every key the example has must be present with the
 * same JSON type; where an example differs from live Azure (the recordings), the ignore list says so.
 *
 * The examples exist only for other versions than the SDKs send (compute 2026-03-01 vs 2026-04-01, network
 * 2025-05-01 vs 2026-01-01, vaults 2026-08-01 vs 2026-07-01, backup 2026-02-01 vs 2023-06-01). The
 * difference checked: every property name an example body uses is a property of the SDK's own models
 * (generated from the version it sends), so the example's shape is the SDK version's too
 * ("example keys exist at the SDK's api-version" below).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_API_VERSIONS } from '../../packages/emulator/src/arm';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import {
  aVault,
  aVm,
  exampleResponse,
  loadExample,
  missingHeaders,
  raw,
  recordedToRow,
  shapeDiff,
  SUB,
} from '../emulator/emulatorHelpers';

/** An estate row from an example's response body, with the example's placeholder subscription replaced. */
function rowFromExample(rel: string, status = '200'): Record<string, unknown> {
  const body = exampleResponse(loadExample(rel), status).body;
  const text = JSON.stringify(body)
    .replaceAll('{subscription-id}', SUB)
    .replaceAll('/subscriptions/subid/', `/subscriptions/${SUB}/`);
  return recordedToRow(JSON.parse(text) as Record<string, unknown>);
}

function body(rel: string, status = '200'): unknown {
  return exampleResponse(loadExample(rel), status).body;
}

function headersOf(rel: string, status: string): Record<string, unknown> | undefined {
  return exampleResponse(loadExample(rel), status).headers;
}

const GRAPH = `/providers/Microsoft.ResourceGraph/resources?api-version=${SDK_API_VERSIONS.resourceGraph}`;
const RG_SUB = 'cfbbd179-59d2-4052-aa06-9270a38aa9d6';
/** The subscription of the vault examples (GETVault.json). */
const VAULT_SUB = '77777777-b0c6-47a2-b37c-d8e65a629c18';
/** A never-backed-up item reads null here, as ConfigureProtection.json's lastRecoveryPoint does. */
const NO_BACKUP_YET = ['properties.lastBackupTime', 'properties.lastRecoveryPoint'];

describe('contract: Resource Graph (resourcegraph/*.json)', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    const basic = (body('resourcegraph/ResourcesBasicQuery.json') as { data: Record<string, unknown>[] }).data.map(
      (r) => ({
        ...r,
        subscriptionId: RG_SUB,
        resourceGroup: String(r['id']).split('/')[4]?.toLowerCase(),
      }),
    );
    const tests = Array.from({ length: 7 }, (_, i) => ({
      id: `/subscriptions/${RG_SUB}/resourceGroups/RG1/providers/Microsoft.Compute/disks/test-disk-${i}`,
      name: `test-disk-${i}`,
      type: 'microsoft.compute/disks',
      location: 'eastus',
      resourceGroup: 'rg1',
      subscriptionId: RG_SUB,
    }));
    const vms = ['Linux', 'Windows', 'Windows'].map((os, i) => ({
      ...aVm({ name: `vm-${i}`, sub: RG_SUB }),
      properties: { storageProfile: { osDisk: { osType: os } } },
    }));
    emu = await startEmulator({ estate: [...basic, ...tests, ...vms] });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('ResourcesBasicQuery.json: 200 with count, data, facets, resultTruncated and totalRecords', async () => {
    const ex = loadExample('resourcegraph/ResourcesBasicQuery.json');
    const r = await raw(emu, 'POST', GRAPH, { body: (ex['parameters'] as { query: unknown }).query });
    expect(r.status).toBe(200);
    expect(shapeDiff(body('resourcegraph/ResourcesBasicQuery.json'), r.json)).toEqual([]);
    expect(r.json['count']).toBe(3);
    expect(r.json['resultTruncated']).toBe('false');
    expect(r.json['facets']).toEqual([]);
  });

  it('ResourcesFirstPageQuery.json and ResourcesNextPageQuery.json: $top pages with a $skipToken', async () => {
    const first = loadExample('resourcegraph/ResourcesFirstPageQuery.json');
    const r1 = await raw(emu, 'POST', GRAPH, { body: (first['parameters'] as { query: unknown }).query });
    expect(r1.status).toBe(200);
    expect(shapeDiff(body('resourcegraph/ResourcesFirstPageQuery.json'), r1.json)).toEqual([]);
    expect(r1.json['count']).toBe(3);
    expect(r1.json['totalRecords']).toBe(7);
    const next = loadExample('resourcegraph/ResourcesNextPageQuery.json');
    const q = (next['parameters'] as { query: Record<string, unknown> }).query;
    const r2 = await raw(emu, 'POST', GRAPH, {
      body: { ...q, options: { $top: 3, $skipToken: r1.json['$skipToken'] } },
    });
    expect(shapeDiff(body('resourcegraph/ResourcesNextPageQuery.json'), r2.json)).toEqual([]);
    const ids = [...(r1.json['data'] as { id: string }[]), ...(r2.json['data'] as { id: string }[])].map((d) => d.id);
    expect(new Set(ids).size).toBe(6);
  });

  it('ResourcesPropertiesQuery.json: summarize by a nested property', async () => {
    const ex = loadExample('resourcegraph/ResourcesPropertiesQuery.json');
    const r = await raw(emu, 'POST', GRAPH, { body: (ex['parameters'] as { query: unknown }).query });
    expect(r.status).toBe(200);
    // The example names the count column `count`; Kusto (and the emulator's interpreter) name
    // `count()` `count_`. Flagged for the KQL interpreter's owner; the rest of the shape must match.
    expect(shapeDiff(body('resourcegraph/ResourcesPropertiesQuery.json'), r.json, ['data[].count'])).toEqual([]);
    const data = r.json['data'] as Record<string, unknown>[];
    const counts = Object.fromEntries(
      data.map((d) => [d['properties_storageProfile_osDisk_osType'], d['count_'] ?? d['count']]),
    );
    expect(counts).toEqual({ Linux: 1, Windows: 2 });
  });
});

describe('contract: Compute, Network, Resources and vaults (GET of example-shaped rows)', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        rowFromExample('compute/VirtualMachine_Get.json'),
        rowFromExample('network/NetworkSecurityGroupGet.json'),
        rowFromExample('network/NetworkInterfaceGet.json'),
        rowFromExample('network/VirtualNetworkGet.json'),
        rowFromExample('recoveryservices/GETVault.json'),
      ],
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('VirtualMachine_Get.json: every key and type of the example', async () => {
    const r = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM?api-version=${SDK_API_VERSIONS.compute}&$expand=userData`,
    );
    expect(r.status).toBe(200);
    expect(shapeDiff(body('compute/VirtualMachine_Get.json'), r.json)).toEqual([]);
  });

  it('VirtualMachine_Get_InstanceView.json: the synthesised view has the example keys it models', async () => {
    const r = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM/instanceView?api-version=${SDK_API_VERSIONS.compute}`,
    );
    expect(r.status).toBe(200);
    // Not modelled: fault/update domains and the standby pool. The example VM carries an antimalware
    // extension; the emulator lists only the Azure Backup extension, which this unprotected VM lacks.
    const notModelled = [
      'platformUpdateDomain',
      'platformFaultDomain',
      'isVMInStandbyPool',
      'extensions',
      'vmAgent.extensionHandlers',
    ];
    expect(shapeDiff(body('compute/VirtualMachine_Get_InstanceView.json'), r.json, notModelled)).toEqual([]);
    const statuses = r.json['statuses'] as { code: string }[];
    expect(statuses.map((s) => s.code)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  it.each([
    [
      'network/NetworkSecurityGroupGet.json',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg`,
    ],
    [
      'network/NetworkInterfaceGet.json',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/test-nic`,
    ],
    [
      'network/VirtualNetworkGet.json',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet`,
    ],
  ])('%s: 200 with every key of the example', async (rel, path) => {
    const r = await raw(emu, 'GET', `${path}?api-version=${SDK_API_VERSIONS.network}`);
    expect(r.status).toBe(200);
    expect(shapeDiff(body(rel), r.json)).toEqual([]);
  });

  it('NetworkSecurityGroupRuleGet.json and SubnetGet.json: child resources', async () => {
    const rule = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg/securityRules/rule1?api-version=${SDK_API_VERSIONS.network}`,
    );
    expect(shapeDiff(body('network/NetworkSecurityGroupRuleGet.json'), rule.json)).toEqual([]);
    const subnet = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1?api-version=${SDK_API_VERSIONS.network}`,
    );
    expect(shapeDiff(body('network/SubnetGet.json'), subnet.json)).toEqual([]);
  });

  it('NetworkSecurityGroupRuleCreate.json: 201 with the example body shape, plus the live Azure-AsyncOperation header', async () => {
    const ex = loadExample('network/NetworkSecurityGroupRuleCreate.json');
    const params = (ex['parameters'] as { securityRuleParameters: unknown }).securityRuleParameters;
    const r = await raw(
      emu,
      'PUT',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg/securityRules/rule1-out?api-version=${SDK_API_VERSIONS.network}`,
      { body: params },
    );
    expect(Object.keys(ex['responses'] as object)).toContain(String(r.status));
    expect(shapeDiff(body('network/NetworkSecurityGroupRuleCreate.json', '201'), r.json)).toEqual([]);
    // The example has no headers; the c7n recording of a live rule PUT carries azure-asyncoperation.
    expect(r.headers['azure-asyncoperation']).toContain('/providers/Microsoft.Network/locations/westus/operations/');
  });

  it('NetworkSecurityGroupCreateWithRule.json: 201 body with rules and default rules', async () => {
    const ex = loadExample('network/NetworkSecurityGroupCreateWithRule.json');
    const params = (ex['parameters'] as { parameters: unknown }).parameters;
    const r = await raw(
      emu,
      'PUT',
      `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/newnsg?api-version=${SDK_API_VERSIONS.network}`,
      { body: params },
    );
    expect(r.status).toBe(201);
    expect(shapeDiff(body('network/NetworkSecurityGroupCreateWithRule.json', '201'), r.json)).toEqual([]);
  });

  it('GETVault.json: 200 with every key of the example', async () => {
    const r = await raw(
      emu,
      'GET',
      `/subscriptions/${VAULT_SUB}/resourceGroups/Default-RecoveryServices-ResourceGroup/providers/Microsoft.RecoveryServices/vaults/swaggerExample?api-version=${SDK_API_VERSIONS.vaults}`,
    );
    expect(r.status).toBe(200);
    expect(shapeDiff(body('recoveryservices/GETVault.json'), r.json)).toEqual([]);
  });

  it('PUTVault.json: 201 with the example body shape; live-style Azure-AsyncOperation, Location and Retry-After', async () => {
    const ex = loadExample('recoveryservices/PUTVault.json');
    const params = (ex['parameters'] as { vault: unknown }).vault;
    const r = await raw(
      emu,
      'PUT',
      `/subscriptions/${VAULT_SUB}/resourceGroups/Default-RecoveryServices-ResourceGroup/providers/Microsoft.RecoveryServices/vaults/swaggerExample2?api-version=${SDK_API_VERSIONS.vaults}`,
      { body: params },
    );
    expect(r.status).toBe(201);
    // The example echoes tags the request never sent, and sku RS0/Standard; live Azure echoes the request's sku (recording_dependence_create_test.json).
    expect(shapeDiff(body('recoveryservices/PUTVault.json', '201'), r.json, ['tags', 'sku.tier'])).toEqual([]);
    expect(missingHeaders({ 'Azure-AsyncOperation': 1, Location: 1, 'Retry-After': 1 }, r.headers)).toEqual([]);
  });

  it('ListResources.json and ListBySubscriptionIds.json: value[] of vaults', async () => {
    const byGroup = await raw(
      emu,
      'GET',
      `/subscriptions/${VAULT_SUB}/resourceGroups/Default-RecoveryServices-ResourceGroup/providers/Microsoft.RecoveryServices/vaults?api-version=${SDK_API_VERSIONS.vaults}`,
    );
    expect(shapeDiff(body('recoveryservices/ListResources.json'), byGroup.json, ['value[].tags'])).toEqual([]);
    const bySub = await raw(
      emu,
      'GET',
      `/subscriptions/${VAULT_SUB}/providers/Microsoft.RecoveryServices/vaults?api-version=${SDK_API_VERSIONS.vaults}`,
    );
    expect(shapeDiff(body('recoveryservices/ListBySubscriptionIds.json'), bySub.json, ['value[].tags'])).toEqual([]);
  });
});

describe('contract: Azure Backup (recoveryservicesbackup/*.json)', () => {
  let emu: RunningEmulator;
  const vault = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv`;
  const vmId = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`;
  const container = 'IaasVMContainer;iaasvmcontainerv2;rg-app;vm1';
  const item = 'VM;iaasvmcontainerv2;rg-app;vm1';
  const itemPath = `${vault}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${item}`;
  const V = `api-version=${SDK_API_VERSIONS.backup}`;
  let opStatusUrl = '';
  let opResultUrl = '';

  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        aVault({ name: 'rsv', rg: 'rg-backup' }),
        aVault({ name: 'rsv-empty', rg: 'rg-backup' }),
        aVm({ name: 'vm1', rg: 'rg-app' }),
      ],
      lroRetryAfterSeconds: 0,
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('RefreshContainers.json and RefreshContainers_OperationResults.json: 202 Location + Retry-After, then 202, then 204', async () => {
    const r = await raw(emu, 'POST', `${vault}/backupFabrics/Azure/refreshContainers?${V}`);
    expect(r.status).toBe(202);
    expect(missingHeaders(headersOf('recoveryservicesbackup/RefreshContainers.json', '202'), r.headers)).toEqual([]);
    expect(r.headers['azure-asyncoperation']).toBeUndefined();
    const loc = r.headers['location'] ?? '';
    const p1 = await raw(emu, 'GET', loc);
    expect(p1.status).toBe(202);
    expect(
      missingHeaders(headersOf('recoveryservicesbackup/RefreshContainers_OperationResults.json', '202'), p1.headers),
    ).toEqual([]);
    const p2 = await raw(emu, 'GET', loc);
    expect(p2.status).toBe(204);
    expect(p2.text).toBe('');
  });

  it('BackupProtectableItems_List.json: value[] of IaaS VM protectable items', async () => {
    const r = await raw(
      emu,
      'GET',
      `${vault}/backupProtectableItems?${V}&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`,
    );
    expect(r.status).toBe(200);
    expect(shapeDiff(body('recoveryservicesbackup/BackupProtectableItems_List.json'), r.json)).toEqual([]);
    expect((r.json['value'] as { name: string }[])[0]?.name).toBe('iaasvmcontainerv2;rg-app;vm1');
  });

  it('ConfigureProtection.json: 202 with Location, Azure-AsyncOperation and Retry-After', async () => {
    const r = await raw(emu, 'PUT', `${itemPath}?${V}`, {
      body: {
        properties: {
          protectedItemType: 'Microsoft.Compute/virtualMachines',
          sourceResourceId: vmId,
          policyId: `${vault}/backupPolicies/DefaultPolicy`,
        },
      },
    });
    expect(r.status).toBe(202);
    expect(missingHeaders(headersOf('recoveryservicesbackup/ConfigureProtection.json', '202'), r.headers)).toEqual([]);
    opStatusUrl = r.headers['azure-asyncoperation'] ?? '';
    opResultUrl = r.headers['location'] ?? '';
    expect(opStatusUrl).toContain('/operationsStatus/');
    expect(opResultUrl).toContain('/operationResults/');
  });

  it('ProtectedItemOperationResults.json (202 while running) and ProtectedItemOperationStatus.json (Succeeded with a jobId)', async () => {
    const running = await raw(emu, 'GET', opResultUrl);
    expect(running.status).toBe(202);
    expect(
      missingHeaders(headersOf('recoveryservicesbackup/ProtectedItemOperationResults.json', '202'), running.headers),
    ).toEqual([]);
    const status = await raw(emu, 'GET', opStatusUrl);
    expect(status.status).toBe(200);
    expect(shapeDiff(body('recoveryservicesbackup/ProtectedItemOperationStatus.json'), status.json)).toEqual([]);
    expect(status.json['status']).toBe('Succeeded');
    const done = await raw(emu, 'GET', opResultUrl);
    expect(done.status).toBe(200);
    expect(
      shapeDiff(body('recoveryservicesbackup/ProtectedItemOperationResults.json'), done.json, NO_BACKUP_YET),
    ).toEqual([]);
  });

  it('Compute_ProtectedItem_Get.json: the protected item', async () => {
    const r = await raw(emu, 'GET', `${itemPath}?${V}`);
    expect(r.status).toBe(200);
    expect(shapeDiff(body('recoveryservicesbackup/Compute_ProtectedItem_Get.json'), r.json, NO_BACKUP_YET)).toEqual([]);
    expect((r.json['properties'] as { protectionState: string }).protectionState).toBe('Protected');
  });

  it('GetBackupStatus.json: Protected with vault, policy, container and item names', async () => {
    const r = await raw(
      emu,
      'POST',
      `/subscriptions/${SUB}/providers/Microsoft.RecoveryServices/locations/eastus/backupStatus?${V}`,
      { body: { resourceId: vmId, resourceType: 'VM' } },
    );
    expect(r.status).toBe(200);
    // The live c7n recording (VMTest.test_vm_backup_status_protected.json) has no errorCode/errorMessage for Protected.
    expect(
      shapeDiff(body('recoveryservicesbackup/GetBackupStatus.json'), r.json, ['errorCode', 'errorMessage']),
    ).toEqual([]);
    expect(r.json['protectionStatus']).toBe('Protected');
  });

  it('TriggerBackup_Post.json: 202 with Location, Azure-AsyncOperation and Retry-After', async () => {
    const r = await raw(emu, 'POST', `${itemPath}/backup?${V}`, {
      body: { properties: { objectType: 'IaasVMBackupRequest' } },
    });
    expect(r.status).toBe(202);
    expect(missingHeaders(headersOf('recoveryservicesbackup/TriggerBackup_Post.json', '202'), r.headers)).toEqual([]);
  });

  it('ProtectionPolicies_Get.json: DefaultPolicy', async () => {
    const r = await raw(emu, 'GET', `${vault}/backupPolicies/DefaultPolicy?${V}`);
    expect(r.status).toBe(200);
    expect(shapeDiff(body('recoveryservicesbackup/ProtectionPolicies_Get.json'), r.json)).toEqual([]);
  });

  it('BackupStorageConfig_Get.json (Locked after protection) and BackupStorageConfig_Put.json (on an unlocked vault)', async () => {
    const locked = await raw(emu, 'GET', `${vault}/backupstorageconfig/vaultstorageconfig?${V}`);
    expect(shapeDiff(body('recoveryservicesbackup/BackupStorageConfig_Get.json'), locked.json)).toEqual([]);
    expect((locked.json['properties'] as { storageTypeState: string }).storageTypeState).toBe('Locked');
    const ex = loadExample('recoveryservicesbackup/BackupStorageConfig_Put.json');
    const put = await raw(emu, 'PUT', `${vault}-empty/backupstorageconfig/vaultstorageconfig?${V}`, {
      body: (ex['parameters'] as { parameters: unknown }).parameters,
    });
    expect(put.status).toBe(200);
    expect(shapeDiff(body('recoveryservicesbackup/BackupStorageConfig_Put.json'), put.json)).toEqual([]);
    expect((put.json['properties'] as { storageType: string }).storageType).toBe('LocallyRedundant');
  });

  it('StopProtection.json: 202 with the async headers, then the item reads ProtectionStopped', async () => {
    const ex = loadExample('recoveryservicesbackup/StopProtection.json');
    const params = JSON.parse(
      JSON.stringify((ex['parameters'] as { parameters: unknown }).parameters).replace(
        /\/subscriptions\/[^"]+netvmtestv2vm1/,
        vmId,
      ),
    ) as unknown;
    const r = await raw(emu, 'PUT', `${itemPath}?${V}`, { body: params });
    expect(r.status).toBe(202);
    expect(missingHeaders(headersOf('recoveryservicesbackup/StopProtection.json', '202'), r.headers)).toEqual([]);
    const statusUrl = r.headers['azure-asyncoperation'] ?? '';
    await raw(emu, 'GET', statusUrl);
    expect((await raw(emu, 'GET', statusUrl)).json['status']).toBe('Succeeded');
    const got = await raw(emu, 'GET', `${itemPath}?${V}`);
    expect(shapeDiff(body('recoveryservicesbackup/StopProtection.json'), got.json, NO_BACKUP_YET)).toEqual([]);
    expect((got.json['properties'] as { protectionState: string }).protectionState).toBe('ProtectionStopped');
  });
});

/** Property names an object tree uses (keys of objects at any depth, array elements looked into). */
function propertyNames(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) propertyNames(x, out);
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      // Tag names and extension settings are the user's data, not the schema's.
      if (k !== 'tags' && k !== 'settings') propertyNames(x, out);
    }
  return out;
}

/** The text of an SDK's model typings (generated from the api-version the SDK sends). */
function sdkModels(pkg: string): string {
  const root = path.join(__dirname, '..', '..', 'node_modules', '@azure', pkg);
  const files = [path.join(root, 'types', `${pkg}.d.ts`)];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e);
      if (e.endsWith('.d.ts')) files.push(full);
      else if (!e.includes('.')) walk(full);
    }
  };
  walk(path.join(root, 'dist', 'commonjs', 'models'));
  const text = files
    .map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
  if (text.length === 0) throw new Error(`no model typings found for @azure/${pkg}`);
  return text;
}

describe("contract: example keys exist at the SDK's api-version", () => {
  it.each([
    ['arm-compute', 'compute/VirtualMachine_Get.json', []],
    ['arm-compute', 'compute/VirtualMachine_Get_InstanceView.json', []],
    ['arm-network', 'network/NetworkSecurityGroupGet.json', []],
    ['arm-network', 'network/NetworkInterfaceGet.json', []],
    ['arm-network', 'network/VirtualNetworkGet.json', []],
    ['arm-recoveryservices', 'recoveryservices/GETVault.json', []],
    ['arm-recoveryservicesbackup', 'recoveryservicesbackup/Compute_ProtectedItem_Get.json', []],
    ['arm-recoveryservicesbackup', 'recoveryservicesbackup/ProtectionPolicies_Get.json', []],
  ] as [string, string, string[]][])('%s knows every property of %s', (pkg, rel, knownGaps) => {
    const models = sdkModels(pkg);
    const names = [...propertyNames(body(rel))].filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
    // A name the SDK's models do not declare would be a shape that differs at the SDK's version.
    const missing = names.filter((k) => !new RegExp(`\\b${k}\\??:`).test(models));
    expect(missing.sort()).toEqual(knownGaps);
  });
});
