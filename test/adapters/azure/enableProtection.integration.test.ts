/**
 * enable-protection at scale on the real SDK clients against the emulator: one container refresh and one
 * vault read per vault per run, and names derived from the VM id, so no protectable-items listing per VM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { createAzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { AzureRemediator } from '../../../src/adapters/azure/remediator';
import type { EnableProtectionAction } from '../../../src/core/model';
import { networkedVms, SUB_A } from './estate';

describe('enable-protection over many VMs of one vault', () => {
  let emu: RunningEmulator;
  const names = Array.from({ length: 12 }, (_, i) => `vm-many-${i}`);
  const estate = networkedVms({ sub: SUB_A, vmNames: names, withVault: { rg: 'rg-backup', name: 'rsv-many' } });
  const vaultId = estate.vaultId as string;

  beforeAll(async () => {
    emu = await startEmulator({ estate: estate.rows, lroRetryAfterSeconds: 0 });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('protects every VM with one refresh, one vault read and no protectable-items listing', async () => {
    const clients = createAzureClients({
      armEndpoint: emu.endpoint,
      caCert: emu.caCert,
      credential: new StaticTokenCredential(emu.token),
      retryBounds: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    const remediator = new AzureRemediator({ clients, pollIntervalMs: 10, maxPollDelayMs: 50 });
    const actions: EnableProtectionAction[] = estate.vmIds.map((vmId) => ({
      kind: 'enable-protection',
      target: vmId,
      params: { vaultId, policyId: `${vaultId}/backupPolicies/DefaultPolicy` },
      resolves: [],
    }));
    const results = await remediator.execute(actions);
    expect(results.map((r) => r.status)).toEqual(names.map(() => 'succeeded'));
    const ops = emu.state().operations;
    const count = (re: RegExp, method?: string) =>
      ops.filter((o) => re.test(o.path) && (!method || o.method === method)).length;
    expect(count(/\/refreshContainers/i, 'POST')).toBe(1);
    expect(count(/\/vaults\/rsv-many\?/i, 'GET')).toBe(1);
    expect(count(/\/backupProtectableItems/i)).toBe(0);
    // Each item carries the names the published examples spell: IaasVMContainer;iaasvmcontainerv2;{rg};{vm}.
    const puts = ops.filter((o) => o.method === 'PUT' && /protectedItems\//i.test(o.path)).map((o) => o.path);
    expect(puts).toHaveLength(names.length);
    expect(decodeURIComponent(puts[0] ?? '')).toMatch(
      /protectionContainers\/IaasVMContainer;iaasvmcontainerv2;rg-app;vm-many-\d+\/protectedItems\/VM;iaasvmcontainerv2;rg-app;vm-many-\d+\?/,
    );
  });
});
