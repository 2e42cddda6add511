/**
 * The event path end to end: `vmWritten` called as the Functions host calls an Event Grid trigger (one
 * event per invocation, a real InvocationContext), on the real composition: ARM reads and writes against
 * the local HTTPS emulator, dedupe and debounce claims and findings in Azurite's `findings` table.
 *
 * Event Grid semantics it holds to (azure-facts §5): delivery is at least once and unordered; a handler
 * that returns is a 200 (delivered); one that throws is retried by Event Grid (30 s, then backoff).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idKey } from '../../src/core/ids';
import { vmWritten } from '../../src/functions/vmWritten';
import type { RunningEmulator } from '@backup-warden/emulator';
import { raw } from '../emulator/emulatorHelpers';
import { eventEstate, nicIdOf, NSG_APP, NSG_DB, SNET_WUS2, SUB, VAULT_EUS, VNET_EUS, vmIdOf } from './eventEstate';
import { invocation, startStack, type Stack } from './harness';

type Json = Record<string, unknown>;

/** A fixture of test/fixtures/events (the official one is an array of one event, as the docs show it). */
function fixture(name: string): Json {
  const parsed = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/events', name), 'utf8')) as unknown;
  return (Array.isArray(parsed) ? parsed[0] : parsed) as Json;
}

/** A fixture retargeted: another event id, resource and time, the rest as Event Grid sent it. */
function retarget(base: Json, to: { id: string; resourceUri?: string; time?: string }): Json {
  const e = structuredClone(base);
  const data = e['data'] as Json;
  e['id'] = to.id;
  if (to.resourceUri) {
    data['resourceUri'] = to.resourceUri;
    (data['authorization'] as Json)['scope'] = to.resourceUri;
    e['subject'] = to.resourceUri;
  }
  if (to.time) e['specversion' in e ? 'time' : 'eventTime'] = to.time;
  return e;
}

/** Calls the handler like the host does; returns the log line, or the error it threw. */
async function deliver(event: unknown): Promise<{ line: string; level: string; threw?: unknown }> {
  const { context, logs } = invocation('vmWritten', {});
  try {
    await vmWritten(event, context);
  } catch (threw) {
    return { line: logs.map((l) => l.message).join('\n'), level: logs[logs.length - 1]?.level ?? '', threw };
  }
  const last = logs[logs.length - 1];
  return { line: last?.message ?? '', level: last?.level ?? '' };
}

/** The ARM writes the emulator answered (PUT/POST/DELETE), as `METHOD path-without-query`. */
function writes(emu: RunningEmulator): string[] {
  return emu
    .state()
    .operations.filter((o) => o.method !== 'GET' && !o.path.includes('/backupStatus'))
    .map((o) => `${o.method} ${o.path.split('?')[0]}`);
}

/** A user's ARM PUT, completed as a client would (Azure-AsyncOperation polled until it ends). */
async function armPut(emu: RunningEmulator, path: string, apiVersion: string, body: unknown): Promise<Json> {
  const r = await raw(emu, 'PUT', `${path}?api-version=${apiVersion}`, { body });
  expect(r.status, r.text).toBeLessThan(300);
  const op = r.headers['azure-asyncoperation'];
  for (let i = 0; op && i < 20; i++) {
    const s = await raw(emu, 'GET', op);
    if (s.json['status'] !== 'InProgress') break;
  }
  return r.json;
}

const protectedItemsOf = (emu: RunningEmulator, vmId: string): Json[] =>
  emu
    .state()
    .recoveryServicesResources.filter(
      (r) => idKey(String((r['properties'] as Json)['sourceResourceId'] ?? '')) === idKey(vmId),
    );

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ estate: eventEstate() });
  await stack.use();
});

afterAll(async () => {
  await stack?.stop();
});

