/**
 * The emulator serves NSG bodies that Cloud Custodian recorded from live Azure unchanged ("TCP" upper case,
 * access "deny", plural arrays, no association arrays), and synthesises the default rules a row lacks.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { recordedNsgs, recordedToRow, sdkOptions, StaticTokenCredential } from '../emulator/emulatorHelpers';

const c7n = recordedNsgs('NetworkSecurityGroupTest.test_cidr_only_match.json').map(recordedToRow);
const flow = recordedNsgs('NetworkSecurityGroupTest.test_flow_analytics_logging.json').map(recordedToRow);
const C7N_SUB = 'ea42f556-5106-4743-99b0-c129bfa71a47';

describe('recorded NSGs on the emulator', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    const devSecOps = flow.find((n) => n['name'] === 'DevSecOpsLab2023-nsg');
    if (!devSecOps) throw new Error('recording changed: DevSecOpsLab2023-nsg missing');
    // The estate may lack defaultSecurityRules; ARM GET still returns them.
    delete (devSecOps['properties'] as Record<string, unknown>)['defaultSecurityRules'];
    emu = await startEmulator({ estate: [...c7n, devSecOps], lroRetryAfterSeconds: 0 });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves a recorded quirky NSG unchanged ("TCP", access "deny") and synthesises absent default rules', async () => {
    const client = new NetworkManagementClient(new StaticTokenCredential(emu.token), C7N_SUB, sdkOptions(emu));
    const nsg = await client.networkSecurityGroups.get('test_networksecuritygroup', 'c7n-nsg');
    const rules = Object.fromEntries((nsg.securityRules ?? []).map((r) => [r.name, r]));
    expect(rules['test4']?.access).toBe('deny');
    expect(rules['test5']?.protocol).toBe('TCP');
    expect(nsg.defaultSecurityRules).toHaveLength(6);
    const lab = await client.networkSecurityGroups.get('Test12rg', 'DevSecOpsLab2023-nsg');
    expect(lab.defaultSecurityRules?.map((r) => r.name)).toEqual([
      'AllowVnetInBound',
      'AllowAzureLoadBalancerInBound',
      'DenyAllInBound',
      'AllowVnetOutBound',
      'AllowInternetOutBound',
      'DenyAllOutBound',
    ]);
    expect(lab.networkInterfaces?.length).toBe(1);
  });
});
