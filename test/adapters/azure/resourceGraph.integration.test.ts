/**
 * ResourceGraphInventory on the real @azure/arm-resourcegraph client against the local HTTPS emulator:
 * paging, quota pacing, 429 retries, bad KQL, management-group scope and subscription batching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import {
  protectedItemsOfVmsIn,
  ResourceGraphInventory,
  ResourceGraphQueryError,
  type ResourceGraphEvent,
} from '../../../src/adapters/azure/resourceGraph';
import { assess } from '../../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/core/engine-config';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { guid, manyVms, networkedVms, protectedItemRow, SUB_A, SUB_B, vaultIdOf, vaultRow } from './estate';

type Events = ResourceGraphEvent[];

/** An inventory on real SDK clients for this emulator, with a fresh token (a fresh Resource Graph quota). */
function inventoryFor(
  emu: RunningEmulator,
  opts: { pageSize?: number; token?: string } = {},
): { inventory: ResourceGraphInventory; events: Events } {
  const clients = createAzureClients({
    armEndpoint: emu.endpoint,
    caCert: emu.caCert,
    credential: new StaticTokenCredential(opts.token ?? emu.issueToken()),
  });
  const events: Events = [];
  const inventory = new ResourceGraphInventory({
    clients,
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    baseDelayMs: 20,
    maxDelayMs: 200,
    logger: (_line, e) => events.push(e),
  });
  return { inventory, events };
}

const graphRequests = (emu: RunningEmulator) =>
  emu
    .state()
    .operations.filter(
      (o) => o.method === 'POST' && o.path.toLowerCase().startsWith('/providers/microsoft.resourcegraph/resources'),
    );

const VM_QUERY =
  "Resources | where type =~ 'microsoft.compute/virtualmachines' | project id, name, location, subscriptionId, properties | order by id asc";

describe('ResourceGraphInventory paging (2,500 VM rows)', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ estate: manyVms(2500, [SUB_A, SUB_B]), seed: 11 });
  });
  afterAll(() => emu?.stop());

  it('follows $skipToken with $top 1000 until every row is read', async () => {
    const { inventory, events } = inventoryFor(emu);
    const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [SUB_A, SUB_B], managementGroups: [] });
    expect(rows).toHaveLength(2500);
    expect(new Set(rows.map((r) => String(r.id).toLowerCase())).size).toBe(2500);
    const pages = events.filter((e) => e.kind === 'page');
    expect(pages.map((p) => (p.kind === 'page' ? p.rows : 0))).toEqual([1000, 1000, 500]);
    expect(pages[0]).toMatchObject({ totalRecords: 2500, scope: 'subscriptions', quotaRemaining: expect.any(Number) });
    // The VM row keeps the shape the rules read.
    expect(rows[0]).toMatchObject({
      properties: {
        networkProfile: { networkInterfaces: [{ id: expect.stringContaining('/networkInterfaces/') }] },
        storageProfile: { osDisk: { managedDisk: expect.any(Object) } },
        extended: { instanceView: { powerState: { code: 'PowerState/running' } } },
      },
    });
  });

  it('fetchRows runs every src/queries/*.kql and returns all their rows', async () => {
    const { inventory, events } = inventoryFor(emu);
    const rows = await inventory.fetchRows({ subscriptions: [], managementGroups: [] });
    // The 2,500 VMs, and the resource groups they are in (resource-groups.kql reads ResourceContainers).
    const byType = (t: string) => rows.filter((r) => String((r as { type?: unknown }).type).toLowerCase() === t);
    expect(byType('microsoft.compute/virtualmachines')).toHaveLength(2500);
    expect(byType('microsoft.resources/subscriptions/resourcegroups').length).toBe(rows.length - 2500);
    const queried = new Set(events.filter((e) => e.kind === 'page').map((e) => e.query));
    expect([...queried].sort()).toEqual(
      inventory
        .queries()
        .map((q) => q.name)
        .sort(),
    );
    expect(events.find((e) => e.kind === 'page' && e.query === 'virtual-machines')).toMatchObject({ scope: 'tenant' });
  });

  it('paces to the quota headers over more than 15 pages instead of drawing 429s', async () => {
    const before = graphRequests(emu).length;
    const { inventory, events } = inventoryFor(emu, { pageSize: 125 });
    const started = Date.now();
    const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [SUB_A, SUB_B], managementGroups: [] });
    expect(rows).toHaveLength(2500);
    const pages = events.filter((e) => e.kind === 'page');
    expect(pages).toHaveLength(20);
    const quotaWaits = events.filter((e) => e.kind === 'throttle' && e.reason === 'quota');
    expect(quotaWaits.length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const mine = graphRequests(emu).slice(before);
    expect(mine).toHaveLength(20);
    expect(mine.filter((o) => o.status === 429)).toHaveLength(0);
  }, 30_000);

  it('waits out injected 429s (Retry-After) and 5xx (backoff) and still reads every row', async () => {
    emu.setFaults('429=0.25,500=0.15');
    try {
      const before = graphRequests(emu).length;
      const { inventory, events } = inventoryFor(emu, { pageSize: 500 });
      const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [SUB_A, SUB_B], managementGroups: [] });
      expect(rows).toHaveLength(2500);
      const mine = graphRequests(emu).slice(before);
      const throttles = events.filter((e) => e.kind === 'throttle');
      expect(mine.filter((o) => o.status >= 429).length).toBe(throttles.length);
      expect(throttles.length).toBeGreaterThan(0);
      for (const t of throttles) {
        if (t.kind === 'throttle' && t.status === 429) expect(t.reason).toBe('retry-after');
        if (t.kind === 'throttle' && t.status === 500) expect(t.reason).toBe('backoff');
      }
    } finally {
      emu.setFaults(undefined);
    }
  }, 30_000);
});

