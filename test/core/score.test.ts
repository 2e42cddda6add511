import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import {
  backupStatusOf,
  coverageMatrixOf,
  formatScore,
  projectedScoreOf,
  scorecardOf,
  standingsOf,
  subscriptionNamesOf,
  trendOf,
} from '../../src/core/score';
import { egressOf, findVms, reasonMeaning, whyRule } from '../../src/core/explain';
import { aRule } from '../fixtures/builders/nsg';

const NOW = new Date('2026-12-01T00:00:00Z');
const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] }).data;
const { report, inventory } = assess(rows, DEFAULT_ENGINE_CONFIG, NOW);
const standings = standingsOf(inventory, report, DEFAULT_ENGINE_CONFIG, NOW, backupStatusOf(rows));
const PROD = '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70';
const DEV = 'b7e2d9c4-1a3f-4e8b-9c0d-5f6a7b8c9d01';

describe('the compliance score', () => {
  it('counts compliant VMs of the VMs in scope, exempt VMs apart', () => {
    const card = scorecardOf(standings);
    expect(card.overall).toEqual({ compliant: 3, inScope: 35, exempt: 3, percent: 8.5 });
    expect(card.bySubscription[PROD]).toEqual({ compliant: 3, inScope: 26, exempt: 2, percent: 11.5 });
    expect(card.bySubscription[DEV]).toEqual({ compliant: 0, inScope: 9, exempt: 1, percent: 0 });
    expect(Object.keys(card.byRegion).sort()).toEqual(['eastus', 'japaneast', 'westeurope']);
    expect(formatScore(card.overall)).toBe('8.5% (3 of 35 VMs)');
  });

  it('is n/a, never 100%, when no VM is in scope', () => {
    const card = scorecardOf(standings.filter((s) => s.verdict === 'exempt'));
    expect(card.overall.percent).toBeNull();
    expect(formatScore(card.overall)).toBe('n/a (no VM in scope)');
    expect(scorecardOf([]).overall).toEqual({ compliant: 0, inScope: 0, exempt: 0, percent: null });
  });

  it('gives each VM its findings, protection with the last backup, and the actions that resolve them', () => {
    const vm = standings.find((s) => s.name === 'vm-app-eus-05');
    expect(vm?.verdict).toBe('non-compliant');
    expect(vm?.findings.map((f) => f.ruleId)).toEqual(['vm-unprotected', 'vault-region-mismatch']);
    expect(vm?.actionIndexes.map((i) => report.actions[i]?.kind)).toEqual(['enable-protection']);
    const protectedVm = standings.find((s) => s.name === 'vm-app-eus-06');
    expect(protectedVm?.protection[0]).toMatchObject({
      vaultName: 'rsv-backup-eastus',
      vaultLocation: 'eastus',
      policyName: 'DefaultPolicy',
      protectionState: 'ProtectionStopped',
      lastBackupStatus: 'Failed',
    });
    expect(standings.find((s) => s.name === 'vm-sql-eus-03')).toMatchObject({
      verdict: 'exempt',
      exemptUntil: '2099-12-31',
    });
  });

  it('projects the score the plan reaches when every action succeeds', () => {
    expect(projectedScoreOf(standings, report)).toEqual({ compliant: 25, inScope: 35, exempt: 3, percent: 71.4 });
    expect(projectedScoreOf(standings, { ...report, actions: [] }).compliant).toBe(3);
  });
});

describe('vault coverage', () => {
  it('shows, per region and subscription, the VMs protected and the vaults there', () => {
    const matrix = coverageMatrixOf(inventory);
    expect(matrix.find((c) => c.location === 'japaneast')).toEqual({
      subscriptionId: PROD,
      location: 'japaneast',
      vms: 4,
      protectedVms: 0,
      vaults: [],
    });
    expect(matrix.find((c) => c.location === 'eastus' && c.subscriptionId === PROD)).toMatchObject({
      vms: 16,
      vaults: ['rsv-backup-eastus'],
    });
  });
});