describe('vmWritten: what it acknowledges without work', () => {
  it("ignores Microsoft's official ResourceWriteSuccess example (a storage account write), verbatim", async () => {
    const before = stack.emu.state().counters.requests;
    const r = await deliver(fixture('resource-write-success.official.json'));
    expect(r.threw).toBeUndefined();
    expect(r.level).toBe('information');
    expect(r.line).toBe(
      'event 4db48cba-50a2-455a-93b4-de41a3b5b7f6: ignored: operation Microsoft.Storage/storageAccounts/write',
    );
    expect(stack.emu.state().counters.requests).toBe(before);
  });

  it.each([
    ['deployment-write.json', 'c3d2e1f0-9a8b-4c7d-8e6f-5a4b3c2d1e0f', 'deployment-scoped resource URI'],
    [
      'vm-write-failure.json',
      '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
      'event type Microsoft.Resources.ResourceWriteFailure',
    ],
    [
      'vm-extension-write.json',
      '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
      'operation Microsoft.Compute/virtualMachines/extensions/write',
    ],
  ])('ignores %s (one VM creation emits it too)', async (file, id, reason) => {
    const before = stack.emu.state().counters.requests;
    const r = await deliver(fixture(file));
    expect(r.threw).toBeUndefined();
    expect(r.line).toBe(`event ${id}: ignored: ${reason}`);
    expect(stack.emu.state().counters.requests).toBe(before);
  });

  it('ignores a write of another resource type under a handled operation name', async () => {
    const disk = `/subscriptions/${SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/disks/vm-app-01_OsDisk_1`;
    const r = await deliver(
      retarget(fixture('vm-write.eventgrid.json'), { id: 'a0a0a0a0-0000-4000-8000-000000000001', resourceUri: disk }),
    );
    expect(r.line).toBe('event a0a0a0a0-0000-4000-8000-000000000001: ignored: resource type microsoft.compute/disks');
  });

  it.each<[string, unknown, string]>([
    [
      'no data',
      {
        id: 'bad-1',
        subject: '/x',
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        eventTime: '2025-03-01T00:00:00Z',
      },
      'event bad-1: invalid: Event Grid event: data',
    ],
    [
      'data without resourceUri',
      {
        ...fixture('vm-write.eventgrid.json'),
        id: 'bad-2',
        data: { operationName: 'Microsoft.Compute/virtualMachines/write' },
      },
      'event bad-2: invalid: Event Grid event: data.resourceUri',
    ],
    [
      'a CloudEvent without type',
      { specversion: '1.0', id: 'bad-3', source: `/subscriptions/${SUB}`, data: {} },
      'event bad-3: invalid: CloudEvent:',
    ],
    ['a string', 'not an event', 'event (no id): invalid:'],
    ['null', null, 'event (no id): invalid:'],
  ])(
    'logs a malformed event (%s) as a warning and acknowledges it: never retried forever',
    async (_what, event, start) => {
      const r = await deliver(event);
      expect(r.threw).toBeUndefined();
      expect(r.level).toBe('warning');
      expect(r.line.startsWith(start), r.line).toBe(true);
    },
  );
});

