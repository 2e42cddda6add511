/**
 * The compliance workbook (infra/workbook.json): valid workbook JSON with the views it promises, each a
 * KQL query over customEvents that names the events the telemetry adapter sends and only the dimensions
 * it sets (captured from the adapter itself, the SDK client replaced), and that Microsoft's Kusto
 * language service parses and analyses without a diagnostic. Deployed as a shared workbook on the
 * Application Insights resource.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { kustoAnalyser } from '../support/kusto';
import type { EnableProtectionAction } from '../../src/core/model';
import type { FindingChange } from '../../src/ports';
import { RULES } from '../../src/core/rules';
import { createTelemetry } from '../../src/adapters/telemetry/appInsights';
import { compile, evaluate, module, only, scopeOf } from './arm';
import { read } from './checks';
import { findBicep } from './tools';

const tracked = vi.hoisted(() => [] as { name: string; properties: Record<string, string> }[]);
vi.mock('applicationinsights', () => ({
  TelemetryClient: class {
    config: Record<string, unknown> = {};
    initialize(): void {}
    trackEvent(e: { name: string; properties: Record<string, string> }): void {
      tracked.push(e);
    }
    trackMetric(): void {}
    trackException(): void {}
    flush(): Promise<void> {
      return Promise.resolve();
    }
    shutdown(): Promise<void> {
      return Promise.resolve();
    }
  },
}));

/** The dimensions of each custom event, as the adapter sends them. */
function eventDimensions(): Record<string, string[]> {
  const sink = createTelemetry({ connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/' });
  const vm = '/subscriptions/3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
  const change: FindingChange = {
    previousStatus: 'open',
    entry: { ruleId: 'vm-unprotected', resourceId: vm, severity: 'high', status: 'remediated', message: 'm', subscriptionId: '3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c', firstSeen: '2025-03-01T00:00:00Z', lastSeen: '2025-03-01T00:00:00Z', attempts: 1 },
  };
  const action: EnableProtectionAction = { kind: 'enable-protection', target: vm, params: { vaultId: 'v', policyId: 'p' }, resolves: [] };
  const dims = { sweepId: 's', trigger: 'timer' as const };
  sink.findingChanged(change, dims);
  sink.remediationResult(action, { status: 'succeeded', durationMs: 12 }, dims);
  return Object.fromEntries(tracked.map((e) => [e.name, Object.keys(e.properties).sort()]));
}

interface WorkbookItem {
  type: number;
  name: string;
  content: { version?: string; query?: string; title?: string; queryType?: number; resourceType?: string; visualization?: string; json?: string; parameters?: { name: string; type: number }[] };
}
const text = read('infra/workbook.json');
const workbook = JSON.parse(text) as { version: string; items: WorkbookItem[] };
const queries = workbook.items.filter((i) => i.type === 3);

const VIEWS: Record<string, { event: 'ComplianceFinding' | 'RemediationResult'; visualization: string }> = {
  'open-findings-by-rule': { event: 'ComplianceFinding', visualization: 'table' },
  'open-findings-by-subscription': { event: 'ComplianceFinding', visualization: 'table' },
  'remediation-results-over-time': { event: 'RemediationResult', visualization: 'timechart' },
  'mean-time-to-remediate': { event: 'ComplianceFinding', visualization: 'table' },
  'top-blocking-nsgs': { event: 'RemediationResult', visualization: 'table' },
  'blocked-vms-by-resource-group': { event: 'ComplianceFinding', visualization: 'table' },
};

describe('infra/workbook.json', () => {
  it('is a Notebook/1.0 workbook with a time range parameter', () => {
    expect(workbook.version).toBe('Notebook/1.0');
    const parameters = workbook.items.find((i) => i.type === 9);
    expect(parameters?.content.parameters?.map((p) => [p.name, p.type])).toEqual([['TimeRange', 4]]);
  });

  it('has the views: open findings by rule and by subscription, remediation results over time, mean time to remediate, blocking NSGs', () => {
    expect(queries.map((q) => q.name)).toEqual(Object.keys(VIEWS));
    for (const q of queries) {
      expect(q.content.version, q.name).toBe('KqlItem/1.0');
      expect(q.content.resourceType, q.name).toBe('microsoft.insights/components');
      expect(q.content.visualization, q.name).toBe(VIEWS[q.name]?.visualization);
      expect(q.content.title, q.name).toBeTruthy();
    }
  });

  it('reads customEvents of the events the adapter sends, and only the dimensions it sets', () => {
    const dimensions = eventDimensions();
    expect(dimensions).toEqual({
      ComplianceFinding: ['location', 'previousStatus', 'resourceId', 'ruleId', 'severity', 'status', 'subscriptionId', 'sweepId', 'trigger'],
      RemediationResult: ['detail', 'durationMs', 'errorCode', 'kind', 'status', 'sweepId', 'target', 'trigger'],
    });
    for (const q of queries) {
      const query = q.content.query ?? '';
      const view = VIEWS[q.name];
      expect(query, q.name).toMatch(/^(let \w+ = )?customEvents\b/);
      expect(query, q.name).toContain(`name == '${view?.event ?? ''}'`);
      expect(query, q.name).toContain('where timestamp {TimeRange}');
      const used = [...query.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1] ?? '');
      expect(used.length, q.name).toBeGreaterThan(0);
      for (const d of used) expect(dimensions[view?.event ?? ''], `${q.name}: customDimensions.${d}`).toContain(d);
    }
  });

  it('compares with statuses, rules and action kinds the app has', () => {
    const ledgerStatuses = [...(read('src/ports/index.ts').match(/export type LedgerStatus = ([^;]+);/)?.[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]);
    expect(ledgerStatuses).toEqual(['open', 'exempt', 'remediating', 'remediated', 'failed', 'resolved']);
    const actionStatuses = ['succeeded', 'failed', 'skipped'];
    expect(read('src/ports/index.ts')).toContain("status: 'succeeded' | 'failed' | 'skipped';");
    for (const q of queries) {
      const query = q.content.query ?? '';
      const statuses = [...query.matchAll(/status (?:==|in) \(?((?:'[a-z-]+',? ?)+)\)?/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((x) => x[1]));
      const allowed = VIEWS[q.name]?.event === 'ComplianceFinding' ? ledgerStatuses : actionStatuses;
      for (const s of statuses) expect(allowed, `${q.name}: status '${s}'`).toContain(s);
    }
    const nsgRule = RULES.find((r) => r.id === 'nsg-blocks-backup-egress');
    expect(nsgRule?.remediation).toBe('add-nsg-rule');
    expect(queries.find((q) => q.name === 'top-blocking-nsgs')?.content.query).toContain("actionKind == 'add-nsg-rule'");
    expect(queries.find((q) => q.name === 'blocked-vms-by-resource-group')?.content.query).toContain("ruleId == 'nsg-blocks-backup-egress'");
  });

  it('computes mean time to remediate from the first open to the first remediated or resolved change', () => {
    const query = queries.find((q) => q.name === 'mean-time-to-remediate')?.content.query ?? '';
    expect(query).toContain('summarize openedAt = min(timestamp) by ruleId, resourceId');
    expect(query).toContain("where status in ('remediated', 'resolved')");
    expect(query).toContain('summarize meanHours = round(avg(hours), 2)');
    expect(queries.find((q) => q.name === 'remediation-results-over-time')?.content.query).toContain('bin(timestamp, 1h)');
  });

  it('parses and analyses in the Kusto language service against the customEvents schema', () => {
    const diagnostics = kustoAnalyser('appinsights', { customEvents: { timestamp: 'DateTime', name: 'String', itemType: 'String', customDimensions: 'Dynamic', customMeasurements: 'Dynamic' } });
    for (const q of queries) expect(diagnostics((q.content.query ?? '').replace(/\{TimeRange\}/g, '> ago(30d)')), q.name).toEqual([]);
    expect(diagnostics("customEvents | where nmae == 'x'").length).toBeGreaterThan(0);
    expect(diagnostics('customEvents | summarize count( by name').length).toBeGreaterThan(0);
  });
});

describe.skipIf(!findBicep())('the workbook resource, compiled', () => {
  let resource: Record<string, unknown>;
  let raw: { name: string };
  let sourceId: unknown;
  beforeAll(() => {
    const main = scopeOf(compile('infra/main.bicep'), { environmentName: 'dev', location: 'eastus' });
    const m = module(main, 'workbook');
    const r = only(m.template, 'Microsoft.Insights/workbooks');
    raw = r;
    resource = evaluate(r, m.scope) as Record<string, unknown>;
    sourceId = m.deployment['properties'] && (m.deployment['properties'] as { parameters: Record<string, { value: string }> }).parameters['applicationInsightsId']?.value;
  });

  it('is a shared workbook on the Application Insights resource, holding workbook.json verbatim', () => {
    expect(resource['kind']).toBe('shared');
    const props = resource['properties'] as Record<string, unknown>;
    expect(props['serializedData']).toBe(text);
    expect(props['version']).toBe('Notebook/1.0');
    expect(props['category']).toBe('workbook');
    expect(props['displayName']).toBe('backup-warden compliance');
    expect(String(sourceId)).toMatch(/'monitoring'.*\.outputs\.applicationInsightsId\.value\]$/);
  });

  it('has a deterministic guid name', () => {
    expect(raw.name).toBe("[guid(resourceGroup().id, parameters('applicationInsightsId'), 'backup-warden-compliance')]");
  });
});
