/**
 * `warden sweep --apply` of the sample estate on the emulator converges, once with each VM's own
 * subscription and once with a central `vaultSubscription` (Cross Subscription Backup): every action
 * succeeds and the verifying sweep plans nothing more.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { SUBSCRIPTIONS } from '../../bench/estate';
import type { Report } from '../../src/core/report';
import { runWarden } from '../support/cli';

const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] }).data;
const dir = mkdtempSync(join(tmpdir(), 'warden-central-'));
const VAULT_TYPE = 'microsoft.recoveryservices/vaults';
const ITEM_TYPE = 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems';
const subOf = (id: unknown) => String(id).split('/')[2]?.toLowerCase();

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

async function applyOnce(
  settings: Record<string, unknown>,
): Promise<{ report: Report & { after: Report }; emu: RunningEmulator }> {
  emu = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
  const config = join(dir, `config-${Object.keys(settings).join('-') || 'default'}.json`);
  writeFileSync(
    config,
    JSON.stringify({ armEndpoint: emu.endpoint, caCertPath: emu.caCertPath, armToken: emu.token, ...settings }),
  );
  const applied = await runWarden(['sweep', '--config', config, '--apply', '--format', 'json']);
  return { report: JSON.parse(applied.stdout) as Report & { after: Report }, emu };
}

describe('sweep --apply of the sample estate converges', () => {
  it('without vaultSubscription: vaults in each VM subscription, the Ultra-disk VM on EnhancedPolicy', async () => {
    const { report, emu: e } = await applyOnce({});
    expect(report.summary.results).toMatchObject({ failed: 0 });
    expect(report.actions.map((a) => a.kind)).toContain('create-backup-policy');
    expect(report.after.actions).toEqual([]);
    const items = e.state().recoveryServicesResources.filter((r) => r.type === ITEM_TYPE);
    const db = items.find((r) => String(r.id).toLowerCase().endsWith(';vm-db-weu-01'));
    expect(db?.properties).toMatchObject({
      policyName: 'EnhancedPolicy',
      currentProtectionState: 'ProtectionConfigured',
    });
    expect(report.after.findings.some((f) => f.ruleId === 'vm-policy-incompatible')).toBe(false);
    // The new vaults are secure by default: none of them is a vault-crr-disabled or vault-classic-alerts finding.
    const created = report.actions.filter((a) => a.kind === 'create-vault').map((a) => a.target.toLowerCase());
    expect(
      report.after.findings.filter(
        (f) =>
          ['vault-crr-disabled', 'vault-classic-alerts', 'vault-soft-delete-disabled'].includes(f.ruleId) &&
          created.includes(f.resourceId.toLowerCase()),
      ),
    ).toEqual([]);
  });

  it('with vaultSubscription (prod as the central subscription): every new protection and vault in prod', async () => {
    const central = SUBSCRIPTIONS.prod;
    const { report, emu: e } = await applyOnce({ vaultSubscription: central });
    expect(report.summary.results).toMatchObject({ failed: 0 });
    expect(report.after.actions).toEqual([]);
    const creates = report.actions.filter((x) => x.kind === 'create-vault');
    const protects = report.actions.filter((x) => x.kind === 'enable-protection');
    expect(creates.length).toBeGreaterThan(0);
    for (const a of creates) expect(subOf(a.target)).toBe(central);
    for (const a of protects) expect(a.kind === 'enable-protection' && subOf(a.params.vaultId)).toBe(central);
    // Dev's VMs are among them, protected across subscriptions, and dev gets no vault of its own.
    const devVms = protects.filter((a) => subOf(a.target) === SUBSCRIPTIONS.dev).map((a) => a.target.toLowerCase());
    expect(devVms.length).toBeGreaterThan(0);
    const state = e.state();
    const items = state.recoveryServicesResources.filter((r) => r.type === ITEM_TYPE);
    for (const vm of devVms) {
      const item = items.find(
        (r) => String((r.properties as { sourceResourceId: string }).sourceResourceId).toLowerCase() === vm,
      );
      expect(subOf(item?.id), vm).toBe(central);
    }
    expect(state.resources.filter((r) => r.type === VAULT_TYPE).map((r) => subOf(r.id))).not.toContain(
      SUBSCRIPTIONS.dev,
    );
  });
});
