/**
 * Ground truth before add-nsg-rule: the remediator asks Azure for the NIC's effective security rules
 * (POST effectiveNetworkSecurityGroups, tags expanded) and writes only when Azure's view blocks backup
 * egress as the plan says. A rule Resource Graph has not indexed yet makes the views disagree: the action is
 * skipped with `effective-rules-disagree` and both views, and nothing is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { createAzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { AzureRemediator } from '../../../src/adapters/azure/remediator';
import { fromEffectiveRule } from '../../../src/adapters/azure/effectiveRules';
import { assess } from '../../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/core/engine-config';
import type { Action } from '../../../src/core/model';
import { aNetwork, aVm, nsgId, type RuleSpec } from '../../fixtures/builders/rows';

const NOW = new Date('2026-12-08T00:00:00Z');
const denyInternet: RuleSpec = {
  name: 'Deny-Internet',
  priority: 400,
  access: 'Deny',
  protocol: '*',
  destination: 'Internet',
};
const allowStorage: RuleSpec = {
  name: 'Allow-Storage-Unindexed',
  priority: 200,
  access: 'Allow',
  protocol: 'Tcp',
  destination: 'Storage.EastUS',
  portList: ['443', '8443'],
};

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

function remediator(e: RunningEmulator): AzureRemediator {
  const clients = createAzureClients({
    armEndpoint: e.endpoint,
    caCert: e.caCert,
    credential: new StaticTokenCredential(e.issueToken()),
    retryBounds: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  return new AzureRemediator({
    clients,
    pollIntervalMs: 10,
    maxPollDelayMs: 50,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
}

/** The add-nsg-rule action planned from the rows Resource Graph returned (the deny only). */
function plannedFrom(rows: unknown[]): Action {
  const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, NOW);
  const action = report.actions.find((a) => a.kind === 'add-nsg-rule');
  if (!action) throw new Error('no add-nsg-rule planned');
  const { result: _r, ...rest } = action as Action & { result?: unknown };
  return rest as Action;
}

describe('add-nsg-rule: effective rules first', () => {
  it('agree: Azure blocks as planned, so the rule is written', async () => {
    const n = aNetwork({ subnetRules: [denyInternet] });
    const rows = [...n.rows, ...aVm({ subnetId: n.subnetId })];
    emu = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
    const [result] = await remediator(emu).execute([plannedFrom(rows)]);
    expect(result).toMatchObject({ status: 'succeeded' });
  });

  it('disagree: a rule Resource Graph has not indexed allows backup egress, so nothing is written', async () => {
    const graph = aNetwork({ subnetRules: [denyInternet] });
    const live = aNetwork({ subnetRules: [allowStorage, denyInternet] });
    const vm = aVm({ subnetId: graph.subnetId });
    emu = await startEmulator({ estate: [...live.rows, ...vm], lroRetryAfterSeconds: 0 });
    const action = plannedFrom([...graph.rows, ...vm]);
    const [result] = await remediator(emu).execute([action]);
    expect(result).toMatchObject({ status: 'skipped', detail: 'effective-rules-disagree' });
    expect(result?.evidence).toMatchObject({
      plan: { nsgId: nsgId('nsg-net1'), ports: [443, 8443] },
      azure: {
        why: "Azure's effective rules allow backup egress on every planned port",
        ports: [
          { port: 443, blockedShare: 0 },
          { port: 8443, blockedShare: 0 },
        ],
      },
    });
    const nsg = emu.state().resources.find((r) => String(r['id']).toLowerCase() === nsgId('nsg-net1').toLowerCase());
    expect(JSON.stringify(nsg)).not.toContain('AllowAzureBackupStorage');
  });

  it('disagree: the NSG is attached to nothing in Azure any more', async () => {
    const graph = aNetwork({ subnetRules: [denyInternet] });
    const vm = aVm({ subnetId: graph.subnetId });
    const detached = graph.rows.map((r) =>
      String(r['type']) === 'microsoft.network/virtualnetworks'
        ? JSON.parse(JSON.stringify(r).replace(/"networkSecurityGroup":\{"id":"[^"]+"\}/g, '"x":{}'))
        : String(r['type']) === 'microsoft.network/networksecuritygroups'
          ? { ...r, properties: { ...(r['properties'] as object), subnets: [] } }
          : r,
    ) as Record<string, unknown>[];
    emu = await startEmulator({ estate: [...detached, ...vm], lroRetryAfterSeconds: 0 });
    const [result] = await remediator(emu).execute([plannedFrom([...graph.rows, ...vm])]);
    expect(result).toMatchObject({ status: 'skipped', detail: 'effective-rules-disagree' });
    expect(JSON.stringify(result?.evidence)).toMatch(/associated with no NIC|does not include this NSG/);
  });
});

describe('effective rules as security rules', () => {
  it('reads the published shape: All as *, n-n port ranges, expanded prefixes beside the tag', () => {
    const rule = fromEffectiveRule({
      name: 'defaultSecurityRules/AllowInternetOutBound',
      protocol: 'All',
      sourcePortRange: '0-65535',
      destinationPortRange: '0-65535',
      sourceAddressPrefix: '0.0.0.0/0',
      destinationAddressPrefix: 'Internet',
      expandedDestinationAddressPrefix: ['32.0.0.0/3', '4.0.0.0/6'],
      access: 'Allow',
      priority: 65001,
      direction: 'Outbound',
    });
    expect(rule).toMatchObject({
      name: 'AllowInternetOutBound',
      protocol: '*',
      isDefault: true,
      destinationAddressPrefixes: ['Internet', '32.0.0.0/3', '4.0.0.0/6'],
      destinationPortRanges: ['0-65535'],
    });
  });
});
