/**
 * The sample estate's story: the findings and actions it was built to show. Each check names the VMs it
 * is about, so a new rule (firing in the estate or not) adds findings without breaking it; the golden report
 * pins the verdicts of the rules it covers, not the whole report.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleEstate } from '../bench/estate';
import { assess } from '../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../src/core/engine-config';
import type { Action, Finding } from '../src/core/model';
import type { Report } from '../src/core/report';

const NOW = new Date('2026-12-01T00:00:00Z');
const bundled = JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] };
const golden = JSON.parse(readFileSync('test/fixtures/sample-estate.report.golden.json', 'utf8')) as Report;

const nameOf = (id: string): string => id.split('/').pop() ?? id;

describe('the bundled sample estate', () => {
  it('is what bench/estate.ts sampleEstate() builds', () => {
    expect(bundled.data).toEqual(sampleEstate());
  });

  it('has 30-60 VMs across 3 regions and 2 subscriptions', () => {
    const vms = bundled.data.filter((r) => (r as { type: string }).type === 'microsoft.compute/virtualmachines') as {
      location: string;
      subscriptionId: string;
    }[];
    expect(vms.length).toBeGreaterThanOrEqual(30);
    expect(vms.length).toBeLessThanOrEqual(60);
    expect(new Set(vms.map((v) => v.location)).size).toBe(3);
    expect(new Set(vms.map((v) => v.subscriptionId)).size).toBe(2);
  });

  const { report } = assess(bundled.data, DEFAULT_ENGINE_CONFIG, NOW);
  const findingsOf = (vm: string): Finding[] => report.findings.filter((f) => nameOf(f.resourceId) === vm);
  const finding = (ruleId: string, vm: string): Finding | undefined => findingsOf(vm).find((f) => f.ruleId === ruleId);
  const actionsOn = (name: string): Action[] => report.actions.filter((a) => nameOf(a.target) === name);

  describe('tells its story', () => {
    it('reads every resource of the snapshot', () => {
      expect(report.summary.resources).toBe(105);
    });

    it('protects an unprotected VM in a new vault of its region, created first', () => {
      expect(finding('vm-unprotected', 'vm-app-jpe-01')?.status).toBe('open');
      const [protect] = actionsOn('vm-app-jpe-01');
      expect(protect).toMatchObject({ kind: 'enable-protection' });
      const vaultId = protect?.kind === 'enable-protection' ? protect.params.vaultId : '';
      expect(nameOf(vaultId)).toBe('rsv-backup-japaneast');
      const create = report.actions.findIndex((a) => a.kind === 'create-vault' && a.target === vaultId);
      expect(create).toBeGreaterThanOrEqual(0);
      expect(create).toBeLessThan(report.actions.indexOf(protect as Action));
    });

    it('protects a VM whose designated vault is in another region in a vault of its own region', () => {
      expect(finding('vault-region-mismatch', 'vm-app-eus-05')?.details).toMatchObject({
        case: 'designated-vault-in-other-region',
      });
      const protect = actionsOn('vm-app-eus-05').find((a) => a.kind === 'enable-protection');
      expect(protect?.resolves).toEqual([
        expect.stringMatching(/^vm-unprotected\|/),
        expect.stringMatching(/^vault-region-mismatch\|/),
      ]);
    });

    it('reports, never moves, a VM protected by a vault in another region', () => {
      expect(finding('vault-region-mismatch', 'vm-app-weu-02')?.details).toMatchObject({
        case: 'protected-in-other-region',
        reason: 'report-only',
      });
      expect(actionsOn('vm-app-weu-02')).toEqual([]);
    });

    it('opens one NSG rule for every VM behind the same NSG and region', () => {
      const [rule, ...more] = actionsOn('nsg-web-eus');
      expect(more).toEqual([]);
      expect(rule).toMatchObject({
        kind: 'add-nsg-rule',
        params: { destinationAddressPrefix: 'Storage.EastUS', access: 'Allow', direction: 'Outbound' },
      });
      for (const vm of ['vm-web-eus-01', 'vm-web-eus-02', 'vm-web-eus-03', 'vm-web-eus-04', 'vm-web-eus-05'])
        expect(rule?.resolves.some((k) => k.startsWith('nsg-blocks-backup-egress|') && k.endsWith(vm))).toBe(true);
    });

    it('leaves a deny rule that targets Storage explicitly, and says why', () => {
      expect(finding('nsg-blocks-backup-egress', 'vm-sql-eus-01')?.details.reason).toBe('explicit-storage-deny');
      expect(finding('nsg-blocks-backup-egress', 'vm-app-jpe-01')?.details.reason).toBe('no-free-priority');
    });

    it('honours exemptions, and names a bad exemption tag', () => {
      for (const vm of ['vm-sql-eus-03', 'vm-web-eus-06', 'vm-dev-weu-03'])
        expect(findingsOf(vm).every((f) => f.status === 'exempt')).toBe(true);
      expect(finding('vm-unprotected', 'vm-app-weu-04')?.status).toBe('open');
      expect(report.summary.warnings.some((w) => w.includes('vm-app-weu-04') && w.includes('ask-bob'))).toBe(true);
    });

    it('reports what it cannot fix: unhealthy protection, a legacy vault, an orphaned item', () => {
      expect(finding('vm-protection-unhealthy', 'vm-app-eus-06')?.details.reason).toBe('report-only');
      const legacy = report.findings.find((f) => f.ruleId === 'vault-redundancy-mismatch');
      expect(legacy && nameOf(legacy.resourceId)).toBe('rsv-legacy-weu');
      expect(report.findings.some((f) => f.ruleId === 'orphaned-protected-item')).toBe(true);
    });

    it('explains a failing backup by the NSG block on the same VM', () => {
      const failing = finding('vm-backup-failing', 'vm-web-eus-01');
      expect(failing?.details).toMatchObject({
        errorCode: 'ExtensionSnapshotFailedNoNetwork',
        likelyCause: { ruleId: 'nsg-blocks-backup-egress', open: true },
        reason: 'report-only',
      });
      expect(finding('nsg-blocks-backup-egress', 'vm-web-eus-01')?.status).toBe('open');
    });

    it('never plans a Databricks worker VM, and says why', () => {
      const worker = '0b4f1c2e9a7d4e3fa5c6d7e8f9a0b1c2';
      expect(finding('vm-backup-unsupported', worker)?.details).toMatchObject({ reasons: ['databricks-managed'] });
      expect(finding('vm-unprotected', worker)?.details.reason).toBe('backup-unsupported');
      expect(actionsOn(worker)).toEqual([]);
    });

    it('protects an Ultra-disk VM with the Enhanced policy, added to its new vault first', () => {
      const [protect] = actionsOn('vm-db-weu-01');
      expect(protect?.kind === 'enable-protection' && protect.params.policyId).toMatch(
        /\/backupPolicies\/EnhancedPolicy$/,
      );
      const policy = report.actions.findIndex((a) => a.kind === 'create-backup-policy');
      expect(policy).toBeGreaterThanOrEqual(0);
      expect(policy).toBeLessThan(report.actions.indexOf(protect as Action));
    });

    it('orders the plan: vaults, then NSG rules, then protection', () => {
      const kinds = report.actions.map((a) => a.kind).filter((k, i, all) => all.indexOf(k) === i);
      expect(kinds.indexOf('create-vault')).toBeLessThan(kinds.indexOf('add-nsg-rule'));
      expect(kinds.indexOf('add-nsg-rule')).toBeLessThan(kinds.indexOf('enable-protection'));
    });
  });

  describe('matches the golden report for the rules it covers', () => {
    const covered = new Set(golden.findings.map((f) => f.ruleId));

    it('has the same findings from those rules', () => {
      expect(report.findings.filter((f) => covered.has(f.ruleId))).toEqual(golden.findings);
    });

    it('still plans every golden action, unchanged', () => {
      for (const a of golden.actions) expect(report.actions).toContainEqual(a);
    });
  });
});
