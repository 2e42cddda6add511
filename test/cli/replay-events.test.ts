/**
 * `warden replay-events` against the emulator: a new VM in a region without a vault is protected (a vault
 * is created for it), idempotently; duplicates, malformed and irrelevant events get their outcome.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../support/cli';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';

const run = runWarden;

const DEV = 'b7e2d9c4-1a3f-4e8b-9c0d-5f6a7b8c9d01';
const vmId = `/subscriptions/${DEV}/resourceGroups/rg-dev-weu/providers/Microsoft.Compute/virtualMachines/vm-dev-weu-01`;
const writeEvent = (id: string, resourceUri: string, operationName = 'Microsoft.Compute/virtualMachines/write') => ({
  id,
  topic: `/subscriptions/${DEV}`,
  subject: resourceUri,
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  eventTime: '2026-12-01T10:15:00.0000000Z',
  dataVersion: '2',
  metadataVersion: '1',
  data: {
    authorization: { scope: resourceUri, action: operationName, evidence: { role: 'Contributor' } },
    claims: { appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' },
    correlationId: '7c5a1a2e-0d4f-4b8a-9c3e-2f1d0e9c8b7a',
    resourceProvider: operationName.split('/')[0],
    resourceUri,
    operationName,
    status: 'Succeeded',
    subscriptionId: DEV,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  },
});

describe('warden replay-events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-replay-'));
  const rows = (JSON.parse(readFileSync('samples/sample-estate.json', 'utf8')) as { data: unknown[] }).data;
  let emu: RunningEmulator;
  let config: string;
  let events: string;
  beforeAll(async () => {
    emu = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ mode: 'remediate', armEndpoint: emu.endpoint, caCertPath: emu.caCertPath, armToken: emu.token }),
    );
    events = join(dir, 'events.json');
    writeFileSync(
      events,
      JSON.stringify([
        writeEvent('e1', vmId),
        writeEvent('e1', vmId),
        { id: 'e3', eventType: 'Microsoft.Resources.ResourceWriteSuccess' },
        writeEvent(
          'e4',
          `/subscriptions/${DEV}/resourceGroups/rg-dev-weu/providers/Microsoft.Storage/storageAccounts/stdev`,
          'Microsoft.Storage/storageAccounts/write',
        ),
        writeEvent(
          'e5',
          `/subscriptions/${DEV}/resourcegroups/rg-dev-weu/providers/Microsoft.Resources/deployments/vm-dev-weu-01-deploy`,
          'Microsoft.Compute/virtualMachines/write',
        ),
      ]),
    );
  });
  afterAll(async () => emu?.stop());

  it('protects the new VM (creating the regional vault) and gives every other event its outcome', async () => {
    const r = await run(['replay-events', events, '--config', config, '--format', 'json']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as { eventId: string; outcome: string; detail: string }[];
    expect(results.map((x) => [x.eventId, x.outcome])).toEqual([
      ['e1', 'remediated'],
      ['e1', 'duplicate'],
      ['e3', 'invalid'],
      ['e4', 'ignored'],
      ['e5', 'ignored'],
    ]);
    expect(results[0]?.detail).toMatch(/create-vault: succeeded; enable-protection: succeeded/);
    expect(results[2]?.detail).toMatch(/subject|eventTime|data/);
    const state = emu.state();
    expect(
      state.resources.some(
        (v) =>
          String(v.id).toLowerCase() ===
          `/subscriptions/${DEV}/resourcegroups/rg-backup-warden/providers/microsoft.recoveryservices/vaults/rsv-backup-westeurope`,
      ),
    ).toBe(true);
    expect(
      state.recoveryServicesResources.some(
        (p) =>
          String((p.properties as { sourceResourceId?: string }).sourceResourceId ?? '').toLowerCase() ===
          vmId.toLowerCase(),
      ),
    ).toBe(true);
  });

  it('is idempotent: replaying again finds the VM protected and changes nothing', async () => {
    const writesBefore = emu
      .state()
      .operations.filter((o) => o.method !== 'GET' && !o.path.includes('backupStatus')).length;
    const r = await run(['replay-events', events, '--config', config, '--format', 'json']);
    const results = JSON.parse(r.stdout) as { outcome: string; detail: string }[];
    expect(results[0]).toMatchObject({ outcome: 'compliant', detail: 'no finding' });
    const writesAfter = emu
      .state()
      .operations.filter((o) => o.method !== 'GET' && !o.path.includes('backupStatus')).length;
    expect(writesAfter).toBe(writesBefore);
  });

  it('exits 2 for a file that is not JSON', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{');
    const r = await run(['replay-events', bad, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: not JSON/);
  });
});
