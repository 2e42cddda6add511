/**
 * `warden sweep` and `warden query` against the emulator seeded with the sample estate, through the real
 * SDK clients: the live plan equals the snapshot plan, `--apply` executes it, and a second sweep converges.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../support/cli';
import type { Report } from '../../src/core/report';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';

const run = runWarden;

const sample = 'samples/sample-estate.json';
const rows = (JSON.parse(readFileSync(sample, 'utf8')) as { data: unknown[] }).data;
const dir = mkdtempSync(join(tmpdir(), 'warden-sweep-'));

describe('warden sweep on the emulator', () => {
  let emu: RunningEmulator;
  let config: string;
  beforeAll(async () => {
    emu = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ armEndpoint: emu.endpoint, caCertPath: emu.caCertPath, armToken: emu.token }),
    );
  });
  afterAll(async () => emu?.stop());

  it('plans from Resource Graph exactly what plan --snapshot plans from the same estate', async () => {
    const offline = await run(['plan', '--snapshot', sample, '--format', 'json']);
    const live = await run(['sweep', '--config', config, '--format', 'json']);
    expect(live.code).toBe(1);
    const a = JSON.parse(offline.stdout) as Report;
    const b = JSON.parse(live.stdout) as Report;
    // The recovery point expiry depends on the clock; everything else must be identical.
    const strip = (r: Report) =>
      r.actions.map((x) =>
        x.kind === 'trigger-backup' ? { ...x, params: { ...x.params, recoveryPointExpiryTimeInUTC: '' } } : x,
      );
    expect(strip(b)).toEqual(strip(a));
    // Live, the service tags' address ranges are read (addressEvaluation "exact"); a snapshot has only the tag
    // names. The verdicts must agree; how the addresses were evaluated may not.
    const sameVerdicts = (r: Report) =>
      r.findings.map((f) => {
        const { addressEvaluation: _evaluated, ...details } = f.details as Record<string, unknown>;
        return { ...f, message: f.message.replace(/; evaluated by tag names: .*$/, ''), details };
      });
    expect(sameVerdicts(b)).toEqual(sameVerdicts(a));
    // The coverage says what each read: a snapshot, or the tenant through Resource Graph; both complete.
    const { coverage: liveCoverage, ...liveSummary } = b.summary;
    const { coverage: offlineCoverage, ...offlineSummary } = a.summary;
    expect(liveSummary).toEqual(offlineSummary);
    expect(liveCoverage.complete && offlineCoverage.complete).toBe(true);
    expect(liveCoverage.seen).toEqual(offlineCoverage.seen);
    expect(live.stderr).toMatch(/resource graph: virtual-machines/);
  });

  it('applies the plan, reporting each result, and the next sweep plans nothing more: it converges', async () => {
    const applied = await run(['sweep', '--config', config, '--apply', '--format', 'json']);
    const report = JSON.parse(applied.stdout) as Report;
    expect(report.actions.length).toBeGreaterThan(0);
    for (const a of report.actions)
      expect(a.result).toMatchObject({ status: 'succeeded', durationMs: expect.any(Number) });
    expect(report.summary.results).toEqual({ succeeded: report.actions.length, failed: 0, skipped: 0 });
    // The verifying sweep after the apply: nothing left to do, findings left to a person, hence exit 1.
    const verified = (report as Report & { after: Report }).after;
    expect(verified.actions).toEqual([]);
    expect(verified.summary.open).toBeGreaterThan(0);
    expect(applied.code).toBe(1);

    const again = await run(['sweep', '--config', config, '--format', 'json']);
    const after = JSON.parse(again.stdout) as Report;
    expect(after.actions).toEqual([]);
    const open = after.findings.filter((f) => f.status === 'open');
    expect(open.every((f) => typeof f.details.reason === 'string')).toBe(true);
    expect(open.map((f) => `${f.ruleId}:${String(f.details.reason)}`).sort()).toEqual([
      'nsg-blocks-backup-egress:explicit-storage-deny',
      'nsg-blocks-backup-egress:explicit-storage-deny',
      'nsg-blocks-backup-egress:no-free-priority',
      'nsg-blocks-backup-egress:no-free-priority',
      'orphaned-protected-item:report-only',
      'vault-crr-disabled:report-only',
      'vault-redundancy-mismatch:report-only',
      'vault-region-mismatch:report-only',
      'vm-backup-failing:report-only',
      'vm-backup-unsupported:report-only',
      'vm-protection-unhealthy:report-only',
      'vm-protection-unhealthy:report-only',
      'vm-unprotected:backup-unsupported',
      // backup-exempt: ask-bob states an intent the tool cannot read: the VM is never changed.
      'vm-unprotected:exemption-unreadable',
    ]);
    // The emulator holds what was applied: three new vaults and five new NSG rules.
    const state = emu.state();
    expect(state.resources.filter((r) => String(r.type) === 'microsoft.recoveryservices/vaults')).toHaveLength(5);
    const ruleNames = state.resources
      .filter((r) => String(r.type) === 'microsoft.network/networksecuritygroups')
      .flatMap((r) => ((r.properties as { securityRules?: { name: string }[] }).securityRules ?? []).map((x) => x.name))
      .filter((n) => n.startsWith('AllowAzureBackupStorage-'));
    expect(ruleNames).toHaveLength(5);
  });

  it('with a token limited to one subscription, sees and fixes only that subscription', async () => {
    const scoped = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
    try {
      const token = scoped.issueToken(['/subscriptions/8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70']);
      const cfg = join(dir, 'scoped.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          armEndpoint: scoped.endpoint,
          caCertPath: scoped.caCertPath,
          armToken: token,
          maxActions: 50,
        }),
      );
      // Resource Graph answers a scoped token with the rows inside its scopes only (403 on writes outside
      // them is covered by the remediator's integration test).
      const r = await run([
        'sweep',
        '--config',
        cfg,
        '--apply',
        '--format',
        'json',
        '--subscription',
        '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70',
      ]);
      const report = JSON.parse(r.stdout) as Report;
      expect(r.code).toBe(1);
      expect(report.actions.every((a) => a.target.toLowerCase().includes('/subscriptions/8f3c1b2a'))).toBe(true);
      expect(report.actions.length).toBeGreaterThan(10);
      expect(report.summary.results?.failed).toBe(0);
    } finally {
      await scoped.stop();
    }
  });

  it('runs any KQL through the Resource Graph adapter and prints the rows as one JSON array', async () => {
    const r = await run([
      'query',
      '--config',
      config,
      '--kql',
      "Resources | where type =~ 'microsoft.recoveryservices/vaults' | project id, name, location | order by name asc",
    ]);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as { name: string }[];
    expect(got.map((v) => v.name)).toEqual([
      'rsv-backup-eastus',
      'rsv-backup-eastus',
      'rsv-backup-japaneast',
      'rsv-backup-westeurope',
      'rsv-legacy-weu',
    ]);
  });

  it('surfaces bad KQL as exit 2 with the parser position, without retrying', async () => {
    const r = await run(['query', '--config', config, '--kql', 'Resources | where type =~']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/InvalidQuery|ParserFailure/);
    expect(r.stderr).toMatch(/line 1/);
  });
});

describe('convergence on what Azure left (issue 9 item 2): each apply is followed by a fresh sweep', () => {
  it('after operations end Failed, one more sweep --apply repairs them and the next sweep plans nothing', async () => {
    const faulty = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0, seed: 7, faults: 'lro-fail=0.5' });
    try {
      const cfg = join(dir, 'faulty.json');
      writeFileSync(
        cfg,
        JSON.stringify({ armEndpoint: faulty.endpoint, caCertPath: faulty.caCertPath, armToken: faulty.token }),
      );
      const first = JSON.parse((await run(['sweep', '--config', cfg, '--apply', '--format', 'json'])).stdout) as Report;
      expect(first.actions.some((a) => a.result?.status === 'failed')).toBe(true);
      faulty.setFaults('');
      // Not the old action list again: a new sweep reads what the failed operations left and plans from that.
      const second = JSON.parse(
        (await run(['sweep', '--config', cfg, '--apply', '--format', 'json'])).stdout,
      ) as Report;
      expect(second.actions.filter((a) => a.result?.status === 'failed')).toEqual([]);
      const verify = JSON.parse((await run(['sweep', '--config', cfg, '--format', 'json'])).stdout) as Report;
      expect(verify.actions).toEqual([]);
      expect(verify.findings.filter((f) => f.status === 'open' && f.details.reason === undefined)).toEqual([]);
      // Not "converged" by giving up: no protection left failed, no vault or tool rule left unprovisioned.
      expect(JSON.stringify(verify.findings)).not.toContain('ConfiguringProtectionFailed');
      const state = faulty.state();
      const broken = state.resources
        .flatMap((r) =>
          String(r.type) === 'microsoft.network/networksecuritygroups'
            ? ((r.properties as { securityRules?: Record<string, unknown>[] }).securityRules ?? []).filter((x) =>
                String(x['name']).startsWith('AllowAzureBackup'),
              )
            : String(r.type) === 'microsoft.recoveryservices/vaults'
              ? [r]
              : [],
        )
        .filter((x) => (x['properties'] as { provisioningState?: string }).provisioningState !== 'Succeeded')
        .map((x) => String(x['id'] ?? x['name']));
      expect(broken).toEqual([]);
    } finally {
      await faulty.stop();
    }
  }, 120_000);
});
