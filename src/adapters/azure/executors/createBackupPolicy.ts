/**
 * Executes create-backup-policy: reads the policy first; an existing Enhanced (V2) policy of that name is
 * left as it is (skipped), an existing Standard one is a failure (it is never edited); otherwise PUTs the
 * Enhanced policy (ProtectionPolicies_CreateOrUpdate, docs/azure-facts.md §10).
 */
import type { CreateBackupPolicyAction } from '../../../core/actions';
import { parseResourceId } from '../../../core/ids';
import { statusCodeOf } from '../errors';
import { failed, skipped, succeeded, type Executor } from './types';

/** The body of an Enhanced (V2) daily Azure IaaS VM policy: `SimpleSchedulePolicyV2`, policyType V2. */
export function enhancedPolicyBody(action: CreateBackupPolicyAction) {
  const runTime = `2026-01-01T${action.params.dailyRunTime}:00Z`;
  return {
    properties: {
      backupManagementType: 'AzureIaasVM',
      policyType: 'V2',
      instantRpRetentionRangeInDays: action.params.instantRpRetentionDays,
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Daily',
        dailySchedule: { scheduleRunTimes: [runTime] },
      },
      retentionPolicy: {
        retentionPolicyType: 'LongTermRetentionPolicy',
        dailySchedule: {
          retentionTimes: [runTime],
          retentionDuration: { count: action.params.retentionDays, durationType: 'Days' },
        },
      },
      timeZone: 'UTC',
    },
  } as const;
}

/** The create-backup-policy executor. */
export const createBackupPolicyExecutor: Executor<CreateBackupPolicyAction> = {
  async execute(action, { azure }) {
    const vault = parseResourceId(action.params.vaultId);
    const vaultName = vault.names[0] ?? '';
    const policies = azure.clients.recoveryServicesBackup(vault.subscriptionId).protectionPolicies;
    const existing = await azure
      .retrying(() => policies.get(vaultName, vault.resourceGroup, action.params.name))
      .catch((e: unknown) => {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      });
    if (existing) {
      const type = (existing.properties as { policyType?: string } | undefined)?.policyType;
      if (type?.toUpperCase() === 'V2') return skipped('already-exists');
      return failed({
        code: 'PolicyTypeMismatch',
        message: `policy ${action.target} already exists as a ${type ?? 'Standard'} policy; it is left as it is (set enhancedPolicyName to an Enhanced policy's name)`,
      });
    }
    await azure.retrying(() =>
      policies.createOrUpdate(vaultName, vault.resourceGroup, action.params.name, enhancedPolicyBody(action)),
    );
    return succeeded('created');
  },
  exclusiveKey: (action) => action.target.toLowerCase(),
};
