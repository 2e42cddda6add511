import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/core/engine-config';
import { evaluate, exemptionOf } from '../../src/core/evaluate';
import { Inventory } from '../../src/core/inventory';
import type { Finding } from '../../src/core/model';
import { RULES } from '../../src/core/rules';
import type { VmRule } from '../../src/core/rules/types';
import { compareVersions } from '../../src/core/rules/vm-agent-unhealthy';
import {
  aNetwork,
  aProtectedItem,
  aVault,
  aVm,
  anNsg,
  nsgId,
  OTHER_SUB,
  SUB,
  vaultId,
  vmId,
} from '../fixtures/builders/rows';

const NOW = new Date('2026-12-01T12:00:00Z');

function findings(rows: unknown[], config: Partial<EngineConfig> = {}, now = NOW): Finding[] {
  return evaluate(Inventory.fromRows(rows), { ...DEFAULT_ENGINE_CONFIG, ...config }, now).findings;
}

function of(rule: string, rows: unknown[], config: Partial<EngineConfig> = {}): Finding[] {
  return findings(rows, config).filter((f) => f.ruleId === rule);
}

const net = aNetwork();
const eusVault = aVault('rsv-backup-eastus');

describe('rule registry', () => {
  it('has unique kebab-case ids', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
  });

  it('names only remediation kinds the planner produces', () => {
    const kinds = ['create-vault', 'enable-protection', 'add-nsg-rule', 'trigger-backup'];
    for (const r of RULES) if (r.remediation) expect(kinds).toContain(r.remediation);
    expect(
      RULES.filter((r) => r.remediation)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['nsg-blocks-backup-egress', 'vault-region-mismatch', 'vm-protection-unhealthy', 'vm-unprotected']);
  });

  it('turns a rule that throws into an error finding and keeps evaluating', () => {
    const broken: VmRule = {
      id: 'broken-rule',
      severity: 'low',
      subject: 'virtualMachine',
      description: 'throws',
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const rows = [...net.rows, ...aVm({ subnetId: net.subnetId })];
    const result = evaluate(Inventory.fromRows(rows), DEFAULT_ENGINE_CONFIG, NOW, [broken, ...RULES]);
    const error = result.findings.find((f) => f.ruleId === 'broken-rule');
    expect(error).toMatchObject({
      status: 'open',
      message: "rule 'broken-rule' failed: boom",
      details: { ruleError: true },
    });
    expect(result.findings.some((f) => f.ruleId === 'vm-unprotected')).toBe(true);
  });
});

describe('vm-unprotected', () => {
  it('fires for a VM with no protected item', () => {
    const f = of('vm-unprotected', [...net.rows, ...aVm({ subnetId: net.subnetId })]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      resourceId: vmId('vm1'),
      severity: 'high',
      status: 'open',
      details: { location: 'eastus', subscriptionId: SUB },
    });
  });

  it('passes when a protected item names the VM in lower case (Resource Graph mixes cases)', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      eusVault,
      aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm1')),
    ];
    expect(of('vm-unprotected', rows)).toEqual([]);
  });

  it('counts a vault in another subscription of the tenant', () => {
    const otherVault = vaultId('rsv-central', 'rg-shared', OTHER_SUB);
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-central', { rg: 'rg-shared', sub: OTHER_SUB }),
      aProtectedItem(otherVault, vmId('vm1')),
    ];
    expect(of('vm-unprotected', rows)).toEqual([]);
  });

  it('counts a stopped or soft-deleted item as protected (flagged by vm-protection-unhealthy instead)', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      eusVault,
      aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm1'), { state: 'SoftDeleted' }),
    ];
    expect(of('vm-unprotected', rows)).toEqual([]);
    expect(of('vm-protection-unhealthy', rows)).toHaveLength(1);
  });
});

