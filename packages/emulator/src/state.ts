/**
 * The emulator's one state store. Rows are kept in Azure Resource Graph shape, one map per table
 * (`Resources`, `RecoveryServicesResources`, `ResourceContainers`), keyed by lower-case id because ARM
 * ids are case-insensitive. ARM GETs read the live rows; Resource Graph reads an indexed copy that
 * sees each write `indexingDelayMs` later, as Resource Graph is eventually consistent (docs/azure-facts.md §2).
 */
import { completeSeedRow, defaultSubscriptionName } from './rowShapes';
import { asRecord, asString, clone, isRecord, lastSegment, normId, parseArmId } from './util';

/** A Resource Graph row. */
export type Row = Record<string, unknown>;

/** The Resource Graph tables the emulator serves. */
export type TableName = 'Resources' | 'RecoveryServicesResources' | 'ResourceContainers';

/** All tables, in a stable order. */
export const TABLES: readonly TableName[] = ['Resources', 'RecoveryServicesResources', 'ResourceContainers'];

/** The Resource Graph type of an Azure Backup protected item. */
export const PROTECTED_ITEM_TYPE =
  'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems';
/** Lower-case Resource Graph type of a vault's backup policy (estate rows seed the vault's policies). */
export const POLICY_TYPE = 'microsoft.recoveryservices/vaults/backuppolicies';
/** Lower-case Resource Graph types of the resources the emulator serves over ARM. */
export const TYPES = {
  vm: 'microsoft.compute/virtualmachines',
  nic: 'microsoft.network/networkinterfaces',
  vnet: 'microsoft.network/virtualnetworks',
  nsg: 'microsoft.network/networksecuritygroups',
  vault: 'microsoft.recoveryservices/vaults',
  resourceGroup: 'microsoft.resources/subscriptions/resourcegroups',
} as const;

/** The tenant written on rows the emulator creates when the subscription has no tenant on record. */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';

/** The table a row of this (lower-case) type lives in. */
export function tableFor(type: string): TableName {
  if (type === TYPES.resourceGroup || type === 'microsoft.resources/subscriptions') return 'ResourceContainers';
  if (type.startsWith('microsoft.recoveryservices/vaults/')) return 'RecoveryServicesResources';
  return 'Resources';
}

/**
 * Fills the columns Resource Graph always derives from the id (name, resourceGroup, subscriptionId)
 * and lower-cases `type` and `resourceGroup`. Everything else is kept as given: quirky rows are data.
 */
export function normaliseRow(raw: unknown, index: number): Row {
  if (!isRecord(raw)) throw new Error(`estate row ${index} is not an object`);
  const id = asString(raw['id']);
  if (!id) throw new Error(`estate row ${index} has no string 'id'`);
  const row: Row = clone(raw);
  const parts = parseArmId(id);
  let type = asString(raw['type']);
  if (!type) {
    const provider = parts.provider;
    type = provider ? [provider, ...parts.types.map(([t]) => t)].join('/') : '';
  }
  row['type'] = type.toLowerCase();
  if (typeof row['name'] !== 'string') row['name'] = lastSegment(id);
  const rg = asString(raw['resourceGroup']) ?? parts.resourceGroup;
  if (rg !== undefined) row['resourceGroup'] = rg.toLowerCase();
  if (typeof row['subscriptionId'] !== 'string' && parts.subscriptionId !== undefined) {
    row['subscriptionId'] = parts.subscriptionId;
  }
  return row;
}

/** A VM a vault's refreshContainers found (the protectable-items snapshot). */
export interface DiscoveredVm {
  vmId: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location: string;
}

/** Backup-side state of one vault that Resource Graph does not show. */
export interface VaultBackupState {
  policies: Map<string, Row>;
  discovered: Map<string, DiscoveredVm>;
  jobs: Map<string, Row>;
}

interface PendingWrite {
  at: number;
  table: TableName;
  key: string;
  row: Row | undefined;
}

/** The state store: live rows for ARM, indexed rows for Resource Graph, backup state per vault. */
export class Store {
  private readonly live = new Map<TableName, Map<string, Row>>();
  private readonly indexed = new Map<TableName, Map<string, Row>>();
  private pending: PendingWrite[] = [];
  private readonly backup = new Map<string, VaultBackupState>();
  private readonly tenants = new Map<string, string>();
  /** VMs with a configure-protection operation running: lower-case VM id -> vault and item. */
  readonly protecting = new Map<string, { vaultId: string; itemId: string; policyName: string }>();

