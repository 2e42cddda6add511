import type { Finding } from '../model';
import { backupEgressViaAppliance } from './backup-egress-via-appliance';
import { nsgBlocksBackupEgress } from './nsg-blocks-backup-egress';
import { orphanedProtectedItem } from './orphaned-protected-item';
import type { Violation } from './types';
import { vaultRedundancyMismatch } from './vault-redundancy-mismatch';
import { vaultRegionMismatch } from './vault-region-mismatch';
import { vaultClassicAlerts } from './vault-classic-alerts';
import { vaultCrrDisabled } from './vault-crr-disabled';
import { vaultSoftDeleteDisabled } from './vault-soft-delete-disabled';
import { vmAgentUnhealthy } from './vm-agent-unhealthy';
import { vmBackupFailing } from './vm-backup-failing';
import { vmBackupUnsupported } from './vm-backup-unsupported';
import { vmPolicyIncompatible } from './vm-policy-incompatible';
import { vmProtectionUnhealthy } from './vm-protection-unhealthy';
import { vmUnprotected } from './vm-unprotected';

/** The one registry of compliance rules, in report order. */
export const RULES = [
  vmUnprotected,
  vmProtectionUnhealthy,
  vaultRegionMismatch,
  nsgBlocksBackupEgress,
  backupEgressViaAppliance,
  vmAgentUnhealthy,
  vaultRedundancyMismatch,
  orphanedProtectedItem,
  vaultSoftDeleteDisabled,
  vmBackupFailing,
  vmBackupUnsupported,
  vmPolicyIncompatible,
  vaultCrrDisabled,
  vaultClassicAlerts,
] as const;

/** A rule of the registry. */
type RegisteredRule = (typeof RULES)[number];

/** The id of a registered rule. */
export type RuleId = RegisteredRule['id'];

/** The details type of a registered rule's violations. */
export type DetailsOf<Id extends RuleId> =
  Extract<RegisteredRule, { id: Id }> extends { evaluate(...args: never[]): Violation<infer D>[] } ? D : never;

/** A finding of one registered rule, with that rule's typed details. */
export type FindingOf<Id extends RuleId> = Finding & { ruleId: Id; details: DetailsOf<Id> };

/**
 * True when the finding is a verdict of the rule `id`. Findings are built only by core/evaluate.ts from the
 * rule's own violations, so the rule id fixes the details type; a rule that threw (`details.ruleError`) is
 * no verdict and never matches.
 */
export function isFindingOf<Id extends RuleId>(finding: Finding, id: Id): finding is FindingOf<Id> {
  return finding.ruleId === id && finding.details.ruleError !== true;
}

export type { Rule, RuleContext, Violation } from './types';