describe('vm-protection-unhealthy', () => {
  it.each(['ProtectionStopped', 'ProtectionError', 'ConfiguringProtectionFailed', 'SoftDeleted'])(
    'fires for %s',
    (state) => {
      const rows = [
        ...net.rows,
        ...aVm({ subnetId: net.subnetId }),
        eusVault,
        aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm1'), { state }),
      ];
      const f = of('vm-protection-unhealthy', rows);
      expect(f).toHaveLength(1);
      expect(f[0]).toMatchObject({
        severity: 'medium',
        resourceId: vmId('vm1'),
        message: `VM 'vm1' protection is ${state}`,
      });
    },
  );

  it.each(['ProtectionConfigured', 'ConfiguringProtection'])('passes for %s', (state) => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      eusVault,
      aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm1'), { state }),
    ];
    expect(of('vm-protection-unhealthy', rows)).toEqual([]);
  });
});

describe('vault-region-mismatch', () => {
  it('fires, report-only, when the VM is protected by a vault in another region', () => {
    const weuVault = vaultId('rsv-weu');
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      aVault('rsv-weu', { location: 'westeurope' }),
      aProtectedItem(weuVault, vmId('vm1'), { location: 'westeurope' }),
    ];
    const f = of('vault-region-mismatch', rows);
    expect(f).toHaveLength(1);
    expect(f[0]?.details).toMatchObject({
      case: 'protected-in-other-region',
      vaultId: weuVault,
      vaultLocation: 'westeurope',
      vmLocation: 'eastus',
      remediable: false,
    });
  });

  it('fires when the designated vault (backup-vault tag) is in another region', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId, tags: { 'backup-vault': 'rsv-weu' } }),
      aVault('rsv-weu', { location: 'westeurope' }),
    ];
    const f = of('vault-region-mismatch', rows);
    expect(f).toHaveLength(1);
    expect(f[0]?.details).toMatchObject({
      case: 'designated-vault-in-other-region',
      vaultLocation: 'westeurope',
      remediable: true,
    });
  });

  it('honours a configured vault tag name, case-insensitively', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId, tags: { BackupVault: 'RSV-WEU' } }),
      aVault('rsv-weu', { location: 'westeurope' }),
    ];
    expect(of('vault-region-mismatch', rows, { vaultTag: 'backupvault' })).toHaveLength(1);
    expect(of('vault-region-mismatch', rows)).toEqual([]);
  });

  it('passes when the designated vault is in the VM region, or does not exist', () => {
    const same = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId, tags: { 'backup-vault': 'rsv-backup-eastus' } }),
      eusVault,
    ];
    expect(of('vault-region-mismatch', same)).toEqual([]);
    const missing = [...net.rows, ...aVm({ subnetId: net.subnetId, tags: { 'backup-vault': 'rsv-nowhere' } })];
    expect(of('vault-region-mismatch', missing)).toEqual([]);
  });

  it('passes when the protecting vault is in the VM region', () => {
    const rows = [
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
      eusVault,
      aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm1')),
    ];
    expect(of('vault-region-mismatch', rows)).toEqual([]);
  });
});

