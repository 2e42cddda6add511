/**
 * The harness's own checks can fail: a second tool rule for the same ports, two vaults created for one
 * region, and a pre-existing vault, rule or policy that changed are each reported, while untouched
 * estates report nothing. (These runs add nothing to the figures.)
 */
import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@backup-warden/emulator';
import { duplicates, modifiedObjects, stage, type Stage } from './harness';

const SUB = '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70';
const NSG = `/subscriptions/${SUB}/resourceGroups/rg-network-eus/providers/Microsoft.Network/networkSecurityGroups/nsg-web-eus`;
const RG = `/subscriptions/${SUB}/resourceGroups/rg-backup-warden`;
const VAULT = `${RG}/providers/Microsoft.RecoveryServices/vaults/rsv-backup-eastus`;

function put(emu: RunningEmulator, path: string, body: unknown): Promise<number> {
  const url = new URL(path, emu.endpoint);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'PUT',
        ca: emu.caCert,
        headers: {
          authorization: `Bearer ${emu.token}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const toolRule = (priority: number) => ({
  properties: {
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '443',
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: 'Storage.EastUS',
    access: 'Allow',
    direction: 'Outbound',
    priority,
  },
});

let s: Stage | undefined;
afterEach(async () => {
  await s?.emu.stop();
  s = undefined;
});

describe('the reliability harness', () => {
  it('reports nothing for an estate nobody touched', async () => {
    s = await stage();
    expect(duplicates(s.before, s.emu.state())).toEqual([]);
    expect(modifiedObjects(s.before, s.emu.state())).toEqual([]);
  });

  it('reports two tool rules for the same ports and two vaults created for one region', async () => {
    // Operations complete at the next request, so the second rule does not meet the first one's lock.
    s = await stage({ lroAutoCompleteMs: 0 });
    const api = 'api-version=2026-01-01';
    expect(await put(s.emu, `${NSG}/securityRules/AllowAzureBackupStorage-EastUS?${api}`, toolRule(3900))).toBe(201);
    expect(await put(s.emu, `${NSG}/securityRules/AllowAzureBackupStorage-EastUS-2?${api}`, toolRule(3901))).toBe(201);
    for (const name of ['rsv-new-a', 'rsv-new-b'])
      expect(
        await put(s.emu, `${RG}/providers/Microsoft.RecoveryServices/vaults/${name}?api-version=2026-08-01`, {
          location: 'westus',
        }),
      ).toBe(201);
    const found = duplicates(s.before, s.emu.state());
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/tool rules .*allowazurebackupstorage-eastus and .*allowazurebackupstorage-eastus-2/);
    expect(found[1]).toMatch(/vaults .*rsv-new-a and .*rsv-new-b were both created/);
  });

  it('reports a pre-existing vault and rule that were written over', async () => {
    s = await stage();
    expect(await put(s.emu, `${VAULT}?api-version=2026-08-01`, { location: 'eastus' })).toBe(200);
    expect(
      await put(s.emu, `${NSG}/securityRules/Deny-Internet-Outbound?api-version=2026-01-01`, {
        properties: { ...toolRule(4000).properties, access: 'Deny', destinationAddressPrefix: 'Internet' },
      }),
    ).toBe(200);
    const changed = modifiedObjects(s.before, s.emu.state());
    expect(changed).toEqual(
      expect.arrayContaining([
        `vault ${VAULT.toLowerCase()}`,
        `rule ${NSG.toLowerCase()}/securityrules/deny-internet-outbound`,
      ]),
    );
  });
});
