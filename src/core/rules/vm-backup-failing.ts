import { findingKey, type ProtectedItem, type VirtualMachine } from '../model';
import { nsgBlocksBackupEgress } from './nsg-blocks-backup-egress';
import { fail, pass, vmRule, type RuleContext } from './types';
import { vmAgentUnhealthy } from './vm-agent-unhealthy';
import { UNHEALTHY_PROTECTION_STATES } from './vm-protection-unhealthy';

/** Backup error codes that a blocked path to Azure Storage or Microsoft Entra ID causes (docs/azure-facts.md §10). */
export const NETWORK_ERROR_CODES = [
  'ExtensionSnapshotFailedNoNetwork',
  'ExtensionSnapshotFailedNoSecureNetwork',
  'UserErrorSnapshotExtensionNetworkError',
];

/** Backup error codes that an absent, stopped or old guest agent causes (docs/azure-facts.md §10). */
export const AGENT_ERROR_CODES = [
  'UserErrorGuestAgentStatusUnavailable',
  'GuestAgentSnapshotTaskStatusError',
  'VMAgentStatusCommunicationError',
  'UserErrorVmProvisioningStateFailed',
  'ExtensionOperationFailedForManagedDisks',
];

/** Why the item's backup counts as failing. */
type FailingReason = 'last-backup-failed' | 'action-required' | 'stale';

/** The other finding on the same VM that explains the failure. */
type LikelyCause = {
  ruleId: 'nsg-blocks-backup-egress' | 'vm-agent-unhealthy';
  findingKey: string;
  /** True when that rule reports the VM now; false when only the error code points at it. */
  open: boolean;
};

/** One failing protected item of the VM. */
type FailingItem = {
  id: string;
  vaultId: string;
  reasons: FailingReason[];
  lastBackupStatus: string | null;
  lastBackupTime: string | null;
  lastRecoveryPoint: string | null;
  /** Hours the recovery point may be old: the policy's interval plus the grace setting, when the policy is known. */
  allowedAgeHours: number | null;
  errorCode: string | null;
  errorMessage: string | null;
};

const HOUR = 3_600_000;
const lc = (s: string | undefined): string => (s ?? '').toLowerCase();

/** The schedule interval of an item's policy, in hours, when the inventory has the policy. */
function intervalHours(item: ProtectedItem, ctx: RuleContext): number | undefined {
  const policy =
    ctx.inventory.policy(item.policyId) ??
    (item.policyName ? ctx.inventory.policyNamed(item.vaultId, item.policyName) : undefined);
  switch (lc(policy?.scheduleRunFrequency)) {
    case 'hourly':
      return policy?.hourlyInterval ?? 24;
    case 'daily':
      return 24;
    case 'weekly':
      return 24 * 7;
    default:
      return undefined;
  }
}

function judge(item: ProtectedItem, ctx: RuleContext): FailingItem | undefined {
  const reasons: FailingReason[] = [];
  if (lc(item.lastBackupStatus) === 'failed') reasons.push('last-backup-failed');
  if (lc(item.healthStatus) === 'actionrequired' || lc(item.protectionStatus) === 'unhealthy')
    reasons.push('action-required');
  const interval = intervalHours(item, ctx);
  const allowed = interval === undefined ? undefined : interval + ctx.config.backupGraceHours;
  const newest = Date.parse(item.lastRecoveryPoint ?? '');
  if (allowed !== undefined && Number.isFinite(newest) && ctx.now.getTime() - newest > allowed * HOUR)
    reasons.push('stale');
  if (reasons.length === 0) return undefined;
  const error = item.healthErrors[0];
  return {
    id: item.id,
    vaultId: item.vaultId,
    reasons,
    lastBackupStatus: item.lastBackupStatus ?? null,
    lastBackupTime: item.lastBackupTime ?? null,
    lastRecoveryPoint: item.lastRecoveryPoint ?? null,
    allowedAgeHours: allowed ?? null,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
  };
}

function likelyCauseOf(vm: VirtualMachine, codes: string[], ctx: RuleContext): LikelyCause | undefined {
  const has = (list: string[]): boolean => codes.some((c) => list.some((l) => l.toLowerCase() === c.toLowerCase()));
  const egressOpen = nsgBlocksBackupEgress.evaluate(vm, ctx).length > 0;
  const agentOpen = vmAgentUnhealthy.evaluate(vm, ctx).length > 0;
  if (has(NETWORK_ERROR_CODES) || (codes.length === 0 && egressOpen))
    return {
      ruleId: nsgBlocksBackupEgress.id,
      findingKey: findingKey(nsgBlocksBackupEgress.id, vm.id),
      open: egressOpen,
    };
  if (has(AGENT_ERROR_CODES) || (codes.length === 0 && agentOpen))
    return { ruleId: vmAgentUnhealthy.id, findingKey: findingKey(vmAgentUnhealthy.id, vm.id), open: agentOpen };
  return undefined;
}

/**
 * A protected VM is really backed up: its last backup did not fail, its item needs no action, and its newest
 * recovery point is no older than its policy's schedule plus `backupGraceHours`. Report only: the fix is
 * the linked finding's (`details.likelyCause`), or an operator's. Items whose protection is stopped or
 * soft-deleted are vm-protection-unhealthy's; staleness is not judged when the policy is not in the inventory.
 */
export const vmBackupFailing = vmRule({
  id: 'vm-backup-failing',
  severity: 'high',
  subject: 'virtualMachine',
  description: "The VM's backups succeed and its newest recovery point is as recent as its policy's schedule allows.",
  evaluate: (vm, ctx) => {
    const failing = ctx.inventory
      .protectionOf(vm.id)
      .filter((i) => !UNHEALTHY_PROTECTION_STATES.some((s) => s.toLowerCase() === lc(i.protectionState)))
      .map((i) => judge(i, ctx))
      .filter((f): f is FailingItem => f !== undefined);
    if (failing.length === 0) return pass();
    const codes = failing.map((f) => f.errorCode).filter((c): c is string => c !== null);
    const cause = likelyCauseOf(vm, codes, ctx);
    const first = failing[0] as FailingItem;
    const what = first.reasons.includes('last-backup-failed')
      ? 'its last backup failed'
      : first.reasons.includes('action-required')
        ? 'its backup item needs action'
        : `its newest recovery point (${first.lastRecoveryPoint ?? 'none'}) is older than ${first.allowedAgeHours ?? '?'} h`;
    const code = first.errorCode ? ` (${first.errorCode}${first.errorMessage ? `: ${first.errorMessage}` : ''})` : '';
    const because = cause ? `; likely cause: ${cause.ruleId}` : '';
    return fail(`VM '${vm.name}' is protected but ${what}${code}${because}`, {
      protectedItems: failing,
      errorCode: first.errorCode,
      errorMessage: first.errorMessage,
      ...(cause ? { likelyCause: cause } : {}),
    });
  },
});
