/**
 * AzureRemediator on the real SDK clients against the local HTTPS emulator: every action kind end to
 * end, the idempotent skips, conflicts, dependency handling, a fault mix, and a 403 outside the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClients } from '../../../src/adapters/azure/clients';
import { StaticTokenCredential } from '../../../src/adapters/azure/credential';
import { AzureRemediator } from '../../../src/adapters/azure/remediator';
import type {
  Action,
  AddNsgRuleAction,
  CreateVaultAction,
  EnableProtectionAction,
  SecurityRuleParams,
  TriggerBackupAction,
} from '../../../src/core/model';
import type { ActionResult } from '../../../src/ports';
import { ROUTES, Router, startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { REMEDIATOR_OPERATIONS } from '../../../src/adapters/azure/permissions';
import { networkedVms, protectedItemRow, SUB_A, SUB_B, vaultIdOf, vaultRow, type Row } from './estate';

// --- action builders -------------------------------------------------------------------------------

function createVault(
  sub: string,
  name: string,
  opts: { rg?: string; location?: string; redundancy?: string } = {},
): CreateVaultAction {
  const rg = opts.rg ?? 'rg-backup-warden';
  return {
    kind: 'create-vault',
    target: vaultIdOf(sub, rg, name),
    params: {
      location: opts.location ?? 'eastus',
      storageRedundancy: opts.redundancy ?? 'LocallyRedundant',
      resourceGroup: rg,
      name,
    },
    resolves: [],
  };
}

function enableProtection(vmId: string, vaultId: string): EnableProtectionAction {
  return {
    kind: 'enable-protection',
    target: vmId,
    params: { vaultId, policyId: `${vaultId}/backupPolicies/DefaultPolicy` },
    resolves: [`vm-unprotected|${vmId.toLowerCase()}`],
  };
}

function triggerBackup(vmId: string, vaultId: string): TriggerBackupAction {
  return {
    kind: 'trigger-backup',
    target: vmId,
    params: { vaultId, recoveryPointExpiryTimeInUTC: '2031-01-30T00:00:00.000Z' },
    resolves: [],
  };
}

function storageRule(overrides: Partial<SecurityRuleParams> = {}): SecurityRuleParams {
  return {
    name: 'AllowAzureBackupStorageOutbound',
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefix: 'VirtualNetwork',
    sourcePortRange: '*',
    destinationAddressPrefix: 'Storage.EastUS',
    destinationPortRanges: ['443', '8443'],
    priority: 900,
    description: 'backup-warden: lets Azure Backup reach Storage.EastUS (azure-facts §1)',
    ...overrides,
  };
}

function addNsgRule(nsgId: string, params: SecurityRuleParams = storageRule()): AddNsgRuleAction {
  return { kind: 'add-nsg-rule', target: nsgId, params, resolves: [] };
}

// --- harness -------------------------------------------------------------------------------------

/** A remediator on real SDK clients for the emulator, tuned for fast tests (short polls and backoff). */
function remediatorFor(emu: RunningEmulator, token = emu.token): AzureRemediator {
  const clients = createAzureClients({
    armEndpoint: emu.endpoint,
    caCert: emu.caCert,
    credential: new StaticTokenCredential(token),
    retryBounds: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  return new AzureRemediator({
    clients,
    pollIntervalMs: 10,
    maxPollDelayMs: 50,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
}

const start = (estate: Row[], extra: { faults?: string; seed?: number } = {}) =>
  startEmulator({
    estate,
    seed: extra.seed ?? 7,
    lroRetryAfterSeconds: 0,
    ...(extra.faults ? { faults: extra.faults } : {}),
  });

const summary = (results: ActionResult[]) =>
  results.map((r) => (r.status === 'failed' ? `failed:${r.error?.code ?? '?'}` : `${r.status}:${r.detail ?? ''}`));

function findRow(rows: Row[], id: string): Row | undefined {
  return rows.find((r) => String(r.id).toLowerCase() === id.toLowerCase());
}

function rulesOf(emu: RunningEmulator, nsgId: string): Row[] {
  const nsg = findRow(emu.state().resources, nsgId);
  const props = (nsg?.properties ?? {}) as { securityRules?: Row[] };
  return props.securityRules ?? [];
}

function protectedItemsOf(emu: RunningEmulator, vaultId: string): Row[] {
  return emu.state().recoveryServicesResources.filter(
    (r) =>
      String(r.type) === 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems' &&
      String(r.id)
        .toLowerCase()
        .startsWith(vaultId.toLowerCase() + '/'),
  );
}

/** The RBAC actions the emulator checked for every request it answered (its routes name them). */
function actionsUsed(emu: RunningEmulator): string[] {
  const router = new Router(ROUTES);
  const used = new Set<string>();
  for (const o of emu.state().operations) {
    const route = router.match(o.method, o.path.split('?')[0] ?? o.path).route;
    if (route) used.add(route.action);
  }
  return [...used].sort();
}

const declared = new Set(REMEDIATOR_OPERATIONS.map((o) => o.toLowerCase()));

// --- tests ---------------------------------------------------------------------------------------

describe('AzureRemediator: create-vault, add-nsg-rule, enable-protection, trigger-backup', () => {
  const net = networkedVms({ sub: SUB_A, vmNames: ['vm-web-01', 'vm-web-02'] });
  const [vm1, vm2] = net.vmIds as [string, string];
  const vault = createVault(SUB_A, 'rsv-warden-eastus');
  const actions: Action[] = [
    vault,
    addNsgRule(net.nsgId),
    enableProtection(vm1, vault.target),
    triggerBackup(vm1, vault.target),
    enableProtection(vm2, vault.target),
    triggerBackup(vm2, vault.target),
  ];
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await start(net.rows);
  });
  afterAll(() => emu?.stop());

  it('executes every action in order, with progress for each', async () => {
    const progress: number[] = [];
    const results = await remediatorFor(emu).execute(actions, (_a, _r, i) => progress.push(i));
    expect(summary(results)).toEqual([
      'succeeded:created-with-resource-group',
      'succeeded:created',
      'succeeded:protected',
      'succeeded:triggered',
      'succeeded:protected',
      'succeeded:triggered',
    ]);
    expect([...progress].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of results) expect(r.durationMs).toBeGreaterThanOrEqual(0);

    const state = emu.state();
    const vaultRowNow = findRow(state.resources, vault.target);
    expect(vaultRowNow).toMatchObject({
      location: 'eastus',
      sku: { name: 'RS0', tier: 'Standard' },
      properties: {
        publicNetworkAccess: 'Enabled',
        redundancySettings: { standardTierStorageRedundancy: 'LocallyRedundant', crossRegionRestore: 'Disabled' },
      },
    });
    expect(
      state.resourceContainers.some(
        (r) => String(r.id).toLowerCase() === `/subscriptions/${SUB_A}/resourcegroups/rg-backup-warden`,
      ),
    ).toBe(true);
    expect(rulesOf(emu, net.nsgId).map((r) => r.name)).toContain('AllowAzureBackupStorageOutbound');
    const items = protectedItemsOf(emu, vault.target);
    expect(items).toHaveLength(2);
    for (const item of items)
      expect(item.properties).toMatchObject({
        currentProtectionState: 'ProtectionConfigured',
        policyName: 'DefaultPolicy',
      });

    // The backup flow ran in its order: vault done before discovery, discovery before the PUT, PUT before backup.
    const paths = state.operations.map((o) => `${o.method} ${o.path.split('?')[0]?.toLowerCase()}`);
    const firstIndex = (re: RegExp) => paths.findIndex((p) => re.test(p));
    const lastIndex = (re: RegExp) => paths.length - 1 - [...paths].reverse().findIndex((p) => re.test(p));
    expect(lastIndex(/^PUT .*\/vaults\/rsv-warden-eastus$/)).toBeLessThan(firstIndex(/refreshcontainers$/));
    expect(firstIndex(/refreshcontainers$/)).toBeLessThan(firstIndex(/^PUT .*\/protecteditems\//));
    expect(firstIndex(/^PUT .*\/protecteditems\//)).toBeLessThan(firstIndex(/^POST .*\/protecteditems\/.*\/backup$/));
    expect(actionsUsed(emu).filter((a) => !declared.has(a.toLowerCase()))).toEqual([]);
    // Never an update of an existing resource group.
    expect(paths.filter((p) => /^PUT \/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/.test(p))).toHaveLength(1);
  });

  it('skips what already exists on a second run and changes nothing', async () => {
    const writesBefore = emu.state().operations.filter((o) => o.method === 'PUT').length;
    const results = await remediatorFor(emu).execute(actions.filter((a) => a.kind !== 'trigger-backup'));
    expect(summary(results)).toEqual([
      'skipped:already-exists',
      'skipped:already-exists',
      'skipped:already-protected',
      'skipped:already-protected',
    ]);
    expect(emu.state().operations.filter((o) => o.method === 'PUT').length).toBe(writesBefore);
  });

  it('skips a backup while the previous one still runs (UserErrorBackupOperationInProgress), without retrying it', async () => {
    const before = emu.state().operations.length;
    const results = await remediatorFor(emu).execute([triggerBackup(vm1, vault.target)]);
    expect(summary(results)).toEqual(['skipped:in-progress']);
    const posts = emu
      .state()
      .operations.slice(before)
      .filter((o) => o.method === 'POST' && /\/backup\?/.test(o.path));
    expect(posts).toHaveLength(1);
  });
});

describe('AzureRemediator: refusals and conflicts', () => {
  const net = networkedVms({
    sub: SUB_A,
    vmNames: ['vm-app-01', 'vm-app-02', 'vm-app-03'],
    withVault: { rg: 'rg-backup', name: 'rsv-existing' },
  });
  const otherVaultId = vaultIdOf(SUB_A, 'rg-backup', 'rsv-other');
  const westVm = networkedVms({
    sub: SUB_A,
    vmNames: ['vm-west-01'],
    location: 'westeurope',
    rg: 'RG-West',
    net: 'west',
  });
  const [vmA, vmB, vmC] = net.vmIds as [string, string, string];
  const vaultId = net.vaultId as string;
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await start([
      ...net.rows,
      ...westVm.rows,
      vaultRow({ sub: SUB_A, rg: 'rg-backup', name: 'rsv-other' }),
      protectedItemRow({ vaultId, vmId: vmA }),
      protectedItemRow({ vaultId: otherVaultId, vmId: vmB }),
    ]);
  });
  afterAll(() => emu?.stop());

  it('skips a VM protected in the vault, fails one protected elsewhere, and never touches either', async () => {
    const results = await remediatorFor(emu).execute([enableProtection(vmA, vaultId), enableProtection(vmB, vaultId)]);
    expect(summary(results)).toEqual(['skipped:already-protected', 'failed:ProtectedInAnotherVault']);
    expect(results[1]?.error?.message).toContain('rsv-other');
    expect(emu.state().operations.filter((o) => o.method === 'PUT')).toHaveLength(0);
  });

  it('triggers a backup of an item protected before this run (names from backupStatus), and refuses an unprotected VM', async () => {
    const results = await remediatorFor(emu).execute([triggerBackup(vmA, vaultId), triggerBackup(vmC, vaultId)]);
    expect(summary(results)).toEqual(['succeeded:triggered', 'failed:ItemNotProtected']);
  });

  it('fails with ProtectableItemNotFound when the vault cannot see the VM (another region)', async () => {
    const results = await remediatorFor(emu).execute([enableProtection(westVm.vmIds[0] as string, vaultId)]);
    expect(summary(results)).toEqual(['failed:ProtectableItemNotFound']);
  });

  it('fails a same-named rule with other content (RuleNameConflict) and leaves it as it is', async () => {
    const before = rulesOf(emu, net.nsgId).find((r) => r.name === 'Deny_All_Outbound');
    const results = await remediatorFor(emu).execute([
      addNsgRule(net.nsgId, storageRule({ name: 'Deny_All_Outbound', priority: 950 })),
    ]);
    expect(summary(results)).toEqual(['failed:RuleNameConflict']);
    expect(rulesOf(emu, net.nsgId).find((r) => r.name === 'Deny_All_Outbound')).toEqual(before);
  });

  it('skips a vault that exists in the same location and fails one that exists elsewhere, writing neither', async () => {
    const results = await remediatorFor(emu).execute([
      createVault(SUB_A, 'rsv-existing', { rg: 'rg-backup' }),
      createVault(SUB_A, 'rsv-existing', { rg: 'rg-backup', location: 'westeurope' }),
    ]);
    expect(summary(results)).toEqual(['skipped:already-exists', 'failed:VaultExistsInAnotherLocation']);
    expect(
      emu.state().operations.filter((o) => o.method === 'PUT' && /vaults\/rsv-existing/i.test(o.path)),
    ).toHaveLength(0);
  });

  it('creates two vaults of one subscription in one new resource group concurrently (the group is created once)', async () => {
    const eastus = createVault(SUB_B, 'rsv-race-eastus', { rg: 'rg-race', location: 'eastus' });
    const westeurope = createVault(SUB_B, 'rsv-race-westeurope', { rg: 'rg-race', location: 'westeurope' });
    const results = await remediatorFor(emu).execute([eastus, westeurope]);
    expect(summary(results).sort()).toEqual(['succeeded:created', 'succeeded:created-with-resource-group']);
    const groupPuts = emu
      .state()
      .operations.filter((o) => o.method === 'PUT' && /\/resourcegroups\/rg-race\?/i.test(o.path));
    expect(groupPuts).toHaveLength(1);
  });

  it('creates a vault in an existing resource group without writing the group', async () => {
    const results = await remediatorFor(emu).execute([createVault(SUB_A, 'rsv-in-rg-net', { rg: 'rg-net' })]);
    expect(summary(results)).toEqual(['succeeded:created']);
    expect(
      emu
        .state()
        .operations.filter(
          (o) => o.method === 'PUT' && /^\/subscriptions\/[^/]+\/resourcegroups\/rg-net\?/i.test(o.path),
        ),
    ).toHaveLength(0);
  });

  it('skips dependants of a failed action, and serialises rules on one NSG', async () => {
    const bad = createVault(SUB_A, 'rsv-existing', { rg: 'rg-backup', location: 'westeurope' });
    const results = await remediatorFor(emu).execute([
      bad,
      enableProtection(vmC, bad.target),
      triggerBackup(vmC, bad.target),
      addNsgRule(net.nsgId, storageRule({ name: 'AllowBackup443', destinationPortRanges: ['443'], priority: 910 })),
      addNsgRule(net.nsgId, storageRule({ name: 'AllowBackup8443', destinationPortRanges: ['8443'], priority: 911 })),
      addNsgRule(net.nsgId, storageRule({ name: 'AllowBackup80', destinationPortRanges: ['80'], priority: 912 })),
    ]);
    expect(summary(results)).toEqual([
      'failed:VaultExistsInAnotherLocation',
      'skipped:dependency-failed',
      'skipped:dependency-failed',
      'succeeded:created',
      'succeeded:created',
      'succeeded:created',
    ]);
    // Serialised: no RetryableErrorDueToAnotherOperation from the NSG.
    expect(emu.state().operations.filter((o) => o.code === 'RetryableErrorDueToAnotherOperation')).toHaveLength(0);
  });

  it('needs no permission beyond REMEDIATOR_OPERATIONS', () => {
    const used = actionsUsed(emu);
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((a) => !declared.has(a.toLowerCase()))).toEqual([]);
  });
});

describe('AzureRemediator under a fault mix (429=0.1,500=0.05,conflict=0.1,lro-fail=0.1)', () => {
  const app = networkedVms({ sub: SUB_A, vmNames: ['vm-app-01', 'vm-app-02', 'vm-app-03', 'vm-app-04'], net: 'app' });
  const data = networkedVms({
    sub: SUB_A,
    vmNames: ['vm-db-01', 'vm-db-02', 'vm-db-03', 'vm-db-04'],
    net: 'data',
    rg: 'RG-Data',
  });
  const vault = createVault(SUB_A, 'rsv-warden-eastus');
  const vms = [...app.vmIds, ...data.vmIds];
  const actions: Action[] = [
    vault,
    addNsgRule(app.nsgId),
    addNsgRule(
      app.nsgId,
      storageRule({ name: 'AllowAzureBackupStorage80', destinationPortRanges: ['80'], priority: 901 }),
    ),
    addNsgRule(data.nsgId),
    addNsgRule(
      data.nsgId,
      storageRule({ name: 'AllowAzureBackupStorage80', destinationPortRanges: ['80'], priority: 901 }),
    ),
    ...vms.flatMap((vm) => [enableProtection(vm, vault.target), triggerBackup(vm, vault.target)]),
  ];
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await start([...app.rows, ...data.rows], {
      faults: '429=0.1,500=0.05,conflict=0.1,lro-fail=0.1',
      seed: 20250101,
    });
  });
  afterAll(() => emu?.stop());

  it('reports each failure with its Azure code, then converges when the remaining actions run again', async () => {
    const remediator = remediatorFor(emu);
    const first = await remediator.execute(actions);
    expect(first).toHaveLength(actions.length);
    for (const r of first) {
      if (r.status === 'failed') {
        expect(r.error?.code).toMatch(/^[A-Za-z]+$/);
        expect(r.error?.code).not.toBe('UnexpectedError');
      }
    }
    expect(emu.state().counters.faultsInjected).toBeGreaterThan(0);

    // The second run keeps the transient faults on; failed long-running operations are what it repairs.
    emu.setFaults('429=0.1,500=0.05,conflict=0.1');
    const remaining = actions.filter((_, i) => {
      const r = first[i];
      return !r || r.status === 'failed' || (r.status === 'skipped' && !/^already-/.test(r.detail ?? ''));
    });
    const second = await remediator.execute(remaining);
    expect(summary(second).filter((s) => !/^(succeeded|skipped:already-)/.test(s))).toEqual([]);

    expect(actionsUsed(emu).filter((a) => !declared.has(a.toLowerCase()))).toEqual([]);
    const items = protectedItemsOf(emu, vault.target);
    expect(
      items.filter(
        (i) => (i.properties as { currentProtectionState?: string }).currentProtectionState === 'ProtectionConfigured',
      ),
    ).toHaveLength(vms.length);
    for (const nsg of [app.nsgId, data.nsgId]) {
      const names = rulesOf(emu, nsg).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['AllowAzureBackupStorageOutbound', 'AllowAzureBackupStorage80']));
    }
  }, 60_000);
});

