/**
 * The planner: open findings + inventory + settings → a deterministic, coalesced, capped list of actions
 * that can be executed top to bottom. Pure; executing is a separate step. Each action kind plans its own
 * actions (core/actions/); this file runs them in registry order, orders the result and applies the cap.
 *
 * Order: create-vault, then add-nsg-rule (so the first backup can reach Storage), then enable-protection,
 * each followed by its trigger-backup.
 */
import { ACTION_KINDS, definitionOf, dependencyTable, type Action, type UnplannedReason } from './actions';
import type { PlanContext } from './actions/types';
import type { EngineConfig } from './engine-config';
import { idKey } from './ids';
import type { Inventory } from './inventory';
import type { Finding, FindingKey } from './model';
import { findingKey } from './model';
import { isFindingOf, RULES, type FindingOf, type RuleId } from './rules';

export type { UnplannedReason } from './actions';
export { policyIdFor, VAULT_NAME_PATTERN, vaultNameFor } from './actions/vault-choice';

/** The plan: actions in execution order, what was cut by the cap, and why findings got no action. */
export interface Plan {
  actions: Action[];
  truncated: boolean;
  /** Actions planned before the cap cut the list. */
  plannedBeforeCap: number;
  /** Reasons per finding key, for open findings that no action resolves. */
  unplanned: Map<FindingKey, UnplannedReason>;
  warnings: string[];
}

/** The order of id keys: `localeCompare`'s, through one reusable collator. */
const ID_ORDER = new Intl.Collator();

/** Rules that have no remediation kind: their findings are reported, never acted on. */
const REPORT_ONLY_RULES = new Set<string>(RULES.filter((r) => !r.remediation).map((r) => r.id));

/** Builds the plan. `findings` are the evaluation's findings (exempt ones are never acted on). */
export function plan(findings: readonly Finding[], inventory: Inventory, config: EngineConfig, now: Date): Plan {
  const unplanned = new Map<FindingKey, UnplannedReason>();
  // A resource whose exemption tag is present but unreadable is never changed: its findings stay open with the reason.
  const open = findings.filter((f) => {
    if (f.status !== 'open') return false;
    if (f.details['exemptionUnreadable'] !== true) return true;
    unplanned.set(findingKey(f.ruleId, f.resourceId), 'exemption-unreadable');
    return false;
  });
  const warnings: string[] = [];
  const planned: Action[] = [];
  // Each rule's open findings are selected and sorted once, with each id's key computed once.
  const byRule = new Map<RuleId, Finding[]>();
  const ctx: PlanContext = {
    inventory,
    config,
    now,
    findings: <Id extends RuleId>(ruleId: Id): FindingOf<Id>[] => {
      let list = byRule.get(ruleId);
      if (!list) {
        const keyed = open
          .filter((f): f is FindingOf<Id> => isFindingOf(f, ruleId))
          .map((f) => ({ f, key: idKey(f.resourceId) }));
        keyed.sort((a, b) => ID_ORDER.compare(a.key, b.key));
        list = keyed.map((k) => k.f);
        byRule.set(ruleId, list);
      }
      return [...list] as FindingOf<Id>[];
    },
    planned,
    unplanned,
    warn: (message) => warnings.push(message),
  };
  for (const kind of ACTION_KINDS) for (const a of definitionOf(kind).plan(ctx)) planned.push(a);

  for (const f of open) {
    const key = findingKey(f.ruleId, f.resourceId);
    if (REPORT_ONLY_RULES.has(f.ruleId) && !unplanned.has(key)) unplanned.set(key, 'report-only');
  }

  const ordered = inExecutionOrder(planned);
  const truncated = ordered.length > config.maxActions;
  return {
    actions: truncated ? capActions(ordered, config.maxActions) : ordered,
    truncated,
    plannedBeforeCap: ordered.length,
    unplanned,
    warnings,
  };
}

/** The actions in registry order, each `after-its-dependency` action moved right behind its dependency. */
function inExecutionOrder(planned: readonly Action[]): Action[] {
  const followers = new Map<number, Action[]>();
  const ordered: Action[] = [];
  const leading: number[] = [];
  const deps = dependencyTable(planned);
  planned.forEach((a, i) => {
    const first = deps[i]?.[0];
    if (definitionOf(a.kind).placement === 'after-its-dependency' && first !== undefined) {
      const list = followers.get(first);
      if (list) list.push(a);
      else followers.set(first, [a]);
    } else leading.push(i);
  });
  const place = (i: number): void => {
    const a = planned[i];
    if (!a) return;
    ordered.push(a);
    for (const f of followers.get(i) ?? []) ordered.push(f);
  };
  for (const i of leading) place(i);
  return ordered;
}

/**
 * Cuts the plan to `max` actions without leaving a dependent behind its cut dependency: an
 * enable-protection whose create-vault was cut, or a trigger-backup whose enable-protection was cut.
 */
export function capActions(actions: readonly Action[], max: number): Action[] {
  const kept: Action[] = [];
  const keptIndexes = new Set<number>();
  const deps = dependencyTable(actions);
  for (const [i, a] of actions.entries()) {
    if (kept.length >= max) break;
    if (!(deps[i] ?? []).every((d) => keptIndexes.has(d))) continue;
    kept.push(a);
    keptIndexes.add(i);
  }
  return kept;
}
