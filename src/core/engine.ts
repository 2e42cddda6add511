/** The engine in one call: rows → inventory → findings → plan → report. */
import { coverageOf, type ScopeCoverage } from './coverage';
import type { EngineConfig } from './engine-config';
import { evaluate } from './evaluate';
import { Inventory } from './inventory';
import { plan } from './planner';
import { buildReport, type Report } from './report';

/** Evaluates and plans over raw Resource Graph rows; `scope` is what the source read of the requested scope. */
export function assess(
  rows: readonly unknown[],
  config: EngineConfig,
  now: Date,
  scope?: ScopeCoverage,
): { report: Report; inventory: Inventory } {
  const inventory = Inventory.fromRows(rows);
  return assessInventory(inventory, config, now, scope);
}

/** Evaluates and plans over a built inventory, with its coverage. */
export function assessInventory(
  inventory: Inventory,
  config: EngineConfig,
  now: Date,
  scope?: ScopeCoverage,
): { report: Report; inventory: Inventory } {
  const { findings, warnings } = evaluate(inventory, config, now);
  const p = plan(findings, inventory, config, now);
  const coverage = coverageOf(inventory, scope);
  return { report: buildReport(inventory.resourceCount, findings, p, warnings, coverage), inventory };
}
