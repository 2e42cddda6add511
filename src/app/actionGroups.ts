/**
 * Splits a plan into independent groups for the remediation queue: an action joins the group of the
 * actions it depends on (core/actions: `dependsOn`), and one that depends on nothing starts a group. So a
 * create-vault travels with every enable-protection (and trigger-backup) that uses the new vault, each
 * other enable-protection with its trigger-backup, each add-nsg-rule alone. Within a group, the plan's
 * order is kept.
 */
import { dependenciesOf, type Action } from '../core/actions';

/** Groups actions so that each group can be executed by one job, independently of the others. */
export function groupActions(actions: readonly Action[]): Action[][] {
  const groupOf: number[][] = [];
  const groups: number[][] = [];
  actions.forEach((_, i) => {
    const joined = [...new Set(dependenciesOf(actions, i).map((d) => groupOf[d]))].filter((g) => g !== undefined);
    const [first, ...others] = joined;
    const group = first ?? [];
    if (!first) groups.push(group);
    // An action that depends on two groups merges them: both must run in its job.
    for (const other of others) {
      group.push(...other);
      groups.splice(groups.indexOf(other), 1);
      for (const j of other) groupOf[j] = group;
    }
    group.push(i);
    group.sort((a, b) => a - b);
    groupOf[i] = group;
  });
  return groups.map((g) => g.map((i) => actions[i]).filter((a) => a !== undefined));
}
