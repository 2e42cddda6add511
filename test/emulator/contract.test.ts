/**
 * Contract tests that need nothing beside the repository (the comparisons with Microsoft's examples are
 * in test/fidelity/emulator-contract.test.ts): the api-versions the pinned SDKs really send, observed in
 * the emulator's request log while the real SDK clients call it; the fields each answer carries at
 * those versions; and ARM's refusals of an api-version a provider does not serve.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSIONS, SDK_API_VERSIONS } from '../../packages/emulator/src/arm';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import {
  aProtectedItem,
  aVault,
  aVm,
  anNsg,
  errorCode,
  raw,
  sdkOptions,
  StaticTokenCredential,
  SUB,
} from './emulatorHelpers';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** The value at a dotted path (`properties.securitySettings.immutabilitySettings`), or undefined. */
function at(v: unknown, dotted: string): unknown {
  let cur: unknown = v;
  for (const key of dotted.split('.')) cur = obj(cur)[key];
  return cur;
}

const VM_ID = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-1`;
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;
const NSG_ID = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-app`;

describe('contract at the api-versions the pinned SDKs send', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        aVm({ name: 'vm-1', rg: 'rg-app' }),
        anNsg({ name: 'nsg-app', rg: 'rg-net' }),
        aVault({ name: 'rsv-eastus', rg: 'rg-backup' }),
        aProtectedItem({ vaultId: VAULT_ID, vmId: VM_ID }),
      ],
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  /** The api-version of the last logged request whose path contains `fragment`. */
  function sentVersion(fragment: string): string | undefined {
    const op = emu
      .state()
      .operations.filter((o) => o.path.toLowerCase().includes(fragment.toLowerCase()))
      .at(-1);
    return op ? (new URL(`https://x${op.path}`).searchParams.get('api-version') ?? undefined) : undefined;
  }

  it('each SDK sends the version the emulator lists first, and the answer has the fields the examples show', async () => {
    const cred = new StaticTokenCredential(emu.token);
    const opts = sdkOptions(emu);

    const vm = await new ComputeManagementClient(cred, SUB, opts).virtualMachines.get('rg-app', 'vm-1', {
      expand: 'instanceView',
    });
    expect(sentVersion('/virtualMachines/vm-1')).toBe(SDK_API_VERSIONS.compute);
    expect(vm.etag).toBe('"1"');
    expect(vm.timeCreated).toBeInstanceOf(Date);
    expect(vm.resources?.map((r) => r.name)).toEqual(['VMSnapshotLinux']);
    expect(vm.instanceView?.extensions?.map((e) => e.type)).toEqual([
      'Microsoft.Azure.RecoveryServices.VMSnapshotLinux',
    ]);
    expect(vm.instanceView?.patchStatus?.availablePatchSummary?.status).toBe('Succeeded');

    const nsg = await new NetworkManagementClient(cred, SUB, opts).networkSecurityGroups.get('rg-net', 'nsg-app');
    expect(sentVersion('/networkSecurityGroups/nsg-app')).toBe(SDK_API_VERSIONS.network);
    expect(nsg.securityRules).toBeDefined();
    expect(nsg.defaultSecurityRules?.length).toBeGreaterThan(0);

    const vault = await new RecoveryServicesClient(cred, SUB, opts).vaults.get('rg-backup', 'rsv-eastus');
    expect(sentVersion('/vaults/rsv-eastus')).toBe(SDK_API_VERSIONS.vaults);
    expect(vault.identity?.type).toBe('None');
    expect(vault.properties?.monitoringSettings?.azureMonitorAlertSettings).toBeDefined();
    expect(vault.properties?.securitySettings?.immutabilitySettings?.state).toBe('Disabled');

    const policy = await new RecoveryServicesBackupClient(cred, SUB, opts).protectionPolicies.get(
      'rsv-eastus',
      'rg-backup',
      'DefaultPolicy',
    );
    expect(sentVersion('/backupPolicies/DefaultPolicy')).toBe(SDK_API_VERSIONS.backup);
    expect(policy.properties?.backupManagementType).toBe('AzureIaasVM');

    const group = await new ResourceManagementClient(cred, SUB, opts).resourceGroups.get('rg-app');
    expect(sentVersion('/resourcegroups/rg-app')).toBe(SDK_API_VERSIONS.resources);
    expect(group.name).toBe('rg-app');

    const graph = await new ResourceGraphClient(cred, opts).resources({
      query: "ResourceContainers | where type == 'microsoft.resources/subscriptions' | project name, subscriptionId",
      subscriptions: [SUB],
    });
    expect(sentVersion('/providers/Microsoft.ResourceGraph/resources')).toBe(SDK_API_VERSIONS.resourceGraph);
    expect((graph.data as Json[])[0]?.['name']).not.toBe(SUB);

    for (const [family, version] of Object.entries(SDK_API_VERSIONS)) {
      expect(API_VERSIONS[family as keyof typeof API_VERSIONS][0]).toBe(version);
    }
  });

  it('an answer at the SDK version carries the fields the project and the examples rely on', async () => {
    const fields: [string, string[]][] = [
      [
        `${VM_ID}?api-version=${SDK_API_VERSIONS.compute}`,
        ['etag', 'resources', 'properties.vmId', 'properties.timeCreated', 'properties.networkProfile'],
      ],
      [
        `${VM_ID}/instanceView?api-version=${SDK_API_VERSIONS.compute}`,
        ['computerName', 'vmAgent', 'disks', 'extensions', 'patchStatus', 'statuses'],
      ],
      [`${NSG_ID}?api-version=${SDK_API_VERSIONS.network}`, ['etag', 'properties.securityRules']],
      [
        `${VAULT_ID}?api-version=${SDK_API_VERSIONS.vaults}`,
        [
          'identity',
          'sku',
          'properties.monitoringSettings',
          'properties.securitySettings.immutabilitySettings',
          'properties.securitySettings.softDeleteSettings',
          'properties.redundancySettings',
        ],
      ],
    ];
    for (const [url, keys] of fields) {
      const r = await raw(emu, 'GET', url);
      expect(r.status, url).toBe(200);
      for (const key of keys) expect(at(r.json, key), `${key} of ${url}`).toBeDefined();
    }
  });

  it('refuses an api-version a provider does not serve as ARM does', async () => {
    const unknown = await raw(emu, 'GET', `${VM_ID}?api-version=2019-01-01`);
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe('NoRegisteredProviderFound');
    expect(String(obj(unknown.json['error'])['message'])).toMatch(
      /^No registered resource provider found for location '[a-z]+' and API version '2019-01-01' for type 'virtualMachines'\. The supported api-versions are '2026-04-01, 2026-03-01'\./,
    );
    const malformed = await raw(emu, 'GET', `${NSG_ID}?api-version=latest`);
    expect(errorCode(malformed)).toBe('InvalidApiVersionParameter');
    // Resource groups are ARM's own type: ARM, not a provider, refuses the version.
    const group = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2019-01-01`);
    expect(errorCode(group)).toBe('InvalidApiVersionParameter');
  });
});
