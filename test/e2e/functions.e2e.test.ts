/**
 * The Function App end to end, under the host's semantics: the timer fans a tenant out into shards on
 * `sweep-shards`, shard workers record findings and enqueue action groups on `remediation-jobs`, job workers
 * remediate against the local HTTPS emulator. Queues and the `findings` table are Azurite's; the handlers
 * are the exported functions, called with a real InvocationContext by {@link QueueHost} (harness.ts), which
 * redelivers a failed message and moves it to `<queue>-poison` after host.json's maxDequeueCount.
 *
 * The estate: the sample estate (2 subscriptions, 36 VMs, every kind of finding) in a tenant of 652
 * subscriptions (650 hold only a VNet), so a tenant-wide sweep needs three shards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTIONS, sampleEstate, vnetRow, type Row } from '../../bench/estate';
import type { RemediationJobMessage, ShardMessage } from '../../src/app/messages';
import { idKey } from '../../src/core/ids';
import { remediationJob, remediationPoison } from '../../src/functions/remediationJob';
import { sweepShard } from '../../src/functions/sweepShard';
import { sweepTimer } from '../../src/functions/sweepTimer';
import type { LedgerEntry } from '../../src/ports';
import { hostQueueSettings, invocation, QueueHost, startStack, timerInfo, type Stack } from './harness';

const P = SUBSCRIPTIONS.prod;
const D = SUBSCRIPTIONS.dev;
/**
 * 650 subscriptions that sort after prod (8f…) and dev (b7…): both land in the first shard, as a vault of
 * prod protects a VM of dev (a cross-shard pair is a known gap: test/app/sweepShard.test.ts).
 */
