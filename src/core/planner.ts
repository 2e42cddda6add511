/**
 * The planner: open findings + inventory + settings → a deterministic, coalesced, capped list of actions
 * that can be executed top to bottom. Pure; executing is a separate step.
 *
 * Order: create-vault, then add-nsg-rule (so the first backup can reach Storage), then enable-protection,
 * each followed by its trigger-backup.
 */
import type { EngineConfig } from './engine-config';
import { idKey, resourceId } from './ids';
import type { Inventory } from './inventory';
import type {
  Action,
  AddNsgRuleAction,
  CreateVaultAction,
  EnableProtectionAction,
  Finding,
  FindingKey,
  TriggerBackupAction,
  Vault,
  VirtualMachine,
} from './model';
import { findingKey } from './model';
import { highestFreeOutboundPriority } from './nsg';
import { serviceTagRegion, storageServiceTag } from './regions';
import { RULES } from './rules';
import type { BlockingRule } from './rules/nsg-blocks-backup-egress';
import { tagValue } from './tags';

/** Why an open finding got no action. */
export type UnplannedReason =
  'explicit-storage-deny' | 'no-free-priority' | 'invalid-vault-name' | 'vault-name-taken' | 'report-only';

/** The plan: actions in execution order, what was cut by the cap, and why findings got no action. */
export interface Plan {
  actions: Action[];
  truncated: boolean;
  /** Actions planned before the cap cut the list. */
  plannedBeforeCap: number;
  /** Reasons per finding key, for open findings that no action resolves. */
  unplanned: Map<FindingKey, UnplannedReason>;
  warnings: string[];
}

/** The vault naming rule: 2–50 characters, starts with a letter, letters, digits and hyphens (docs/azure-facts.md §1). */
export const VAULT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{1,49}$/;

/** Rules that have no remediation kind: their findings are reported, never acted on. */
const REPORT_ONLY_RULES = new Set(RULES.filter((r) => !r.remediation).map((r) => r.id));

/** Renders the vault name template for a subscription and location. */
export function vaultNameFor(template: string, location: string, subscriptionId: string): string {
  return template.replaceAll('{location}', location).replaceAll('{subscriptionId}', subscriptionId);
}

/** The id of a VM's protected item's policy in a vault. */
export function policyIdFor(vaultId: string, policyName: string): string {
  return `${vaultId}/backupPolicies/${policyName}`;
}

/** Adds days to a time and returns it as an ISO string (the recovery point expiry of a first backup). */
function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}

interface VaultChoice {
  vaultId: string;
  create?: CreateVaultAction;
}

