/**
 * Convergence on Azure's real state (issue 9 item 2): protection whose configuration failed is planned again,
 * within the caps, instead of becoming a report-only finding that no later sweep retries.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';

type Row = Record<string, unknown> & { properties: Record<string, unknown> };
const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: Row[] }).data;
const now = new Date('2026-06-01T00:00:00Z');

/** The sample with its first protected item in `state`. */
function withItemIn(state: string): { rows: Row[]; item: Row } {
  const copy = JSON.parse(JSON.stringify(rows)) as Row[];
  const item = copy.find((r) => String(r['type']).toLowerCase().endsWith('/protecteditems')) as Row;
  item.properties['protectionState'] = state === 'ConfiguringProtectionFailed' ? 'ProtectionError' : state;
  item.properties['currentProtectionState'] = state;
  return { rows: copy, item };
}

describe('re-planning failed protection', () => {
  it('plans enable-protection in the item’s own vault for ConfiguringProtectionFailed, resolving the finding', () => {
    const { rows: estate, item } = withItemIn('ConfiguringProtectionFailed');
    const vmId = String(item.properties['sourceResourceId']);
    const { report } = assess(estate, DEFAULT_ENGINE_CONFIG, now);
    const finding = report.findings.find(
      (f) => f.ruleId === 'vm-protection-unhealthy' && f.resourceId.toLowerCase() === vmId.toLowerCase(),
    );
    expect(finding?.details['reason']).toBeUndefined();
    const action = report.actions.find(
      (a) => a.kind === 'enable-protection' && a.target.toLowerCase() === vmId.toLowerCase(),
    );
    expect(action).toBeDefined();
    expect(String((action?.params as { vaultId: string }).vaultId).toLowerCase()).toBe(
      String(item['id']).toLowerCase().split('/backupfabrics/')[0],
    );
    expect(action?.resolves).toContain(`vm-protection-unhealthy|${vmId.toLowerCase()}`);
  });

  it('keeps stopped protection report-only: resuming it is an operator’s call', () => {
    const { rows: estate, item } = withItemIn('ProtectionStopped');
    const vmId = String(item.properties['sourceResourceId']).toLowerCase();
    const { report } = assess(estate, DEFAULT_ENGINE_CONFIG, now);
    const finding = report.findings.find(
      (f) => f.ruleId === 'vm-protection-unhealthy' && f.resourceId.toLowerCase() === vmId,
    );
    expect(finding?.details['reason']).toBe('report-only');
    expect(report.actions.some((a) => a.kind === 'enable-protection' && a.target.toLowerCase() === vmId)).toBe(false);
  });

  it('stays within maxActions', () => {
    const { rows: estate } = withItemIn('ConfiguringProtectionFailed');
    const { report } = assess(estate, { ...DEFAULT_ENGINE_CONFIG, maxActions: 1 }, now);
    expect(report.actions).toHaveLength(1);
    expect(report.summary.truncated).toBe(true);
  });
});
