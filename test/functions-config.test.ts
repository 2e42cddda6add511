import { readFileSync } from 'node:fs';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';

const host = JSON.parse(readFileSync('host.json', 'utf8')) as {
  version: string;
  extensionBundle: { id: string; version: string };
  functionTimeout: string;
  logging: { applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes: string } } };
  extensions: { queues: { batchSize: number; maxDequeueCount: number; visibilityTimeout: string } };
};

describe('host.json', () => {
  it('uses version 2.0 and the [4.*, 5.0.0) extension bundle', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
  });

  it('sets a functionTimeout that fits the Flex Consumption plan (at most 30 minutes by default, never unbounded)', () => {
    const [h, m, s] = host.functionTimeout.split(':').map(Number) as [number, number, number];
    const minutes = h * 60 + m + s / 60;
    expect(minutes).toBeGreaterThan(0);
    expect(minutes).toBeLessThanOrEqual(30);
  });

  it('retries queue messages five times before the poison queue, in small batches', () => {
    expect(host.extensions.queues.maxDequeueCount).toBe(5);
    expect(host.extensions.queues.batchSize).toBeLessThanOrEqual(16);
    expect(host.extensions.queues.visibilityTimeout).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it('never samples away customEvents (findings)', () => {
    expect(host.logging.applicationInsights.samplingSettings.excludedTypes.split(';')).toContain('Event');
  });
});

describe('.funcignore', () => {
  it('keeps the emulator, the Kusto parser, sources and tests out of the deployment package, and dist/src in', () => {
    // Gitignore semantics, as the deploy tools read it (test/package builds the whole package this way).
    const rules = ignore().add(readFileSync('.funcignore', 'utf8'));
    for (const p of [
      'src/app/sweep.ts',
      'test/x.test.ts',
      'packages/emulator/package.json',
      'node_modules/@kusto/x.js',
    ])
      expect(rules.ignores(p), p).toBe(true);
    for (const p of ['node_modules/azurite/package.json', 'src/queries/vaults.kql'])
      expect(rules.ignores(p), p).toBe(true);
    for (const p of ['dist/src/functions/index.js', 'dist/src/queries/vaults.kql', 'host.json', 'package.json'])
      expect(rules.ignores(p), p).toBe(false);
  });
});