describe('ResourceGraphInventory errors', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ estate: networkedVms({ sub: SUB_A, vmNames: ['vm-web-01'] }).rows, seed: 3 });
  });
  afterAll(() => emu?.stop());

  it('throws a ResourceGraphQueryError with the ParserFailure details for bad KQL, and never retries it', async () => {
    const before = graphRequests(emu).length;
    const { inventory } = inventoryFor(emu);
    const bad = "Resources\n| where type =~ 'microsoft.compute/virtualmachines'\n| projekt id, name";
    const err = await inventory
      .runQuery(bad, { subscriptions: [SUB_A], managementGroups: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceGraphQueryError);
    const q = err as ResourceGraphQueryError;
    expect(q.queryName).toBe('adhoc');
    expect(q.info).toMatchObject({ code: 'InvalidQuery', statusCode: 400 });
    expect(q.details.map((d) => d.code)).toContain('InvalidQuery');
    expect(q.parserFailures.length).toBeGreaterThanOrEqual(1);
    expect(q.parserFailures[0]).toMatchObject({
      line: expect.any(Number),
      characterPositionInLine: expect.any(Number),
    });
    expect(q.parserFailures[0]?.line).toBe(3);
    expect(graphRequests(emu).slice(before)).toHaveLength(1);
  });

  it('surfaces InvalidQueryLanguage for an operator Resource Graph does not support, without retrying', async () => {
    const before = graphRequests(emu).length;
    const { inventory } = inventoryFor(emu);
    const err = await inventory
      .runQuery('Resources | evaluate bag_unpack(properties)', { subscriptions: [SUB_A], managementGroups: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceGraphQueryError);
    expect((err as ResourceGraphQueryError).info.code).toBe('InvalidQueryLanguage');
    expect((err as ResourceGraphQueryError).details.some((d) => d.token !== undefined)).toBe(true);
    expect(graphRequests(emu).slice(before)).toHaveLength(1);
  });

  it('names the query file whose KQL Resource Graph rejects', async () => {
    const clients = createAzureClients({
      armEndpoint: emu.endpoint,
      caCert: emu.caCert,
      credential: new StaticTokenCredential(emu.issueToken()),
    });
    const inventory = new ResourceGraphInventory({
      clients,
      queries: [{ name: 'broken', kql: 'Resources | where (' }],
    });
    await expect(inventory.fetchRows({ subscriptions: [], managementGroups: [] })).rejects.toMatchObject({
      name: 'ResourceGraphQueryError',
      queryName: 'broken',
    });
  });
});

