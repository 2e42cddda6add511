/**
 * The rows Resource Graph answers from and the ARM bodies behind them, on the sample estate: NSG
 * back-references, backup policies and jobs in RecoveryServicesResources, subscription display names,
 * the documented tables, Resource Graph's limits, and the fields the published examples show
 * (VM etag/timeCreated/resources[], instance-view extensions with the backup extension,
 * bootDiagnostics, patchStatus, NIC macAddress, vault monitoring/immutability settings and identity).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { raw } from './emulatorHelpers';

type Row = Record<string, unknown>;

const ESTATE = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'samples', 'sample-estate.json'), 'utf8')) as {
    data: Row[];
  }
).data;
const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';
const obj = (v: unknown): Row => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Row) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const byName = (name: string): Row => ESTATE.find((r) => r['name'] === name) ?? {};
const ITEM_TYPE = 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ estate: ESTATE });
}, 60_000);
afterAll(async () => {
  await emu.stop();
});

async function graph(query: string, options: Row = {}) {
  const r = await raw(emu, 'POST', GRAPH, { body: { query, options }, token: emu.issueToken() });
  return { status: r.status, body: r.json, rows: (r.json['data'] as Row[] | undefined) ?? [] };
}

function detailCodes(body: Row): string[] {
  return arr(obj(body['error'])['details']).map((d) => String(obj(d)['code']));
}

describe('Resource Graph rows', () => {
  it('gives an NSG the NICs and subnets that use it, derived from the NIC and VNet rows', async () => {
    const nic = ESTATE.find((r) => obj(obj(r['properties'])['networkSecurityGroup'])['id'] !== undefined) ?? {};
    const nsgId = String(obj(obj(nic['properties'])['networkSecurityGroup'])['id']);
    const { rows } = await graph(`Resources | where id =~ '${nsgId}' | project properties`);
    const props = obj(rows[0]?.['properties']);
    expect(arr(props['networkInterfaces']).map((r) => obj(r)['id'])).toEqual([nic['id']]);
    // An NSG on subnets lists them, each once, even where the seeded row already held some.
    const web = await graph("Resources | where name == 'nsg-web-eus' | project subnets = properties.subnets");
    const ids = arr(web.rows[0]?.['subnets']).map((r) => String(obj(r)['id']).toLowerCase());
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds each vault backup policies and jobs beside the protected items', async () => {
    const before = await graph('RecoveryServicesResources | summarize count() by type');
    const counts = Object.fromEntries(before.rows.map((r) => [r['type'], r['count_']]));
    expect(counts[ITEM_TYPE]).toBe(ESTATE.filter((r) => r['type'] === ITEM_TYPE).length);
    expect(counts['microsoft.recoveryservices/vaults/backuppolicies']).toBe(2);
    expect(counts['microsoft.recoveryservices/vaults/backupjobs']).toBeUndefined();

    const item = ESTATE.find((r) => r['type'] === ITEM_TYPE) ?? {};
    const post = await raw(emu, 'POST', `${String(item['id'])}/backup?api-version=2023-06-01`, {
      body: { properties: { objectType: 'IaasVMBackupRequest' } },
    });
    expect(post.status).toBe(202);
    const jobs = await graph(
      "RecoveryServicesResources | where type == 'microsoft.recoveryservices/vaults/backupjobs' | project id, name, properties, location",
    );
    expect(jobs.rows).toHaveLength(1);
    const job = obj(jobs.rows[0]);
    expect(job['name']).toBe(String(job['id']).split('/').at(-1));
    expect(obj(job['properties'])).toMatchObject({
      jobType: 'AzureIaaSVMJob',
      operation: 'Backup',
      backupManagementType: 'AzureIaasVM',
      entityFriendlyName: obj(item['properties'])['friendlyName'],
    });
    expect(obj(job['properties'])['_operationId']).toBeUndefined();
  });

  it('names a subscription by its display name, not its id', async () => {
    const { rows } = await graph(
      "ResourceContainers | where type == 'microsoft.resources/subscriptions' | project subscriptionId, name",
    );
    expect(rows.length).toBe(2);
    for (const r of rows) {
      expect(r['name']).not.toBe(r['subscriptionId']);
      expect(String(r['name'])).toMatch(/^Subscription [0-9a-f]{8}$/);
    }
  });

  it('knows every documented table: an empty one answers with no rows, an unknown one is an InvalidQuery', async () => {
    for (const table of ['AdvisorResources', 'PolicyResources', 'HealthResources', 'InsightsResources']) {
      const r = await graph(`${table} | count`);
      expect(r.status).toBe(200);
      expect(r.rows).toEqual([{ Count: 0 }]);
    }
    const unknown = await graph('NoSuchResources | count');
    expect(unknown.status).toBe(400);
    expect(detailCodes(unknown.body)).toEqual(['InvalidQuery', 'UnknownTable']);
  });
});

describe("Resource Graph's limits", () => {
  it('caps mv-expand at 128 rows by default and refuses a row limit above 400', async () => {
    const r = await graph('print x = 1 | extend a = range(1, 200, 1) | mv-expand a | count');
    expect(r.rows).toEqual([{ Count: 128 }]);
    const limited = await graph('print x = 1 | extend a = range(1, 500, 1) | mv-expand a limit 400 | count');
    expect(limited.rows).toEqual([{ Count: 400 }]);
    const over = await graph('print x = 1 | extend a = range(1, 500, 1) | mv-expand a limit 401 | count');
    expect(over.status).toBe(400);
    expect(detailCodes(over.body)).toEqual(['InvalidQuery', 'InvalidMvExpandRowLimit']);
  });

  it('allows 3 joins and 3 mv-expands, and refuses a fourth', async () => {
    const join = (n: number): string =>
      'Resources | take 1 | project id' + ' | join kind=inner (Resources | project id) on id'.repeat(n) + ' | count';
    expect((await graph(join(3))).status).toBe(200);
    const four = await graph(join(4));
    expect(four.status).toBe(400);
    expect(detailCodes(four.body)).toEqual(['InvalidQuery', 'DisallowedMaxNumberOfRemoteTables']);
    const expand = (n: number): string =>
      'print a = dynamic([1]), b = dynamic([2]), c = dynamic([3]), d = dynamic([4])' +
      ['a', 'b', 'c', 'd']
        .slice(0, n)
        .map((c) => ` | mv-expand ${c}`)
        .join('');
    expect((await graph(expand(3))).status).toBe(200);
    const fourExpand = await graph(expand(4));
    expect(detailCodes(fourExpand.body)).toEqual(['InvalidQuery', 'DisallowedMaxNumberOfMvExpand']);
  });

  it('allows only the innerunique, inner, leftouter and fullouter join flavors', async () => {
    for (const kind of ['innerunique', 'inner', 'leftouter', 'fullouter']) {
      expect((await graph(`Resources | take 1 | join kind=${kind} (Resources | take 1) on id | count`)).status).toBe(
        200,
      );
    }
    const semi = await graph('Resources | join kind=leftsemi (Resources) on id');
    expect(semi.status).toBe(400);
    expect(detailCodes(semi.body)).toEqual(['InvalidQuery', 'UnsupportedJoinFlavor']);
  });

  it('truncates without a skip token when paging is off, and pages when rows carry an id', async () => {
    const capped = await graph('Resources | project name | take 50', { $top: 10 });
    expect(capped.body).toMatchObject({ totalRecords: 50, count: 10, resultTruncated: 'true' });
    expect(capped.body['$skipToken']).toBeUndefined();
    const paged = await graph('Resources | project id, name', { $top: 10 });
    expect(paged.body).toMatchObject({ count: 10, resultTruncated: 'false' });
    expect(typeof paged.body['$skipToken']).toBe('string');
  });
});

describe('ARM bodies with the fields the published examples show', () => {
  const sub = (row: Row): string => String(row['subscriptionId']);

  it('a VM has etag and timeCreated; a protected one lists the backup extension in resources[] and its instance view', async () => {
    const vm = byName('vm-web-eus-01');
    const r = await raw(emu, 'GET', `${String(vm['id'])}?api-version=2026-04-01&$expand=instanceView`);
    expect(r.status).toBe(200);
    expect(r.json['etag']).toBe('"1"');
    const props = obj(r.json['properties']);
    expect(String(props['timeCreated'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
    expect(arr(r.json['resources']).map((x) => obj(x)['name'])).toEqual(['VMSnapshotLinux']);
    const iv = obj(props['instanceView']);
    expect(arr(iv['extensions'])).toEqual([
      expect.objectContaining({
        name: 'VMSnapshotLinux',
        type: 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux',
        statuses: [expect.objectContaining({ code: 'ProvisioningState/succeeded' })],
      }),
    ]);
    expect(obj(obj(iv['patchStatus'])['availablePatchSummary'])['status']).toBe('Succeeded');
    expect(arr(obj(iv['vmAgent'])['extensionHandlers']).map((h) => obj(h)['type'])).toContain(
      'Microsoft.Azure.RecoveryServices.VMSnapshotLinux',
    );
  });

  it('a VM no vault protects has no backup extension', async () => {
    const items = ESTATE.filter((r) => r['type'] === ITEM_TYPE).map((r) =>
      String(obj(r['properties'])['sourceResourceId']).toLowerCase(),
    );
    const vm =
      ESTATE.find(
        (r) => r['type'] === 'microsoft.compute/virtualmachines' && !items.includes(String(r['id']).toLowerCase()),
      ) ?? {};
    const r = await raw(emu, 'GET', `${String(vm['id'])}/instanceView?api-version=2026-04-01`);
    expect(r.status).toBe(200);
    expect(r.json['extensions']).toEqual([]);
    const get = await raw(emu, 'GET', `${String(vm['id'])}?api-version=2026-04-01`);
    expect(get.json['resources']).toBeUndefined();
  });

  it('a NIC attached to a VM has a MAC address', async () => {
    const nic = byName('vm-web-eus-01-nic');
    const r = await raw(emu, 'GET', `${String(nic['id'])}?api-version=2026-01-01`);
    expect(String(obj(r.json['properties'])['macAddress'])).toMatch(/^00-0D-3A(-[0-9A-F]{2}){3}$/);
  });

  it('a vault has monitoringSettings, securitySettings with immutabilitySettings, and identity', async () => {
    const vault = byName('rsv-backup-eastus');
    const r = await raw(emu, 'GET', `${String(vault['id'])}?api-version=2026-07-01`);
    expect(r.status).toBe(200);
    const props = obj(r.json['properties']);
    expect(obj(obj(props['monitoringSettings'])['azureMonitorAlertSettings'])['alertsForAllJobFailures']).toBe(
      'Enabled',
    );
    expect(obj(obj(props['securitySettings'])['immutabilitySettings'])['state']).toBe('Disabled');
    // The seeded soft-delete settings are kept.
    expect(obj(obj(props['securitySettings'])['softDeleteSettings'])['softDeleteRetentionPeriodInDays']).toBe(14);
    expect(obj(r.json['identity'])['type']).toBe('None');
    expect(sub(vault)).toBe(String(vault['id']).split('/')[2]);
  });
});
