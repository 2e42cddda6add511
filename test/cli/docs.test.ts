/**
 * The KQL in docs/app-insights-kql.md is valid against the Application Insights schema, as the portal's Logs
 * would analyse it (Microsoft's Kusto parser), and names only the events and dimensions the app sends.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kustoAnalyser } from '../support/kusto';

const doc = readFileSync('docs/app-insights-kql.md', 'utf8');
const queries = [...doc.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
const telemetry = readFileSync('src/adapters/telemetry/appInsights.ts', 'utf8');

const analyse = kustoAnalyser('appinsights', {
  customEvents: {
    timestamp: 'DateTime',
    name: 'String',
    itemType: 'String',
    customDimensions: 'Dynamic',
    customMeasurements: 'Dynamic',
  },
  customMetrics: {
    timestamp: 'DateTime',
    name: 'String',
    value: 'Real',
    valueCount: 'Long',
    valueSum: 'Real',
    customDimensions: 'Dynamic',
  },
});

describe('docs/app-insights-kql.md', () => {
  it('has queries, and each one parses and binds without a diagnostic', () => {
    expect(queries.length).toBeGreaterThanOrEqual(7);
    for (const q of queries) expect(analyse(q), q).toEqual([]);
  });

  it('names only events, metrics and dimensions the telemetry sink sends', () => {
    for (const q of queries) {
      for (const [, name] of q.matchAll(/name (?:==|in) \(?'([\w.]+)'/g))
        expect(telemetry, name).toContain(`'${name}'`);
      for (const [, dim] of q.matchAll(/customDimensions\.(\w+)/g))
        expect(telemetry, dim).toMatch(new RegExp(`\\b${dim}\\b`));
    }
  });
});
