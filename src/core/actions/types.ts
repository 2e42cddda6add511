/**
 * The shape of an action kind: one file per kind under core/actions/ holds what it resolves, how it is
 * planned, what it depends on (and so which job it joins), the permissions it needs and its display.
 */
import { z } from 'zod';
import type { EngineConfig } from '../engine-config';
import type { Inventory } from '../inventory';
import type { FindingKey } from '../model';
import type { FindingOf, RuleId } from '../rules';
import type { Action } from './index';

/** Why an open finding got no action. */
export type UnplannedReason =
  | 'explicit-storage-deny'
  | 'no-free-priority'
  | 'invalid-vault-name'
  | 'vault-name-taken'
  | 'report-only'
  | 'backup-unsupported'
  /** The exemption tag is present but unreadable: the owner meant something, so the resource is never changed. */
  | 'exemption-unreadable'
  /** A security admin rule or a `None` route decides part of the block: an NSG allow rule can't fix it. */
  | 'not-fixable-by-nsg-rule';

/** One ARM authorization action an action kind (or the inventory) performs, and the SDK call that needs it. */
export interface RequiredOperation {
  operation: string;
  /** The SDK call (or service-side check) that needs it. */
  usedBy: string;
}

/** What an action kind's planner reads and writes. */
export interface PlanContext {
  inventory: Inventory;
  config: EngineConfig;
  now: Date;
  /** The open findings of a registered rule that are verdicts (not rule errors), sorted by resource id. */
  findings<Id extends RuleId>(ruleId: Id): FindingOf<Id>[];
  /** The actions of the kinds planned before this one (registry order). */
  planned: readonly Action[];
  /** Why open findings got no action; a planner adds the reasons of the findings it leaves. */
  unplanned: Map<FindingKey, UnplannedReason>;
  /** Adds a warning to the plan. */
  warn: (message: string) => void;
}

/** Where an action sits in the plan's execution order. */
export type Placement =
  /** With the other actions of its kind, after the kinds before it in the registry. */
  | 'with-its-kind'
  /** Right after the action it depends on (a first backup right after its protection). */
  | 'after-its-dependency';

/**
 * One action kind. Grouping into jobs follows `dependsOn`: an action runs in the job of the actions it
 * depends on, and an action that depends on nothing starts a job of its own.
 */
export interface ActionDefinition<A extends { kind: string; target: string; resolves: FindingKey[] }> {
  kind: A['kind'];
  /** The action as queue messages carry it; the action's TypeScript type is inferred from it. */
  schema: z.ZodType<A>;
  /** The rules whose findings this kind resolves. */
  resolves: readonly RuleId[];
  /** Plans the actions of this kind, in their execution order. */
  plan(ctx: PlanContext): A[];
  /** True when the action must wait for `earlier` (and so joins its job, and is cut with it by the cap). */
  dependsOn(action: A, earlier: Action): boolean;
  /**
   * The kind and target of the actions `dependsOn` can accept, so a whole plan's dependencies are found by
   * lookup instead of by testing every earlier action. Kinds without it are tested against every earlier action.
   */
  waitsFor?(action: A): { kind: Action['kind']; target: string } | undefined;
  placement: Placement;
  /** Every ARM authorization action the executor of this kind performs. */
  permissions: readonly RequiredOperation[];
  /** One line for people: what the action will do. */
  describe(action: A): string;
  /** What reports count the actions of this kind in: one, then several ("vault to create", "vaults to create"). */
  noun: readonly [one: string, several: string];
}

/** The fields every queued action carries besides its kind and params. */
export const actionFields = {
  target: z.string().min(1),
  resolves: z.array(z.string()),
};