describe('nsg-blocks-backup-egress', () => {
  const denyInternet = { name: 'Deny-Internet', priority: 4000, access: 'Deny', destination: 'Internet' };

  it('fires on the VM when the subnet NSG denies Internet egress, naming NSG, rule, priority and ports', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const f = of('nsg-blocks-backup-egress', [...n.rows, ...aVm({ subnetId: n.subnetId })]);
    expect(f).toHaveLength(1);
    expect(f[0]?.resourceId).toBe(vmId('vm1'));
    expect(f[0]?.details).toEqual({
      serviceTag: 'Storage.EastUS',
      requiredPorts: [443, 8443],
      verdict: 'blocked',
      blockedShare: 1,
      decidedBy: 'nsg',
      addressEvaluation: 'tag-names',
      ports: [
        { port: 443, blockedShare: 1 },
        { port: 8443, blockedShare: 1 },
      ],
      adminRules: [],
      routes: [],
      blocking: [
        {
          nsgId: nsgId('nsg-net1'),
          nsgName: 'nsg-net1',
          rule: 'Deny-Internet',
          priority: 4000,
          port: 443,
          explicitStorageDeny: false,
          share: 1,
        },
        {
          nsgId: nsgId('nsg-net1'),
          nsgName: 'nsg-net1',
          rule: 'Deny-Internet',
          priority: 4000,
          port: 8443,
          explicitStorageDeny: false,
          share: 1,
        },
      ],
    });
  });

  it('needs only 443 for an unmanaged OS disk, and 80 when configured', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const rows = [...n.rows, ...aVm({ subnetId: n.subnetId, managed: false })];
    expect(of('nsg-blocks-backup-egress', rows)[0]?.details.requiredPorts).toEqual([443]);
    expect(of('nsg-blocks-backup-egress', rows, { includePort80: true })[0]?.details.requiredPorts).toEqual([80, 443]);
  });

  it('evaluates the NIC NSG as well as the subnet NSG', () => {
    const n = aNetwork({ subnetRules: [] });
    const nicNsg = anNsg('nsg-nic', [
      { name: 'Deny-8443', priority: 500, access: 'Deny', protocol: 'Tcp', ports: '8443' },
    ]);
    const f = of('nsg-blocks-backup-egress', [
      ...n.rows,
      nicNsg,
      ...aVm({ subnetId: n.subnetId, nicNsgId: nsgId('nsg-nic') }),
    ]);
    expect(f).toHaveLength(1);
    expect(f[0]?.details.blocking).toEqual([
      {
        nsgId: nsgId('nsg-nic'),
        nsgName: 'nsg-nic',
        rule: 'Deny-8443',
        priority: 500,
        port: 8443,
        explicitStorageDeny: false,
        share: 1,
      },
    ]);
  });

  it('passes when an allow rule to Storage.<region> sits above the deny', () => {
    const n = aNetwork({
      subnetRules: [
        {
          name: 'Allow-Backup',
          priority: 200,
          access: 'Allow',
          protocol: 'TCP',
          portList: ['443', '8443'],
          destination: 'storage.eastus',
        },
        denyInternet,
      ],
    });
    expect(of('nsg-blocks-backup-egress', [...n.rows, ...aVm({ subnetId: n.subnetId })])).toEqual([]);
  });

  it('applies platform defaults when the row lacks defaultSecurityRules', () => {
    const n = aNetwork({ subnetRules: [], withDefaults: false });
    expect(of('nsg-blocks-backup-egress', [...n.rows, ...aVm({ subnetId: n.subnetId })])).toEqual([]);
  });

  it('marks a deny that explicitly targets Storage', () => {
    const n = aNetwork({
      subnetRules: [{ name: 'Deny-Storage', priority: 150, access: 'Deny', destination: 'Storage.EastUS' }],
    });
    const f = of('nsg-blocks-backup-egress', [...n.rows, ...aVm({ subnetId: n.subnetId })]);
    expect((f[0]?.details.blocking as { explicitStorageDeny: boolean }[]).every((b) => b.explicitStorageDeny)).toBe(
      true,
    );
  });

  it('ignores a UDP deny and a deny for another source CIDR', () => {
    const n = aNetwork({
      subnetRules: [
        { name: 'Deny-Udp', priority: 100, access: 'Deny', protocol: 'Udp' },
        { name: 'Deny-Other-Subnet', priority: 110, access: 'Deny', source: '10.9.0.0/16' },
      ],
    });
    expect(of('nsg-blocks-backup-egress', [...n.rows, ...aVm({ subnetId: n.subnetId, ip: '10.0.1.4' })])).toEqual([]);
  });

  it('lets an ASG-scoped allow rule through only for members', () => {
    const asg = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/applicationSecurityGroups/asg-backup`;
    const n = aNetwork({
      subnetRules: [
        {
          name: 'Allow-ASG',
          priority: 200,
          access: 'Allow',
          protocol: 'Tcp',
          portList: ['443', '8443'],
          destination: 'Storage',
          sourceAsgs: [asg],
        },
        denyInternet,
      ],
    });
    const rows = [
      ...n.rows,
      ...aVm({ name: 'member', subnetId: n.subnetId, asgs: [asg] }),
      ...aVm({ name: 'outsider', subnetId: n.subnetId, ip: '10.0.1.5' }),
    ];
    expect(of('nsg-blocks-backup-egress', rows).map((f) => f.resourceId)).toEqual([vmId('outsider')]);
  });

  it('warns and evaluates what it can when the NIC is missing from the snapshot', () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const [vm] = aVm({ subnetId: n.subnetId });
    const result = evaluate(Inventory.fromRows([...n.rows, vm]), DEFAULT_ENGINE_CONFIG, NOW);
    expect(result.findings.filter((f) => f.ruleId === 'nsg-blocks-backup-egress')).toEqual([]);
    expect(result.warnings.some((w) => w.includes('vm1-nic') && w.includes('not in the inventory'))).toBe(true);
  });
});

describe('vm-agent-unhealthy', () => {
  const withAgent = (agent: unknown, opts: { os?: 'Windows' | 'Linux'; power?: string } = {}) => {
    const [vm, nic] = aVm({ subnetId: net.subnetId, ...(opts.os ? { os: opts.os } : {}) });
    const props = (vm as { properties: Record<string, unknown> }).properties;
    props.instanceView = { vmAgent: agent, statuses: [{ code: opts.power ?? 'PowerState/running' }] };
    delete props.extended;
    return of('vm-agent-unhealthy', [...net.rows, vm, nic]);
  };
  const ready = (version: string) => ({
    vmAgentVersion: version,
    statuses: [{ code: 'ProvisioningState/succeeded', displayStatus: 'Ready' }],
  });

  it('is not applicable without an instance view (Resource Graph rows)', () => {
    expect(of('vm-agent-unhealthy', [...net.rows, ...aVm({ subnetId: net.subnetId })])).toEqual([]);
  });
  it('fires when the agent is absent', () => expect(withAgent(undefined)[0]?.details).toEqual({ reason: 'absent' }));
  it('fires when the agent is Not Ready', () =>
    expect(withAgent({ vmAgentVersion: '2.7.1', statuses: [{ displayStatus: 'Not Ready' }] })[0]?.details.reason).toBe(
      'not-ready',
    ));
  it('fires for a Windows agent older than 2.6.1198.718', () =>
    expect(withAgent(ready('2.6.1198.700'), { os: 'Windows' })[0]?.details.reason).toBe('outdated'));
  it('passes a current Windows agent and any Ready Linux agent', () => {
    expect(withAgent(ready('2.7.41491.949'), { os: 'Windows' })).toEqual([]);
    expect(withAgent(ready('2.2.10'), { os: 'Linux' })).toEqual([]);
  });
  it('is not applicable while the VM is deallocated', () =>
    expect(withAgent(undefined, { power: 'PowerState/deallocated' })).toEqual([]));
  it('compares versions numerically', () => {
    expect(compareVersions('2.6.1198.718', '2.6.1198.72')).toBeGreaterThan(0);
    expect(compareVersions('2.10', '2.9.9')).toBeGreaterThan(0);
    expect(compareVersions('2.6', '2.6.0.0')).toBe(0);
  });
});

describe('vault-redundancy-mismatch', () => {
  it('fires for a vault whose redundancy differs from the configured one', () => {
    const f = of('vault-redundancy-mismatch', [aVault('rsv-lrs', { redundancy: 'LocallyRedundant' })]);
    expect(f).toEqual([
      expect.objectContaining({
        resourceId: vaultId('rsv-lrs'),
        severity: 'low',
        details: { storageRedundancy: 'LocallyRedundant', expected: 'GeoRedundant' },
      }),
    ]);
  });
  it('follows the configured redundancy', () => {
    expect(
      of('vault-redundancy-mismatch', [aVault('rsv-lrs', { redundancy: 'LocallyRedundant' })], {
        storageRedundancy: 'LocallyRedundant',
      }),
    ).toEqual([]);
  });
  it('passes a vault whose row does not report redundancy', () => {
    const v = aVault('rsv-old');
    delete (v as { properties: Record<string, unknown> }).properties.redundancySettings;
    expect(of('vault-redundancy-mismatch', [v])).toEqual([]);
  });
});

describe('orphaned-protected-item', () => {
  it('fires when the source VM is gone but its subscription is in the snapshot', () => {
    const item = aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm-deleted'));
    const f = of('orphaned-protected-item', [...net.rows, ...aVm({ subnetId: net.subnetId }), eusVault, item]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ resourceId: item.id, severity: 'low' });
  });
  it('does not judge items whose VM subscription is outside the snapshot', () => {
    const item = aProtectedItem(vaultId('rsv-backup-eastus'), vmId('vm-elsewhere', 'rg', OTHER_SUB));
    expect(of('orphaned-protected-item', [eusVault, item])).toEqual([]);
  });
});

describe('exemptions', () => {
  const exempt = (value: string, now = NOW) =>
    exemptionOf({ 'backup-exempt': value }, DEFAULT_ENGINE_CONFIG, now, 'vm');
  it('exempts for good with true or an empty value', () => {
    expect(exempt('true')).toEqual({ exempt: true });
    expect(exempt('TRUE')).toEqual({ exempt: true });
    expect(exempt('')).toEqual({ exempt: true });
  });
  it('exempts until the end of an ISO date, UTC', () => {
    expect(exempt('2026-12-01', new Date('2026-12-01T23:59:59Z'))).toEqual({ exempt: true, until: '2026-12-01' });
    expect(exempt('2026-12-01', new Date('2026-12-02T00:00:00Z'))).toEqual({ exempt: false, expired: '2026-12-01' });
  });
  it('warns about any other value and does not exempt', () => {
    const e = exempt('yes please');
    expect(e.exempt).toBe(false);
    expect(e).toHaveProperty('warning', expect.stringContaining("'yes please'"));
    expect(exempt('2026-02-30').exempt).toBe(false);
  });
  it('marks every finding of an exempt VM exempt, and warns for a bad value', () => {
    const n = aNetwork({
      subnetRules: [{ name: 'Deny-Internet', priority: 4000, access: 'Deny', destination: 'Internet' }],
    });
    const rows = [
      ...n.rows,
      ...aVm({ name: 'vm-x', subnetId: n.subnetId, tags: { 'Backup-Exempt': 'true' } }),
      ...aVm({ name: 'vm-y', subnetId: n.subnetId, ip: '10.0.1.9', tags: { 'backup-exempt': 'maybe' } }),
    ];
    const result = evaluate(Inventory.fromRows(rows), DEFAULT_ENGINE_CONFIG, NOW);
    expect(result.findings.filter((f) => f.resourceId === vmId('vm-x')).map((f) => f.status)).toEqual([
      'exempt',
      'exempt',
    ]);
    expect(result.findings.filter((f) => f.resourceId === vmId('vm-y')).map((f) => f.status)).toEqual(['open', 'open']);
    expect(result.warnings.filter((w) => w.includes("'maybe'"))).toHaveLength(1);
  });
});

describe('bad rows', () => {
  it('reports a bad row with its index and id, and still evaluates the rest', () => {
    const rows = [
      {
        id: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/bad',
        type: 'microsoft.compute/virtualmachines',
      },
      42,
      ...net.rows,
      ...aVm({ subnetId: net.subnetId }),
    ];
    const result = evaluate(Inventory.fromRows(rows), DEFAULT_ENGINE_CONFIG, NOW);
    expect(result.warnings[0]).toBe(
      'row 0 (/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/bad): location: required for a virtual machine',
    );
    expect(result.warnings[1]).toMatch(/^row 1: /);
    expect(result.findings.some((f) => f.ruleId === 'vm-unprotected' && f.resourceId === vmId('vm1'))).toBe(true);
  });
});
