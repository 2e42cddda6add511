/**
 * The operator's view of a report: where each VM stands (compliant, non-compliant, exempt), the compliance
 * score (compliant VMs of the VMs in scope) overall, by subscription and by region, and the region ×
 * subscription matrix of vault coverage. Pure: the time comes in as `now`.
 */
import type { EngineConfig } from './engine-config';
import { exemptionOf } from './evaluate';
import { idKey } from './ids';
import type { Inventory } from './inventory';
import type { Finding } from './model';
import type { Report, ReportAction } from './report';

/** Where a VM stands: exempt VMs are outside the score's scope. */
export type VmVerdict = 'compliant' | 'non-compliant' | 'exempt';

/** One protection of a VM: the protected item, its vault and policy, and the last backup the row reports. */
export interface VmProtection {
  protectedItemId: string;
  vaultId: string;
  vaultName: string;
  vaultLocation?: string;
  policyName?: string;
  protectionState?: string;
  lastBackupStatus?: string;
  lastBackupTime?: string;
}

/** One VM as the operator sees it. */
export interface VmStanding {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  powerState?: string;
  osType?: string;
  verdict: VmVerdict;
  /** Set when the exemption tag carries an end date. */
  exemptUntil?: string;
  /** The findings whose resource is this VM (open and exempt). */
  findings: Finding[];
  protection: VmProtection[];
  /** The actions that resolve one of this VM's findings (indexes into `report.actions`). */
  actionIndexes: number[];
}

/** Compliant VMs of the VMs in scope; `percent` is null when nothing is in scope. */
export interface ScoreCell {
  compliant: number;
  inScope: number;
  exempt: number;
  percent: number | null;
}

/** The compliance score overall, by subscription id and by location. */
export interface Scorecard {
  overall: ScoreCell;
  bySubscription: Record<string, ScoreCell>;
  byRegion: Record<string, ScoreCell>;
}

/** One cell of the vault coverage matrix: the VMs of a subscription in a region and the vaults there. */
export interface CoverageCell {
  subscriptionId: string;
  location: string;
  vms: number;
  /** VMs with at least one protected item. */
  protectedVms: number;
  /** Vaults of that subscription in that region. */
  vaults: string[];
}

/** Backup facts of protected item rows that the inventory model does not keep, by protected item id. */
export type BackupStatusIndex = ReadonlyMap<string, { lastBackupStatus?: string; lastBackupTime?: string }>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads `lastBackupStatus` and `lastBackupTime` from protected item rows (RecoveryServicesResources), keyed by
 * the lower-case id. Rows of any other shape are skipped: the inventory already reported them.
 */
export function backupStatusOf(rows: readonly unknown[]): BackupStatusIndex {
  const index = new Map<string, { lastBackupStatus?: string; lastBackupTime?: string }>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as { id?: unknown; type?: unknown; properties?: unknown };
    const id = text(r.id);
    if (!id || !/\/protecteditems$/i.test(text(r.type) ?? '')) continue;
    const p = (typeof r.properties === 'object' && r.properties !== null ? r.properties : {}) as Record<
      string,
      unknown
    >;
    const lastBackupStatus = text(p.lastBackupStatus);
    const lastBackupTime = text(p.lastBackupTime);
    index.set(idKey(id), {
      ...(lastBackupStatus ? { lastBackupStatus } : {}),
      ...(lastBackupTime ? { lastBackupTime } : {}),
    });
  }
  return index;
}

/** The VMs of the inventory with their verdict, findings, protection and the actions planned for them. */
export function standingsOf(
  inventory: Inventory,
  report: Report,
  config: EngineConfig,
  now: Date,
  backupStatus: BackupStatusIndex = new Map(),
): VmStanding[] {
  const findingsByVm = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = idKey(f.resourceId);
    findingsByVm.set(key, [...(findingsByVm.get(key) ?? []), f]);
  }
  const actionsByFinding = new Map<string, number[]>();
  report.actions.forEach((a: ReportAction, i) => {
    for (const k of a.resolves) actionsByFinding.set(k, [...(actionsByFinding.get(k) ?? []), i]);
  });
  return inventory.virtualMachines
    .map((vm): VmStanding => {
      const findings = findingsByVm.get(idKey(vm.id)) ?? [];
      const exemption = exemptionOf(vm.tags, config, now, vm.id);
      const open = findings.some((f) => f.status === 'open');
      const verdict: VmVerdict = exemption.exempt ? 'exempt' : open ? 'non-compliant' : 'compliant';
      const actionIndexes = [
        ...new Set(findings.flatMap((f) => actionsByFinding.get(`${f.ruleId}|${idKey(f.resourceId)}`) ?? [])),
      ].sort((a, b) => a - b);
      const protection = inventory.protectionOf(vm.id).map((p): VmProtection => {
        const vault = inventory.vault(p.vaultId);
        const status = backupStatus.get(idKey(p.id)) ?? {};
        return {
          protectedItemId: p.id,
          vaultId: p.vaultId,
          vaultName: vault?.name ?? p.vaultId.split('/').pop() ?? p.vaultId,
          ...(vault ? { vaultLocation: vault.location } : {}),
          ...(p.policyName ? { policyName: p.policyName } : {}),
          ...(p.protectionState ? { protectionState: p.protectionState } : {}),
          ...status,
        };
      });
      return {
        id: vm.id,
        name: vm.name,
        subscriptionId: vm.subscriptionId,
        resourceGroup: vm.resourceGroup,
        location: vm.location,
        ...(vm.powerState ? { powerState: vm.powerState } : {}),
        ...(vm.osType ? { osType: vm.osType } : {}),
        verdict,
        ...(exemption.exempt && exemption.until ? { exemptUntil: exemption.until } : {}),
        findings,
        protection,
        actionIndexes,
      };
    })
    .sort(
      (a, b) =>
        a.subscriptionId.localeCompare(b.subscriptionId) ||
        a.location.localeCompare(b.location) ||
        a.resourceGroup.localeCompare(b.resourceGroup) ||
        a.name.localeCompare(b.name),
    );
}

