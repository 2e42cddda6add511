import type { EngineConfig } from '../engine-config';
import type { Inventory } from '../inventory';
import type { ActionKind, ProtectedItem, Severity, Vault, VirtualMachine } from '../model';

/** What a rule needs besides its subject: the inventory, the settings and the time. */
export interface RuleContext {
  inventory: Inventory;
  config: EngineConfig;
  now: Date;
  /** Records a warning for the report (e.g. a reference the snapshot could not follow). */
  warn: (message: string) => void;
}

/** A rule's verdict on one subject: nothing (pass), or a violation with its message and typed details. */
export interface Violation<Details extends object = object> {
  /** Defaults to the subject's id. */
  resourceId?: string;
  /** Defaults to the rule's severity; a rule raises it when the evidence is stronger (a firewall seen blocking). */
  severity?: Severity;
  message: string;
  details: Details;
}

interface RuleBase<Id extends string> {
  /** Unique kebab-case id. */
  id: Id;
  severity: Severity;
  /** One line: what compliance means for this rule. */
  description: string;
  /** The action kind that fixes it; absent for report-only rules. */
  remediation?: ActionKind;
}

/** A rule over virtual machines. */
export interface VmRule<Id extends string = string, Details extends object = object> extends RuleBase<Id> {
  subject: 'virtualMachine';
  evaluate(vm: VirtualMachine, ctx: RuleContext): Violation<Details>[];
}

/** A rule over vaults. */
export interface VaultRule<Id extends string = string, Details extends object = object> extends RuleBase<Id> {
  subject: 'vault';
  evaluate(vault: Vault, ctx: RuleContext): Violation<Details>[];
}

/** A rule over protected items. */
export interface ProtectedItemRule<Id extends string = string, Details extends object = object> extends RuleBase<Id> {
  subject: 'protectedItem';
  evaluate(item: ProtectedItem, ctx: RuleContext): Violation<Details>[];
}

/** A compliance rule: data plus one pure function. */
export type Rule<Id extends string = string, Details extends object = object> =
  VmRule<Id, Details> | VaultRule<Id, Details> | ProtectedItemRule<Id, Details>;

/** Declares a VM rule, keeping its literal id and its details type for the registry. */
export const vmRule = <const Id extends string, Details extends object>(
  rule: VmRule<Id, Details>,
): VmRule<Id, Details> => rule;

/** Declares a vault rule, keeping its literal id and its details type for the registry. */
export const vaultRule = <const Id extends string, Details extends object>(
  rule: VaultRule<Id, Details>,
): VaultRule<Id, Details> => rule;

/** Declares a protected-item rule, keeping its literal id and its details type for the registry. */
export const protectedItemRule = <const Id extends string, Details extends object>(
  rule: ProtectedItemRule<Id, Details>,
): ProtectedItemRule<Id, Details> => rule;

/** No violation. */
export const pass = (): Violation<never>[] => [];

/** One violation with its details. */
export const fail = <Details extends object>(
  message: string,
  details: Details,
  resourceId?: string,
): Violation<Details>[] => [resourceId ? { message, details, resourceId } : { message, details }];
