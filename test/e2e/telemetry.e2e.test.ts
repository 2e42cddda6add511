/**
 * Telemetry through the handlers: with APPLICATIONINSIGHTS_CONNECTION_STRING pointing at a local capture
 * server (test/support/ingestionCapture.ts, standing in for the IngestionEndpoint), the real
 * applicationinsights SDK sends what the shard and job workers report.
 *
 * TLS: the capture server and the emulator have different self-signed certificates. The app trusts both
 * through one setting, WARDEN_CA_CERT_PATH, holding a PEM bundle of the two: composition gives it to the
 * ARM clients and to the telemetry exporter (on top of the system roots in both cases).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemediationJobMessage } from '../../src/app/messages';
import { idKey } from '../../src/core/ids';
import { remediationJob } from '../../src/functions/remediationJob';
import { sweepShard } from '../../src/functions/sweepShard';
import { sweepTimer } from '../../src/functions/sweepTimer';
import { startIngestionCapture, type Envelope, type IngestionCapture } from '../support/ingestionCapture';
import { eventEstate, SUB, vmIdOf } from './eventEstate';
import { invocation, QueueHost, startStack, timerInfo, type Stack } from './harness';

// The SDK's own usage reporting would go to Microsoft's endpoints: off in tests.
process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = 'true';
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';

let capture: IngestionCapture;
let stack: Stack;

const events = (all: Envelope[], name: string): Envelope[] =>
  all.filter((e) => e.data.baseType === 'EventData' && e.data.baseData['name'] === name);
const propsOf = (e: Envelope | undefined): Record<string, string> =>
  (e?.data.baseData['properties'] ?? {}) as Record<string, string>;

beforeAll(async () => {
  capture = await startIngestionCapture();
  stack = await startStack({
    estate: eventEstate(),
    extraCa: [capture.caCert],
    env: { APPLICATIONINSIGHTS_CONNECTION_STRING: capture.connectionString, WARDEN_SUBSCRIPTIONS: SUB },
  });
  await stack.use();
});

afterAll(async () => {
  await stack?.stop();
  await capture?.stop();
});

describe('telemetry from the Function App', () => {
  let sweepId = '';

  it('a shard sends one ComplianceFinding per new finding, with every dimension, and the last shard a SweepCompleted', async () => {
    await sweepTimer(timerInfo(), invocation('sweepTimer').context);
    const shards = new QueueHost(stack.azurite.connectionString, 'sweep-shards', 'sweepShard', sweepShard);
    const [d] = await shards.drain();
    expect(d?.outcome).toBe('completed');
    sweepId = String((d?.body as { sweepId: string }).sweepId);

    const all = await capture.waitFor((e) => events(e, 'SweepCompleted').length === 1);
    const findings = events(all, 'ComplianceFinding').map(propsOf);
    expect(findings.map((p) => `${p['ruleId']} ${p['resourceId']?.split('/').pop() ?? ''}`).sort()).toEqual([
      'vm-unprotected vm-app-03',
      'vm-unprotected vm-app-04',
    ]);
    expect(findings.find((p) => p['resourceId'] === vmIdOf('RG-App', 'vm-app-03'))).toEqual({
      ruleId: 'vm-unprotected',
      severity: 'high',
      status: 'open',
      previousStatus: '',
      resourceId: vmIdOf('RG-App', 'vm-app-03'),
      subscriptionId: SUB,
      location: 'eastus',
      sweepId,
      trigger: 'timer',
    });
    const completed = events(all, 'SweepCompleted')[0];
    expect(propsOf(completed)).toMatchObject({
      sweepId,
      trigger: 'timer',
      shards: '1',
      shardsCompleted: '1',
      findings: '2',
      open: '2',
      exempt: '0',
      actions: '2',
      resolved: '0',
    });
    expect(completed?.data.baseData['measurements']).toMatchObject({ shards: 1, findings: 2, open: 2 });
    expect(completed?.tags['ai.cloud.role']).toBe('backup-warden');
    const openMetric = all
      .filter((e) => e.data.baseType === 'MetricData')
      .find((e) => (e.data.baseData['metrics'] as { name: string }[])[0]?.name === 'warden.findings.open');
    expect(openMetric?.data.baseData['properties']).toEqual({ ruleId: 'vm-unprotected' });
    expect((openMetric?.data.baseData['metrics'] as { value: number }[])[0]?.value).toBe(2);
  });

  it("a job sends a RemediationResult per action and the finding's status change", async () => {
    const jobs = new QueueHost(stack.azurite.connectionString, 'remediation-jobs', 'remediationJob', remediationJob);
    const delivered = await jobs.drain();
    expect(delivered.map((d) => d.outcome)).toEqual(['completed', 'completed']);
    const all = await capture.waitFor((e) => events(e, 'RemediationResult').length === 2);
    const results = events(all, 'RemediationResult').map(propsOf);
    const vm3 = results.find((p) => idKey(p['target'] ?? '') === idKey(vmIdOf('RG-App', 'vm-app-03')));
    expect(vm3).toMatchObject({
      kind: 'enable-protection',
      status: 'succeeded',
      errorCode: '',
      detail: 'protected',
      sweepId,
      trigger: 'timer',
    });
    expect(Number(vm3?.['durationMs'])).toBeGreaterThan(0);
    const job = delivered[0]?.body as RemediationJobMessage;
    expect(job.sweepId).toBe(sweepId);

    const changes = (await capture.waitFor((e) => events(e, 'ComplianceFinding').length === 4))
      .filter((e) => propsOf(e)['previousStatus'] === 'open')
      .map(propsOf);
    expect(
      changes.map((p) => [p['ruleId'], p['status'], p['previousStatus'], p['resourceId']?.split('/').pop()]).sort(),
    ).toEqual([
      ['vm-unprotected', 'remediated', 'open', 'vm-app-03'],
      ['vm-unprotected', 'remediated', 'open', 'vm-app-04'],
    ]);
    const durations = all.filter(
      (e) =>
        e.data.baseType === 'MetricData' &&
        (e.data.baseData['metrics'] as { name: string }[])[0]?.name === 'warden.remediation.duration',
    );
    expect(durations.length).toBeGreaterThanOrEqual(1);
  });
});
