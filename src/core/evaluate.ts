/**
 * Runs the rule registry over an inventory and applies exemptions. Pure: the time comes in as `now`.
 */
import { assertNever } from './assert';
import type { EngineConfig } from './engine-config';
import { idKey } from './ids';
import type { Inventory } from './inventory';
import type { Finding } from './model';
import { RULES, type Rule, type RuleContext, type Violation } from './rules';
import { tagValue } from './tags';

/** The findings and the warnings of one evaluation. */
export interface Evaluation {
  findings: Finding[];
  warnings: string[];
}

/** An exemption verdict for one resource's tags. */
export type Exemption = { exempt: true; until?: string } | { exempt: false; warning?: string; expired?: string };

/**
 * Reads the exemption tag: `true` or an empty value exempts for good; `YYYY-MM-DD` exempts until the end
 * of that day, UTC; any other value is a warning and no exemption.
 */
export function exemptionOf(
  tags: Record<string, string>,
  config: EngineConfig,
  now: Date,
  resourceId: string,
): Exemption {
  const value = tagValue(tags, config.exemptTag);
  if (value === undefined) return { exempt: false };
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'true') return { exempt: true };
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) {
    const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
    const check = new Date(end);
    if (
      check.getUTCFullYear() === Number(m[1]) &&
      check.getUTCMonth() === Number(m[2]) - 1 &&
      check.getUTCDate() === Number(m[3])
    ) {
      return now.getTime() <= end ? { exempt: true, until: v } : { exempt: false, expired: v };
    }
  }
  return {
    exempt: false,
    warning: `${resourceId}: tag '${config.exemptTag}' has value '${value}', which is neither 'true', empty, nor a YYYY-MM-DD date; the resource is not exempt`,
  };
}

function subjectsOf(
  rule: Rule,
  inventory: Inventory,
): { id: string; tags: Record<string, string>; run: (ctx: RuleContext) => Violation[] }[] {
  switch (rule.subject) {
    case 'virtualMachine':
      return inventory.virtualMachines.map((vm) => ({
        id: vm.id,
        tags: vm.tags,
        run: (ctx) => rule.evaluate(vm, ctx),
      }));
    case 'vault':
      return [...inventory.vaults.values()].map((v) => ({
        id: v.id,
        tags: v.tags,
        run: (ctx) => rule.evaluate(v, ctx),
      }));
    case 'protectedItem':
      return inventory.protectedItems.map((p) => ({ id: p.id, tags: {}, run: (ctx) => rule.evaluate(p, ctx) }));
    default:
      return assertNever(rule, 'rule subject');
  }
}

/** Evaluates every rule of the registry (or the given rules). A rule that throws becomes an error finding. */
export function evaluate(
  inventory: Inventory,
  config: EngineConfig,
  now: Date,
  rules: readonly Rule[] = RULES,
): Evaluation {
  const warnings: string[] = inventory.problems.map((p) => `row ${p.index}${p.id ? ` (${p.id})` : ''}: ${p.message}`);
  const warned = new Set<string>();
  const warn = (message: string): void => {
    if (!warned.has(message)) {
      warned.add(message);
      warnings.push(message);
    }
  };
  const ctx: RuleContext = { inventory, config, now, warn };
  const exemptions = new Map<string, Exemption>();
  const exemptionFor = (id: string, tags: Record<string, string>): Exemption => {
    const key = idKey(id);
    let e = exemptions.get(key);
    if (!e) {
      e = exemptionOf(tags, config, now, id);
      if (!e.exempt && e.warning) warn(e.warning);
      exemptions.set(key, e);
    }
    return e;
  };

  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const subject of subjectsOf(rule, inventory)) {
      let violations: Violation[];
      try {
        violations = subject.run(ctx);
      } catch (e) {
        violations = [{ message: `rule '${rule.id}' failed: ${(e as Error).message}`, details: { ruleError: true } }];
      }
      if (violations.length === 0) continue;
      const exemption = exemptionFor(subject.id, subject.tags);
      for (const v of violations) {
        const details: Record<string, unknown> = { ...v.details };
        if (exemption.exempt && exemption.until) details.exemptUntil = exemption.until;
        // A tag that is there but unreadable states an intent the tool cannot read: the finding stays open and
        // the planner leaves the resource alone (reason exemption-unreadable).
        if (!exemption.exempt && exemption.warning) details.exemptionUnreadable = true;
        findings.push({
          ruleId: rule.id,
          resourceId: v.resourceId ?? subject.id,
          severity: v.severity ?? rule.severity,
          status: exemption.exempt ? 'exempt' : 'open',
          message: v.message,
          details,
        });
      }
    }
  }
  // Sorted by id key, then registry order; each key and rule position is computed once, not per comparison.
  const ruleOrder = new Map<string, number>();
  rules.forEach((r, i) => {
    if (!ruleOrder.has(r.id)) ruleOrder.set(r.id, i);
  });
  const keyed = findings.map((f) => ({ f, key: idKey(f.resourceId), rule: ruleOrder.get(f.ruleId) ?? -1 }));
  const order = new Intl.Collator();
  keyed.sort((a, b) => order.compare(a.key, b.key) || a.rule - b.rule);
  return { findings: keyed.map((k) => k.f), warnings };
}
