/**
 * The sweep use case: read the inventory, evaluate, plan, and (when asked) execute the plan. `plan` is a
 * sweep over a snapshot without execution; `--apply` is the same plan, executed.
 */
import type { EngineConfig } from '../core/engine-config';
import { assessInventory } from '../core/engine';
import { withResults, type Report } from '../core/report';
import type { Clock, InventorySource, ProgressListener, Remediator, Scope } from '../ports';
import { readInventoryIndexed } from './read';

/** What a sweep needs. */
export interface SweepDeps {
  inventory: InventorySource;
  clock: Clock;
  config: EngineConfig;
  /** Required when `apply` is set. */
  remediator?: Remediator;
}

/** Options of one sweep. */
export interface SweepOptions {
  scope?: Scope;
  apply?: boolean;
  onProgress?: ProgressListener;
}

/** Runs one sweep and returns its report (with action results when applied). */
export async function sweep(deps: SweepDeps, options: SweepOptions = {}): Promise<Report> {
  const scope = options.scope ?? { subscriptions: [], managementGroups: [] };
  const read = await readInventoryIndexed(deps.inventory, scope);
  const { report } = assessInventory(read.inventory, deps.config, deps.clock.now(), read.scope);
  if (!options.apply || report.actions.length === 0) return report;
  if (!deps.remediator) throw new Error('sweep --apply needs a remediator');
  const results = await deps.remediator.execute(report.actions, options.onProgress);
  return withResults(report, results);
}
