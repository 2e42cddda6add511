/**
 * The event path's use case with in-memory ports: at-least-once delivery (dedupe on the event id, debounce
 * per VM), and what is thrown so that Event Grid retries versus what is acknowledged with an outcome.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/storage/memoryLedger';
import { onResourceWritten, type EventDeps } from '../../src/app/onResourceWritten';
import { TransientFailureError } from '../../src/app/transient';
import { DEFAULT_ENGINE_CONFIG } from '../../src/core/engine-config';
import type { ActionResult, ResourceReader } from '../../src/ports';
import { aNetwork, aVault, aVm, nsgId, vmId } from '../fixtures/builders/rows';
import { FixedClock, RecordingTelemetry, ScriptedRemediator } from './fakes';

const net = aNetwork({
  name: 'app',
  subnetRules: [
    {
      name: 'Allow-HTTPS-Inbound',
      priority: 100,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      ports: '443',
    },
  ],
});
const ROWS = [...net.rows, aVault('rsv-backup-eastus'), ...aVm({ name: 'vm-web-01', subnetId: net.subnetId })];
const VM = vmId('vm-web-01');
const NSG = net.nsgId ?? nsgId('nsg-app');

const base = JSON.parse(
  readFileSync(resolve(__dirname, '../fixtures/events/vm-write.eventgrid.json'), 'utf8'),
) as Record<string, unknown>;
function event(
  id: string,
  resourceUri = VM,
  operationName = 'Microsoft.Compute/virtualMachines/write',
): Record<string, unknown> {
  return { ...base, id, subject: resourceUri, data: { ...(base['data'] as object), resourceUri, operationName } };
}

const reader = (vms: string[] | 'gone' = [VM]): ResourceReader => ({
  readVmContext: async (id) => (id.toLowerCase() === VM.toLowerCase() ? structuredClone(ROWS) : undefined),
  vmsBehindNsg: async () => (vms === 'gone' ? undefined : vms),
});

function setup(answer: (call: number) => ActionResult, over: Partial<EventDeps> = {}) {
  const ledger = new MemoryLedger();
  const telemetry = new RecordingTelemetry();
  const remediator = new ScriptedRemediator((_a, call) => answer(call));
  const clock = new FixedClock();
  const deps: EventDeps = {
    reader: reader(),
    ledger,
    telemetry,
    remediator,
    clock,
    config: DEFAULT_ENGINE_CONFIG,
    mode: 'remediate',
    debounceMs: 300_000,
    dedupeTtlMs: 48 * 3_600_000,
    ...over,
  };
  return { deps, ledger, telemetry, remediator, clock };
}

const ok: ActionResult = { status: 'succeeded', detail: 'protected', durationMs: 40 };
const throttled: ActionResult = {
  status: 'failed',
  error: { code: 'TooManyRequests', message: 'throttled', statusCode: 429, retryable: true },
  retryable: true,
  durationMs: 5,
};
const forbidden: ActionResult = {
  status: 'failed',
  error: { code: 'AuthorizationFailed', message: 'no', statusCode: 403, retryable: false },
  retryable: false,
  durationMs: 5,
};

describe('onResourceWritten', () => {
  it('remediates an unprotected VM and records the result', async () => {
    const { deps, ledger, telemetry } = setup(() => ok);
    expect(await onResourceWritten(deps, event('e-1'))).toEqual({
      eventId: 'e-1',
      outcome: 'remediated',
      detail: 'enable-protection: succeeded',
    });
    expect((await ledger.list()).map((e) => [e.ruleId, e.status, e.lastSweepId])).toEqual([
      ['vm-unprotected', 'remediated', 'event-e-1'],
    ]);
    expect(telemetry.results.map((r) => r.action.kind)).toEqual(['enable-protection']);
    expect(
      telemetry.findings.map((f) => [f.change.entry.status, f.change.previousStatus, f.dims.sweepId, f.dims.trigger]),
    ).toEqual([
      ['open', undefined, 'event-e-1', 'event'],
      ['remediated', 'open', 'event-e-1', 'event'],
    ]);
  });

  it('takes the same event id again for a duplicate, whatever the debounce', async () => {
    const { deps, remediator } = setup(() => ok, { debounceMs: 0 });
    await onResourceWritten(deps, event('e-1'));
    expect(await onResourceWritten(deps, event('e-1'))).toEqual({
      eventId: 'e-1',
      outcome: 'duplicate',
      detail: 'event e-1 was already handled',
    });
    expect(remediator.executed).toHaveLength(1);
  });

  it('debounces another event for the same VM, until the debounce window has passed', async () => {
    const { deps, remediator, clock } = setup(() => ok);
    await onResourceWritten(deps, event('e-1'));
    expect((await onResourceWritten(deps, event('e-2'))).outcome).toBe('duplicate');
    clock.advance(300_001);
    expect((await onResourceWritten(deps, event('e-3'))).outcome).toBe('remediated');
    expect(remediator.executed).toHaveLength(2);
  });

  it('throws a transient action failure (so Event Grid retries) and releases both claims, so the retry is processed', async () => {
    const { deps, ledger } = setup((call) => (call === 1 ? throttled : ok));
    const error = await onResourceWritten(deps, event('e-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientFailureError);
    expect((error as TransientFailureError).errors).toEqual([throttled.error]);
    expect((await ledger.list())[0]).toMatchObject({ status: 'failed', lastAction: { errorCode: 'TooManyRequests' } });
    expect(await onResourceWritten(deps, event('e-1'))).toEqual({
      eventId: 'e-1',
      outcome: 'remediated',
      detail: 'enable-protection: succeeded',
    });
  });

  it('reports a permanent action failure as an outcome: it is acknowledged and a redelivery is a duplicate', async () => {
    const { deps } = setup(() => forbidden);
    expect(await onResourceWritten(deps, event('e-1'))).toEqual({
      eventId: 'e-1',
      outcome: 'failed',
      detail: 'enable-protection: failed (AuthorizationFailed)',
    });
    expect((await onResourceWritten(deps, event('e-1'))).outcome).toBe('duplicate');
  });

  it('releases its claims and rethrows when a read fails, so the retried event is not taken for a duplicate', async () => {
    let reads = 0;
    const flaky: ResourceReader = {
      ...reader(),
      readVmContext: async (id) =>
        reads++ === 0
          ? Promise.reject(Object.assign(new Error('gateway'), { statusCode: 502 }))
          : reader().readVmContext(id),
    };
    const { deps } = setup(() => ok, { reader: flaky });
    await expect(onResourceWritten(deps, event('e-1'))).rejects.toThrow('gateway');
    expect((await onResourceWritten(deps, event('e-1'))).outcome).toBe('remediated');
  });

  it('reports in report mode without executing anything', async () => {
    const { deps, remediator } = setup(() => ok, { mode: 'report' });
    expect(await onResourceWritten(deps, event('e-1'))).toEqual({
      eventId: 'e-1',
      outcome: 'reported',
      detail: '1 open finding(s) (vm-unprotected); report mode: 1 action(s) not applied',
    });
    expect(remediator.executed).toEqual([]);
  });

  it('is not-found for a VM that is gone by the time the event arrives', async () => {
    const { deps } = setup(() => ok);
    expect(await onResourceWritten(deps, event('e-1', vmId('vm-deleted')))).toEqual({
      eventId: 'e-1',
      outcome: 'not-found',
      detail: `VM ${vmId('vm-deleted')} no longer exists`,
    });
  });

  it('evaluates every VM behind an NSG on a rule write, and reports the worst outcome', async () => {
    const { deps } = setup(() => ok);
    const r = await onResourceWritten(
      deps,
      event('e-1', `${NSG}/securityRules/Deny-All`, 'Microsoft.Network/networkSecurityGroups/securityRules/write'),
    );
    expect(r).toEqual({ eventId: 'e-1', outcome: 'remediated', detail: `1 VM(s) behind ${NSG}: vm-web-01 remediated` });
  });

  it('is not-found for an NSG that is gone', async () => {
    const { deps } = setup(() => ok, { reader: reader('gone') });
    expect(
      (await onResourceWritten(deps, event('e-1', NSG, 'Microsoft.Network/networkSecurityGroups/write'))).outcome,
    ).toBe('not-found');
  });
});
