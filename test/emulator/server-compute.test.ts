import { ComputeManagementClient } from '@azure/arm-compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { AGENT_VERSION } from '../../packages/emulator/src/routes/compute';
import { aVm, raw, sdkOptions, StaticTokenCredential, SUB } from './emulatorHelpers';

const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';

const withAgent = aVm({ name: 'vm-old-agent', rg: 'rg-app' });
((withAgent['properties'] as Record<string, unknown>)['extended'] as Record<string, Record<string, unknown>>)[
  'instanceView'
]!['vmAgent'] = {
  vmAgentVersion: '2.6.1198.700',
  statuses: [
    { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'GuestAgent is running' },
  ],
};

const estate = [
  aVm({ name: 'vm-run', rg: 'rg-app' }),
  aVm({ name: 'vm-dealloc', rg: 'RG-App', power: 'PowerState/deallocated' }),
  withAgent,
];

describe('compute: virtual machines with the real arm-compute 25 client', () => {
  let emu: RunningEmulator;
  let compute: ComputeManagementClient;
  beforeAll(async () => {
    emu = await startEmulator({ estate, lroRetryAfterSeconds: 0 });
    compute = new ComputeManagementClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves GET without Resource-Graph-only columns', async () => {
    const r = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-run?api-version=2026-04-01`,
    );
    expect(r.status).toBe(200);
    expect(r.json['type']).toBe('Microsoft.Compute/virtualMachines');
    expect(r.json['resourceGroup']).toBeUndefined();
    expect(r.json['subscriptionId']).toBeUndefined();
    expect((r.json['properties'] as Record<string, unknown>)['extended']).toBeUndefined();
    const vm = await compute.virtualMachines.get('rg-app', 'vm-run');
    expect(vm.hardwareProfile?.vmSize).toBe('Standard_D2s_v3');
    expect(vm.instanceView).toBeUndefined();
  });

  it('synthesises a Ready agent for a running VM and a Not Ready one for a deallocated VM', async () => {
    const running = await compute.virtualMachines.get('rg-app', 'vm-run', { expand: 'instanceView' });
    expect(running.instanceView?.vmAgent?.vmAgentVersion).toBe(AGENT_VERSION);
    expect(running.instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
    expect(running.instanceView?.statuses?.map((s) => s.code)).toEqual([
      'ProvisioningState/succeeded',
      'PowerState/running',
    ]);
    // Ids are case-insensitive: the row says RG-App.
    const stopped = await compute.virtualMachines.instanceView('rg-app', 'VM-DEALLOC');
    expect(stopped.vmAgent?.statuses?.[0]?.displayStatus).toBe('Not Ready');
    expect(stopped.statuses?.[1]?.code).toBe('PowerState/deallocated');
    expect(stopped.statuses?.[1]?.displayStatus).toBe('VM deallocated');
  });

  it('uses the vmAgent the estate row carries', async () => {
    const view = await compute.virtualMachines.instanceView('rg-app', 'vm-old-agent');
    expect(view.vmAgent?.vmAgentVersion).toBe('2.6.1198.700');
  });

  it('answers a missing VM with 404 ResourceNotFound worded as ARM words it', async () => {
    await expect(compute.virtualMachines.get('rg-app', 'vm-none')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
      message:
        "The Resource 'Microsoft.Compute/virtualMachines/vm-none' under resource group 'rg-app' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    });
  });

  it('lists VMs by group and subscription', async () => {
    const inGroup: string[] = [];
    for await (const vm of compute.virtualMachines.list('rg-app')) inGroup.push(vm.name ?? '');
    expect(inGroup.sort()).toEqual(['vm-dealloc', 'vm-old-agent', 'vm-run']);
    let all = 0;
    for await (const _vm of compute.virtualMachines.listAll()) all++;
    expect(all).toBe(3);
  });

  it('creates a VM as an Azure-AsyncOperation LRO and Resource Graph sees it running', async () => {
    const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(
      'rg-app',
      'vm-new',
      {
        location: 'eastus',
        hardwareProfile: { vmSize: 'Standard_B2s' },
        storageProfile: {
          osDisk: {
            createOption: 'FromImage',
            osType: 'Linux',
            name: 'vm-new-os',
            managedDisk: { storageAccountType: 'Premium_LRS' },
          },
        },
        networkProfile: {
          networkInterfaces: [
            {
              id: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/vm-new-nic`,
            },
          ],
        },
      },
      { updateIntervalInMs: 10 },
    );
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.vmId).toMatch(/^[0-9a-f-]{36}$/);
    const g = await raw(emu, 'POST', GRAPH, {
      body: {
        query:
          "Resources | where type =~ 'microsoft.compute/virtualmachines' and name == 'vm-new' | project id, p = tostring(properties.extended.instanceView.powerState.code)",
      },
    });
    expect((g.json['data'] as { p: string }[])[0]?.p).toBe('PowerState/running');
  });
});
