/** Reading the inventory with its coverage, and which subscriptions a sweep may resolve findings in. */
import { subscriptionFullyRead, type Coverage, type ScopeCoverage } from '../core/coverage';
import { Inventory } from '../core/inventory';
import type { InventorySource, Scope } from '../ports';

/** The rows of a scope and what of the scope they cover (undefined for a source that covers what it holds). */
export interface InventoryRead {
  rows: unknown[];
  scope: ScopeCoverage | undefined;
}

/** Reads the rows of a scope, then asks the source what it covered. */
export async function readInventory(source: InventorySource, scope: Scope): Promise<InventoryRead> {
  const rows = await source.fetchRows(scope);
  const covered = source.scopeCoverage ? await source.scopeCoverage(scope) : undefined;
  return { rows, scope: covered };
}

/**
 * Reads a scope straight into an inventory, page by page when the source can stream (a snapshot file is
 * then never held whole), showing each page to `onPage` too, then asks the source what it covered.
 */
export async function readInventoryIndexed(
  source: InventorySource,
  scope: Scope,
  onPage?: (rows: readonly unknown[]) => void,
): Promise<{ inventory: Inventory; scope: ScopeCoverage | undefined }> {
  const inventory = new Inventory();
  const add = (rows: readonly unknown[]): void => {
    inventory.addAll(rows);
    onPage?.(rows);
  };
  if (source.eachPage) await source.eachPage(scope, add);
  else add(await source.fetchRows(scope));
  const covered = source.scopeCoverage ? await source.scopeCoverage(scope) : undefined;
  return { inventory, scope: covered };
}

/**
 * The subscriptions (lower case) whose unseen findings the ledger may resolve: those of the list this
 * sweep read in full. A subscription that answered 403, was not found, or was cut short keeps its findings.
 */
export function resolvableSubscriptions(coverage: Coverage, subscriptions: readonly string[]): string[] {
  return subscriptions.map((s) => s.toLowerCase()).filter((s) => subscriptionFullyRead(coverage, s));
}
