import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleEstate } from '../bench/estate';
import { assess } from '../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../src/core/engine-config';
import { RULES } from '../src/core/rules';

const NOW = new Date('2026-12-01T00:00:00Z');
const bundled = JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] };

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

  it('shows every kind of finding the snapshot can show (vm-agent-unhealthy needs an instance view)', () => {
    const ruleIds = new Set(report.findings.map((f) => f.ruleId));
    for (const r of RULES) if (r.id !== 'vm-agent-unhealthy') expect(ruleIds).toContain(r.id);
  });

  it('gives the expected counts', () => {
    expect(report.summary).toMatchObject({
      resources: 101,
      findings: 49,
      open: 44,
      exempt: 5,
      actions: 27,
      truncated: false,
    });
    expect(report.summary.openByRule).toEqual({
      'nsg-blocks-backup-egress': 19,
      'vault-region-mismatch': 2,
      'vm-unprotected': 19,
      'vm-protection-unhealthy': 2,
      'orphaned-protected-item': 1,
      'vault-redundancy-mismatch': 1,
    });
    expect(report.actions.map((a) => a.kind).filter((k, i, all) => all.indexOf(k) === i)).toEqual([
      'create-vault',
      'add-nsg-rule',
      'enable-protection',
    ]);
  });

  it('matches the golden report', async () => {
    await expect(`${JSON.stringify(report, null, 2)}\n`).toMatchFileSnapshot(
      'fixtures/sample-estate.report.golden.json',
    );
  });
});