function emptyCell(): ScoreCell {
  return { compliant: 0, inScope: 0, exempt: 0, percent: null };
}

function count(cell: ScoreCell, s: VmStanding): void {
  if (s.verdict === 'exempt') cell.exempt++;
  else {
    cell.inScope++;
    if (s.verdict === 'compliant') cell.compliant++;
  }
  cell.percent = cell.inScope === 0 ? null : Math.floor((1000 * cell.compliant) / cell.inScope) / 10;
}

/** The compliance score: compliant VMs of the VMs in scope (exempt VMs are counted apart), rounded down to 0.1 %. */
export function scorecardOf(standings: readonly VmStanding[]): Scorecard {
  const card: Scorecard = { overall: emptyCell(), bySubscription: {}, byRegion: {} };
  for (const s of standings) {
    count(card.overall, s);
    count((card.bySubscription[s.subscriptionId] ??= emptyCell()), s);
    count((card.byRegion[s.location] ??= emptyCell()), s);
  }
  return card;
}

/** The region × subscription matrix of vault coverage, for every pair that has a VM or a vault. */
export function coverageMatrixOf(inventory: Inventory): CoverageCell[] {
  const cells = new Map<string, CoverageCell>();
  const cell = (subscriptionId: string, location: string): CoverageCell => {
    const key = `${location}|${subscriptionId}`;
    let c = cells.get(key);
    if (!c) {
      c = { subscriptionId, location, vms: 0, protectedVms: 0, vaults: [] };
      cells.set(key, c);
    }
    return c;
  };
  for (const vm of inventory.virtualMachines) {
    const c = cell(vm.subscriptionId, vm.location);
    c.vms++;
    if (inventory.protectionOf(vm.id).length > 0) c.protectedVms++;
  }
  for (const v of inventory.vaults.values()) cell(v.subscriptionId, v.location).vaults.push(v.name);
  return [...cells.values()]
    .map((c) => ({ ...c, vaults: [...c.vaults].sort() }))
    .sort((a, b) => a.location.localeCompare(b.location) || a.subscriptionId.localeCompare(b.subscriptionId));
}

/** Formats a score cell as `83.3% (25 of 30 VMs)`, or `n/a (no VM in scope)`. */
export function formatScore(cell: ScoreCell): string {
  if (cell.percent === null) return 'n/a (no VM in scope)';
  return `${cell.percent.toFixed(1)}% (${cell.compliant} of ${cell.inScope} VMs)`;
}

/** The fields of a findings ledger entry that the score's history needs. */
export interface FindingHistory {
  resourceId: string;
  status: string;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
}

/**
 * The score's history from the findings ledger: at each time a sweep recorded (a `lastSeen`, `firstSeen` or
 * `resolvedAt`), compliant VMs of today's VMs in scope, counting a VM non-compliant while one of its
 * non-exempt findings was open. Oldest first; empty when the ledger has fewer than two points in time.
 */
export function trendOf(
  entries: readonly FindingHistory[],
  standings: readonly VmStanding[],
): { at: string; percent: number }[] {
  const inScope = standings.filter((s) => s.verdict !== 'exempt');
  if (inScope.length === 0) return [];
  const vmKeys = new Set(inScope.map((s) => idKey(s.id)));
  const relevant = entries.filter((e) => vmKeys.has(idKey(e.resourceId)) && e.status !== 'exempt');
  const times = [...new Set(entries.flatMap((e) => [e.firstSeen, e.lastSeen, ...(e.resolvedAt ? [e.resolvedAt] : [])]))]
    .filter((t) => !Number.isNaN(Date.parse(t)))
    .sort();
  if (times.length < 2) return [];
  return times.map((at) => {
    const t = Date.parse(at);
    const open = new Set(
      relevant
        .filter((e) => Date.parse(e.firstSeen) <= t && (!e.resolvedAt || Date.parse(e.resolvedAt) > t))
        .map((e) => idKey(e.resourceId)),
    );
    return { at, percent: Math.floor((1000 * (inScope.length - open.size)) / inScope.length) / 10 };
  });
}

/**
 * Display names of subscriptions from `ResourceContainers` rows (type microsoft.resources/subscriptions),
 * by lower-case id; a row whose name is only the id again is no display name.
 */
export function subscriptionNamesOf(rows: readonly unknown[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as { type?: unknown; name?: unknown; subscriptionId?: unknown };
    if ((text(r.type) ?? '').toLowerCase() !== 'microsoft.resources/subscriptions') continue;
    const id = text(r.subscriptionId)?.toLowerCase();
    const name = text(r.name);
    if (id && name && name.toLowerCase() !== id) names[id] = name;
  }
  return names;
}

/**
 * The score if every planned action succeeds: a non-compliant VM counts as compliant when each of its open
 * findings is resolved by a planned action. What the plan leaves is what a person has to decide.
 */
export function projectedScoreOf(standings: readonly VmStanding[], report: Report): ScoreCell {
  const resolved = new Set(report.actions.flatMap((a) => a.resolves));
  const projected = standings.map((s): VmStanding => {
    if (s.verdict !== 'non-compliant') return s;
    const left = s.findings.filter((f) => f.status === 'open' && !resolved.has(`${f.ruleId}|${idKey(f.resourceId)}`));
    return left.length === 0 ? { ...s, verdict: 'compliant' } : s;
  });
  return scorecardOf(projected).overall;
}
