/**
 * Coverage: what a sweep, plan or shard actually read, so that "compliant" is only ever said about an estate
 * that was read in full. A scope asked for but not read (403, not found, not a GUID, a truncated Resource
 * Graph result), a rejected row or a kind of data that is missing makes the coverage incomplete, and an
 * incomplete coverage is never compliant (exit code 4, `summary.coverage` in the JSON).
 */
import { idKey } from './ids';
import type { Inventory } from './inventory';

/** A scope the sweep asked for but could not read in full, and why. */
export interface UncoveredScope {
  /** A subscription id, `managementGroup:<name>`, `tenant`, or `query:<name>` for a truncated query. */
  scope: string;
  /** Why, in words: `not a GUID`, `not found (404)`, `no access (403)`, `result truncated`, ... */
  reason: string;
}

/** What part of the requested scope an inventory source read. */
export interface ScopeCoverage {
  /** The scopes asked for: subscription ids, `managementGroup:<name>`, or `tenant`. */
  requested: string[];
  /** The subscriptions (lower case) that were read. */
  seen: string[];
  uncovered: UncoveredScope[];
}

/** The coverage block of a report (`summary.coverage`). */
export interface Coverage {
  /** True only when every requested scope was read, no row was rejected and no kind of data is missing. */
  complete: boolean;
  requested: string[];
  seen: string[];
  /** Each uncovered scope as `scope: reason`. */
  uncovered: string[];
  /** Rows that failed validation (each is also a warning naming it). */
  rejectedRows: number;
  /** Kinds of data that are missing, e.g. `protected items`, `vaults`, `network security groups (2 referenced)`. */
  missing: string[];
  /**
   * What was read but evaluated less exactly, e.g. NSG prefixes read by tag name because the Service Tag
   * Discovery API could not be read. Present only when non-empty; it does not make the coverage incomplete.
   */
  degraded?: string[];
}

/** The degraded evaluations of an inventory: regions whose Storage ranges are unknown (docs/azure-facts.md §11). */
export function degradedEvaluations(inventory: Inventory): string[] {
  if (inventory.virtualMachines.length === 0) return [];
  const catalogue = inventory.network.serviceTags;
  const regions = new Set(inventory.virtualMachines.map((vm) => vm.location.replace(/\s+/g, '').toLowerCase()));
  const unknown = [...regions].filter((r) => r !== '' && !catalogue?.regional('Storage', r)).sort();
  if (unknown.length === 0) return [];
  const why = inventory.network.serviceTagProblems[0] ?? 'the Service Tag Discovery API was not read';
  return [`service tags: NSG prefixes evaluated by tag name only in ${unknown.join(', ')} (${why})`];
}

/** A subscription id as Azure issues them: a GUID. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The kinds of data that are missing from an inventory, judged by what its rows reference. */
export function missingKinds(inventory: Inventory): string[] {
  const out: string[] = [];
  if (inventory.virtualMachines.length > 0) {
    if (inventory.vaults.size === 0) out.push('vaults');
    if (inventory.protectedItems.length === 0) out.push('protected items');
  }
  const absent = new Set<string>();
  const check = (id: string | undefined) => {
    if (id && !inventory.networkSecurityGroups.has(idKey(id))) absent.add(idKey(id));
  };
  for (const nic of inventory.networkInterfaces.values()) check(nic.networkSecurityGroupId);
  for (const subnet of inventory.subnets.values()) check(subnet.networkSecurityGroupId);
  if (absent.size > 0) out.push(`network security groups (${absent.size} referenced but not read)`);
  return out;
}

/**
 * The coverage of one assessment: the source's scope coverage (a snapshot has none: it covers what it holds)
 * with the rows the inventory rejected and the kinds of data missing.
 */
export function coverageOf(inventory: Inventory, scope: ScopeCoverage | undefined): Coverage {
  const seen =
    scope?.seen ?? [...inventory.subscriptions].filter((s) => s !== '').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const uncovered = (scope?.uncovered ?? []).map((u) => `${u.scope}: ${u.reason}`);
  const missing = missingKinds(inventory);
  const rejectedRows = inventory.problems.length;
  const degraded = degradedEvaluations(inventory);
  return {
    complete: uncovered.length === 0 && rejectedRows === 0 && missing.length === 0,
    requested: scope?.requested ?? ['snapshot'],
    seen,
    uncovered,
    rejectedRows,
    missing,
    ...(degraded.length > 0 ? { degraded } : {}),
  };
}

/** The warnings an incomplete coverage adds to the report, one per uncovered scope and missing kind. */
export function coverageWarnings(c: Coverage): string[] {
  const out = c.uncovered.map((u) => `coverage: scope ${u} — its findings are unknown, not compliant`);
  if (c.rejectedRows > 0) out.push(`coverage: ${c.rejectedRows} row(s) rejected — what they hold was not checked`);
  for (const m of c.missing) {
    out.push(
      m === 'protected items' || m === 'vaults'
        ? `coverage: backup data missing — no ${m} in the input although it has virtual machines`
        : `coverage: ${m} missing — the rules that need them could not check`,
    );
  }
  return out;
}

/**
 * True when the ledger may resolve the unseen findings of a subscription: this sweep read it in full (a
 * complete coverage, or the subscription seen, not uncovered, no row rejected and nothing uncovered that spans
 * subscriptions).
 */
export function subscriptionFullyRead(c: Coverage, subscriptionId: string): boolean {
  if (c.complete) return true;
  // A rejected row may be the very resource whose finding would be resolved; a missing kind of data is
  // absent from a read that succeeded, so it keeps the coverage incomplete but does not block resolving.
  if (c.rejectedRows > 0) return false;
  const sub = subscriptionId.toLowerCase();
  const scopes = c.uncovered.map((u) => (u.split(': ')[0] ?? '').trim().toLowerCase());
  const spanning = (x: string) => x === 'tenant' || x.startsWith('query:') || x.startsWith('managementgroup:');
  if (scopes.some(spanning)) return false;
  return c.seen.includes(sub) && !scopes.includes(sub);
}
