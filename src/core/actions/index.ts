/**
 * The one registry of action kinds, next to the registry of rules. Each kind is one file; this file lists
 * them in plan order. The `Action` union, the queue message schema and every `switch` over kinds derive
 * from it, so a kind missing here, or an executor missing for a kind, fails to compile.
 */
import { z } from 'zod';
import { addNsgRule, addNsgRuleSchema } from './add-nsg-rule';
import { createBackupPolicy, createBackupPolicySchema } from './create-backup-policy';
import { createVault, createVaultSchema } from './create-vault';
import { enableProtection, enableProtectionSchema } from './enable-protection';
import { triggerBackup, triggerBackupSchema } from './trigger-backup';
import { idKey } from '../ids';
import type { ActionDefinition } from './types';

/** Any planned action, as queue messages carry it. */
export const ACTION_SCHEMA = z.discriminatedUnion('kind', [
  createVaultSchema,
  createBackupPolicySchema,
  addNsgRuleSchema,
  enableProtectionSchema,
  triggerBackupSchema,
]);

/** One planned change. */
export type Action = z.infer<typeof ACTION_SCHEMA>;

/** The kinds of action the planner can produce. */
export type ActionKind = Action['kind'];

/** The action of one kind. */
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;

/** Every action kind's definition, in plan order (a kind is planned after the kinds before it). */
export const ACTIONS: { readonly [K in ActionKind]: ActionDefinition<ActionOf<K>> } = {
  'create-vault': createVault,
  'create-backup-policy': createBackupPolicy,
  'add-nsg-rule': addNsgRule,
  'enable-protection': enableProtection,
  'trigger-backup': triggerBackup,
};

/** The action kinds in plan order. */
export const ACTION_KINDS: readonly ActionKind[] = Object.values(ACTIONS).map((d) => d.kind);

/** The definition of an action kind. */
export function definitionOf<K extends ActionKind>(kind: K): ActionDefinition<ActionOf<K>> {
  return ACTIONS[kind];
}

/** The nouns reports count a kind's actions in; a kind this build does not know is named as it is. */
export function nounOf(kind: string): readonly [string, string] {
  const known = (Object.keys(ACTIONS) as ActionKind[]).find((k) => k === kind);
  return known ? ACTIONS[known].noun : [kind, kind];
}

/** Indexes of the earlier actions that `actions[index]` waits for, by its kind's `dependsOn`. */
export function dependenciesOf(actions: readonly Action[], index: number): number[] {
  const action = actions[index];
  if (!action) return [];
  const definition = definitionOf(action.kind);
  const deps: number[] = [];
  for (let j = 0; j < index; j++) {
    const earlier = actions[j];
    if (earlier && definition.dependsOn(action, earlier)) deps.push(j);
  }
  return deps;
}

/**
 * The dependencies of every action of a plan at once, equal to `dependenciesOf` for each index. Kinds that
 * name what they wait for (`waitsFor`) are answered from an index of earlier actions by kind and target, so a
 * plan of n actions costs O(n) rather than O(n²); `dependsOn` still has the last word on every candidate.
 */
export function dependencyTable(actions: readonly Action[]): number[][] {
  const byTarget = new Map<string, number[]>();
  const table: number[][] = [];
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i] as Action;
    const definition = definitionOf(action.kind) as ActionDefinition<Action>;
    if (definition.waitsFor) {
      const wanted = definition.waitsFor(action);
      const candidates = wanted ? (byTarget.get(`${wanted.kind}|${idKey(wanted.target)}`) ?? []) : [];
      table.push(candidates.filter((j) => definition.dependsOn(action, actions[j] as Action)));
    } else table.push(dependenciesOf(actions, i));
    const key = `${action.kind}|${idKey(action.target)}`;
    const list = byTarget.get(key);
    if (list) list.push(i);
    else byTarget.set(key, [i]);
  }
  return table;
}

/** One line for people: what an action will do. */
export const describeAction = (action: Action): string => definitionOf(action.kind).describe(action);

export type { AddNsgRuleAction, SecurityRuleParams } from './add-nsg-rule';
export type { CreateBackupPolicyAction } from './create-backup-policy';
export type { CreateVaultAction } from './create-vault';
export type { EnableProtectionAction } from './enable-protection';
export type { TriggerBackupAction } from './trigger-backup';
export type { ActionDefinition, PlanContext, Placement, RequiredOperation, UnplannedReason } from './types';