describe('history and names', () => {
  const vm = standings.find((s) => s.name === 'vm-app-eus-03');
  it('draws the trend from the ledger: a VM is non-compliant while one of its findings is open', () => {
    const inScope = standings.filter((s) => s.verdict !== 'exempt').length;
    const entries = standings
      .filter((s) => s.verdict === 'non-compliant')
      .map((s) => ({
        resourceId: s.id,
        status: s.id === vm?.id ? 'resolved' : 'open',
        firstSeen: '2026-11-01T00:00:00Z',
        lastSeen: '2026-11-08T00:00:00Z',
        ...(s.id === vm?.id ? { resolvedAt: '2026-11-08T00:00:00Z' } : {}),
      }));
    const trend = trendOf(entries, standings);
    expect(trend.map((t) => t.at)).toEqual(['2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z']);
    expect(trend[0]?.percent).toBe(Math.floor((1000 * 3) / inScope) / 10);
    expect(trend[1]?.percent).toBe(Math.floor((1000 * 4) / inScope) / 10);
    expect(
      trendOf(
        entries
          .filter((e) => !e.resolvedAt)
          .slice(0, 1)
          .map((e) => ({ ...e, lastSeen: e.firstSeen })),
        standings,
      ),
    ).toEqual([]);
    expect(trendOf(entries, [])).toEqual([]);
  });

  it('reads subscription display names from ResourceContainers rows, not ids repeated as names', () => {
    expect(
      subscriptionNamesOf([
        { type: 'microsoft.resources/subscriptions', subscriptionId: PROD.toUpperCase(), name: 'Contoso Prod' },
        { type: 'microsoft.resources/subscriptions', subscriptionId: DEV, name: DEV },
        { type: 'microsoft.compute/virtualmachines', subscriptionId: DEV, name: 'vm' },
        null,
      ]),
    ).toEqual({ [PROD]: 'Contoso Prod' });
  });

  it('reads the last backup of protected item rows and skips other rows', () => {
    const index = backupStatusOf([
      {
        id: '/x/protectedItems/a',
        type: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
        properties: { lastBackupStatus: 'Completed', lastBackupTime: '2026-11-30T22:00:00Z' },
      },
      { id: '/x/vm', type: 'microsoft.compute/virtualmachines', properties: { lastBackupStatus: 'x' } },
      'junk',
    ]);
    expect([...index]).toEqual([
      ['/x/protecteditems/a', { lastBackupStatus: 'Completed', lastBackupTime: '2026-11-30T22:00:00Z' }],
    ]);
  });
});

describe('explain', () => {
  it('evaluates the NIC NSG then the subnet NSG rule by rule, with the planned rule in place', () => {
    const vm = standings.find((s) => s.name === 'vm-batch-eus-01');
    const [path] = egressOf(inventory, vm?.id ?? '', report, DEFAULT_ENGINE_CONFIG);
    expect(path?.allowed).toBe(false);
    expect(path?.nsgs.map((n) => [n.role, n.nsgName])).toEqual([
      ['network interface', 'nsg-batch-nic'],
      ['subnet', 'nsg-app-eus'],
    ]);
    const nic = path?.nsgs[0];
    expect(nic?.verdicts).toEqual([
      { port: 443, allowed: true, rule: 'Allow-Storage-443', priority: 500 },
      { port: 8443, allowed: false, rule: 'Deny-All-Outbound', priority: 1000 },
    ]);
    expect(nic?.rules.find((r) => r.planned)).toMatchObject({ priority: 999, decidesPorts: [] });
    expect(nic?.rules.find((r) => r.name === 'DenyAllOutBound')?.why).toMatch(/higher priority decides first/);
    expect(
      egressOf(
        inventory,
        '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z',
        report,
        DEFAULT_ENGINE_CONFIG,
      ),
    ).toEqual([]);
  });

  it('says which condition a rule fails', () => {
    const src = { applicationSecurityGroupIds: [], privateIPAddress: '10.0.0.4' };
    expect(whyRule(aRule({ direction: 'Inbound' }), src, 'eastus', 443)).toBe('inbound rule');
    expect(whyRule(aRule({ protocol: 'Udp' }), src, 'eastus', 443)).toBe('protocol Udp is not TCP');
    expect(whyRule(aRule({ sourcePortRanges: ['80'] }), src, 'eastus', 443)).toMatch(/source ports 80/);
    expect(whyRule(aRule({ sourceAddressPrefixes: ['192.168.0.0/16'] }), src, 'eastus', 443)).toBe(
      'source does not include this VM',
    );
    expect(whyRule(aRule({ destinationApplicationSecurityGroupIds: ['/asg'] }), src, 'eastus', 443)).toMatch(
      /application security group/,
    );
    expect(whyRule(aRule({ destinationAddressPrefixes: ['Sql'] }), src, 'eastus', 443)).toMatch(
      /does not cover Storage\.EastUS/,
    );
    expect(whyRule(aRule({ destinationPortRanges: ['22'] }), src, 'eastus', 443)).toMatch(/exclude 443/);
    expect(whyRule(aRule(), src, 'eastus', 443)).toMatch(/^TCP to .* on 443 from this VM$/);
  });

  it('finds VMs by id, resourceGroup/name or name, and explains unplanned reasons in words', () => {
    expect(findVms(standings, 'VM-APP-EUS-01').map((s) => s.name)).toEqual(['vm-app-eus-01']);
    expect(findVms(standings, 'rg-app-eus/vm-app-eus-01')).toHaveLength(1);
    expect(findVms(standings, standings[0]?.id.toUpperCase() ?? '')).toHaveLength(1);
    expect(findVms(standings, 'nope')).toEqual([]);
    expect(reasonMeaning('no-free-priority')).toMatch(/no free outbound priority/);
    expect(reasonMeaning('something-new')).toBe('something-new');
  });
});
