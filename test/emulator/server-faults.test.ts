import { describe, expect, it } from 'vitest';
import { parseFaultSpec, startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { aVm, errorCode, raw, SUB } from './emulatorHelpers';

const READ = `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`;
const estate = [aVm({ name: 'vm-1', rg: 'rg-app' })];

async function statuses(emu: RunningEmulator, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await raw(emu, 'GET', READ)).status);
  return out;
}

describe('parseFaultSpec', () => {
  it('parses rates and a latency range', () => {
    expect(parseFaultSpec('429=0.1,500=0.05,503=0.05,conflict=0.1,lro-fail=0.1,latency=5-50')).toEqual({
      rates: { '429': 0.1, '500': 0.05, '503': 0.05, conflict: 0.1, 'lro-fail': 0.1 },
      latency: { minMs: 5, maxMs: 50 },
    });
    expect(parseFaultSpec(' latency=7 , 500=1 ')).toEqual({ rates: { '500': 1 }, latency: { minMs: 7, maxMs: 7 } });
    expect(parseFaultSpec('')).toEqual({ rates: {} });
  });

  it.each([
    ['teapot=0.1', /Invalid fault spec part 'teapot=0\.1': unknown fault 'teapot'/],
    ['429=1.5', /Invalid fault spec part '429=1\.5': rate must be between 0 and 1/],
    ['500=lots', /Invalid fault spec part '500=lots': rate must be a number/],
    ['latency=50-5', /Invalid fault spec part 'latency=50-5': latency max is below min/],
    ['503', /Invalid fault spec part '503': expected kind=value/],
  ])('names the bad part of %j', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('fault injection', () => {
  it('draws the same faults for the same seed and request sequence', async () => {
    const spec = '500=0.3,429=0.2,503=0.1';
    const a = await startEmulator({ estate, faults: spec, seed: 7 });
    const b = await startEmulator({ estate, faults: spec, seed: 7 });
    const c = await startEmulator({ estate, faults: spec, seed: 8 });
    try {
      const sa = await statuses(a, 40);
      const sb = await statuses(b, 40);
      const sc = await statuses(c, 40);
      expect(sa).toEqual(sb);
      expect(sa).not.toEqual(sc);
      expect(sa).toContain(200);
      expect(sa).toContain(500);
      expect(sa).toContain(429);
      expect(a.state().counters.faultsInjected).toBe(sa.filter((s) => s !== 200).length);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it('answers each fault kind as Azure does, applies conflict to writes only, and spares the state endpoint', async () => {
    const emu = await startEmulator({ estate, faults: '429=1' });
    try {
      const throttled = await raw(emu, 'GET', READ);
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('1');
      emu.setFaults('503=1');
      const unavailable = await raw(emu, 'GET', READ);
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers['retry-after']).toBe('1');
      emu.setFaults('500=1');
      const failed = await raw(emu, 'GET', READ);
      expect([failed.status, errorCode(failed)]).toEqual([500, 'InternalServerError']);
      expect((await raw(emu, 'GET', '/__emulator/state')).status).toBe(200);
      emu.setFaults('conflict=1');
      expect((await raw(emu, 'GET', READ)).status).toBe(200);
      const write = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-c?api-version=2025-04-01`, {
        body: { location: 'eastus' },
      });
      expect([write.status, errorCode(write)]).toEqual([409, 'AnotherOperationInProgress']);
      // POSTs that only read never meet a conflict: a Resource Graph query and backupStatus.
      const query = await raw(emu, 'POST', '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01', {
        body: { query: 'Resources | project id' },
      });
      expect(query.status).toBe(200);
      const status = await raw(
        emu,
        'POST',
        `/subscriptions/${SUB}/providers/Microsoft.RecoveryServices/locations/eastus/backupStatus?api-version=2023-06-01`,
        {
          body: {
            resourceId: `/subscriptions/${SUB}/resourceGroups/rg-x/providers/Microsoft.Compute/virtualMachines/vm-x`,
            resourceType: 'VM',
          },
        },
      );
      expect(status.status).toBe(200);
      expect(() => emu.setFaults('bogus=1')).toThrow(/bogus/);
      emu.setFaults(undefined);
      expect(
        (
          await raw(emu, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-c?api-version=2025-04-01`, {
            body: { location: 'eastus' },
          })
        ).status,
      ).toBe(201);
    } finally {
      await emu.stop();
    }
  });

  it('adds latency from the range', async () => {
    const emu = await startEmulator({ estate, faults: 'latency=60-80' });
    try {
      const t0 = Date.now();
      const r = await raw(emu, 'GET', READ);
      expect(r.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    } finally {
      await emu.stop();
    }
  });

  it('rejects a bad spec at start-up', async () => {
    await expect(startEmulator({ estate, faults: '404=0.5' })).rejects.toThrow(/Invalid fault spec part '404=0\.5'/);
  });
});
