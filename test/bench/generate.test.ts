import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estateRows, generateEstate, REGIONS, subscriptionIds, writeSnapshot } from '../../bench/generate';
import { readSnapshotFiles } from '../../src/adapters/snapshot/files';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { evaluate } from '../../src/core/evaluate';
import { Inventory } from '../../src/core/inventory';

describe('the bench estate generator', () => {
  const rows = generateEstate({ vms: 3000, seed: 1 });
  const inventory = Inventory.fromRows(rows);
  const evaluation = evaluate(inventory, DEFAULT_ENGINE_CONFIG, new Date('2026-12-01T00:00:00Z'));

  it('is deterministic by seed', () => {
    expect(generateEstate({ vms: 3000, seed: 1 })).toEqual(rows);
    expect(generateEstate({ vms: 3000, seed: 2 })).not.toEqual(rows);
  });

  it('has the shapes the issue asks for: 1-3 NICs, NIC and subnet NSGs of 5-60 rules, both OSes, many regions', () => {
    expect(inventory.problems).toEqual([]);
    expect(inventory.virtualMachines).toHaveLength(3000);
    const nics = new Set(inventory.virtualMachines.map((vm) => vm.networkInterfaceIds.length));
    expect([...nics].sort()).toEqual([1, 2, 3]);
    expect(new Set(inventory.virtualMachines.map((vm) => vm.location)).size).toBeGreaterThanOrEqual(10);
    const nsgs = [...inventory.networkSecurityGroups.values()];
    expect(
      nsgs.some((n) => [...inventory.networkInterfaces.values()].some((nic) => nic.networkSecurityGroupId === n.id)),
    ).toBe(true);
    expect(nsgs.some((n) => [...inventory.subnets.values()].some((s) => s.networkSecurityGroupId === n.id))).toBe(true);
    const raw = rows.filter((r) => String(r.type).endsWith('networksecuritygroups'));
    const sizes = raw.map((r) => (r.properties as { securityRules: unknown[] }).securityRules.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(60);
    const os = new Set(
      rows
        .filter((r) => String(r.type).endsWith('virtualmachines'))
        .map((r) => JSON.stringify(r).includes('windowsConfiguration')),
    );
    expect(os).toEqual(new Set([true, false]));
  });

  it('spreads 100k VMs over 100+ subscriptions and all 12 regions', () => {
    expect(subscriptionIds({ vms: 100_000 }).length).toBeGreaterThanOrEqual(100);
    expect(REGIONS).toHaveLength(12);
  });

  it('has a few percent of each finding kind, and exemptions', () => {
    const share = (ruleId: string): number =>
      evaluation.findings.filter((f) => f.ruleId === ruleId && f.status === 'open').length / 3000;
    for (const rule of [
      'vm-unprotected',
      'nsg-blocks-backup-egress',
      'vm-protection-unhealthy',
      'vault-region-mismatch',
    ]) {
      expect(share(rule), rule).toBeGreaterThan(0.003);
      expect(share(rule), rule).toBeLessThan(0.15);
    }
    expect(evaluation.findings.some((f) => f.ruleId === 'orphaned-protected-item')).toBe(true);
    expect(evaluation.findings.some((f) => f.status === 'exempt')).toBe(true);
  });

  it('writes the same rows as one snapshot file, with row-aligned slices', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-gen-')), 'estate.json');
    const written = await writeSnapshot(file, { vms: 500, seed: 3 }, 400);
    const expected = [...estateRows({ vms: 500, seed: 3 })];
    expect(await readSnapshotFiles([file])).toEqual(expected);
    expect(written.rows).toBe(expected.length);
    const text = readFileSync(file);
    expect(written.bytes).toBe(text.length);
    const sliced = written.slices.flatMap(([a, b]) => JSON.parse(`[${text.toString('utf8', a, b)}]`) as unknown[]);
    expect(sliced).toEqual(expected);
  });
});
