/**
 * The engine on rows shaped like what live Azure really returns (test/fixtures/azure-quirks): upper-case
 * protocols, lower-case access, singular port fields, NIC references that dangle and 2016-era protected items.
 * `npm run test:fidelity` checks that each quirk occurs in the recorded live responses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { evaluate } from '../../src/core/evaluate';
import { Inventory } from '../../src/core/inventory';

const rows = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'azure-quirks', 'rows.json'), 'utf8')) as {
    data: Record<string, unknown>[];
  }
).data;
const SUB = '5f1c2b9e-7d4a-4c3e-9b8f-2a6d0e1c4b77';

describe('live-Azure quirks', () => {
  const inv = Inventory.fromRows(rows);

  it('parses every row without a problem', () => {
    expect(inv.problems).toEqual([]);
    expect(inv.virtualMachines.map((v) => v.name).sort()).toEqual(['vm-legacy-lnx', 'vm-legacy-win']);
    expect(inv.networkSecurityGroups.size).toBe(2);
    expect(inv.protectedItems).toHaveLength(3);
  });

  it('reads "TCP", a lower-case "deny" and singular port fields beside empty plural arrays', () => {
    const nsg = inv.nsg(
      `/subscriptions/${SUB}/resourceGroups/rg-legacy-net/providers/Microsoft.Network/networkSecurityGroups/nsg-legacy`,
    );
    const rule = (name: string) => nsg?.securityRules.find((r) => r.name === name);
    expect(rule('deny-https-from-jump')).toMatchObject({
      access: 'Deny',
      protocol: 'Tcp',
      sourceAddressPrefixes: ['10.20.0.4/32'],
      destinationPortRanges: ['443'],
    });
    expect(rule('allow-ssh-out')).toMatchObject({ protocol: 'TCP', direction: 'Outbound', access: 'Allow' });
    expect(nsg?.defaultSecurityRules).toHaveLength(6);
  });

  it('links 2016 protected items through virtualMachineId and derives their state', () => {
    for (const item of inv.protectedItems) {
      expect(item.sourceResourceId).toMatch(/^\/subscriptions\//);
      expect(item.vaultId.toLowerCase()).toBe(
        `/subscriptions/${SUB}/resourcegroups/rg-legacy-backup/providers/microsoft.recoveryservices/vaults/rsv-legacy`,
      );
      expect(item.protectionState).toBe('ProtectionConfigured');
    }
  });

  it('evaluates: both VMs are unprotected, the 3 items are orphans, NIC refs that dangle are warnings', () => {
    const { findings, warnings } = evaluate(inv, DEFAULT_ENGINE_CONFIG, new Date('2026-12-01T00:00:00Z'));
    const count = (rule: string) => findings.filter((f) => f.ruleId === rule).length;
    expect(count('vm-unprotected')).toBe(2);
    expect(count('orphaned-protected-item')).toBe(3);
    expect(count('nsg-blocks-backup-egress')).toBe(0);
    expect(warnings.filter((w) => w.includes('is not in the inventory'))).toHaveLength(2);
  });
});
