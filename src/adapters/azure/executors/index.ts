/** The executors by action kind: one file per kind, and a kind without an executor fails to compile here. */
import type { ActionKind, ActionOf } from '../../../core/actions';
import { addNsgRuleExecutor } from './addNsgRule';
import { createBackupPolicyExecutor } from './createBackupPolicy';
import { createVaultExecutor } from './createVault';
import { enableProtectionExecutor } from './enableProtection';
import { triggerBackupExecutor } from './triggerBackup';
import type { Executor } from './types';

/** Every action kind's executor. */
export const EXECUTORS: { readonly [K in ActionKind]: Executor<ActionOf<K>> } = {
  'create-vault': createVaultExecutor,
  'create-backup-policy': createBackupPolicyExecutor,
  'add-nsg-rule': addNsgRuleExecutor,
  'enable-protection': enableProtectionExecutor,
  'trigger-backup': triggerBackupExecutor,
};

/** The executor of an action kind. */
export function executorOf<K extends ActionKind>(kind: K): Executor<ActionOf<K>> {
  return EXECUTORS[kind];
}