describe('ResourceGraphInventory scope', () => {
  const subscriptions = Array.from({ length: 650 }, (_, i) => guid(i + 1, 'a11ce000'));
  let emu: RunningEmulator;
  beforeAll(async () => {
    const estate = [
      ...subscriptions.map((sub, i) => vaultRow({ sub, rg: 'rg-backup', name: `rsv-${i}` })),
      ...manyVms(30, [SUB_A, SUB_B]),
    ];
    emu = await startEmulator({
      estate,
      seed: 5,
      managementGroups: { 'mg-prod': [SUB_A], 'mg-all': [SUB_A, SUB_B] },
    });
  });
  afterAll(() => emu?.stop());

  it('batches more than 300 subscriptions into requests of at most 300', async () => {
    const before = graphRequests(emu).length;
    const { inventory, events } = inventoryFor(emu);
    const rows = await inventory.runQuery(
      "Resources | where type =~ 'microsoft.recoveryservices/vaults' | project id, subscriptionId | order by id asc",
      {
        subscriptions,
        managementGroups: [],
      },
    );
    expect(rows).toHaveLength(650);
    expect(graphRequests(emu).slice(before)).toHaveLength(3);
    const batches = events.filter((e) => e.kind === 'page').map((e) => (e.kind === 'page' ? [e.batch, e.rows] : []));
    expect(batches).toEqual([
      [0, 300],
      [1, 300],
      [2, 50],
    ]);
  });

  it('queries a management group and sees only its subscriptions', async () => {
    const { inventory, events } = inventoryFor(emu);
    const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [], managementGroups: ['mg-prod'] });
    expect(rows.length).toBe(15);
    expect(rows.every((r) => String(r.subscriptionId).toLowerCase() === SUB_A)).toBe(true);
    expect(events.find((e) => e.kind === 'page')).toMatchObject({ scope: 'managementGroups' });
  });

  it('de-duplicates rows when subscriptions and management groups overlap', async () => {
    const { inventory } = inventoryFor(emu);
    const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [SUB_A], managementGroups: ['mg-all'] });
    expect(rows).toHaveLength(30);
  });

  it('only returns rows the token may read', async () => {
    const { inventory } = inventoryFor(emu, { token: emu.issueToken([`/subscriptions/${SUB_B}`]) });
    const rows = await inventory.runQuery(VM_QUERY, { subscriptions: [], managementGroups: [] });
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => String(r.subscriptionId).toLowerCase() === SUB_B)).toBe(true);
  });
});

describe('ResourceGraphInventory: protection across subscriptions', () => {
  // VM in SUB_A, protected by a vault in SUB_B: a shard of SUB_A alone must still see it protected.
  const net = networkedVms({ sub: SUB_A, vmNames: ['vm-cross-01', 'vm-cross-02'] });
  const vaultB = vaultIdOf(SUB_B, 'rg-central-backup', 'rsv-central');
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      estate: [
        ...net.rows,
        vaultRow({ sub: SUB_B, rg: 'rg-central-backup', name: 'rsv-central' }),
        protectedItemRow({ vaultId: vaultB, vmId: net.vmIds[0] as string }),
      ],
      seed: 3,
    });
  });
  afterAll(() => emu?.stop());

  it("looks up the protected items of the scope's VMs tenant-wide, so a vault in another subscription counts", async () => {
    const { inventory } = inventoryFor(emu);
    const rows = (await inventory.fetchRows({ subscriptions: [SUB_A], managementGroups: [] })) as {
      id: string;
      type: string;
    }[];
    const items = rows.filter(
      (r) => r.type === 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
    );
    expect(items.map((r) => r.id.toLowerCase().startsWith(vaultB.toLowerCase()))).toEqual([true]);
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-01T00:00:00Z'));
    expect(report.findings.filter((f) => f.ruleId === 'vm-unprotected').map((f) => f.resourceId)).toEqual([
      net.vmIds[1],
    ]);
    // Scoped to SUB_B alone, the item is still found, once, and is not an orphan (its VM's subscription is not in scope).
    const bRows = (await inventory.fetchRows({ subscriptions: [SUB_B], managementGroups: [] })) as { type: string }[];
    expect(bRows.filter((r) => r.type.endsWith('/protecteditems'))).toHaveLength(1);
    expect(assess(bRows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-01T00:00:00Z')).report.findings).toEqual([]);
  });

  it('only names GUID-shaped subscriptions in the narrowed query', () => {
    expect(protectedItemsOfVmsIn('RecoveryServicesResources', ["x') or 1==1 //", SUB_A.toUpperCase()], 300)).toEqual([
      `RecoveryServicesResources\n| where tolower(tostring(split(tostring(properties.sourceResourceId), '/')[2])) in ('${SUB_A}')`,
    ]);
    expect(protectedItemsOfVmsIn('Q', [], 300)).toEqual([]);
  });
});
