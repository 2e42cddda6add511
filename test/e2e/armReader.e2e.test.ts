/**
 * The event path's direct ARM reads (ArmResourceReader) and the tenant's subscription list
 * (ResourceGraphSubscriptionDirectory) on the real SDK clients against the local HTTPS emulator.
 *
 * The reader must see what a Resource Graph sweep sees: its rows go through the same converters and rules,
 * so for every VM of the sample estate the findings from the reads equal the sweep's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTIONS, sampleEstate } from '../../bench/estate';
import { ArmResourceReader, ResourceGraphSubscriptionDirectory } from '../../src/adapters/azure/armReader';
import { createAzureClients } from '../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../src/adapters/azure/credential';
import { ResourceGraphInventory } from '../../src/adapters/azure/resourceGraph';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { assess, assessInventory } from '../../src/core/engine';
import { idKey } from '../../src/core/ids';
import { Inventory } from '../../src/core/inventory';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { raw } from '../emulator/emulatorHelpers';

type Json = Record<string, unknown>;

const P = SUBSCRIPTIONS.prod;
const D = SUBSCRIPTIONS.dev;
const vmId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const nsgId = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
const NOW = new Date('2026-01-15T00:00:00Z');

let emu: RunningEmulator;
let reader: ArmResourceReader;
let graph: ResourceGraphInventory;

function clientsFor(token: string) {
  return createAzureClients({
    armEndpoint: emu.endpoint,
    caCert: emu.caCert,
    credential: new StaticTokenCredential(token),
    retryBounds: { baseDelayMs: 5, maxDelayMs: 20 },
  });
}

beforeAll(async () => {
  emu = await startEmulator({ estate: sampleEstate(), lroRetryAfterSeconds: 0 });
  const clients = clientsFor(emu.token);
  reader = new ArmResourceReader(clients);
  graph = new ResourceGraphInventory({ clients });
});

afterAll(async () => {
  await emu?.stop();
});

const findingsOf = (report: ReturnType<typeof assess>['report'], id: string): string[] =>
  report.findings
    .filter((f) => idKey(f.resourceId) === idKey(id))
    .map((f) => `${f.ruleId}:${f.status}`)
    .sort();

describe('ArmResourceReader.readVmContext', () => {
  it('returns Resource Graph-shaped rows: the VM with its instance view, NIC, VNet, NSG, the vaults of its subscription and its protected item', async () => {
    const id = vmId(P, 'RG-App-EUS', 'vm-batch-eus-01');
    const rows = (await reader.readVmContext(id)) as Json[];
    const byType = (t: string): Json[] => rows.filter((r) => r['type'] === t);
    expect(rows.map((r) => String(r['type'])).sort()).toEqual([
      'microsoft.compute/virtualmachines',
      'microsoft.network/networkinterfaces',
      'microsoft.network/networksecuritygroups',
      'microsoft.network/networksecuritygroups',
      'microsoft.network/virtualnetworks',
      'microsoft.recoveryservices/vaults',
      'microsoft.recoveryservices/vaults',
      'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
    ]);
    const [vm] = byType('microsoft.compute/virtualmachines');
    expect(vm).toMatchObject({ id, resourceGroup: 'rg-app-eus', subscriptionId: P, location: 'eastus' });
    const instanceView = (vm?.['properties'] as Json)['instanceView'] as Json;
    expect((instanceView['statuses'] as Json[]).map((s) => s['code'])).toContain('PowerState/running');
    expect((instanceView['vmAgent'] as Json)['vmAgentVersion']).toMatch(/^2\./);
    // The NIC's own NSG and the subnet's NSG.
    expect(
      byType('microsoft.network/networksecuritygroups')
        .map((r) => r['name'])
        .sort(),
    ).toEqual(['nsg-app-eus', 'nsg-batch-nic']);
    const [item] = byType('microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems');
    expect(idKey(String(item?.['id']))).toMatch(
      /^\/subscriptions\/8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70\/resourcegroups\/rg-backup-warden\/providers\/microsoft\.recoveryservices\/vaults\/rsv-backup-eastus\/backupfabrics\/azure\/protectioncontainers\//,
    );
    expect(item?.['properties']).toMatchObject({
      backupManagementType: 'AzureIaasVM',
      sourceResourceId: id,
      currentProtectionState: 'ProtectionConfigured',
      policyName: 'DefaultPolicy',
    });
  });

  it('gives, for every VM of the sample estate, the findings a Resource Graph sweep gives', async () => {
    const sweep = assess(
      await graph.fetchRows({ subscriptions: [], managementGroups: [] }),
      DEFAULT_ENGINE_CONFIG,
      NOW,
    ).report;
    const vms = sampleEstate()
      .filter((r) => r['type'] === 'microsoft.compute/virtualmachines')
      .map((r) => String(r['id']));
    expect(vms).toHaveLength(38);
    const differences: string[] = [];
    for (const id of vms) {
      const rows = await reader.readVmContext(id);
      const events = assessInventory(Inventory.fromRows(rows ?? []), DEFAULT_ENGINE_CONFIG, NOW).report;
      const a = findingsOf(events, id).join(',');
      const b = findingsOf(sweep, id).join(',');
      if (a !== b) differences.push(`${id}: reads ${a || 'none'}; sweep ${b || 'none'}`);
    }
    expect(differences).toEqual([]);
    // Spot checks of what they agree on.
    expect(findingsOf(sweep, vmId(P, 'RG-App-EUS', 'vm-app-eus-06'))).toEqual(['vm-protection-unhealthy:open']); // ProtectionStopped
    expect(findingsOf(sweep, vmId(P, 'RG-App-WEU', 'vm-app-weu-03'))).toEqual(['vm-protection-unhealthy:open']); // ProtectionError
    expect(findingsOf(sweep, vmId(D, 'rg-dev-eus', 'vm-dev-eus-04'))).toEqual(['nsg-blocks-backup-egress:open']); // protected cross-subscription
    expect(findingsOf(sweep, vmId(P, 'RG-Web-EUS', 'vm-web-eus-03'))).toEqual([
      'nsg-blocks-backup-egress:open',
      'vm-unprotected:open',
    ]);
  });

  it('reads a stopped protection as ProtectionStopped, though backupStatus says Protected', async () => {
    const id = vmId(P, 'RG-App-EUS', 'vm-app-eus-06');
    const status = await raw(
      emu,
      'POST',
      `/subscriptions/${P}/providers/Microsoft.RecoveryServices/locations/eastus/backupStatus?api-version=2023-06-01`,
      { body: { resourceId: id, resourceType: 'VM' } },
    );
    expect(status.json['protectionStatus']).toBe('Protected');
    const rows = (await reader.readVmContext(id)) as Json[];
    const item = rows.find((r) => String(r['type']).endsWith('/protecteditems'));
    expect((item?.['properties'] as Json)['currentProtectionState']).toBe('ProtectionStopped');
  });

  it('is undefined for a VM that is gone', async () => {
    expect(await reader.readVmContext(vmId(P, 'RG-App-EUS', 'vm-deleted-yesterday'))).toBeUndefined();
  });
});

describe('ArmResourceReader.vmsBehindNsg', () => {
  it("follows a subnet NSG through the subnet's ipConfigurations to the NICs' VMs", async () => {
    expect(await reader.vmsBehindNsg(nsgId(P, 'rg-network-eus', 'nsg-web-eus'))).toEqual(
      ['01', '02', '03', '04', '05', '06'].map((n) => vmId(P, 'RG-Web-EUS', `vm-web-eus-${n}`)),
    );
  });

  it('follows a NIC NSG seeded without its networkInterfaces back-reference (ARM derives it)', async () => {
    const nsg = nsgId(P, 'rg-app-eus', 'nsg-batch-nic');
    const body = await raw(emu, 'GET', `${nsg}?api-version=2025-05-01`);
    expect(((body.json['properties'] as Json)['networkInterfaces'] as Json[]).map((r) => r['id'])).toEqual([
      `/subscriptions/${P}/resourceGroups/RG-App-EUS/providers/Microsoft.Network/networkInterfaces/vm-batch-eus-01-nic`,
    ]);
    expect(await reader.vmsBehindNsg(nsg)).toEqual([vmId(P, 'RG-App-EUS', 'vm-batch-eus-01')]);
  });

  it("finds a VM created through ARM: its NIC names the VM, its subnet names the NIC's ipconfig", async () => {
    const nicId = `/subscriptions/${D}/resourceGroups/rg-dev-eus/providers/Microsoft.Network/networkInterfaces/vm-dev-eus-09-nic`;
    const newVm = vmId(D, 'rg-dev-eus', 'vm-dev-eus-09');
    const subnet = `/subscriptions/${D}/resourceGroups/rg-dev-network/providers/Microsoft.Network/virtualNetworks/vnet-dev-eus/subnets/default`;
    const nic = await raw(emu, 'PUT', `${nicId}?api-version=2025-05-01`, {
      body: {
        location: 'eastus',
        properties: { ipConfigurations: [{ name: 'ipconfig1', properties: { subnet: { id: subnet } } }] },
      },
    });
    expect(nic.status).toBe(201);
    const vm = await raw(emu, 'PUT', `${newVm}?api-version=2026-03-01`, {
      body: {
        location: 'eastus',
        properties: {
          hardwareProfile: { vmSize: 'Standard_B2s' },
          networkProfile: { networkInterfaces: [{ id: nicId }] },
          storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage', managedDisk: {} } },
        },
      },
    });
    expect(vm.status).toBe(201);

    const nicGet = await raw(emu, 'GET', `${nicId}?api-version=2025-05-01`);
    expect((nicGet.json['properties'] as Json)['virtualMachine']).toEqual({ id: newVm });
    const subnetGet = await raw(emu, 'GET', `${subnet}?api-version=2025-05-01`);
    expect(
      ((subnetGet.json['properties'] as Json)['ipConfigurations'] as Json[]).map(
        (c) => String(c['id']).split('/networkInterfaces/')[1],
      ),
    ).toEqual([
      'vm-dev-eus-01-nic/ipConfigurations/ipconfig1',
      'vm-dev-eus-02-nic/ipConfigurations/ipconfig1',
      'vm-dev-eus-03-nic/ipConfigurations/ipconfig1',
      'vm-dev-eus-04-nic/ipConfigurations/ipconfig1',
      'vm-dev-eus-05-nic/ipConfigurations/ipconfig1',
      'vm-dev-eus-09-nic/ipConfigurations/ipconfig1',
    ]);
    const behind = await reader.vmsBehindNsg(nsgId(D, 'rg-dev-network', 'nsg-dev-eus'));
    expect(behind).toHaveLength(6);
    expect(behind).toContain(newVm);
  });

  it('is undefined for an NSG that is gone', async () => {
    expect(await reader.vmsBehindNsg(nsgId(P, 'rg-network-eus', 'nsg-removed'))).toBeUndefined();
  });
});

describe('ResourceGraphSubscriptionDirectory', () => {
  it('lists the subscriptions of the estate from ResourceContainers, sorted', async () => {
    expect(await new ResourceGraphSubscriptionDirectory(graph).listSubscriptions()).toEqual([P, D].sort());
  });

  it('lists only the subscriptions the identity can read', async () => {
    const scoped = new ResourceGraphInventory({ clients: clientsFor(emu.issueToken([`/subscriptions/${D}`])) });
    expect(await new ResourceGraphSubscriptionDirectory(scoped).listSubscriptions()).toEqual([D]);
  });
});
