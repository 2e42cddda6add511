/**
 * What operators see from `warden plan` on the sample estate: a table that fits, the score, markdown, csv,
 * html, `explain`, help, version, colour rules and usage errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Out } from '../../src/cli/main';
import { COMMANDS } from '../../src/cli/help';
import { csvCell } from '../../src/cli/render/csv';
import { esc } from '../../src/cli/render/html';
import { mdCell } from '../../src/cli/render/markdown';
import { fitTable, wrap } from '../../src/cli/render/common';
import { runWarden } from '../support/cli';

const sample = 'samples/sample-estate.json';
const dir = mkdtempSync(join(tmpdir(), 'warden-report-'));
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const HAS_ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);

async function runOn(
  args: string[],
  terminal: Partial<Out>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    ...terminal,
  });
  return { code, stdout, stderr };
}

describe('the table', () => {
  it('fits an 80-column terminal, wrapping instead of cutting, grouped by VM', async () => {
    const r = await runOn(['plan', '--snapshot', sample], { isTTY: true, columns: 80, env: {} });
    expect(r.code).toBe(1);
    const lines = r.stdout.replace(ANSI, '').split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toContain('…\n');
    // The blocking rule is named in full, and each VM is one group (its name starts exactly one row).
    expect(r.stdout.replace(ANSI, '').replace(/\s+/g, ' ')).toContain(
      'nsg-app-eus/Deny-Internet-Outbound (priority 300)',
    );
    expect(lines.filter((l) => /^open\s+vm-web-eus-03\s/.test(l))).toHaveLength(1);
  });

  it('states the score, the exemptions and the coverage in its summary, by subscription and by region', async () => {
    const r = await runWarden(['plan', '--snapshot', sample]);
    const { summary } = JSON.parse((await runWarden(['plan', '--snapshot', sample, '--format', 'json'])).stdout) as {
      summary: { open: number; exempt: number; actions: number; coverage: { seen: string[] } };
    };
    expect(r.stdout).toContain(
      `Compliance 8.5% (3 of 35 VMs), 3 exempt · ${summary.open} open findings, ${summary.exempt} exempt · ${summary.actions} actions`,
    );
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      `coverage: complete (${summary.coverage.seen.length} subscriptions read)`,
    );
    expect(r.stdout).toMatch(/by subscription: 8f3c1b2a… 11\.5% \(3\/26\) · b7e2d9c4… 0\.0% \(0\/9\)/);
    expect(r.stdout).toMatch(
      /by region: +eastus 10\.5% \(2\/19\) · japaneast 0\.0% \(0\/4\) · westeurope 8\.3% \(1\/12\)/,
    );
    expect(r.stdout).toContain('Compliant VMs (3)\nvm-app-eus-01, vm-app-eus-02, vm-app-weu-01');
  });

  it('is coloured only on a terminal, and never with NO_COLOR or --no-color', async () => {
    expect((await runOn(['plan', '--snapshot', sample], { isTTY: true, env: {} })).stdout).toMatch(HAS_ANSI);
    expect((await runOn(['plan', '--snapshot', sample], { isTTY: false, env: {} })).stdout).not.toMatch(HAS_ANSI);
    expect((await runOn(['plan', '--snapshot', sample], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(
      HAS_ANSI,
    );
    expect((await runOn(['plan', '--snapshot', sample, '--no-color'], { isTTY: true, env: {} })).stdout).not.toMatch(
      HAS_ANSI,
    );
  });

  it('wraps long words and cells without losing a character', () => {
    const text = 'a /subscriptions/8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70/resourceGroups/rg/providers/x/y/z end';
    const lines = wrap(text, 20);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    const t = fitTable(['A', 'B'], [['short', 'x'.repeat(100)]], 40);
    expect(t.split('\n').every((l) => l.length <= 40)).toBe(true);
    expect(t.replace(/[\s-]/g, '').match(/x/g)).toHaveLength(100);
  });
});

describe('--format markdown, csv and json', () => {
  it('markdown states the score and lists every VM with findings, and the compliant ones', async () => {
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith('## warden plan: compliance 8.5% (3 of 35 VMs)')).toBe(true);
    expect(r.stdout).toContain('| VM | Subscription | Resource group | Region | Status | Findings | What happens |');
    expect(r.stdout).toContain('<details><summary>Compliant VMs (3)</summary>');
    expect(r.stdout).toContain('| overall | 8.5% | 3 | 35 | 3 |');
    expect(r.stderr).toBe('');
    expect(mdCell('a|b\n<x>')).toBe('a\\|b<br>\\<x\\>');
  });

  it('csv has one row per finding, quoted where needed, and no cell a spreadsheet would run', async () => {
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'csv']);
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'ruleId,severity,status,subscriptionId,subscription,resourceGroup,resourceType,resourceName,location,vmVerdict,message,reason,actions,actionResults,resourceId',
    );
    const doc = JSON.parse((await runWarden(['plan', '--snapshot', sample, '--format', 'json'])).stdout) as {
      findings: unknown[];
    };
    expect(lines).toHaveLength(1 + doc.findings.length);
    expect(lines.filter((l) => l.startsWith('nsg-blocks-backup-egress,high,open,'))).toHaveLength(19);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(undefined)).toBe('');
  });

  it('json carries the score and every VM, compliant ones included', async () => {
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as {
      score: { overall: { compliant: number; inScope: number; percent: number } };
      vms: { name: string; verdict: string }[];
    };
    expect(doc.score.overall).toEqual({ compliant: 3, inScope: 35, exempt: 3, percent: 8.5 });
    expect(doc.vms).toHaveLength(38);
    expect(doc.vms.filter((v) => v.verdict === 'compliant').map((v) => v.name)).toEqual([
      'vm-app-eus-01',
      'vm-app-eus-02',
      'vm-app-weu-01',
    ]);
  });
});

describe('incomplete coverage', () => {
  it('is said in the summary line and the HTML, and exits 4', async () => {
    const rows = (JSON.parse(readFileSync(sample, 'utf8')) as { data: unknown[] }).data;
    const file = join(dir, 'with-bad-row.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v',
          type: 'microsoft.compute/virtualmachines',
          properties: 'broken',
        },
        ...rows,
      ]),
    );
    const text = await runWarden(['plan', '--snapshot', file]);
    expect(text.code).toBe(4);
    expect(text.stdout.replace(/\s+/g, ' ')).toMatch(
      /Compliance 8\.5% \(3 of 35 VMs\) of what could be read \(coverage INCOMPLETE\)/,
    );
    expect(text.stdout.replace(/\s+/g, ' ')).toContain('coverage: INCOMPLETE: 1 row(s) rejected');
    const html = await runWarden(['plan', '--snapshot', file, '--format', 'html']);
    expect(html.code).toBe(4);
    expect(html.stdout).toContain('<b>Coverage incomplete.</b>');
  });
});

describe('--format html', () => {
  it('writes one self-contained file that loads nothing from elsewhere', async () => {
    const out = join(dir, 'report.html');
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'html', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html).toContain('<span id="score">8.5%</span>');
    expect(html).toContain('id="vm-filter"');
    expect((html.match(/<tr data-verdict=/g) ?? []).length).toBe(38);
  });

  it('escapes every value of the estate', async () => {
    const rows = (JSON.parse(readFileSync(sample, 'utf8')) as { data: Record<string, unknown>[] }).data;
    const evil = '<img src=x onerror=alert(1)>';
    const tampered = rows.map((r) =>
      r.name === 'vm-app-eus-01' && String(r.type).toLowerCase() === 'microsoft.compute/virtualmachines'
        ? { ...r, tags: { ...(r.tags as object), owner: evil }, resourceGroup: `rg"'${evil}` }
        : r,
    );
    const file = join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify(tampered));
    const r = await runWarden(['plan', '--snapshot', file, '--format', 'html']);
    expect(r.stdout).not.toContain('<img');
    expect(r.stdout).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(esc(`<a href="x">'&\``)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#96;');
  });
});

describe('warden explain', () => {
  it('explains a VM offline: protection, the path rule by rule, the finding and the planned fix', async () => {
    const r = await runWarden(['explain', 'vm-batch-eus-01', '--snapshot', sample]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('vm-batch-eus-01: non-compliant');
    expect(r.stdout).toContain('Vault rsv-backup-eastus (eastus), policy DefaultPolicy, state ProtectionConfigured');
    expect(r.stdout).toMatch(
      /network interface NSG nsg-batch-nic: 443 allowed by Allow-Storage-443 \(500\), 8443 denied by\s+Deny-All-Outbound \(1000\)/,
    );
    expect(r.stdout).toMatch(/▶ decides 1000 Deny Deny-All-Outbound/);
    expect(r.stdout).toMatch(/\+ planned 999 Allow AllowAzureBackupStorage-EastUS/);
    expect(r.stdout).toContain(
      '#5 add-nsg-rule: AllowAzureBackupStorage-EastUS-8443 priority 999 → Storage.EastUS:8443',
    );
  });

  it('says why nothing is done, and finds a VM by resourceGroup/name or id in any case', async () => {
    const r = await runWarden(['explain', 'RG-DATA-EUS/vm-sql-eus-01', '--snapshot', sample]);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('not fixed automatically: a deny rule names Storage explicitly');
    expect(r.stdout).toMatch(/Nothing automatically/);
    const ok = await runWarden([
      'explain',
      '/SUBSCRIPTIONS/8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70/resourcegroups/rg-app-eus/providers/microsoft.compute/virtualmachines/VM-APP-EUS-01',
      '--snapshot',
      sample,
      '--format',
      'json',
    ]);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout) as { vm: { verdict: string }; egress: { allowed: boolean }[] };
    expect(doc.vm.verdict).toBe('compliant');
    expect(doc.egress.every((e) => e.allowed)).toBe(true);
    const exempt = await runWarden(['explain', 'vm-sql-eus-03', '--snapshot', sample]);
    expect(exempt.code).toBe(0);
    expect(exempt.stdout).toContain('exempt until 2099-12-31');
  });

  it('exits 2 for a VM that is not there, or no VM at all', async () => {
    const r = await runWarden(['explain', 'vm-nope', '--snapshot', sample]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("explain: no VM 'vm-nope' in samples/sample-estate.json (38 VMs)");
    expect((await runWarden(['explain', '--snapshot', sample])).code).toBe(2);
  });
});

describe('help, version and usage errors', () => {
  it('answers --help on every verb with its options and examples, exit 0', async () => {
    for (const c of COMMANDS) {
      const r = await runWarden([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.stdout).toContain(`usage: ${c.usage}`);
      expect(r.stdout).toContain('examples:');
      expect(r.stdout).toContain('exit codes:');
    }
    expect((await runWarden(['help', 'sweep'])).stdout).toContain(
      'warden sweep --apply --format html --out after.html',
    );
    const global = await runWarden(['--help']);
    expect(global.code).toBe(0);
    for (const c of COMMANDS) expect(global.stdout).toContain(`  ${c.name} `);
    expect((await runWarden([])).code).toBe(2);
  });

  it('prints its version', async () => {
    const r = await runWarden(['--version']);
    expect(r).toEqual({
      code: 0,
      stdout: `warden ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`,
      stderr: '',
    });
  });

  it('exits 2 for every bad argument, naming it with a hint to the verb help', async () => {
    const cases: [string[], RegExp][] = [
      [['sweep', '--frobnicate'], /sweep: Unknown option '--frobnicate'/],
      [['sweep', '--format', 'yaml'], /--format: expected table, json, markdown, csv, html; got 'yaml'/],
      [['sweep', '--ledger'], /--ledger: AzureWebJobsStorage .* is not set/],
      [['findings', '--format', 'html'], /--format: expected table, json, csv, markdown; got 'html'/],
      [['replay-events'], /give one FILE/],
      [['emulator', '--estate', sample, '--port', '99999'], /--port: expected 0-65535/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await runWarden(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect((await runWarden(['sweep', '--frobnicate'])).stderr).toContain('hint: run `warden sweep --help`');
  });
});
