/**
 * The network path beyond the NSGs, rule by rule, each case with what Microsoft documents
 * (docs/azure-facts.md §11): Virtual Network Manager security admin rules are evaluated before NSGs (Deny
 * blocks, AlwaysAllow allows, Allow hands on); routes are chosen by longest prefix match, user routes
 * override the system route to the Internet; Azure Firewall evaluates network rules before application rules,
 * by priority, and denies what nothing allows.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { assess } from '../../src/core/engine';
import { evaluate } from '../../src/core/evaluate';
import { Inventory } from '../../src/core/inventory';
import type { Finding } from '../../src/core/model';
import {
  aFirewall,
  aFirewallPolicy,
  aNetworkRule,
  aRouteTable,
  aRuleCollectionGroup,
  anAdminConfiguration,
  anApplicationRule,
} from '../fixtures/builders/network';
import { aNetwork, aVm, anNsg } from '../fixtures/builders/rows';
import { STORAGE_EASTUS, aPublicCloud } from '../fixtures/builders/serviceTags';

const NOW = new Date('2026-12-08T06:00:00Z');
const net = aNetwork({ subnetRules: [] });
const vnetId = net.subnetId.replace(/\/subnets\/[^/]+$/, '');
const vm = aVm({ subnetId: net.subnetId });
const tags = aPublicCloud();

function run(rows: unknown[]): { findings: Finding[]; warnings: string[] } {
  return evaluate(Inventory.fromRows(rows), DEFAULT_ENGINE_CONFIG, NOW);
}
const of = (rule: string, rows: unknown[]): Finding[] => run(rows).findings.filter((f) => f.ruleId === rule);

const firewall = aFirewall('afw-hub', '10.100.0.4', 'afwp-hub');
const policy = aFirewallPolicy('afwp-hub');
const toFirewall = aRouteTable(
  'rt-spoke',
  [
    {
      name: 'default-to-firewall',
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.100.0.4',
    },
  ],
  [net.subnetId],
);

describe('backup-egress-via-appliance', () => {
  it('a UDR to an Azure Firewall that allows the AzureBackup FQDN tag on 443 and Storage on 8443: medium, allows', () => {
    // Seed guide, Azure Firewall option: the AzureBackup FQDN tag, and 8443 opened separately for managed disks.
    const group = aRuleCollectionGroup('afwp-hub', 'rcg-backup', 200, [
      {
        name: 'net',
        priority: 100,
        action: 'Allow',
        rules: [aNetworkRule('storage-8443', ['Storage.EastUS'], ['8443'])],
      },
      {
        name: 'app',
        priority: 200,
        action: 'Allow',
        rules: [anApplicationRule('azure-backup', ['AzureBackup'], [443])],
      },
    ]);
    const f = of('backup-egress-via-appliance', [...net.rows, ...vm, toFirewall, firewall, policy, group, tags]);
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('medium');
    expect(f[0]?.details).toMatchObject({
      firewallVerdict: 'allows',
      hops: [
        {
          routeTable: 'rt-spoke',
          route: 'default-to-firewall',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.100.0.4',
          share: 1,
          firewall: {
            name: 'afw-hub',
            ports: [
              { port: 443, allowed: true, decidedBy: 'rcg-backup/app/azure-backup' },
              { port: 8443, allowed: true, decidedBy: 'rcg-backup/net/storage-8443' },
            ],
          },
        },
      ],
    });
  });

  it('a UDR to an Azure Firewall that allows only 443: high, blocks, 8443 meets the default deny', () => {
    // Azure Firewall denies by default what no rule allows; managed disks need 8443.
    const group = aRuleCollectionGroup('afwp-hub', 'rcg-backup', 200, [
      {
        name: 'app',
        priority: 200,
        action: 'Allow',
        rules: [anApplicationRule('azure-backup', ['AzureBackup'], [443])],
      },
    ]);
    const f = of('backup-egress-via-appliance', [...net.rows, ...vm, toFirewall, firewall, policy, group, tags]);
    expect(f[0]?.severity).toBe('high');
    expect(f[0]?.details).toMatchObject({ firewallVerdict: 'blocks' });
    expect(f[0]?.message).toContain('8443: default-deny');
  });

  it('a network-rule Deny to Storage before the allow blocks (network rules first, then by priority)', () => {
    const group = aRuleCollectionGroup('afwp-hub', 'rcg-backup', 200, [
      {
        name: 'deny-storage',
        priority: 100,
        action: 'Deny',
        rules: [aNetworkRule('deny', ['Storage'], ['443', '8443'])],
      },
      {
        name: 'app',
        priority: 200,
        action: 'Allow',
        rules: [anApplicationRule('azure-backup', ['AzureBackup'], [443, 8443])],
      },
    ]);
    const f = of('backup-egress-via-appliance', [...net.rows, ...vm, toFirewall, firewall, policy, group, tags]);
    expect(f[0]?.details).toMatchObject({ firewallVerdict: 'blocks' });
  });

  it('forced tunnelling (0.0.0.0/0 to the VPN gateway) is reported, not evaluated', () => {
    // A default route to VirtualNetworkGateway sends Internet-bound traffic on-premises.
    const rt = aRouteTable(
      'rt-forced',
      [{ name: 'forced', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualNetworkGateway' }],
      [net.subnetId],
    );
    const f = of('backup-egress-via-appliance', [...net.rows, ...vm, rt, tags]);
    expect(f[0]?.details).toMatchObject({
      firewallVerdict: 'not-evaluated',
      hops: [{ nextHopType: 'VirtualNetworkGateway' }],
    });
    expect(f[0]?.severity).toBe('medium');
  });

  it('longest prefix wins: Storage.EastUS → Internet beside 0.0.0.0/0 → appliance passes', () => {
    // A service-tag route is longer than /0 for every Storage address, so it carries all backup traffic.
    const rt = aRouteTable(
      'rt-split',
      [
        {
          name: 'default',
          addressPrefix: '0.0.0.0/0',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.100.0.4',
        },
        { name: 'storage-direct', addressPrefix: 'Storage.EastUS', nextHopType: 'Internet' },
      ],
      [net.subnetId],
    );
    expect(of('backup-egress-via-appliance', [...net.rows, ...vm, rt, tags])).toEqual([]);
  });

  it('a /24 of Storage to an appliance carries only its share', () => {
    const rt = aRouteTable(
      'rt-part',
      [
        {
          name: 'part',
          addressPrefix: STORAGE_EASTUS[0] as string,
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.9.9.9',
        },
      ],
      [net.subnetId],
    );
    const f = of('backup-egress-via-appliance', [...net.rows, ...vm, rt, tags]);
    expect(f[0]?.details).toMatchObject({ hops: [{ route: 'part', share: 0.111111 }] });
  });

  it('no route table, or routes only to private ranges: passes', () => {
    const rt = aRouteTable(
      'rt-onprem',
      [{ name: 'onprem', addressPrefix: '192.168.0.0/16', nextHopType: 'VirtualNetworkGateway' }],
      [net.subnetId],
    );
    expect(of('backup-egress-via-appliance', [...net.rows, ...vm, tags])).toEqual([]);
    expect(of('backup-egress-via-appliance', [...net.rows, ...vm, rt, tags])).toEqual([]);
  });
});

describe('nsg-blocks-backup-egress on the whole path', () => {
  const denyAllNsg = aNetwork({
    name: 'locked',
    subnetRules: [{ name: 'Deny-All', priority: 4000, access: 'Deny', protocol: '*' }],
  });
  const lockedVm = aVm({ subnetId: denyAllNsg.subnetId });
  const lockedVnet = denyAllNsg.subnetId.replace(/\/subnets\/[^/]+$/, '');

  it('an admin Deny blocks though the NSGs allow, and is never planned as an NSG rule', () => {
    const rows = [
      ...net.rows,
      ...vm,
      ...anAdminConfiguration(
        [vnetId],
        [{ name: 'deny-storage', priority: 10, access: 'Deny', destination: 'Storage' }],
      ),
      tags,
    ];
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, NOW);
    const f = report.findings.find((x) => x.ruleId === 'nsg-blocks-backup-egress');
    expect(f?.details).toMatchObject({
      verdict: 'blocked',
      decidedBy: 'security-admin-rule',
      blocking: [],
      adminRules: [
        { name: 'deny-storage', priority: 10, port: 443, share: 1 },
        { name: 'deny-storage', priority: 10, port: 8443, share: 1 },
      ],
    });
    expect(f?.details.notFixableByNsgRule).toMatch(/security admin rule/);
    expect(report.actions.filter((a) => a.kind === 'add-nsg-rule')).toEqual([]);
  });

  it('an admin AlwaysAllow allows whatever the NSGs say', () => {
    const rows = [
      ...denyAllNsg.rows,
      ...lockedVm,
      ...anAdminConfiguration(
        [lockedVnet],
        [{ name: 'always-storage', priority: 10, access: 'AlwaysAllow', destination: 'Storage' }],
      ),
      tags,
    ];
    expect(of('nsg-blocks-backup-egress', rows)).toEqual([]);
  });

  it('an admin Allow hands on to the NSGs, which still block', () => {
    const rows = [
      ...denyAllNsg.rows,
      ...lockedVm,
      ...anAdminConfiguration(
        [lockedVnet],
        [{ name: 'allow-storage', priority: 10, access: 'Allow', destination: 'Storage' }],
      ),
      tags,
    ];
    expect(of('nsg-blocks-backup-egress', rows)[0]?.details).toMatchObject({ decidedBy: 'nsg', verdict: 'blocked' });
  });

  it('admin rules of a network group the VNet is not in do not apply', () => {
    const rows = [
      ...net.rows,
      ...vm,
      ...anAdminConfiguration(
        ['/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/other'],
        [{ name: 'deny-storage', priority: 10, access: 'Deny', destination: 'Storage' }],
      ),
      tags,
    ];
    expect(of('nsg-blocks-backup-egress', rows)).toEqual([]);
  });

  it("a route with next hop 'None' to Storage drops it: decided by route, not planned", () => {
    const rt = aRouteTable(
      'rt-drop',
      [{ name: 'blackhole', addressPrefix: 'Storage.EastUS', nextHopType: 'None' }],
      [net.subnetId],
    );
    const { report } = assess([...net.rows, ...vm, rt, tags], DEFAULT_ENGINE_CONFIG, NOW);
    const f = report.findings.find((x) => x.ruleId === 'nsg-blocks-backup-egress');
    expect(f?.details).toMatchObject({
      decidedBy: 'route',
      verdict: 'blocked',
      routes: [{ route: 'blackhole', share: 1 }],
    });
    expect(report.actions.filter((a) => a.kind === 'add-nsg-rule')).toEqual([]);
  });

  it('a deny to one Storage CIDR is partially-blocked with its share, and the narrow rule is planned', () => {
    const n = aNetwork({
      name: 'part',
      subnetRules: [
        { name: 'Deny-One', priority: 300, access: 'Deny', protocol: 'Tcp', destination: STORAGE_EASTUS[0] as string },
      ],
    });
    const { report } = assess([...n.rows, ...aVm({ subnetId: n.subnetId }), tags], DEFAULT_ENGINE_CONFIG, NOW);
    const f = report.findings.find((x) => x.ruleId === 'nsg-blocks-backup-egress');
    expect(f?.details).toMatchObject({
      verdict: 'partially-blocked',
      decidedBy: 'nsg',
      addressEvaluation: 'exact',
      blockedShare: 0.111111,
    });
    expect(report.actions.find((a) => a.kind === 'add-nsg-rule')).toMatchObject({
      params: { priority: 299, destinationAddressPrefix: 'Storage.EastUS' },
    });
  });

  it('without service tags it falls back to tag names, and says so in the finding and the warnings', () => {
    const n = aNetwork({
      name: 'fb',
      subnetRules: [
        {
          name: 'Deny-Halves',
          priority: 300,
          access: 'Deny',
          protocol: 'Tcp',
          destinations: ['0.0.0.0/1', '128.0.0.0/1'],
        },
      ],
    });
    const rows = [...n.rows, ...aVm({ subnetId: n.subnetId })];
    const { findings } = run(rows);
    expect(findings.find((x) => x.ruleId === 'nsg-blocks-backup-egress')?.details).toMatchObject({
      addressEvaluation: 'tag-names',
      verdict: 'blocked',
    });
    expect(assess(rows, DEFAULT_ENGINE_CONFIG, NOW).report.summary.coverage.degraded).toEqual([
      'service tags: NSG prefixes evaluated by tag name only in eastus (the Service Tag Discovery API was not read)',
    ]);
  });

  it('a service-tags row that could not be read is named in summary.coverage', () => {
    const unreadable = {
      id: '/subscriptions/s/providers/Microsoft.Network/serviceTags/public',
      type: 'Microsoft.Network/serviceTags',
      error: 'AuthorizationFailed: no read on locations/serviceTags',
    };
    const { report } = assess([...denyAllNsg.rows, ...lockedVm, unreadable], DEFAULT_ENGINE_CONFIG, NOW);
    expect(report.summary.coverage.degraded?.[0]).toMatch(/AuthorizationFailed/);
  });

  it('a malformed route table is a row problem, and the rest is still evaluated', () => {
    const bad = {
      id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/routeTables/rt',
      type: 'microsoft.network/routetables',
      properties: { routes: [{ name: 'x', properties: {} }] },
    };
    const inv = Inventory.fromRows([...net.rows, ...vm, bad, anNsg('nsg-x', [])]);
    expect(inv.problems[0]?.message).toMatch(/routes\.0\.properties\.addressPrefix/);
    expect(inv.virtualMachines).toHaveLength(1);
  });
});