const FILLERS = Array.from(
  { length: 650 },
  (_, i) => `${i < 400 ? 'c' : 'd'}${i.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`,
);
const vm = (sub: string, rg: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const HELD = vm(P, 'RG-Web-EUS', 'vm-web-eus-03');
const timer = timerInfo;

function estate(): Row[] {
  return [
    ...sampleEstate(),
    ...FILLERS.map((sub) =>
      vnetRow(sub, 'rg-net', 'vnet-main', 'eastus', '10.0.0.0/16', [{ name: 'default', cidr: '10.0.0.0/24' }]),
    ),
  ];
}

let stack: Stack;
let shards: QueueHost;
let jobs: QueueHost;
let poison: QueueHost;

/** While set, every ARM request of the held job's runs fails: the emulator answers 500 to each (faults `500=1`). */
let failHeld = true;

async function jobWorker(message: unknown, context: Parameters<typeof remediationJob>[1]): Promise<void> {
  const job = message as RemediationJobMessage;
  const held = failHeld && job.actions.some((a) => a.kind === 'enable-protection' && idKey(a.target) === idKey(HELD));
  if (held) stack.emu.setFaults('500=1');
  try {
    await remediationJob(message, context);
  } finally {
    if (held) stack.emu.setFaults(undefined);
  }
}

/** The ARM writes the emulator accepted. */
const writes = (): string[] =>
  stack.emu
    .state()
    .operations.filter(
      (o) =>
        (o.method === 'PUT' || o.method === 'POST') &&
        o.status < 300 &&
        !o.path.includes('/backupStatus') &&
        !o.path.includes('/Microsoft.ResourceGraph/'),
    )
    .map((o) => `${o.method} ${o.path.split('?')[0]}`);
const entryOf = (entries: LedgerEntry[], ruleId: string, resourceId: string): LedgerEntry | undefined =>
  entries.find((e) => e.ruleId === ruleId && idKey(e.resourceId) === idKey(resourceId));
const protectedItemsOf = (vmId: string): string[] =>
  stack.emu
    .state()
    .recoveryServicesResources.filter(
      (r) => idKey(String((r['properties'] as Record<string, unknown>)['sourceResourceId'] ?? '')) === idKey(vmId),
    )
    .map((r) => String(r['id']).split('/backupFabrics/')[0] ?? '');

beforeAll(async () => {
  stack = await startStack({ estate: estate() });
  shards = new QueueHost(stack.azurite.connectionString, 'sweep-shards', 'sweepShard', sweepShard);
  jobs = new QueueHost(stack.azurite.connectionString, 'remediation-jobs', 'remediationJob', jobWorker);
  poison = new QueueHost(
    stack.azurite.connectionString,
    'remediation-jobs-poison',
    'remediationPoison',
    remediationPoison,
  );
});

afterAll(async () => {
  await stack?.stop();
});

describe('report mode', () => {
  it('records the findings of a sweep and enqueues no job: nothing in Azure changes', async () => {
    await stack.use({ WARDEN_MODE: 'report', WARDEN_SUBSCRIPTIONS: `${P},${D}` });
    const before = writes().length;
    const t = invocation('sweepTimer');
    await sweepTimer(timer(), t.context);
    expect(t.logs.map((l) => l.message)).toEqual([
      expect.stringMatching(/^sweep [0-9a-f-]{36}: 1 shard\(s\) enqueued on sweep-shards$/),
    ]);
    const [d, more] = await shards.drain();
    expect(more).toBeUndefined();
    expect(d?.outcome).toBe('completed');
    expect(d?.logs.map((l) => l.message)).toEqual([
      expect.stringMatching(
        / shard 1\/1: 54 findings \(49 open\), 0 job\(s\) enqueued, 0 resolved; sweep completed \(dequeue 1\)$/,
      ),
    ]);
    expect(await jobs.count()).toBe(0);
    expect(writes().length).toBe(before);
    const entries = await stack.ledger.list();
    expect(entries).toHaveLength(54);
    expect(entries.filter((e) => e.status === 'open')).toHaveLength(49);
  });
});

describe('remediate mode, tenant-wide', () => {
  let sweepId = '';

  it("1. sweepTimer lists the tenant's 652 subscriptions and enqueues three shards of at most 300 on sweep-shards", async () => {
    await stack.use();
    const t = invocation('sweepTimer');
    await sweepTimer(timer(true), t.context);
    const messages = (await shards.peek()) as ShardMessage[];
    expect(messages).toHaveLength(3);
    sweepId = messages[0]?.sweepId ?? '';
    expect(t.logs.map((l) => l.message)).toEqual([
      `sweep ${sweepId}: 3 shard(s) enqueued on sweep-shards (timer was past due)`,
    ]);
    expect(
      messages.map((m) => [
        m.sweepId,
        m.trigger,
        m.shardIndex,
        m.shardCount,
        m.scope.subscriptions.length,
        m.scope.managementGroups,
      ]),
    ).toEqual([
      [sweepId, 'timer', 0, 3, 300, []],
      [sweepId, 'timer', 1, 3, 300, []],
      [sweepId, 'timer', 2, 3, 52, []],
    ]);
    expect(messages.flatMap((m) => m.scope.subscriptions)).toEqual([P, D, ...FILLERS].sort());
    expect(messages[0]?.scope.subscriptions.slice(0, 2)).toEqual([P, D]);
    expect(await stack.ledger.getSweepSummary(sweepId)).toMatchObject({
      sweepId,
      trigger: 'timer',
      shards: 3,
      shardsCompleted: 0,
      findings: 0,
    });
  });

  it("2. sweepShard records findings, enqueues the plan's action groups on remediation-jobs, and the last shard completes the summary", async () => {
    const delivered = await shards.drain();
    expect(delivered.map((d) => [d.outcome, d.dequeueCount, (d.body as ShardMessage).shardIndex])).toEqual([
      ['completed', 1, 0],
      ['completed', 1, 1],
      ['completed', 1, 2],
    ]);
    expect(delivered.map((d) => d.logs.map((l) => l.message.replace(/^sweep \S+ /, '')).join())).toEqual([
      'shard 1/3: 54 findings (49 open), 16 job(s) enqueued, 0 resolved (dequeue 1)',
      'shard 2/3: 0 findings (0 open), 0 job(s) enqueued, 0 resolved (dequeue 1)',
      'shard 3/3: 0 findings (0 open), 0 job(s) enqueued, 0 resolved; sweep completed (dequeue 1)',
    ]);

    const queued = (await jobs.peek()) as RemediationJobMessage[];
    expect(queued).toHaveLength(16);
    expect(queued.every((j) => j.sweepId === sweepId && j.trigger === 'timer')).toBe(true);
    const kinds = queued.map((j) => j.actions.map((a) => `${a.kind} ${a.target.split('/').pop() ?? ''}`).join(' + '));
    expect(kinds).toContain(
      'create-vault rsv-backup-japaneast + enable-protection vm-app-jpe-01 + enable-protection vm-app-jpe-02 + enable-protection vm-tools-jpe-01 + enable-protection vm-tools-jpe-02',
    );
    expect(kinds).toContain(
      'create-vault rsv-backup-eastus + enable-protection vm-dev-eus-01 + enable-protection vm-dev-eus-02 + enable-protection vm-dev-eus-03 + enable-protection vm-dev-eus-05',
    );
    expect(kinds).toContain('add-nsg-rule nsg-web-eus');
    expect(kinds).toContain('enable-protection vm-web-eus-03');
    expect(kinds.filter((k) => k.startsWith('add-nsg-rule'))).toHaveLength(5);

    expect(await stack.ledger.getSweepSummary(sweepId)).toMatchObject({
      shards: 3,
      shardsCompleted: 3,
      findings: 54,
      open: 49,
      exempt: 5,
      resolved: 0,
    });
    const entries = await stack.ledger.list();
    expect(entries).toHaveLength(54);
    expect(entryOf(entries, 'vm-unprotected', HELD)).toMatchObject({
      status: 'open',
      severity: 'high',
      subscriptionId: P,
      location: 'eastus',
      lastSweepId: sweepId,
      attempts: 0,
    });
    expect(entryOf(entries, 'vm-unprotected', vm(D, 'rg-dev-weu', 'vm-dev-weu-03'))).toMatchObject({
      status: 'exempt',
      subscriptionId: D,
    });
  });

  it('counts a redelivered shard once: the summary is not added to again', async () => {
    // A host that crashed after the work but before deleting the message delivers it again.
    const second = shards.deliveries.find(
      (d) => (d.body as ShardMessage).sweepId === sweepId && (d.body as ShardMessage).shardIndex === 1,
    );
    await shards.client.sendMessage(Buffer.from(JSON.stringify(second?.body), 'utf8').toString('base64'));
    const [again] = await shards.drain();
    expect(again?.outcome).toBe('completed');
    expect(again?.logs.map((l) => l.message.replace(/^sweep \S+ /, ''))).toEqual([
      'shard 2/3: 0 findings (0 open), 0 job(s) enqueued, 0 resolved; a redelivery: the shard was already counted in the summary (dequeue 1)',
    ]);
    expect(await stack.ledger.getSweepSummary(sweepId)).toMatchObject({
      shards: 3,
      shardsCompleted: 3,
      findings: 54,
      open: 49,
    });
  });

  it('3. remediationJob workers remediate: vaults, protected items and NSG rules appear in Azure', async () => {
    const delivered = await jobs.drain();
    const done = delivered.filter((d) => d.outcome === 'completed');
    // 15 jobs: vm-app-weu-04 (backup-exempt: ask-bob) gets none, its exemption tag being unreadable.
    expect(done).toHaveLength(15);
    expect(delivered).toHaveLength(15 + 5);
    const state = stack.emu.state();
    const vaults = state.resources
      .filter((r) => r['type'] === 'microsoft.recoveryservices/vaults')
      .map((r) => `${String(r['subscriptionId'])}/${String(r['name'])}/${String(r['location'])}`)
      .sort();
    expect(vaults).toEqual(
      [
        `${P}/rsv-backup-eastus/eastus`,
        `${P}/rsv-backup-japaneast/japaneast`,
        `${P}/rsv-legacy-weu/westeurope`,
        `${D}/rsv-backup-eastus/eastus`,
        `${D}/rsv-backup-westeurope/westeurope`,
      ].sort(),
    );
    expect(protectedItemsOf(vm(P, 'RG-App-JPE', 'vm-app-jpe-01')).map(idKey)).toEqual([
      idKey(
        `/subscriptions/${P}/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/rsv-backup-japaneast`,
      ),
    ]);
    expect(protectedItemsOf(vm(D, 'rg-dev-eus', 'vm-dev-eus-01')).map(idKey)).toEqual([
      idKey(
        `/subscriptions/${D}/resourceGroups/rg-backup-warden/providers/Microsoft.RecoveryServices/vaults/rsv-backup-eastus`,
      ),
    ]);
    const nsg = state.resources.find((r) => String(r['name']) === 'nsg-web-eus');
    const rule = ((nsg?.['properties'] as Record<string, unknown>)['securityRules'] as Record<string, unknown>[]).find(
      (r) => String(r['name']).startsWith('AllowAzureBackup'),
    );
    expect(rule?.['properties']).toMatchObject({
      access: 'Allow',
      direction: 'Outbound',
      destinationAddressPrefix: 'Storage.EastUS',
      destinationPortRanges: ['443', '8443'],
      sourceAddressPrefix: 'VirtualNetwork',
    });
    expect(Number((rule?.['properties'] as Record<string, unknown>)['priority'])).toBeLessThan(4000);

    const entries = await stack.ledger.list();
    expect(entryOf(entries, 'vm-unprotected', vm(P, 'RG-App-JPE', 'vm-app-jpe-01'))).toMatchObject({
      status: 'remediated',
      lastAction: { kind: 'enable-protection', status: 'succeeded', detail: 'protected' },
    });
    expect(entryOf(entries, 'nsg-blocks-backup-egress', vm(P, 'RG-Web-EUS', 'vm-web-eus-01'))).toMatchObject({
      status: 'remediated',
      lastAction: { kind: 'add-nsg-rule', status: 'succeeded', detail: 'created' },
    });
    expect(protectedItemsOf(HELD)).toEqual([]);
  });

  it('4. a redelivered job is a no-op, recorded in the ledger as already done', async () => {
    const original = jobs.deliveries.find((d) =>
      (d.body as RemediationJobMessage).actions[0]?.target.endsWith('/rsv-backup-japaneast'),
    );
    expect(original?.outcome).toBe('completed');
    const before = writes().length;
    await jobs.client.sendMessage(Buffer.from(JSON.stringify(original?.body), 'utf8').toString('base64'));
    const [redelivery] = await jobs.drain();
    expect(redelivery?.outcome).toBe('completed');
    expect(redelivery?.logs.map((l) => l.message)).toEqual([
      `sweep ${sweepId}: create-vault skipped (already-exists), enable-protection skipped (already-protected), enable-protection skipped (already-protected), enable-protection skipped (already-protected), enable-protection skipped (already-protected) (dequeue 1)`,
    ]);
    expect(writes().length).toBe(before);
    expect(protectedItemsOf(vm(P, 'RG-App-JPE', 'vm-app-jpe-01'))).toHaveLength(1);
    const entry = entryOf(await stack.ledger.list(), 'vm-unprotected', vm(P, 'RG-App-JPE', 'vm-app-jpe-01'));
    expect(entry).toMatchObject({
      status: 'remediating',
      lastAction: { kind: 'enable-protection', status: 'skipped', detail: 'already-protected' },
    });
    // Each delivery records two results on it: its enable-protection, and the create-vault that it needs.
    expect(entry?.attempts).toBe(4);
  });

  it('5. a job that fails on every delivery lands in remediation-jobs-poison after maxDequeueCount, and remediationPoison records it', async () => {
    const { maxDequeueCount } = hostQueueSettings();
    expect(maxDequeueCount).toBe(5);
    const attempts = jobs.deliveries.filter((d) =>
      (d.body as RemediationJobMessage).actions.some((a) => idKey(a.target) === idKey(HELD)),
    );
    expect(attempts.map((d) => [d.dequeueCount, d.outcome])).toEqual([
      [1, 'failed-retry'],
      [2, 'failed-retry'],
      [3, 'failed-retry'],
      [4, 'failed-retry'],
      [5, 'failed-poisoned'],
    ]);
    expect(attempts[0]?.logs.map((l) => `${l.level}: ${l.message}`)).toEqual([
      expect.stringMatching(
        /^warning: remediationJob: transient failure, retrying: TransientFailureError: 1 action\(s\) failed transiently: InternalServerError$/,
      ),
    ]);
    const poisoned = (await jobs.peekPoison()) as RemediationJobMessage[];
    expect(poisoned).toHaveLength(1);
    expect(poisoned[0]?.actions.map((a) => [a.kind, a.target])).toEqual([['enable-protection', HELD]]);

    const failedEntry = entryOf(await stack.ledger.list(), 'vm-unprotected', HELD);
    expect(failedEntry).toMatchObject({
      status: 'failed',
      attempts: 5,
      lastAction: { kind: 'enable-protection', status: 'failed', errorCode: 'InternalServerError' },
    });

    const [d] = await poison.drain();
    expect(d?.outcome).toBe('completed');
    expect(d?.logs.map((l) => `${l.level}: ${l.message}`)).toEqual([
      'warning: a remediation job exhausted its retries and was recorded in the ledger',
    ]);
    const recorded = await stack.ledger.listPoisonMessages();
    expect(recorded.map((p) => [p.queue, (p.message as RemediationJobMessage).actions[0]?.target])).toEqual([
      ['remediation-jobs-poison', HELD],
    ]);
    expect(await poison.count()).toBe(0);
  });

  it('6. the next sweep marks the fixed findings resolved, keeps the failed one, and plans it again', async () => {
    await stack.use({ WARDEN_SUBSCRIPTIONS: `${P},${D}` });
    const before = await stack.ledger.list();
    const t = invocation('sweepTimer');
    await sweepTimer(timer(), t.context);
    const [d] = await shards.drain();
    expect(d?.logs.map((l) => l.message.replace(/^sweep \S+ /, ''))).toEqual([
      'shard 1/1: 19 findings (15 open), 1 job(s) enqueued, 35 resolved; sweep completed (dequeue 1)',
    ]);

    const entries = await stack.ledger.list();
    const fixed = entryOf(entries, 'vm-unprotected', vm(P, 'RG-App-JPE', 'vm-app-jpe-01'));
    expect(fixed?.status).toBe('resolved');
    expect(Date.parse(fixed?.resolvedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(entryOf(before, 'vm-unprotected', vm(P, 'RG-App-JPE', 'vm-app-jpe-01'))?.firstSeen ?? ''),
    );
    expect(entryOf(entries, 'nsg-blocks-backup-egress', vm(P, 'RG-Web-EUS', 'vm-web-eus-01'))).toMatchObject({
      status: 'resolved',
      resolvedAt: expect.any(String),
    });
    // 18 VMs protected, 16 NSG findings gone (an exempt one too), 1 vault designation satisfied.
    expect(entries.filter((e) => e.status === 'resolved')).toHaveLength(35);
    expect(entries.filter((e) => e.status === 'resolved').every((e) => typeof e.resolvedAt === 'string')).toBe(true);
    // Still broken, so not resolved: the poisoned job's finding, and what no action can fix.
    expect(entryOf(entries, 'vm-unprotected', HELD)).toMatchObject({ status: 'failed' });
    expect(
      entryOf(
        entries,
        'vault-redundancy-mismatch',
        `/subscriptions/${P}/resourceGroups/rg-legacy-backup/providers/Microsoft.RecoveryServices/vaults/rsv-legacy-weu`,
      ),
    ).toMatchObject({ status: 'open' });
    expect(entries.find((e) => e.resolvedAt !== undefined && e.status !== 'resolved')).toBeUndefined();

    failHeld = false; // Azure recovered
    const [retry] = (await jobs.peek()) as RemediationJobMessage[];
    expect(retry?.actions.map((a) => [a.kind, a.target])).toEqual([['enable-protection', HELD]]);
    const [done] = await jobs.drain();
    expect(done?.outcome).toBe('completed');
    expect(protectedItemsOf(HELD)).toHaveLength(1);
    expect(entryOf(await stack.ledger.list(), 'vm-unprotected', HELD)).toMatchObject({
      status: 'remediated',
      attempts: 6,
    });
  });
});