  constructor(
    estate: readonly unknown[],
    private readonly indexingDelayMs: number,
    private readonly clock: () => number,
    private readonly policyFactory: (vaultId: string, name: string) => Row,
  ) {
    for (const t of TABLES) {
      this.live.set(t, new Map());
      this.indexed.set(t, new Map());
    }
    const rows = estate.map((raw, i) => normaliseRow(raw, i));
    for (const row of rows) completeSeedRow(row);
    for (const row of rows) {
      const sub = asString(row['subscriptionId']);
      const tenant = asString(row['tenantId']);
      if (sub && tenant && !this.tenants.has(sub.toLowerCase())) this.tenants.set(sub.toLowerCase(), tenant);
    }
    for (const row of rows) this.write(tableFor(String(row['type'])), row, true);
    for (const row of rows) {
      const id = String(row['id']);
      const parts = parseArmId(id);
      if (parts.subscriptionId && parts.resourceGroup && row['type'] !== TYPES.resourceGroup) {
        const location = asString(row['location']) ?? 'eastus';
        if (!this.getResourceGroup(parts.subscriptionId, parts.resourceGroup)) {
          this.putResourceGroup(parts.subscriptionId, parts.resourceGroup, location, undefined, true);
        }
      }
    }
  }

  private table(name: TableName, which: 'live' | 'indexed'): Map<string, Row> {
    const m = (which === 'live' ? this.live : this.indexed).get(name);
    if (!m) throw new Error(`unknown table ${name}`);
    return m;
  }

  private write(table: TableName, row: Row, immediate: boolean): void {
    const key = normId(String(row['id']));
    const copy = clone(row);
    this.table(table, 'live').set(key, copy);
    this.index(table, key, clone(copy), immediate);
  }

  private index(table: TableName, key: string, row: Row | undefined, immediate: boolean): void {
    if (immediate || this.indexingDelayMs <= 0) {
      this.flush();
      if (row) this.table(table, 'indexed').set(key, row);
      else this.table(table, 'indexed').delete(key);
      return;
    }
    this.pending.push({ at: this.clock() + this.indexingDelayMs, table, key, row });
  }

  /** Applies the pending writes whose indexing time has come. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const now = this.clock();
    const due = this.pending.filter((p) => p.at <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.at > now);
    for (const p of due) {
      if (p.row) this.table(p.table, 'indexed').set(p.key, p.row);
      else this.table(p.table, 'indexed').delete(p.key);
    }
  }

  /** A copy of the live row with this id. */
  get(table: TableName, id: string): Row | undefined {
    const row = this.table(table, 'live').get(normId(id));
    return row ? clone(row) : undefined;
  }

  /** Live rows of a table. Read-only: clone before changing, then `put`. */
  all(table: TableName): readonly Readonly<Row>[] {
    return [...this.table(table, 'live').values()];
  }

  /** Creates or replaces a row; Resource Graph sees it after the indexing delay. */
  put(row: Row): void {
    this.write(tableFor(String(row['type'])), row, false);
  }

  /** Removes a row; Resource Graph stops seeing it after the indexing delay. */
  remove(table: TableName, id: string): void {
    const key = normId(id);
    this.table(table, 'live').delete(key);
    this.index(table, key, undefined, false);
  }

  /** The tables as Resource Graph sees them now. */
  graphTables(): Record<TableName, readonly Row[]> {
    this.flush();
    const out: Partial<Record<TableName, readonly Row[]>> = {};
    for (const t of TABLES) out[t] = [...this.table(t, 'indexed').values()];
    return out as Record<TableName, readonly Row[]>;
  }

  /** The tenant id recorded for a subscription. */
  tenantOf(subscriptionId: string): string {
    return this.tenants.get(subscriptionId.toLowerCase()) ?? DEFAULT_TENANT_ID;
  }

  /** The resource group row, if the group exists. */
  getResourceGroup(subscriptionId: string, name: string): Row | undefined {
    return this.get('ResourceContainers', `/subscriptions/${subscriptionId}/resourceGroups/${name}`);
  }

