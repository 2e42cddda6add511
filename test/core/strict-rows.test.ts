/** Strict input (issue 9 item 7) and real state (item 2) at the row boundary. */
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory';

const NSG = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg';
const nsgRow = (rules: Record<string, unknown>[]) => ({
  id: NSG,
  type: 'microsoft.network/networksecuritygroups',
  location: 'eastus',
  properties: { securityRules: rules, defaultSecurityRules: [] },
});
const rule = (name: string, priority: unknown, extra: Record<string, unknown> = {}) => ({
  name,
  properties: {
    priority,
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '443',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: 'Storage',
    ...extra,
  },
});

describe('security rule rows', () => {
  it.each([5000, 4096.5, 99])('reject priority %s with a warning naming the rule', (priority) => {
    const inv = Inventory.fromRows([nsgRow([rule('bad-one', priority)])]);
    expect(inv.problems).toHaveLength(1);
    expect(inv.problems[0]?.message).toContain(
      `rule 'bad-one': priority ${String(priority)} is not an integer in 100-4096`,
    );
  });

  it('accept 100 and 4096', () => {
    const inv = Inventory.fromRows([nsgRow([rule('low', 100), rule('high', 4096)])]);
    expect(inv.problems).toEqual([]);
  });

  it('do not count an allow rule whose provisioning failed, but keep a deny whatever its state', () => {
    const inv = Inventory.fromRows([
      nsgRow([
        rule('allow-failed', 200, { provisioningState: 'Failed' }),
        rule('allow-ok', 201, { provisioningState: 'Succeeded' }),
        rule('deny-failed', 300, { access: 'Deny', provisioningState: 'Failed' }),
      ]),
    ]);
    expect([...inv.networkSecurityGroups.values()][0]?.securityRules.map((r) => r.name)).toEqual([
      'allow-ok',
      'deny-failed',
    ]);
  });
});
