/** The job worker's use case and the queue messages it takes: what is retried, what is recorded, what is dropped. */
import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/storage/memoryLedger';
import { groupActions } from '../../src/app/actionGroups';
import {
  InvalidMessageError,
  parseRemediationJob,
  parseShardMessage,
  type RemediationJobMessage,
} from '../../src/app/messages';
import { recordPoisonJob, runRemediationJob, type RemediationJobDeps } from '../../src/app/remediationJob';
import { TransientFailureError } from '../../src/app/transient';
import type { Action, Finding } from '../../src/core/model';
import type { ActionResult } from '../../src/ports';
import { vaultId, vmId } from '../fixtures/builders/rows';
import { FixedClock, RecordingTelemetry, ScriptedRemediator } from './fakes';

const VAULT = vaultId('rsv-backup-japaneast');
const VM = vmId('vm-app-01');
const key = `vm-unprotected|${VM.toLowerCase()}`;
const createVault: Action = {
  kind: 'create-vault',
  target: VAULT,
  params: {
    location: 'japaneast',
    storageRedundancy: 'GeoRedundant',
    resourceGroup: 'rg-backup-warden',
    name: 'rsv-backup-japaneast',
  },
  resolves: [key],
};
const protect: Action = {
  kind: 'enable-protection',
  target: VM,
  params: { vaultId: VAULT, policyId: `${VAULT}/backupPolicies/DefaultPolicy` },
  resolves: [key],
};
const job: RemediationJobMessage = {
  sweepId: 'sweep-1',
  trigger: 'timer',
  actions: [createVault, protect],
  enqueuedAt: '2025-03-01T06:00:05.000Z',
};
const finding = {
  ruleId: 'vm-unprotected',
  resourceId: VM,
  severity: 'high',
  status: 'open',
  message: "VM 'vm-app-01' has no protected item",
  details: { location: 'japaneast' },
} as unknown as Finding;

async function setup(answer: (a: Action, call: number) => ActionResult) {
  const ledger = new MemoryLedger();
  await ledger.recordFindings([finding], {
    sweepId: 'sweep-1',
    trigger: 'timer',
    now: new Date('2025-03-01T06:00:00.000Z'),
  });
  const telemetry = new RecordingTelemetry();
  const deps: RemediationJobDeps = {
    remediator: new ScriptedRemediator(answer),
    ledger,
    telemetry,
    clock: new FixedClock(),
  };
  return { deps, ledger, telemetry };
}

describe('runRemediationJob', () => {
  it('records each result on the findings it resolves', async () => {
    const { deps, ledger, telemetry } = await setup((a) => ({
      status: 'succeeded',
      detail: a.kind === 'create-vault' ? 'created' : 'protected',
      durationMs: 10,
    }));
    expect((await runRemediationJob(deps, job)).map((r) => r.detail)).toEqual(['created', 'protected']);
    expect((await ledger.list())[0]).toMatchObject({
      status: 'remediated',
      attempts: 2,
      lastAction: { kind: 'enable-protection', status: 'succeeded', detail: 'protected' },
    });
    expect(telemetry.results.map((r) => r.action.kind)).toEqual(['create-vault', 'enable-protection']);
  });

  it("records a redelivered job's skips as already done (remediating until the next sweep confirms)", async () => {
    const { deps, ledger } = await setup((a) => ({
      status: 'skipped',
      detail: a.kind === 'create-vault' ? 'already-exists' : 'already-protected',
      durationMs: 3,
    }));
    await runRemediationJob(deps, job);
    expect((await ledger.list())[0]).toMatchObject({
      status: 'remediating',
      lastAction: { status: 'skipped', detail: 'already-protected' },
    });
  });

  it('throws after recording when a failure is transient, so that the host retries the message', async () => {
    const { deps, ledger } = await setup((a) =>
      a.kind === 'create-vault'
        ? { status: 'succeeded', detail: 'created', durationMs: 10 }
        : {
            status: 'failed',
            error: { code: 'InternalServerError', message: 'boom', statusCode: 500, retryable: true },
            retryable: true,
            durationMs: 2,
          },
    );
    const error = await runRemediationJob(deps, job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientFailureError);
    expect((error as Error).message).toBe('1 action(s) failed transiently: InternalServerError');
    expect((await ledger.list())[0]).toMatchObject({
      status: 'failed',
      lastAction: { errorCode: 'InternalServerError' },
    });
  });

  it('returns a permanent failure: retrying cannot fix a 403', async () => {
    const { deps } = await setup(() => ({
      status: 'failed',
      error: { code: 'AuthorizationFailed', message: 'no', statusCode: 403 },
      durationMs: 2,
    }));
    expect((await runRemediationJob(deps, job)).map((r) => r.status)).toEqual(['failed', 'failed']);
  });
});

describe('recordPoisonJob', () => {
  it('keeps the message in the ledger and reports an exception with the invocation id', async () => {
    const { deps, ledger, telemetry } = await setup(() => ({ status: 'succeeded', durationMs: 1 }));
    await recordPoisonJob(deps, 'remediation-jobs-poison', job, 'inv-1');
    expect(await ledger.listPoisonMessages()).toEqual([
      { queue: 'remediation-jobs-poison', message: job, at: '2025-03-01T06:00:00.000Z' },
    ]);
    expect(
      telemetry.exceptions.map((e) => [String(e.error), e.properties['invocationId'], e.properties['queue']]),
    ).toEqual([['Error: message reached remediation-jobs-poison', 'inv-1', 'remediation-jobs-poison']]);
  });
});

describe('queue messages', () => {
  it('accepts a job as an object or as JSON text', () => {
    expect(parseRemediationJob(job)).toEqual(job);
    expect(parseRemediationJob(JSON.stringify(job))).toEqual(job);
  });

  it('names every problem of a bad message', () => {
    const bad = () =>
      parseShardMessage({
        sweepId: '',
        trigger: 'cron',
        shardIndex: 0,
        shardCount: 0,
        scope: { subscriptions: [] },
        startedAt: 1,
      });
    expect(bad).toThrow(InvalidMessageError);
    expect(bad).toThrow(/sweepId: .*; trigger: .*; shardCount: .*; scope\.managementGroups: .*; startedAt: /);
    expect(() => parseRemediationJob('not json')).toThrow('remediation-jobs message: not JSON');
  });

  it('groups a new vault with the protections that need it; each rule alone', () => {
    const rule: Action = {
      kind: 'add-nsg-rule',
      target: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n',
      params: {
        name: 'AllowAzureBackupStorageOutbound',
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: 'Storage.JapanEast',
        destinationPortRanges: ['443'],
        priority: 4000,
        description: '',
      },
      resolves: [],
    };
    const other: Action = {
      ...protect,
      target: vmId('vm-app-02'),
      params: { vaultId: vaultId('rsv-backup-eastus'), policyId: 'p' },
    };
    expect(groupActions([createVault, rule, protect, other]).map((g) => g.map((a) => a.kind))).toEqual([
      ['create-vault', 'enable-protection'],
      ['add-nsg-rule'],
      ['enable-protection'],
    ]);
  });
});
