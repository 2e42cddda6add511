/**
 * The engine on what live Azure really returned (shared/recorded-azure-responses): Cloud Custodian
 * cassettes, an Azure PowerShell session record and an SDK-for-JS recording, turned into Resource Graph
 * rows the way shared/recorded-azure-responses/README.md describes ("How a body becomes a row").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { evaluate } from '../../src/core/evaluate';
import { Inventory } from '../../src/core/inventory';
import { RECORDINGS } from '../support/shared';

const ROOT = RECORDINGS;
const KEPT = [
  'microsoft.network/networksecuritygroups',
  'microsoft.network/virtualnetworks',
  'microsoft.network/networkinterfaces',
  'microsoft.compute/virtualmachines',
  'microsoft.recoveryservices/vaults',
  'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
];

/** An ARM GET body → a Resource Graph row: lower-case type, resourceGroup and subscriptionId parsed from the id. */
function toRow(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const id = String(body.id ?? '');
  const type = String(body.type ?? '').toLowerCase();
  if (!KEPT.includes(type)) return undefined;
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(id);
  return { ...body, type, resourceGroup: m?.[2]?.toLowerCase(), subscriptionId: m?.[1] };
}

function bodiesOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const push = (body: unknown): void => {
    if (!body || typeof body !== 'object') return;
    const b = body as Record<string, unknown>;
    if (Array.isArray(b.value)) for (const v of b.value) out.push(v as Record<string, unknown>);
    else out.push(b);
  };
  for (const i of (doc.interactions as
    { response: { status: { code: number }; body: { data?: unknown } } }[] | undefined) ?? []) {
    if (i.response.status.code < 300) push(i.response.body.data);
  }
  for (const e of (doc.Entries as { StatusCode: number; ResponseBody: unknown }[] | undefined) ?? []) {
    if (e.StatusCode < 300)
      push(
        typeof e.ResponseBody === 'string' ? (e.ResponseBody ? JSON.parse(e.ResponseBody) : undefined) : e.ResponseBody,
      );
  }
  return out;
}

function rowsOf(...files: string[]): Record<string, unknown>[] {
  const byId = new Map<string, Record<string, unknown>>();
  for (const f of files) {
    for (const body of bodiesOf(JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as Record<string, unknown>)) {
      const row = toRow(body);
      if (row) byId.set(String(row.id).toLowerCase(), row);
    }
  }
  return [...byId.values()];
}

describe('recorded Azure responses', () => {
  const rows = rowsOf(
    'cloud-custodian/NetworkSecurityGroupTest.test_cidr_only_match.json',
    'cloud-custodian/NetworkSecurityGroupTest.test_flow_analytics_logging.json',
    'cloud-custodian/NetworkTest.test_vnet_query.json',
    'cloud-custodian/VMTest.test_vm_backup_status_protected.json',
    'cloud-custodian/RecoveryServicesTest.test_find_by_name.json',
    'azure-powershell/TestGetItemScenario.json',
    'azure-sdk-for-js/recording_dependence_create_test.json',
  );
  const inv = Inventory.fromRows(rows);

  it('parses every recorded body without a problem', () => {
    expect(inv.problems).toEqual([]);
    expect(inv.virtualMachines.map((v) => v.name).sort()).toEqual(['c7n-test-vm', 'cctestvm']);
    expect(inv.networkSecurityGroups.size).toBe(4);
    expect(inv.protectedItems).toHaveLength(9);
  });

  it('reads "TCP", a lower-case "deny" and plural-only port fields', () => {
    const nsg = inv.nsg(
      '/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/test_networksecuritygroup/providers/Microsoft.Network/networkSecurityGroups/c7n-nsg',
    );
    const rule = (name: string) => nsg?.securityRules.find((r) => r.name === name);
    expect(rule('test4')).toMatchObject({
      access: 'Deny',
      protocol: 'Tcp',
      sourceAddressPrefixes: ['10.0.0.0/32'],
      destinationPortRanges: ['443'],
    });
    expect(rule('test5')).toMatchObject({ protocol: 'TCP', direction: 'Outbound', access: 'Allow' });
    expect(nsg?.defaultSecurityRules).toHaveLength(6);
  });

  it('links 2016 protected items through virtualMachineId and derives their state', () => {
    for (const item of inv.protectedItems) {
      expect(item.sourceResourceId).toMatch(/^\/subscriptions\//);
      expect(item.vaultId.toLowerCase()).toBe(
        '/subscriptions/04cf684a-d41f-4550-9f70-7708a3a2283b/resourcegroups/phaniktrsv/providers/microsoft.recoveryservices/vaults/phaniktrs1',
      );
      expect(item.protectionState).toBe('ProtectionConfigured');
    }
  });

  it('evaluates: every recorded VM is unprotected, the 9 items are orphans, NIC refs that dangle are warnings', () => {
    const { findings, warnings } = evaluate(inv, DEFAULT_ENGINE_CONFIG, new Date('2026-12-01T00:00:00Z'));
    const count = (rule: string) => findings.filter((f) => f.ruleId === rule).length;
    expect(count('vm-unprotected')).toBe(2);
    expect(count('orphaned-protected-item')).toBe(9);
    expect(count('nsg-blocks-backup-egress')).toBe(0);
    expect(warnings.filter((w) => w.includes('is not in the inventory'))).toHaveLength(2);
  });
});
