/**
 * Executes add-nsg-rule: writes the one security rule; a same-named rule with other content is left as it
 * is. Writes to one NSG run one at a time (concurrent writes get `RetryableErrorDueToAnotherOperation`,
 * docs/azure-facts.md §3).
 */
import type { SecurityRule } from '@azure/arm-network';
import type { AddNsgRuleAction, SecurityRuleParams } from '../../../core/actions';
import { idKey, parseResourceId } from '../../../core/ids';
import { isInProgressError, statusCodeOf, toAzureErrorInfo } from '../errors';
import { confirmEffectiveBlock } from '../effectiveRules';
import { failed, skipped, succeeded, type Executor } from './types';

/** The set of the singular and plural forms of a rule field, for order- and case-insensitive comparison. */
function fieldSet(single: string | undefined, plural: readonly string[] | undefined, caseInsensitive: boolean): string {
  const values = [...(single ? [single] : []), ...(plural ?? [])].map((v) =>
    caseInsensitive ? v.trim().toLowerCase() : v.trim(),
  );
  return [...new Set(values)].sort().join(',');
}

/** True when an existing security rule has exactly the content the action would write. */
export function sameRuleContent(existing: SecurityRule, wanted: SecurityRuleParams): boolean {
  const ci = (s: string | undefined): string => (s ?? '').trim().toLowerCase();
  const asgs = (list: readonly { id?: string }[] | undefined): string =>
    (list ?? [])
      .map((a) => idKey(a.id ?? ''))
      .sort()
      .join(',');
  return (
    existing.priority === wanted.priority &&
    ci(existing.direction) === ci(wanted.direction) &&
    ci(existing.access) === ci(wanted.access) &&
    ci(existing.protocol) === ci(wanted.protocol) &&
    fieldSet(existing.sourcePortRange, existing.sourcePortRanges, false) ===
      fieldSet(wanted.sourcePortRange, [], false) &&
    fieldSet(existing.destinationPortRange, existing.destinationPortRanges, false) ===
      fieldSet(undefined, wanted.destinationPortRanges, false) &&
    fieldSet(existing.sourceAddressPrefix, existing.sourceAddressPrefixes, true) ===
      fieldSet(wanted.sourceAddressPrefix, [], true) &&
    fieldSet(existing.destinationAddressPrefix, existing.destinationAddressPrefixes, true) ===
      fieldSet(wanted.destinationAddressPrefix, [], true) &&
    asgs(existing.sourceApplicationSecurityGroups) === '' &&
    asgs(existing.destinationApplicationSecurityGroups) === ''
  );
}

/** The add-nsg-rule executor. */
export const addNsgRuleExecutor: Executor<AddNsgRuleAction> = {
  exclusiveKey: (action) => idKey(action.target),
  async execute(action, { azure }) {
    const nsg = parseResourceId(action.target);
    const nsgName = nsg.names[0] ?? '';
    const wanted = action.params;
    const network = azure.clients.network(nsg.subscriptionId);

    const current = await azure.retrying(() => network.networkSecurityGroups.get(nsg.resourceGroup, nsgName));
    const sameName = (current.securityRules ?? []).find(
      (r) => (r.name ?? '').toLowerCase() === wanted.name.toLowerCase(),
    );
    // A same-content rule whose provisioning failed (e.g. an earlier run's failed LRO) is written again:
    // that re-applies the same content, it changes nothing anyone else wrote.
    const reapply =
      !!sameName && sameRuleContent(sameName, wanted) && (sameName.provisioningState ?? '').toLowerCase() === 'failed';
    if (sameName && !reapply) {
      if (sameRuleContent(sameName, wanted)) return skipped('already-exists');
      return failed({
        code: 'RuleNameConflict',
        message: `NSG ${action.target} already has a rule named '${sameName.name ?? wanted.name}' with different content (priority ${sameName.priority ?? '?'}, ${sameName.direction ?? '?'} ${sameName.access ?? '?'}); it is left as it is`,
      });
    }

    // Ground truth: Azure's effective rules on a NIC behind this NSG must block backup egress as planned. Writing
    // our own failed rule again needs no such check: its content is already there, it just never took effect.
    if (!reapply) {
      const check = await confirmEffectiveBlock(azure, action, current);
      if (!check.agrees) return { status: 'skipped', detail: check.detail, evidence: check.evidence };
    }

    // A new rule is created only if no rule has the name (If-None-Match: *); a failed one of ours is written
    // again only if it is still the one read above (If-Match: its etag). Either way a rule someone wrote in
    // between is never overwritten: the 412 is answered by reading the rule again.
    const condition: Record<string, string> =
      reapply && sameName?.etag ? { 'If-Match': sameName.etag } : reapply ? {} : { 'If-None-Match': '*' };
    const readRule = () => network.securityRules.get(nsg.resourceGroup, nsgName, wanted.name);
    let how: 'done' | 'verified';
    try {
      how = await azure.retrying(() =>
        azure.lro(
          `writing rule ${wanted.name} of ${action.target}`,
          (abortSignal) =>
            network.securityRules.createOrUpdate(
              nsg.resourceGroup,
              nsgName,
              wanted.name,
              {
                description: wanted.description,
                protocol: wanted.protocol,
                sourcePortRange: wanted.sourcePortRange,
                destinationPortRanges: [...wanted.destinationPortRanges],
                sourceAddressPrefix: wanted.sourceAddressPrefix,
                destinationAddressPrefix: wanted.destinationAddressPrefix,
                access: wanted.access,
                priority: wanted.priority,
                direction: wanted.direction,
              },
              { updateIntervalInMs: azure.pollIntervalMs, abortSignal, requestOptions: { headers: condition } },
            ),
          async () => {
            const r = await readRule();
            return sameRuleContent(r, wanted) && (r.provisioningState ?? '') === 'Succeeded';
          },
        ),
      );
    } catch (error) {
      if (isInProgressError(error)) return failed(toAzureErrorInfo(error), 'in-progress');
      if (statusCodeOf(error) !== 412) throw error;
      const now = await azure.retrying(readRule);
      if (sameRuleContent(now, wanted)) return skipped('already-exists');
      return failed({
        code: 'RuleNameConflict',
        message: `NSG ${action.target} got a rule named '${wanted.name}' with different content while this run wrote it; it is left as it is`,
      });
    }
    const verb = reapply ? 'reapplied' : 'created';
    return succeeded(how === 'verified' ? `${verb} (verified by reading it back)` : verb);
  },
};
