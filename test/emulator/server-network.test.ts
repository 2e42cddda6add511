import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { aRule, anNsg, errorCode, raw, sdkOptions, StaticTokenCredential, SUB, TENANT } from './emulatorHelpers';

const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';
const NV = 'api-version=2026-01-01';

// NSG rows with live Azure's quirks (test/fixtures/azure-quirks): "TCP" upper case, access "deny", singular fields
// beside empty plural arrays, no association arrays; nsg-lab has a NIC but no defaultSecurityRules in its row.
const quirkRows = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'azure-quirks', 'rows.json'), 'utf8')) as {
    data: Record<string, unknown>[];
  }
).data.filter((r) => r['type'] === 'microsoft.network/networksecuritygroups');
const QUIRK_SUB = '5f1c2b9e-7d4a-4c3e-9b8f-2a6d0e1c4b77';

const vnetId = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-app`;
const estate = [
  ...quirkRows,
  anNsg({
    name: 'nsg-app',
    rules: [aRule('Deny_All_Out', { access: 'Deny', priority: 1000, destinationPortRange: '*', protocol: '*' })],
  }),
  anNsg({ name: 'nsg-spare' }),
  {
    id: vnetId,
    name: 'vnet-app',
    type: 'microsoft.network/virtualnetworks',
    tenantId: TENANT,
    location: 'eastus',
    resourceGroup: 'rg-net',
    subscriptionId: SUB,
    properties: {
      provisioningState: 'Succeeded',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [
        {
          name: 'default',
          id: `${vnetId}/subnets/default`,
          properties: { addressPrefix: '10.0.1.0/24', provisioningState: 'Succeeded' },
        },
      ],
    },
  },
];

describe('network: NSGs and security rules', () => {
  let emu: RunningEmulator;
  let client: NetworkManagementClient;
  beforeAll(async () => {
    emu = await startEmulator({ estate, lroRetryAfterSeconds: 0 });
    client = new NetworkManagementClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves a quirky NSG unchanged ("TCP", access "deny") and synthesises absent default rules', async () => {
    const quirkClient = new NetworkManagementClient(new StaticTokenCredential(emu.token), QUIRK_SUB, sdkOptions(emu));
    const nsg = await quirkClient.networkSecurityGroups.get('rg-legacy-net', 'nsg-legacy');
    const rules = Object.fromEntries((nsg.securityRules ?? []).map((r) => [r.name, r]));
    expect(rules['deny-https-from-jump']?.access).toBe('deny');
    expect(rules['allow-ssh-out']?.protocol).toBe('TCP');
    expect(nsg.defaultSecurityRules).toHaveLength(6);
    const lab = await quirkClient.networkSecurityGroups.get('Rg-Lab', 'nsg-lab');
    expect(lab.defaultSecurityRules?.map((r) => r.name)).toEqual([
      'AllowVnetInBound',
      'AllowAzureLoadBalancerInBound',
      'DenyAllInBound',
      'AllowVnetOutBound',
      'AllowInternetOutBound',
      'DenyAllOutBound',
    ]);
    expect(lab.networkInterfaces?.length).toBe(1);
  });

  it('creates a rule with beginCreateOrUpdateAndWait (Azure-AsyncOperation, then a final GET) and Resource Graph sees it', async () => {
    // The modular arm-network 39 models flatten `properties`.
    const rule = await client.securityRules.beginCreateOrUpdateAndWait(
      'rg-net',
      'nsg-app',
      'Allow-Storage-443',
      {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Outbound',
        priority: 900,
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'Storage.EastUS',
        destinationPortRanges: ['443', '8443'],
      },
      { updateIntervalInMs: 10 },
    );
    expect(rule.provisioningState).toBe('Succeeded');
    expect(rule.destinationPortRanges).toEqual(['443', '8443']);
    const calls = emu
      .state()
      .operations.filter(
        (o) => o.path.includes('Allow-Storage-443') || o.path.includes('/providers/Microsoft.Network/locations/'),
      );
    expect(calls.map((c) => `${c.method} ${c.status}`)).toEqual(['PUT 201', 'GET 200', 'GET 200', 'GET 200']);
    const q = await raw(emu, 'POST', GRAPH, {
      body: {
        query:
          "Resources | where type =~ 'microsoft.network/networksecuritygroups' and name == 'nsg-app' | project id, properties",
      },
    });
    const props = (
      q.json['data'] as {
        properties: { securityRules: { name: string; properties: { provisioningState: string } }[] };
      }[]
    )[0]?.properties;
    const added = props?.securityRules.find((r) => r.name === 'Allow-Storage-443');
    expect(added?.properties.provisioningState).toBe('Succeeded');
  });

  it('runs a rule PUT as an LRO: 201 + Azure-AsyncOperation, InProgress once, then Succeeded; concurrent writes get 429', async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-spare/securityRules/r1?${NV}`;
    const body = {
      properties: {
        protocol: '*',
        access: 'Deny',
        direction: 'Outbound',
        priority: 100,
        sourceAddressPrefix: '10.0.0.0/8',
        sourcePortRange: '*',
        destinationAddressPrefix: '11.0.0.0/8',
        destinationPortRange: '8080',
      },
    };
    const put = await raw(emu, 'PUT', path, { body });
    expect(put.status).toBe(201);
    expect((put.json['properties'] as { provisioningState: string }).provisioningState).toBe('Updating');
    const asyncUrl = put.headers['azure-asyncoperation'] ?? '';
    expect(asyncUrl).toMatch(
      new RegExp(
        `^${emu.endpoint}/subscriptions/${SUB}/providers/Microsoft.Network/locations/eastus/operations/[0-9a-f-]{36}\\?api-version=2026-01-01$`,
      ),
    );
    expect(put.headers['retry-after']).toBe('0');

    const concurrent = await raw(emu, 'PUT', path.replace('/r1?', '/r2?'), {
      body: { properties: { ...body.properties, priority: 101 } },
    });
    expect(concurrent.status).toBe(429);
    expect(errorCode(concurrent)).toBe('RetryableErrorDueToAnotherOperation');

    const poll1 = await raw(emu, 'GET', asyncUrl);
    expect(poll1.json).toEqual({ status: 'InProgress' });
    const poll2 = await raw(emu, 'GET', asyncUrl);
    expect(poll2.json).toEqual({ status: 'Succeeded' });
    const got = await raw(emu, 'GET', path);
    expect((got.json['properties'] as { provisioningState: string }).provisioningState).toBe('Succeeded');

    const update = await raw(emu, 'PUT', path, {
      body: { properties: { ...body.properties, destinationPortRange: '8081' } },
    });
    expect(update.status).toBe(200);
  });

  it.each([
    ['priority below 100', { priority: 99 }, 'SecurityRuleInvalidPriority'],
    ['priority above 4096', { priority: 4097 }, 'SecurityRuleInvalidPriority'],
    ['priority taken in the same direction', { priority: 1000 }, 'SecurityRuleConflict'],
    ['unknown protocol', { protocol: 'Http' }, 'InvalidRequestFormat'],
    ['unknown access', { access: 'Permit' }, 'InvalidRequestFormat'],
    ['port above 65535', { destinationPortRange: '70000' }, 'SecurityRuleInvalidPortRange'],
    ['reversed port range', { destinationPortRange: '500-400' }, 'SecurityRuleInvalidPortRange'],
    [
      'service tag with an unknown region',
      { destinationAddressPrefix: 'Storage.Mars' },
      'SecurityRuleInvalidAddressPrefix',
    ],
    [
      'service tag in a prefix list',
      { destinationAddressPrefix: undefined, destinationAddressPrefixes: ['Storage'] },
      'SecurityRuleParameterContainsUnsupportedValue',
    ],
  ])('rejects a rule with %s (400 %s)', async (_label, patch, code) => {
    const path = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-app/securityRules/bad?${NV}`;
    const props = {
      protocol: 'Tcp',
      access: 'Allow',
      direction: 'Outbound',
      priority: 950,
      sourceAddressPrefix: '*',
      sourcePortRange: '*',
      destinationAddressPrefix: 'Storage',
      destinationPortRange: '443',
      ...patch,
    };
    const r = await raw(emu, 'PUT', path, { body: { properties: props } });
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe(code);
  });

  it('reports the conflict the way the Network provider words it, and allows the same priority in the other direction', async () => {
    await expect(
      client.securityRules.beginCreateOrUpdateAndWait('rg-net', 'nsg-app', 'clash', {
        protocol: '*',
        access: 'Allow',
        direction: 'Outbound',
        priority: 1000,
        sourceAddressPrefix: '*',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '*',
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'SecurityRuleConflict',
      message:
        'Security rule clash conflicts with rule Deny_All_Out. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.',
    });
    const inbound = await client.securityRules.beginCreateOrUpdateAndWait(
      'rg-net',
      'nsg-app',
      'in-1000',
      {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Inbound',
        priority: 1000,
        sourceAddressPrefix: 'storage.westeurope',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '22',
      },
      { updateIntervalInMs: 10 },
    );
    expect(inbound.priority).toBe(1000);
  });

  it('answers a missing NSG with ResourceNotFound and a missing rule with NotFound', async () => {
    await expect(client.networkSecurityGroups.get('rg-net', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(client.securityRules.get('rg-net', 'nsg-app', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'NotFound',
    });
  });

  it('ends an accepted rule write Failed under the lro-fail fault, with the error in the status body', async () => {
    emu.setFaults('lro-fail=1');
    try {
      await expect(
        client.securityRules.beginCreateOrUpdateAndWait(
          'rg-net',
          'nsg-app',
          'doomed',
          {
            protocol: 'Tcp',
            access: 'Allow',
            direction: 'Outbound',
            priority: 990,
            sourceAddressPrefix: '*',
            sourcePortRange: '*',
            destinationAddressPrefix: 'AzureCloud',
            destinationPortRange: '443',
          },
          { updateIntervalInMs: 10 },
        ),
      ).rejects.toThrow(/^The long-running operation has failed\. NetworkingInternalOperationError\./);
    } finally {
      emu.setFaults(undefined);
    }
    const rule = await client.securityRules.get('rg-net', 'nsg-app', 'doomed');
    expect(rule.provisioningState).toBe('Failed');
  });

  it('lists rules, gets the VNet and subnet, and a subnet PUT adds the NSG back-reference', async () => {
    const names: string[] = [];
    for await (const r of client.securityRules.list('rg-net', 'nsg-app')) names.push(r.name ?? '');
    expect(names).toContain('Deny_All_Out');
    const vnet = await client.virtualNetworks.get('rg-net', 'vnet-app');
    expect(vnet.subnets?.[0]?.name).toBe('default');
    const subnet = await client.subnets.get('rg-net', 'vnet-app', 'default');
    expect(subnet.addressPrefix).toBe('10.0.1.0/24');
    await expect(client.subnets.get('rg-net', 'vnet-app', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'NotFound',
    });
    const nsgId = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-spare`;
    const updated = await client.subnets.beginCreateOrUpdateAndWait(
      'rg-net',
      'vnet-app',
      'default',
      {
        addressPrefix: '10.0.1.0/24',
        networkSecurityGroup: { id: nsgId },
      },
      { updateIntervalInMs: 10 },
    );
    expect(updated.networkSecurityGroup?.id).toBe(nsgId);
    const nsg = await client.networkSecurityGroups.get('rg-net', 'nsg-spare');
    expect(nsg.subnets?.map((s) => s.id)).toEqual([`${vnetId}/subnets/default`]);
  });
});