describe('vmWritten: a VM write', () => {
  it('evaluates the VM of an Event Grid schema event from direct ARM reads: compliant, nothing written', async () => {
    const before = writes(stack.emu).length;
    const r = await deliver(fixture('vm-write.eventgrid.json'));
    expect(r.threw).toBeUndefined();
    expect(r.line).toBe('event 0e5c8f7a-2d1b-4c3e-9f8a-7b6c5d4e3f21: compliant: no finding');
    expect(writes(stack.emu).length).toBe(before);
    // The reads were ARM GETs (Resource Graph lags behind writes): the VM with its instance view, its NIC,
    // VNet and NSG, the subscription's vaults, and the VM's backupStatus.
    const reads = stack.emu.state().operations.map((o) => `${o.method} ${o.path}`.toLowerCase());
    const vm = vmIdOf('RG-App', 'vm-app-01').toLowerCase();
    expect(reads.some((r) => r.startsWith(`get ${vm}?`) && /(\$|%24)expand=instanceview/.test(r))).toBe(true);
    for (const id of [
      nicIdOf('RG-App', 'vm-app-01-nic'),
      VNET_EUS,
      NSG_APP,
      `/subscriptions/${SUB}/providers/Microsoft.RecoveryServices/vaults`,
    ]) {
      expect(
        reads.some((r) => r.startsWith(`get ${id.toLowerCase()}?`)),
        id,
      ).toBe(true);
    }
    expect(
      reads.some((r) =>
        r.startsWith(`post /subscriptions/${SUB}/providers/microsoft.recoveryservices/locations/eastus/backupstatus?`),
      ),
    ).toBe(true);
  });

  it('handles the CloudEvents 1.0 schema of the same write (debounced: the VM was just evaluated)', async () => {
    const r = await deliver(fixture('vm-write.cloudevents.json'));
    expect(r.line).toBe(
      `event 5a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d: duplicate: ${vmIdOf('RG-App', 'vm-app-01')} was evaluated less than 300 s ago`,
    );
  });

  it('protects an unprotected VM once; the same event delivered again is a duplicate and writes nothing', async () => {
    const vmId = vmIdOf('RG-App', 'vm-app-03');
    const event = retarget(fixture('vm-write.eventgrid.json'), {
      id: '11111111-aaaa-4bbb-8ccc-000000000003',
      resourceUri: vmId,
    });
    const first = await deliver(event);
    expect(first.line).toBe('event 11111111-aaaa-4bbb-8ccc-000000000003: remediated: enable-protection: succeeded');
    expect(protectedItemsOf(stack.emu, vmId).map((i) => String(i['id']).split('/backupFabrics/')[0])).toEqual([
      VAULT_EUS,
    ]);
    const entry = (await stack.ledger.list()).find(
      (e) => e.ruleId === 'vm-unprotected' && idKey(e.resourceId) === idKey(vmId),
    );
    expect(entry).toMatchObject({
      status: 'remediated',
      lastSweepId: 'event-11111111-aaaa-4bbb-8ccc-000000000003',
      lastAction: { kind: 'enable-protection', status: 'succeeded', detail: 'protected' },
    });

    const before = writes(stack.emu).length;
    const second = await deliver(structuredClone(event));
    expect(second.line).toBe(
      'event 11111111-aaaa-4bbb-8ccc-000000000003: duplicate: event 11111111-aaaa-4bbb-8ccc-000000000003 was already handled',
    );
    expect(writes(stack.emu).length).toBe(before);
    expect(protectedItemsOf(stack.emu, vmId)).toHaveLength(1);
  });

  it('takes an older event that arrives after a newer one for a debounce duplicate: nothing is evaluated twice', async () => {
    const vmId = vmIdOf('RG-App', 'vm-app-02');
    const base = fixture('vm-write.eventgrid.json');
    const newer = retarget(base, {
      id: '22222222-aaaa-4bbb-8ccc-000000000002',
      resourceUri: vmId,
      time: '2025-03-01T09:20:00.0000000Z',
    });
    const older = retarget(base, {
      id: '22222222-aaaa-4bbb-8ccc-000000000001',
      resourceUri: vmId,
      time: '2025-03-01T09:19:00.0000000Z',
    });
    expect((await deliver(newer)).line).toBe('event 22222222-aaaa-4bbb-8ccc-000000000002: compliant: no finding');
    const requests = stack.emu.state().counters.requests;
    expect((await deliver(older)).line).toBe(
      `event 22222222-aaaa-4bbb-8ccc-000000000001: duplicate: ${vmId} was evaluated less than 300 s ago`,
    );
    expect(stack.emu.state().counters.requests).toBe(requests);
  });

  it('without debouncing, evaluates a late older event against what ARM has now: the same answer, and no write', async () => {
    await stack.use({ WARDEN_EVENT_DEBOUNCE_SECONDS: '0' });
    try {
      const vmId = vmIdOf('RG-App', 'vm-app-05');
      const base = fixture('vm-write.eventgrid.json');
      const newer = retarget(base, {
        id: '55555555-aaaa-4bbb-8ccc-000000000002',
        resourceUri: vmId,
        time: '2025-03-01T09:20:00.0000000Z',
      });
      const older = retarget(base, {
        id: '55555555-aaaa-4bbb-8ccc-000000000001',
        resourceUri: vmId,
        time: '2025-03-01T09:19:00.0000000Z',
      });
      const before = writes(stack.emu).length;
      expect((await deliver(newer)).line).toBe('event 55555555-aaaa-4bbb-8ccc-000000000002: compliant: no finding');
      expect((await deliver(older)).line).toBe('event 55555555-aaaa-4bbb-8ccc-000000000001: compliant: no finding');
      expect(writes(stack.emu).length).toBe(before);
      // No debounce key was written either.
      const claims: string[] = [];
      for await (const e of stack.table.listEntities<{ key: string }>({
        queryOptions: { filter: "PartitionKey eq 'dedupe'" },
      }))
        claims.push(e.key);
      expect(claims.filter((k) => k.includes('vm-app-05'))).toEqual([]);
      expect(claims).toContain('event|55555555-aaaa-4bbb-8ccc-000000000001');
    } finally {
      await stack.use();
    }
  });

  it('gives a new VM in a region without a vault a vault of its region and protection', async () => {
    const vmId = vmIdOf('RG-Web', 'vm-web-wus2-01');
    const nicId = nicIdOf('RG-Web', 'vm-web-wus2-01-nic');
    await armPut(stack.emu, `/subscriptions/${SUB}/resourcegroups/RG-Web`, '2025-04-01', { location: 'westus2' });
    await armPut(stack.emu, nicId, '2025-05-01', {
      location: 'westus2',
      properties: {
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: { subnet: { id: SNET_WUS2 }, privateIPAllocationMethod: 'Dynamic', primary: true },
          },
        ],
      },
    });
    await armPut(stack.emu, vmId, '2026-03-01', {
      location: 'westus2',
      properties: {
        hardwareProfile: { vmSize: 'Standard_D2s_v5' },
        storageProfile: {
          imageReference: {
            publisher: 'Canonical',
            offer: '0001-com-ubuntu-server-jammy',
            sku: '22_04-lts-gen2',
            version: 'latest',
          },
          osDisk: {
            osType: 'Linux',
            name: 'vm-web-wus2-01_OsDisk_1',
            createOption: 'FromImage',
            managedDisk: { storageAccountType: 'Premium_LRS' },
          },
        },
        osProfile: {
          computerName: 'vm-web-wus2-01',
          adminUsername: 'azureuser',
          linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true },
        },
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      },
    });

    const event = retarget(fixture('vm-write.cloudevents.json'), {
      id: '33333333-aaaa-4bbb-8ccc-000000000001',
      resourceUri: vmId,
    });
    const r = await deliver(event);
    expect(r.line).toBe(
      'event 33333333-aaaa-4bbb-8ccc-000000000001: remediated: create-vault: succeeded; enable-protection: succeeded',
    );

    const vaultId = `/subscriptions/${SUB}/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/rsv-backup-westus2`;
    const vault = stack.emu.state().resources.find((row) => idKey(String(row['id'])) === idKey(vaultId));
    expect(vault).toMatchObject({
      location: 'westus2',
      properties: { redundancySettings: { standardTierStorageRedundancy: 'GeoRedundant' } },
    });
    expect(
      protectedItemsOf(stack.emu, vmId).map((i) => idKey(String(i['id']).split('/backupFabrics/')[0] ?? '')),
    ).toEqual([idKey(vaultId)]);
    const entry = (await stack.ledger.list()).find(
      (e) => e.ruleId === 'vm-unprotected' && idKey(e.resourceId) === idKey(vmId),
    );
    expect(entry).toMatchObject({
      status: 'remediated',
      location: 'westus2',
      lastAction: { kind: 'enable-protection', status: 'succeeded' },
    });
  });
});

