/** The engine in one call: rows → inventory → findings → plan → report. */
import type { EngineConfig } from './engine-config';
import { evaluate } from './evaluate';
import { Inventory } from './inventory';
import { plan } from './planner';
import { buildReport, type Report } from './report';

/** Evaluates and plans over raw Resource Graph rows. */
export function assess(
  rows: readonly unknown[],
  config: EngineConfig,
  now: Date,
): { report: Report; inventory: Inventory } {
  const inventory = Inventory.fromRows(rows);
  return assessInventory(inventory, config, now);
}

/** Evaluates and plans over a built inventory. */
export function assessInventory(
  inventory: Inventory,
  config: EngineConfig,
  now: Date,
): { report: Report; inventory: Inventory } {
  const { findings, warnings } = evaluate(inventory, config, now);
  const p = plan(findings, inventory, config, now);
  return { report: buildReport(inventory.resourceCount, findings, p, warnings), inventory };
}
