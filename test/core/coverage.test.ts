import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coverageOf, subscriptionFullyRead } from '../../src/core/coverage';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import { Inventory } from '../../src/core/inventory';
import { exitCodeOf } from '../../src/core/report';

const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: Record<string, unknown>[] })
  .data;
const now = new Date('2026-06-01T00:00:00Z');
const SUB = '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70';
const OTHER = 'b7e2d9c4-1a3f-4e8b-9c0d-5f6a7b8c9d01';

describe('coverage (issue 9 item 1)', () => {
  it('is complete for the bundled estate', () => {
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, now);
    expect(report.summary.coverage).toMatchObject({ complete: true, uncovered: [], rejectedRows: 0, missing: [] });
    expect(exitCodeOf(report)).toBe(1);
  });

  it.each([
    ['every row without its type column', (r: Record<string, unknown>) => ({ ...r, type: undefined })],
    [
      'properties as JSON text',
      (r: Record<string, unknown>) => ({ ...r, properties: JSON.stringify(r['properties']) }),
    ],
  ] as [string, (r: Record<string, unknown>) => Record<string, unknown>][])(
    'is incomplete, exit 4, when rows are rejected: %s',
    (_label, broken) => {
      const { report } = assess(rows.map(broken), DEFAULT_ENGINE_CONFIG, now);
      expect(report.summary.open).toBe(0);
      expect(report.summary.coverage.complete).toBe(false);
      expect(report.summary.coverage.rejectedRows).toBe(rows.length);
      expect(exitCodeOf(report)).toBe(4);
    },
  );

  it('names backup data that is missing: VMs without vaults or protected items', () => {
    const noBackup = rows.filter((r) => !String(r['type']).toLowerCase().startsWith('microsoft.recoveryservices/'));
    const { report } = assess(noBackup, DEFAULT_ENGINE_CONFIG, now);
    expect(report.summary.coverage.missing).toEqual(['vaults', 'protected items']);
    expect(report.summary.warnings).toContain(
      'coverage: backup data missing — no protected items in the input although it has virtual machines',
    );
    expect(exitCodeOf(report)).toBe(4);
  });

  it('names NSGs that NICs reference but the input lacks', () => {
    const noNsgs = rows.filter((r) => String(r['type']).toLowerCase() !== 'microsoft.network/networksecuritygroups');
    const c = coverageOf(Inventory.fromRows(noNsgs), undefined);
    expect(c.missing).toEqual([expect.stringMatching(/^network security groups \(\d+ referenced but not read\)$/)]);
  });

  it('is incomplete for an uncovered scope, and green only when every requested scope was seen', () => {
    const scope = { requested: [SUB, 'x'], seen: [SUB], uncovered: [{ scope: 'x', reason: 'not a GUID' }] };
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, now, scope);
    expect(report.summary.coverage).toMatchObject({ complete: false, uncovered: ['x: not a GUID'] });
    expect(report.summary.warnings).toContain(
      'coverage: scope x: not a GUID — its findings are unknown, not compliant',
    );
    expect(exitCodeOf(report)).toBe(4);
  });

  it('lets the ledger resolve only subscriptions read in full', () => {
    const inv = Inventory.fromRows(rows);
    const c = coverageOf(inv, {
      requested: [SUB, OTHER],
      seen: [SUB],
      uncovered: [{ scope: OTHER, reason: 'no access (403 AuthorizationFailed)' }],
    });
    expect(subscriptionFullyRead(c, SUB)).toBe(true);
    expect(subscriptionFullyRead(c, OTHER)).toBe(false);
    const truncated = coverageOf(inv, {
      requested: ['tenant'],
      seen: [SUB, OTHER],
      uncovered: [{ scope: 'query:virtual-machines', reason: 'result truncated' }],
    });
    expect(subscriptionFullyRead(truncated, SUB)).toBe(false);
  });
});
