/**
 * The operator's sweep: the same report as `sweep`, with where every VM stands, the score and the vault
 * coverage; with `apply`, the plan is executed and a verifying sweep reads Azure again, so the result is
 * the after-state, not the plan.
 */
import { assessInventory } from '../core/engine';
import { withResults, type Report } from '../core/report';
import type { Inventory } from '../core/inventory';
import {
  backupStatusOf,
  coverageMatrixOf,
  scorecardOf,
  standingsOf,
  subscriptionNamesOf,
  type CoverageCell,
  type Scorecard,
  type VmStanding,
} from '../core/score';
import { findingKey, type Action } from '../core/model';
import type { Ledger, LedgerContext, ProgressListener, Scope } from '../ports';
import { readInventoryIndexed, resolvableSubscriptions } from './read';
import type { SweepDeps } from './sweep';

/** One assessed state of the estate. */
export interface Assessment {
  report: Report;
  inventory: Inventory;
  standings: VmStanding[];
  scorecard: Scorecard;
  coverage: CoverageCell[];
  /** When the rows were read. */
  at: Date;
  /** Display names of the subscriptions the rows name (ResourceContainers rows), by lower-case id. */
  subscriptionNames: Record<string, string>;
}

/** The review: the assessment (with results when applied) and, after an apply, the verifying sweep. */
export interface Review {
  before: Assessment;
  after?: Assessment;
}

/** Options of one review. */
export interface ReviewOptions {
  scope?: Scope;
  apply?: boolean;
  onProgress?: ProgressListener;
  /** Called with the plan just before it is executed. */
  onApply?: (actions: readonly Action[]) => void;
  /** Called before the verifying sweep starts. */
  onVerify?: () => void;
  /** Records findings and action results to the findings ledger, as the Function App's sweep does. */
  ledger?: { ledger: Ledger; sweepId: string };
}

/** Records one assessment to the ledger: its findings, and resolves what it no longer sees in its subscriptions. */
async function record(ledger: Ledger, a: Assessment, scope: Scope, ctx: LedgerContext): Promise<void> {
  await ledger.recordFindings(a.report.findings, ctx);
  const seen = new Set(a.report.findings.map((f) => findingKey(f.ruleId, f.resourceId)));
  const subscriptions =
    scope.subscriptions.length > 0 ? scope.subscriptions.map((s) => s.toLowerCase()) : [...a.inventory.subscriptions];
  await ledger.resolveMissing(seen, resolvableSubscriptions(a.report.summary.coverage, subscriptions), ctx);
}

async function assessOnce(deps: SweepDeps, scope: Scope): Promise<Assessment> {
  // Page by page: the rows feed the inventory, the backup status index and the subscription names, and are let go.
  const statuses = new Map<string, { lastBackupStatus?: string; lastBackupTime?: string }>();
  const names: Record<string, string> = {};
  const read = await readInventoryIndexed(deps.inventory, scope, (rows) => {
    for (const [key, status] of backupStatusOf(rows)) statuses.set(key, status);
    Object.assign(names, subscriptionNamesOf(rows));
  });
  const inventory = read.inventory;
  const at = deps.clock.now();
  const { report } = assessInventory(inventory, deps.config, at, read.scope);
  const standings = standingsOf(inventory, report, deps.config, at, statuses);
  return {
    report,
    inventory,
    standings,
    scorecard: scorecardOf(standings),
    coverage: coverageMatrixOf(inventory),
    at,
    subscriptionNames: names,
  };
}

/** Sweeps (and with `apply`, executes the plan and sweeps again to verify). */
export async function review(deps: SweepDeps, options: ReviewOptions = {}): Promise<Review> {
  const scope = options.scope ?? { subscriptions: [], managementGroups: [] };
  const ledger = options.ledger;
  const ctx = (at: Date): LedgerContext => ({ sweepId: ledger?.sweepId ?? '', trigger: 'cli', now: at });
  const before = await assessOnce(deps, scope);
  if (ledger) await record(ledger.ledger, before, scope, ctx(before.at));
  if (!options.apply || before.report.actions.length === 0) return { before };
  if (!deps.remediator) throw new Error('sweep --apply needs a remediator');
  options.onApply?.(before.report.actions);
  const results = await deps.remediator.execute(before.report.actions, options.onProgress);
  if (ledger)
    for (const [i, action] of before.report.actions.entries()) {
      const result = results[i];
      if (result) await ledger.ledger.recordActionResult(action, result, ctx(deps.clock.now()));
    }
  const applied = { ...before, report: withResults(before.report, results) };
  options.onVerify?.();
  const after = await assessOnce(deps, scope);
  if (ledger) await record(ledger.ledger, after, scope, ctx(after.at));
  return { before: applied, after };
}

/** The assessment whose state the exit code reflects: the verifying sweep's when there is one. */
export function finalState(r: Review): Assessment {
  return r.after ?? r.before;
}
