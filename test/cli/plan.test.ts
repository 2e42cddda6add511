import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWarden } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'warden-plan-'));
const write = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

const run = runWarden;

const sample = 'samples/sample-estate.json';

describe('warden plan', () => {
  it('prints exactly one JSON document with summary, findings and actions, exit 1 when findings are open', async () => {
    const r = await run(['plan', '--snapshot', sample, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { summary: Record<string, unknown>; findings: unknown[]; actions: unknown[] };
    expect(Object.keys(doc)).toEqual(['summary', 'findings', 'actions', 'score', 'vms']);
    expect(doc.summary).toMatchObject({
      findings: doc.findings.length,
      exempt: 5,
      actions: 28,
      truncated: false,
    });
    expect(Array.isArray(doc.summary.warnings)).toBe(true);
  });

  it('prints readable tables by default', async () => {
    const r = await run(['plan', '--snapshot', sample]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VMs with findings (32 non-compliant, 3 exempt)');
    expect(r.stdout).toContain('Planned actions (28)');
    expect(r.stdout).toMatch(/create-vault\s+rg-backup-warden\/rsv-backup-japaneast/);
  });

  it('exits 0 when nothing is open', async () => {
    const vault = {
      id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1',
      name: 'v1',
      type: 'microsoft.recoveryservices/vaults',
      location: 'eastus',
      properties: {},
    };
    const r = await run(['plan', '--snapshot', write('ok.json', JSON.stringify([vault])), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.open).toBe(0);
  });

  it('merges several snapshot files and writes --out', async () => {
    const rows = (JSON.parse(readFileSync(sample, 'utf8')) as { data: unknown[] }).data;
    const a = write('a.json', JSON.stringify({ data: rows.slice(0, 50) }));
    const b = write('b.json', JSON.stringify(rows.slice(50)));
    const out = join(dir, 'report.json');
    const r = await run(['plan', '--snapshot', a, '--snapshot', b, '--format', 'json', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.actions).toBe(28);
  });

  it('reports a bad row as a warning with its index and id, and plans the rest', async () => {
    const rows = [
      {
        id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n1',
        type: 'microsoft.network/networksecuritygroups',
        location: 'eastus',
        properties: {
          securityRules: [
            { name: 'r1', properties: { priority: 'high', direction: 'Outbound', access: 'Deny', protocol: '*' } },
          ],
        },
      },
      ...(JSON.parse(readFileSync(sample, 'utf8')) as { data: unknown[] }).data,
    ];
    const r = await run(['plan', '--snapshot', write('bad-row.json', JSON.stringify(rows)), '--format', 'json']);
    // A rejected row makes the coverage incomplete: never green, exit 4.
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.warnings[0]).toMatch(
      /^row 0 \(\/subscriptions\/s1\/.*\/n1\): properties\.securityRules\[0\]: properties\.priority/,
    );
    expect(doc.summary.actions).toBe(28);
  });

  it.each([
    ['not JSON', 'nope.json', '{ not json', /nope\.json: not JSON/],
    ['no rows', 'empty.json', '{"data": []}', /empty\.json: holds no rows/],
    ['wrong shape', 'shape.json', '{"rows": []}', /shape\.json: expected a JSON array of rows/],
  ])('exits 2 for a snapshot that is %s', async (_what, name, content, message) => {
    const r = await run(['plan', '--snapshot', write(name, content)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 for a missing file, a missing --snapshot, a bad --format and an unknown option', async () => {
    expect((await run(['plan', '--snapshot', join(dir, 'missing.json')])).stderr).toMatch(
      /missing\.json: cannot read: ENOENT/,
    );
    expect((await run(['plan'])).code).toBe(2);
    const fmt = await run(['plan', '--snapshot', sample, '--format', 'yaml']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain("--format: expected table, json, markdown, csv, html; got 'yaml'");
    expect((await run(['plan', '--snapshot', sample, '--colour'])).stderr).toMatch(/Unknown option '--colour'/);
    expect((await run(['frobnicate'])).stderr).toContain("unknown command 'frobnicate'");
  });

  it('reads --config and names a bad or unknown key, exit 2', async () => {
    const good = write('good.json', JSON.stringify({ maxActions: 5, storageRedundancy: 'LocallyRedundant' }));
    const r = await run(['plan', '--snapshot', sample, '--config', good, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary).toMatchObject({ actions: 5, truncated: true });
    const bad = write('bad.json', JSON.stringify({ maxActions: -1, storageRedundency: 'x' }));
    const e = await run(['plan', '--snapshot', sample, '--config', bad]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("unknown key 'storageRedundency'");
    expect(e.stderr).toMatch(/bad\.json: maxActions: .*(>=|0)/);
  });
});