  /**
   * Makes sure ResourceContainers holds the subscription's row (`type` microsoft.resources/subscriptions,
   * as Resource Graph lists every subscription the caller can see), created with its first resource group.
   */
  ensureSubscription(subscriptionId: string, immediate = false): void {
    const id = `/subscriptions/${subscriptionId}`;
    if (this.get('ResourceContainers', id)) return;
    this.write(
      'ResourceContainers',
      {
        id,
        name: defaultSubscriptionName(subscriptionId),
        type: 'microsoft.resources/subscriptions',
        tenantId: this.tenantOf(subscriptionId),
        kind: '',
        location: '',
        resourceGroup: '',
        subscriptionId,
        managedBy: '',
        sku: null,
        plan: null,
        properties: {
          state: 'Enabled',
          subscriptionPolicies: {
            locationPlacementId: 'Public_2014-09-01',
            quotaId: 'EnterpriseAgreement_2014-09-01',
            spendingLimit: 'Off',
          },
          managementGroupAncestorsChain: [],
        },
        tags: {},
        identity: null,
        zones: null,
        extendedLocation: null,
      },
      immediate,
    );
  }

  /** Creates or updates a resource group row in ResourceContainers (and the subscription's row). */
  putResourceGroup(subscriptionId: string, name: string, location: string, tags: unknown, immediate = false): Row {
    this.ensureSubscription(subscriptionId, immediate);
    const existing = this.getResourceGroup(subscriptionId, name);
    const row: Row = existing ?? {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
      name,
      type: TYPES.resourceGroup,
      tenantId: this.tenantOf(subscriptionId),
      kind: '',
      location,
      resourceGroup: name.toLowerCase(),
      subscriptionId,
      managedBy: '',
      sku: null,
      plan: null,
      properties: { provisioningState: 'Succeeded' },
      tags: {},
      identity: null,
      zones: null,
      extendedLocation: null,
    };
    if (isRecord(tags)) row['tags'] = clone(tags);
    this.write('ResourceContainers', row, immediate);
    return clone(row);
  }

  /**
   * Backup state of a vault, created on first use with the policies the estate gives it (rows of type
   * `vaults/backuppolicies`), DefaultPolicy when the estate has none of that name, and the policies its
   * items name.
   */
  vaultBackup(vaultId: string): VaultBackupState {
    const key = normId(vaultId);
    let state = this.backup.get(key);
    if (state) return state;
    state = { policies: new Map(), discovered: new Map(), jobs: new Map() };
    for (const row of this.all('RecoveryServicesResources')) {
      if (row['type'] !== POLICY_TYPE || !normId(String(row['id'])).startsWith(key + '/')) continue;
      const name = String(row['name']);
      state.policies.set(name.toLowerCase(), {
        id: `${vaultId}/backupPolicies/${name}`,
        name,
        type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
        properties: clone(asRecord(row['properties']) ?? {}),
      });
    }
    if (!state.policies.has('defaultpolicy'))
      state.policies.set('defaultpolicy', this.policyFactory(vaultId, 'DefaultPolicy'));
    for (const item of this.all('RecoveryServicesResources')) {
      const id = String(item['id']);
      if (item['type'] === POLICY_TYPE || !normId(id).startsWith(key + '/')) continue;
      const props = asRecord(item['properties']) ?? {};
      const name = asString(props['policyName']) ?? lastSegment(asString(props['policyId']) ?? '');
      if (name && !state.policies.has(name.toLowerCase())) {
        state.policies.set(name.toLowerCase(), this.policyFactory(vaultId, name));
      }
    }
    this.backup.set(key, state);
    return state;
  }

  /** Forgets a vault's backup state (used when a vault is created anew). */
  dropVaultBackup(vaultId: string): void {
    this.backup.delete(normId(vaultId));
  }

  /** Deep copy of the live tables. */
  snapshot(): Record<TableName, Row[]> {
    const out: Partial<Record<TableName, Row[]>> = {};
    for (const t of TABLES) out[t] = [...this.table(t, 'live').values()].map((r) => clone(r));
    return out as Record<TableName, Row[]>;
  }
}