describe('vmWritten: an NSG rule write', () => {
  it('re-checks every VM behind the NSG when a rule that denies backup egress is added, and lets backup out again', async () => {
    await armPut(stack.emu, `${NSG_DB}/securityRules/Deny-Internet-Outbound`, '2025-05-01', {
      properties: {
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: 'Internet',
        access: 'Deny',
        priority: 4000,
        direction: 'Outbound',
      },
    });
    const r = await deliver(fixture('nsg-rule-write.json'));
    // vm-db-01 gets the allow rule; when vm-db-02 is read next, the rule is there.
    expect(r.line).toBe(
      `event 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b: remediated: 2 VM(s) behind ${NSG_DB}: vm-db-01 remediated, vm-db-02 compliant`,
    );

    const nsg = stack.emu.state().resources.find((row) => idKey(String(row['id'])) === idKey(NSG_DB));
    const rules = ((nsg?.['properties'] as Json)['securityRules'] as Json[]).map((x): Json => ({
      name: x['name'],
      ...(x['properties'] as Json),
    }));
    const allow = rules.find((x) => x['access'] === 'Allow' && x['direction'] === 'Outbound');
    expect(allow).toMatchObject({
      destinationAddressPrefix: 'Storage.EastUS',
      destinationPortRanges: ['443', '8443'],
      protocol: 'Tcp',
      provisioningState: 'Succeeded',
    });
    expect(Number(allow?.['priority'])).toBeLessThan(4000);
    const entry = (await stack.ledger.list()).find(
      (e) => e.ruleId === 'nsg-blocks-backup-egress' && idKey(e.resourceId) === idKey(vmIdOf('RG-Db', 'vm-db-01')),
    );
    expect(entry).toMatchObject({
      status: 'remediated',
      lastAction: { kind: 'add-nsg-rule', status: 'succeeded', detail: 'created' },
    });
  });
});

describe('vmWritten: a transient failure', () => {
  it('throws, so that Event Grid retries, and releases its claims, so that the retry is processed', async () => {
    const vmId = vmIdOf('RG-App', 'vm-app-04');
    const event = retarget(fixture('vm-write.eventgrid.json'), {
      id: '44444444-aaaa-4bbb-8ccc-000000000001',
      resourceUri: vmId,
    });
    stack.emu.setFaults('500=1');
    let failed;
    try {
      failed = await deliver(event);
    } finally {
      stack.emu.setFaults(undefined);
    }
    expect(failed.threw).toBeDefined();
    expect(failed.level).toBe('warning');
    expect(failed.line).toMatch(/^vmWritten: transient failure, retrying: InternalServerError: /);
    expect(protectedItemsOf(stack.emu, vmId)).toEqual([]);

    // Event Grid's retry: neither the event id nor the VM's debounce key is still claimed.
    const retry = await deliver(structuredClone(event));
    expect(retry.threw).toBeUndefined();
    expect(retry.line).toBe('event 44444444-aaaa-4bbb-8ccc-000000000001: remediated: enable-protection: succeeded');
    expect(protectedItemsOf(stack.emu, vmId)).toHaveLength(1);
  });
});
