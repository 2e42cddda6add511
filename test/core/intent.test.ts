/** Safe by reading intent (issue 9 item 8): an exemption tag that is present but unreadable stops every change. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';

const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] }).data;
const now = new Date('2026-12-01T00:00:00Z');
const VM = 'vm-app-weu-04'; // tagged backup-exempt: ask-bob

describe('an unreadable exemption tag', () => {
  const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, now);
  const mine = report.findings.filter((f) => f.resourceId.toLowerCase().endsWith(`/${VM}`));

  it('keeps the findings open, with the reason', () => {
    expect(mine.length).toBeGreaterThan(0);
    for (const f of mine) expect(f).toMatchObject({ status: 'open', details: { reason: 'exemption-unreadable' } });
    expect(report.summary.warnings.some((w) => w.includes(VM) && w.includes('ask-bob'))).toBe(true);
  });

  it('plans no action on the resource, nor one that resolves its findings', () => {
    for (const a of report.actions) {
      expect(a.target.toLowerCase().endsWith(`/${VM}`), `${a.kind} ${a.target}`).toBe(false);
      expect(
        a.resolves.some((k) => k.endsWith(`/${VM}`)),
        `${a.kind} ${a.target}`,
      ).toBe(false);
    }
  });
});

describe('a first backup while egress is blocked (issue 9 item 8)', () => {
  const config = { ...DEFAULT_ENGINE_CONFIG, initialBackup: true };
  const { report } = assess(rows, config, now);
  const egress = report.findings.filter((f) => f.ruleId === 'nsg-blocks-backup-egress' && f.status === 'open');
  const key = (vmId: string) => `nsg-blocks-backup-egress|${vmId.toLowerCase()}`;

  it('is never planned for a VM whose blocked egress no planned rule fixes', () => {
    const unfixed = egress
      .filter((f) => typeof f.details['reason'] === 'string')
      .map((f) => f.resourceId.toLowerCase());
    expect(unfixed.length).toBeGreaterThan(0);
    const triggers = report.actions.filter((a) => a.kind === 'trigger-backup').map((a) => a.target.toLowerCase());
    for (const vm of unfixed) expect(triggers, vm).not.toContain(vm);
  });

  it('runs after the rule that opens the VM’s egress', () => {
    const rules = report.actions.filter((a) => a.kind === 'add-nsg-rule');
    let checked = 0;
    for (const [i, a] of report.actions.entries()) {
      if (a.kind !== 'trigger-backup') continue;
      const opener = rules.find((r) => r.resolves.includes(key(a.target)));
      if (!opener) continue;
      checked++;
      expect(report.actions.indexOf(opener), a.target).toBeLessThan(i);
    }
    expect(checked).toBeGreaterThan(0);
  });
});