/** Builds the plan. `findings` are the evaluation's findings (exempt ones are never acted on). */
export function plan(findings: readonly Finding[], inventory: Inventory, config: EngineConfig, now: Date): Plan {
  const open = findings.filter((f) => f.status === 'open');
  const unplanned = new Map<FindingKey, UnplannedReason>();
  const warnings: string[] = [];
  const byRule = (ruleId: string): Finding[] =>
    open.filter((f) => f.ruleId === ruleId).sort((a, b) => idKey(a.resourceId).localeCompare(idKey(b.resourceId)));

  // --- vaults and protection ---
  const creates = new Map<string, CreateVaultAction>();
  const protections: EnableProtectionAction[] = [];
  const triggers = new Map<string, TriggerBackupAction>();
  const designationFindings = new Map<string, Finding>();
  for (const f of byRule('vault-region-mismatch')) {
    if (f.details.case === 'designated-vault-in-other-region') designationFindings.set(idKey(f.resourceId), f);
    else unplanned.set(findingKey(f.ruleId, f.resourceId), 'report-only');
  }

  const chooseVault = (vm: VirtualMachine): VaultChoice | UnplannedReason => {
    const inRegion = inventory.vaultsIn(vm.subscriptionId, vm.location);
    const designated = tagValue(vm.tags, config.vaultTag);
    if (designated) {
      const d = inRegion.find((v) => v.name.toLowerCase() === designated.toLowerCase());
      if (d) return { vaultId: d.id };
    }
    const inGroup = inRegion.find((v) => v.resourceGroup.toLowerCase() === config.vaultResourceGroup.toLowerCase());
    if (inGroup) return { vaultId: inGroup.id };
    const any: Vault | undefined = inRegion[0];
    if (any) return { vaultId: any.id };
    const name = vaultNameFor(config.vaultNameTemplate, vm.location, vm.subscriptionId);
    const target = resourceId(
      vm.subscriptionId,
      config.vaultResourceGroup,
      'Microsoft.RecoveryServices',
      'vaults',
      name,
    );
    const existing = creates.get(idKey(target));
    if (existing) return { vaultId: existing.target, create: existing };
    if (!VAULT_NAME_PATTERN.test(name)) {
      warnings.push(
        `vault name '${name}' (from template '${config.vaultNameTemplate}') breaks the naming rule: 2-50 characters, a letter first, then letters, digits and hyphens`,
      );
      return 'invalid-vault-name';
    }
    const taken = inventory.vaultsNamed(vm.subscriptionId, name);
    if (taken.length > 0) {
      warnings.push(
        `vault name '${name}' is already used in subscription ${vm.subscriptionId} by ${taken.map((v) => `${v.id} (${v.location})`).join(', ')}; change vaultNameTemplate`,
      );
      return 'vault-name-taken';
    }
    const create: CreateVaultAction = {
      kind: 'create-vault',
      target,
      params: {
        location: vm.location,
        storageRedundancy: config.storageRedundancy,
        resourceGroup: config.vaultResourceGroup,
        name,
      },
      resolves: [],
    };
    creates.set(idKey(target), create);
    return { vaultId: target, create };
  };

  for (const f of byRule('vm-unprotected')) {
    const vm = inventory.vm(f.resourceId);
    if (!vm) continue;
    const key = findingKey(f.ruleId, f.resourceId);
    const designation = designationFindings.get(idKey(vm.id));
    const designationKey = designation ? findingKey(designation.ruleId, designation.resourceId) : undefined;
    const choice = chooseVault(vm);
    if (typeof choice === 'string') {
      unplanned.set(key, choice);
      if (designationKey) unplanned.set(designationKey, choice);
      continue;
    }
    const resolves = designationKey ? [key, designationKey] : [key];
    if (choice.create) choice.create.resolves.push(...resolves);
    protections.push({
      kind: 'enable-protection',
      target: vm.id,
      params: { vaultId: choice.vaultId, policyId: policyIdFor(choice.vaultId, config.policyName) },
      resolves,
    });
    if (config.initialBackup) {
      triggers.set(idKey(vm.id), {
        kind: 'trigger-backup',
        target: vm.id,
        params: {
          vaultId: choice.vaultId,
          recoveryPointExpiryTimeInUTC: addDays(now, config.initialBackupRetentionDays),
        },
        resolves: [],
      });
    }
  }
  for (const f of designationFindings.values()) {
    const key = findingKey(f.ruleId, f.resourceId);
    if (!protections.some((p) => p.resolves.includes(key)) && !unplanned.has(key)) unplanned.set(key, 'report-only');
  }

  // --- NSG rules: one per NSG and region, however many VMs sit behind it ---
  interface NsgNeed {
    nsgId: string;
    location: string;
    ports: Set<number>;
    denyPriorities: number[];
    explicit: boolean;
    findings: Set<FindingKey>;
  }
  const needs = new Map<string, NsgNeed>();
  for (const f of byRule('nsg-blocks-backup-egress')) {
    const vm = inventory.vm(f.resourceId);
    const blocking = (f.details.blocking ?? []) as BlockingRule[];
    if (!vm) continue;
    for (const b of blocking) {
      const k = `${idKey(b.nsgId)}|${vm.location}`;
      let need = needs.get(k);
      if (!need) {
        need = {
          nsgId: b.nsgId,
          location: vm.location,
          ports: new Set(),
          denyPriorities: [],
          explicit: false,
          findings: new Set(),
        };
        needs.set(k, need);
      }
      need.ports.add(b.port);
      need.denyPriorities.push(b.priority);
      if (b.explicitStorageDeny) need.explicit = true;
      need.findings.add(findingKey(f.ruleId, f.resourceId));
    }
  }
  const nsgActions: AddNsgRuleAction[] = [];
  for (const need of [...needs.values()].sort(
    (a, b) => idKey(a.nsgId).localeCompare(idKey(b.nsgId)) || a.location.localeCompare(b.location),
  )) {
    const nsg = inventory.nsg(need.nsgId);
    const reason: UnplannedReason | undefined =
      need.explicit && !config.overrideExplicitStorageDeny ? 'explicit-storage-deny' : undefined;
    const lowestDeny = Math.min(...need.denyPriorities, 4097);
    const priority = reason || !nsg ? undefined : highestFreeOutboundPriority(nsg, lowestDeny);
    if (reason || priority === undefined) {
      for (const k of need.findings) unplanned.set(k, reason ?? 'no-free-priority');
      continue;
    }
    const region = serviceTagRegion(need.location) ?? need.location;
    const ports = [...need.ports].sort((a, b) => a - b).map(String);
    nsgActions.push({
      kind: 'add-nsg-rule',
      target: nsg?.id ?? need.nsgId,
      params: {
        name: `AllowAzureBackupStorage-${region}`,
        direction: 'Outbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'VirtualNetwork',
        sourcePortRange: '*',
        destinationAddressPrefix: storageServiceTag(need.location),
        destinationPortRanges: ports,
        priority,
        description: `Azure Backup: allow the backup extension to reach ${storageServiceTag(need.location)} (added by backup-warden)`,
      },
      resolves: [...need.findings].sort(),
    });
  }
  // A finding behind two NSGs may be resolved by one action and unplanned for the other: it keeps the reason.

  // --- report-only rules ---
  for (const f of open) {
    const key = findingKey(f.ruleId, f.resourceId);
    if (REPORT_ONLY_RULES.has(f.ruleId) && !unplanned.has(key)) {
      unplanned.set(key, 'report-only');
    }
  }

  const ordered: Action[] = [
    ...[...creates.values()].sort((a, b) => idKey(a.target).localeCompare(idKey(b.target))),
    ...nsgActions,
  ];
  for (const p of protections) {
    ordered.push(p);
    const t = triggers.get(idKey(p.target));
    if (t) ordered.push(t);
  }
  const truncated = ordered.length > config.maxActions;
  return {
    actions: truncated ? capActions(ordered, config.maxActions) : ordered,
    truncated,
    plannedBeforeCap: ordered.length,
    unplanned,
    warnings,
  };
}

/**
 * Cuts the plan to `max` actions without leaving a dependent behind its cut dependency: an
 * enable-protection whose create-vault was cut, or a trigger-backup whose enable-protection was cut.
 */
function capActions(actions: Action[], max: number): Action[] {
  const kept: Action[] = [];
  const keptVaults = new Set<string>();
  const keptProtections = new Set<string>();
  const createdVaults = new Set(actions.filter((a) => a.kind === 'create-vault').map((a) => idKey(a.target)));
  for (const a of actions) {
    if (kept.length >= max) break;
    if (
      a.kind === 'enable-protection' &&
      createdVaults.has(idKey(a.params.vaultId)) &&
      !keptVaults.has(idKey(a.params.vaultId))
    )
      continue;
    if (a.kind === 'trigger-backup' && !keptProtections.has(idKey(a.target))) continue;
    kept.push(a);
    if (a.kind === 'create-vault') keptVaults.add(idKey(a.target));
    if (a.kind === 'enable-protection') keptProtections.add(idKey(a.target));
  }
  return kept;
}
