/**
 * Splits a plan into independent groups for the remediation queue: a create-vault with every
 * enable-protection (and trigger-backup) that uses the new vault; each other enable-protection with its
 * trigger-backup; each add-nsg-rule alone. Within a group, the plan's order is kept.
 */
import { idKey } from '../core/ids';
import type { Action } from '../core/model';

/** Groups actions so that each group can be executed by one job, independently of the others. */
export function groupActions(actions: readonly Action[]): Action[][] {
  const groups: Action[][] = [];
  const byVault = new Map<string, Action[]>();
  const byVm = new Map<string, Action[]>();
  for (const a of actions) {
    switch (a.kind) {
      case 'create-vault': {
        const g = [a];
        groups.push(g);
        byVault.set(idKey(a.target), g);
        break;
      }
      case 'enable-protection': {
        const g = byVault.get(idKey(a.params.vaultId));
        if (g) g.push(a);
        else groups.push([a]);
        byVm.set(idKey(a.target), g ?? (groups[groups.length - 1] as Action[]));
        break;
      }
      case 'trigger-backup': {
        const g = byVm.get(idKey(a.target));
        if (g) g.push(a);
        else groups.push([a]);
        break;
      }
      case 'add-nsg-rule':
        groups.push([a]);
        break;
    }
  }
  return groups;
}
