/**
 * The network path against the emulator, through the real SDK clients: the Service Tag Discovery API in the
 * published shape (regional names from each tag's `region`, AzureCloud's irregular names), the NIC's effective
 * NSGs with tags expanded to prefixes, ARM reads of route tables, and a sweep that evaluates exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { createAzureClients, type AzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { ResourceGraphInventory } from '../../../src/adapters/azure/resourceGraph';
import { readServiceTags, ServiceTagsInventory } from '../../../src/adapters/azure/serviceTags';
import { assess } from '../../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/core/engine-config';
import { ServiceTagCatalogue } from '../../../src/core/network/serviceTags';
import { aRouteTable } from '../../fixtures/builders/network';
import { aNetwork, aVm, SUB } from '../../fixtures/builders/rows';

let emu: RunningEmulator;
let clients: AzureClients;
let storageEastUs: string[] = [];

// The deny names two of Storage.EastUS's three IPv4 prefixes as raw CIDRs (filled in once the emulator runs).
const locked = aNetwork({ name: 'cidr', subnetRules: [] });
const vm = aVm({ subnetId: locked.subnetId });
const rt = aRouteTable(
  'rt-cidr',
  [{ name: 'to-nva', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.9.0.4' }],
  [locked.subnetId],
);

beforeAll(async () => {
  const probe = await startEmulator({ estate: [] });
  const probeClients = createAzureClients({
    armEndpoint: probe.endpoint,
    caCert: probe.caCert,
    credential: new StaticTokenCredential(probe.issueToken()),
  });
  const body = await readServiceTags(probeClients, SUB, 'eastus');
  await probe.stop();
  storageEastUs = (
    (body.values as { name: string; properties: { addressPrefixes: string[] } }[]).find(
      (v) => v.name === 'Storage.EastUS',
    )?.properties.addressPrefixes ?? []
  ).filter((p) => !p.includes(':'));
  const nsg = aNetwork({
    name: 'cidr',
    subnetRules: [
      {
        name: 'Deny-Storage-Cidrs',
        priority: 300,
        access: 'Deny',
        protocol: 'Tcp',
        destinations: storageEastUs.slice(0, 2),
      },
      { name: 'Allow-Storage-Tag', priority: 310, access: 'Allow', protocol: 'Tcp', destination: 'Storage.EastUS' },
    ],
  });
  emu = await startEmulator({ estate: [...nsg.rows, ...vm, rt] });
  clients = createAzureClients({
    armEndpoint: emu.endpoint,
    caCert: emu.caCert,
    credential: new StaticTokenCredential(emu.issueToken()),
  });
});
afterAll(() => emu?.stop());

describe('service tags (Discovery API)', () => {
  it('lists tags in the published shape, regions from each tag, AzureCloud.germanywc for germanywestcentral', async () => {
    const body = await readServiceTags(clients, SUB, 'westeurope');
    expect(body).toMatchObject({ type: 'Microsoft.Network/serviceTags', cloud: 'Public' });
    const catalogue = ServiceTagCatalogue.fromBodies([body]);
    expect(catalogue.regional('Storage', 'eastus')?.name).toBe('Storage.EastUS');
    expect(catalogue.regional('AzureCloud', 'germanywestcentral')?.name).toBe('AzureCloud.germanywc');
    expect(catalogue.regional('AzureCloud', 'norwayeast')?.name).toBe('AzureCloud.norwaye');
    // Storage's ranges lie inside AzureCloud's, as in the real list.
    const storage = catalogue.regional('Storage', 'eastus');
    const cloud = catalogue.regional('AzureCloud', 'eastus');
    expect(storage && cloud && cloud.ipv4.covers(storage.ipv4)).toBe(true);
  });

  it('refuses a location the cloud does not have', async () => {
    await expect(readServiceTags(clients, SUB, 'atlantis')).rejects.toMatchObject({
      code: 'LocationNotAvailableForResourceType',
    });
  });
});

describe('effective network security groups', () => {
  it("returns the subnet's NSG with its rules, tags expanded to prefixes", async () => {
    const nicName = 'vm1-nic';
    const poller = clients.network(SUB).networkInterfaces.listEffectiveNetworkSecurityGroups('RG-App', nicName);
    const result = await poller.pollUntilDone();
    const entry = result.value?.[0];
    expect(entry?.association?.subnet?.id?.toLowerCase()).toBe(locked.subnetId.toLowerCase());
    const allow = entry?.effectiveSecurityRules?.find((r) => r.name === 'securityRules/Allow-Storage-Tag');
    expect(allow).toMatchObject({ destinationAddressPrefix: 'Storage.EastUS', access: 'Allow', priority: 310 });
    expect(allow?.expandedDestinationAddressPrefix).toEqual(expect.arrayContaining(storageEastUs));
    expect(entry?.effectiveSecurityRules?.some((r) => r.name === 'defaultSecurityRules/DenyAllOutBound')).toBe(true);
  });
});

describe('a sweep over Resource Graph with service tags', () => {
  it('reads route tables and evaluates raw CIDRs exactly: a partial block, and the appliance hop', async () => {
    const graph = new ResourceGraphInventory({ clients, baseDelayMs: 20, maxDelayMs: 200 });
    const rows = await new ServiceTagsInventory(graph, clients).fetchRows({
      subscriptions: [SUB],
      managementGroups: [],
    });
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-08T00:00:00Z'));
    const egress = report.findings.find((f) => f.ruleId === 'nsg-blocks-backup-egress');
    expect(egress?.details).toMatchObject({
      addressEvaluation: 'exact',
      verdict: 'partially-blocked',
      decidedBy: 'nsg',
    });
    const appliance = report.findings.find((f) => f.ruleId === 'backup-egress-via-appliance');
    expect(appliance?.details).toMatchObject({ hops: [{ routeTable: 'rt-cidr', nextHopIpAddress: '10.9.0.4' }] });
    expect(report.summary.coverage?.degraded).toBeUndefined();
  });

  it('without the service tags read permission, falls back to tag names and says so in coverage', async () => {
    const denied = await startEmulator({ estate: [...locked.rows, ...vm] });
    try {
      const c = createAzureClients({
        armEndpoint: denied.endpoint,
        caCert: denied.caCert,
        credential: new StaticTokenCredential(denied.issueToken()),
      });
      const rows = await new ServiceTagsInventory(
        { fetchRows: () => Promise.resolve([...locked.rows, ...vm.map((r) => ({ ...r, location: 'atlantis' }))]) },
        c,
      ).fetchRows({ subscriptions: [SUB], managementGroups: [] });
      const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-08T00:00:00Z'));
      expect(report.summary.coverage?.degraded?.[0]).toMatch(
        /tag name only in atlantis \(LocationNotAvailableForResourceType/,
      );
    } finally {
      await denied.stop();
    }
  });
});
