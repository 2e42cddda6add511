import { subscriptionOf } from '../ids';
import { fail, pass, protectedItemRule } from './types';

/** A protected item's source VM still exists. Only judged when the snapshot covers the VM's subscription. */
export const orphanedProtectedItem = protectedItemRule({
  id: 'orphaned-protected-item',
  severity: 'low',
  subject: 'protectedItem',
  description: "The protected item's source VM exists.",
  evaluate: (item, { inventory }) => {
    const sub = subscriptionOf(item.sourceResourceId);
    if (!sub || !inventory.subscriptions.has(sub) || inventory.vm(item.sourceResourceId)) return pass();
    return fail(`protected item's source VM '${item.sourceResourceId}' is not in the inventory`, {
      sourceResourceId: item.sourceResourceId,
      vaultId: item.vaultId,
      protectionState: item.protectionState,
    });
  },
});