describe('AzureRemediator with a token scoped to one subscription', () => {
  const a = networkedVms({ sub: SUB_A, vmNames: ['vm-a-01'], net: 'a' });
  const b = networkedVms({ sub: SUB_B, vmNames: ['vm-b-01'], net: 'b' });
  const vaultA = createVault(SUB_A, 'rsv-a');
  const vaultB = createVault(SUB_B, 'rsv-b');
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await start([...a.rows, ...b.rows]);
  });
  afterAll(() => emu?.stop());

  it('fails out-of-scope actions with AuthorizationFailed (403) while the others succeed', async () => {
    const token = emu.issueToken([`/subscriptions/${SUB_A}`]);
    const results = await remediatorFor(emu, token).execute([
      vaultA,
      vaultB,
      addNsgRule(a.nsgId),
      addNsgRule(b.nsgId),
      enableProtection(a.vmIds[0] as string, vaultA.target),
      enableProtection(b.vmIds[0] as string, vaultB.target),
    ]);
    expect(summary(results)).toEqual([
      'succeeded:created-with-resource-group',
      'failed:AuthorizationFailed',
      'succeeded:created',
      'failed:AuthorizationFailed',
      'succeeded:protected',
      'skipped:dependency-failed',
    ]);
    expect(results[1]?.error?.statusCode).toBe(403);
    expect(results[3]?.error).toMatchObject({
      statusCode: 403,
      message: expect.stringContaining('Microsoft.Network/networkSecurityGroups'),
    });
    expect(rulesOf(emu, b.nsgId).map((r) => r.name)).not.toContain('AllowAzureBackupStorageOutbound');
  });
});
