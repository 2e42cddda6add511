import { nsgBlocksBackupEgress } from './nsg-blocks-backup-egress';
import { orphanedProtectedItem } from './orphaned-protected-item';
import type { Rule } from './types';
import { vaultRedundancyMismatch } from './vault-redundancy-mismatch';
import { vaultRegionMismatch } from './vault-region-mismatch';
import { vmAgentUnhealthy } from './vm-agent-unhealthy';
import { vmProtectionUnhealthy } from './vm-protection-unhealthy';
import { vmUnprotected } from './vm-unprotected';

/** The one registry of compliance rules, in report order. */
export const RULES: readonly Rule[] = [
  vmUnprotected,
  vmProtectionUnhealthy,
  vaultRegionMismatch,
  nsgBlocksBackupEgress,
  vmAgentUnhealthy,
  vaultRedundancyMismatch,
  orphanedProtectedItem,
];

export type { Rule, RuleContext, Violation } from './types';
