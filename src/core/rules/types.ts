import type { EngineConfig } from '../engine-config';
import type { Inventory } from '../inventory';
import type { ActionKind, ProtectedItem, Severity, Vault, VirtualMachine } from '../model';

/** What a rule needs besides its subject: the inventory, the settings and the time. */
export interface RuleContext {
  inventory: Inventory;
  config: EngineConfig;
  now: Date;
  /** Records a warning for the report (e.g. a reference the snapshot could not follow). */
  warn(message: string): void;
}

/** A rule's verdict on one subject: nothing (pass), or a violation with its message and details. */
export interface Violation {
  /** Defaults to the subject's id. */
  resourceId?: string;
  message: string;
  details: Record<string, unknown>;
}

interface RuleBase {
  /** Unique kebab-case id. */
  id: string;
  severity: Severity;
  /** One line: what compliance means for this rule. */
  description: string;
  /** The action kind that fixes it; absent for report-only rules. */
  remediation?: ActionKind;
}

/** A rule over virtual machines. */
export interface VmRule extends RuleBase {
  subject: 'virtualMachine';
  evaluate(vm: VirtualMachine, ctx: RuleContext): Violation[];
}

/** A rule over vaults. */
export interface VaultRule extends RuleBase {
  subject: 'vault';
  evaluate(vault: Vault, ctx: RuleContext): Violation[];
}

/** A rule over protected items. */
export interface ProtectedItemRule extends RuleBase {
  subject: 'protectedItem';
  evaluate(item: ProtectedItem, ctx: RuleContext): Violation[];
}

/** A compliance rule: data plus one pure function. */
export type Rule = VmRule | VaultRule | ProtectedItemRule;

/** No violation. */
export const pass = (): Violation[] => [];

/** One violation. */
export const fail = (message: string, details: Record<string, unknown> = {}, resourceId?: string): Violation[] => [
  resourceId ? { message, details, resourceId } : { message, details },
];
