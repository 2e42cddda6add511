/**
 * The Application Insights sink against a capture server standing in for the IngestionEndpoint: the real
 * applicationinsights 3.x SDK posts its envelopes there, and the test reads them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnableProtectionAction } from '../../../src/core/model';
import type { FindingChange, SweepSummary } from '../../../src/ports';
import { createTelemetry, noopTelemetry } from '../../../src/adapters/telemetry/appInsights';
import { startIngestionCapture, type Envelope, type IngestionCapture } from '../../support/ingestionCapture';

// The SDK's own usage reporting (statsbeat / SDK stats) would go to Microsoft's endpoints: off in tests.
process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = 'true';
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';

const SUB = '3c9e1f7a-2b4d-4e6f-8a1c-5d7e9f0a2b4c';
const VM = `/subscriptions/${SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;

const change: FindingChange = {
  previousStatus: 'open',
  entry: {
    ruleId: 'vm-unprotected',
    resourceId: VM,
    severity: 'high',
    status: 'remediated',
    message: "VM 'vm-web-01' has no protected item in any vault",
    subscriptionId: SUB,
    location: 'eastus',
    firstSeen: '2025-03-01T02:00:00.000Z',
    lastSeen: '2025-03-01T02:00:00.000Z',
    attempts: 1,
  },
};
const action: EnableProtectionAction = {
  kind: 'enable-protection',
  target: VM,
  params: { vaultId: VAULT, policyId: `${VAULT}/backupPolicies/DefaultPolicy` },
  resolves: [`vm-unprotected|${VM.toLowerCase()}`],
};
const summary: SweepSummary = {
  sweepId: 'sweep-2025-03-01T02:00Z',
  trigger: 'timer',
  startedAt: '2025-03-01T02:00:00.000Z',
  shards: 4,
  shardsCompleted: 4,
  resources: 1250,
  findings: 37,
  open: 30,
  exempt: 5,
  actions: 12,
  resolved: 3,
  warnings: 1,
};
const dims = { sweepId: 'sweep-2025-03-01T02:00Z', trigger: 'timer' as const };

const byName = (envelopes: Envelope[], baseType: string, name: string): Envelope[] =>
  envelopes.filter(
    (e) =>
      e.data.baseType === baseType &&
      (baseType === 'MetricData' ? metricOf(e).name === name : e.data.baseData.name === name),
  );
const metricOf = (e: Envelope): { name: string; value: number; count: number } =>
  (e.data.baseData.metrics as { name: string; value: number; count: number }[])[0] ?? {
    name: '',
    value: NaN,
    count: 0,
  };
const propertiesOf = (e: Envelope | undefined): unknown => e?.data.baseData.properties;

let capture: IngestionCapture;

beforeAll(async () => {
  capture = await startIngestionCapture();
});

afterAll(async () => {
  await capture.stop();
});

describe('createTelemetry without a connection string', () => {
  it('is a no-op sink that never sets the SDK up', async () => {
    const sink = createTelemetry({});
    expect(sink).toBe(noopTelemetry);
    expect(createTelemetry({ connectionString: '  ', cloudRole: 'x' })).toBe(noopTelemetry);
    expect(() => {
      sink.findingChanged(change, dims);
      sink.remediationResult(action, { status: 'succeeded', durationMs: 5 }, dims);
      sink.sweepCompleted(summary, { 'vm-unprotected': 3 });
      sink.exception(new Error('ignored'), { invocationId: 'inv-0' });
    }).not.toThrow();
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(capture.envelopes()).toEqual([]);
  });
});

describe('createTelemetry with the capture server as IngestionEndpoint', () => {
  it('delivers the events, metrics and exception by the time flush() resolves', async () => {
    const sink = createTelemetry({
      connectionString: capture.connectionString,
      cloudRole: 'backup-warden-test',
      caCert: capture.caCert,
    });
    sink.findingChanged(change, dims);
    const { location: _location, ...withoutLocation } = change.entry;
    sink.findingChanged({ entry: { ...withoutLocation, status: 'open' } }, { sweepId: 'event-abc', trigger: 'event' });
    sink.remediationResult(
      action,
      {
        status: 'failed',
        error: { code: 'UserErrorBCMPremiumStorageQuotaError', message: 'quota', statusCode: 400 },
        durationMs: 4210.4,
      },
      dims,
    );
    sink.sweepCompleted(summary, { 'vm-unprotected': 3, 'nsg-blocks-backup-egress': 1 });
    sink.exception(new Error('message reached remediation-jobs-poison'), {
      invocationId: 'inv-42',
      queue: 'remediation-jobs-poison',
    });
    await sink.flush();

    const envelopes = capture.envelopes();
    expect(new Set(capture.requests().map((r) => r.path))).toEqual(new Set(['/v2.1/track']));
    expect(
      envelopes.every((e) => e.iKey === capture.instrumentationKey && e.tags['ai.cloud.role'] === 'backup-warden-test'),
    ).toBe(true);

    const findings = byName(envelopes, 'EventData', 'ComplianceFinding');
    expect(findings.map(propertiesOf)).toEqual([
      {
        ruleId: 'vm-unprotected',
        severity: 'high',
        status: 'remediated',
        previousStatus: 'open',
        resourceId: VM,
        subscriptionId: SUB,
        location: 'eastus',
        sweepId: dims.sweepId,
        trigger: 'timer',
      },
      {
        ruleId: 'vm-unprotected',
        severity: 'high',
        status: 'open',
        previousStatus: '',
        resourceId: VM,
        subscriptionId: SUB,
        location: '',
        sweepId: 'event-abc',
        trigger: 'event',
      },
    ]);

    const [remediation] = byName(envelopes, 'EventData', 'RemediationResult');
    expect(propertiesOf(remediation)).toEqual({
      kind: 'enable-protection',
      target: VM,
      status: 'failed',
      errorCode: 'UserErrorBCMPremiumStorageQuotaError',
      detail: '',
      durationMs: '4210',
      sweepId: dims.sweepId,
      trigger: 'timer',
    });
    expect(remediation?.data.baseData.measurements).toEqual({ durationMs: 4210 });

    const [duration] = byName(envelopes, 'MetricData', 'warden.remediation.duration');
    expect(metricOf(duration as Envelope)).toMatchObject({ value: 4210, count: 1 });
    expect(propertiesOf(duration)).toEqual({ kind: 'enable-protection', status: 'failed' });

    const [sweep] = byName(envelopes, 'EventData', 'SweepCompleted');
    expect(propertiesOf(sweep)).toEqual({
      sweepId: dims.sweepId,
      trigger: 'timer',
      startedAt: '2025-03-01T02:00:00.000Z',
      shards: '4',
      shardsCompleted: '4',
      resources: '1250',
      findings: '37',
      open: '30',
      exempt: '5',
      actions: '12',
      resolved: '3',
      warnings: '1',
    });
    expect(sweep?.data.baseData.measurements).toEqual({
      shards: 4,
      shardsCompleted: 4,
      resources: 1250,
      findings: 37,
      open: 30,
      exempt: 5,
      actions: 12,
      resolved: 3,
      warnings: 1,
    });

    const open = byName(envelopes, 'MetricData', 'warden.findings.open')
      .map((e) => [(propertiesOf(e) as Record<string, string>).ruleId, metricOf(e).value])
      .sort();
    expect(open).toEqual([
      ['nsg-blocks-backup-egress', 1],
      ['vm-unprotected', 3],
    ]);

    const exceptions = envelopes.filter((e) => e.data.baseType === 'ExceptionData');
    expect(exceptions).toHaveLength(1);
    expect((exceptions[0]?.data.baseData.exceptions as { typeName: string; message: string }[])[0]).toMatchObject({
      typeName: 'Error',
      message: 'message reached remediation-jobs-poison',
    });
    expect(propertiesOf(exceptions[0])).toEqual({ invocationId: 'inv-42', queue: 'remediation-jobs-poison' });

    // Nothing else was collected: no requests, dependencies, performance counters or SDK stats.
    expect(envelopes).toHaveLength(8);
  });

  it('delivers everything tracked before concurrent flushes, once', async () => {
    const sink = createTelemetry({ connectionString: capture.connectionString, caCert: capture.caCert });
    const before = capture.envelopes().length;
    sink.findingChanged({ ...change, entry: { ...change.entry, resourceId: `${VM}-2` } }, dims);
    sink.exception('a thrown string', { invocationId: 'inv-43' });
    const first = sink.flush();
    sink.remediationResult(action, { status: 'succeeded', detail: 'protected', durationMs: 900 }, dims);
    await Promise.all([first, sink.flush()]);

    const added = capture.envelopes().slice(before);
    expect(
      added
        .map((e) =>
          e.data.baseType === 'MetricData'
            ? metricOf(e).name
            : e.data.baseType === 'ExceptionData'
              ? 'exception'
              : e.data.baseData.name,
        )
        .sort(),
    ).toEqual(['ComplianceFinding', 'RemediationResult', 'exception', 'warden.remediation.duration']);
    const exception = added.find((e) => e.data.baseType === 'ExceptionData');
    expect((exception?.data.baseData.exceptions as { message: string }[])[0]?.message).toBe('a thrown string');
    expect(propertiesOf(byName(added, 'EventData', 'RemediationResult')[0])).toMatchObject({
      status: 'succeeded',
      detail: 'protected',
      errorCode: '',
      durationMs: '900',
    });
  });

  it('refuses a second connection string in the same process', () => {
    expect(() =>
      createTelemetry({
        connectionString:
          'InstrumentationKey=99999999-2222-4333-8444-555555555555;IngestionEndpoint=https://127.0.0.1:1/',
      }),
    ).toThrow(/another connection string/);
  });
});
