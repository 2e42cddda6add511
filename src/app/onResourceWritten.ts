/**
 * The event path: a `ResourceWriteSuccess` for a VM (or an NSG or its rules) is evaluated within seconds
 * from direct ARM reads (Resource Graph lags behind writes), with the same rules and planner, and
 * remediated according to the mode. Malformed and irrelevant events are acknowledged with an outcome;
 * only failures a retry can fix are thrown, so that Event Grid retries.
 */
import type { EngineConfig } from '../core/engine-config';
import { classifyEvent, eventKeys, fromEventGridEvent } from '../core/events';
import { assessInventory } from '../core/engine';
import { idKey } from '../core/ids';
import { Inventory } from '../core/inventory';
import { dependenciesOf, type Action } from '../core/actions';
import type { Finding } from '../core/model';
import type {
  ActionResult,
  ClaimLedger,
  Clock,
  FindingLedger,
  Remediator,
  ResourceReader,
  TelemetrySink,
} from '../ports';
import { isTransient, TransientFailureError } from './transient';

/** What the event path reports per event. `reported` is an open finding left alone in report mode. */
export type EventOutcome =
  'remediated' | 'compliant' | 'exempt' | 'reported' | 'ignored' | 'duplicate' | 'invalid' | 'not-found' | 'failed';

/** The result of one event. */
export interface EventResult {
  eventId: string;
  outcome: EventOutcome;
  detail: string;
}

/** What the event path needs. */
export interface EventDeps {
  reader: ResourceReader;
  /** Findings of the VMs it evaluates, and claims for dedupe and debounce. */
  ledger: FindingLedger & ClaimLedger;
  telemetry: TelemetrySink;
  remediator: Remediator;
  clock: Clock;
  config: EngineConfig;
  mode: 'report' | 'remediate';
  /** One evaluation per VM (or NSG) per this many milliseconds. */
  debounceMs: number;
  /** How long an event id is remembered for dedupe. */
  dedupeTtlMs: number;
}

interface VmOutcome {
  outcome: EventOutcome;
  detail: string;
  transient: ActionResult[];
}

/** Evaluates one VM from direct reads, records its findings and (in remediate mode) fixes them. */
async function evaluateVm(deps: EventDeps, vmId: string, sweepId: string): Promise<VmOutcome> {
  const rows = await deps.reader.readVmContext(vmId);
  if (!rows) return { outcome: 'not-found', detail: `VM ${vmId} no longer exists`, transient: [] };
  const now = deps.clock.now();
  const inventory = Inventory.fromRows(rows);
  const vm = inventory.vm(vmId);
  if (!vm) return { outcome: 'not-found', detail: `VM ${vmId} was not in the ARM read`, transient: [] };
  const { report } = assessInventory(inventory, deps.config, now);
  const mine = (f: Finding): boolean => idKey(f.resourceId) === idKey(vm.id);
  const findings = report.findings.filter(mine);
  const ctx = { sweepId, trigger: 'event' as const, now };
  for (const change of await deps.ledger.recordFindings(findings, ctx)) deps.telemetry.findingChanged(change, ctx);

  const open = findings.filter((f) => f.status === 'open');
  if (open.length === 0) {
    return findings.length > 0
      ? { outcome: 'exempt', detail: `${findings.length} finding(s), all exempt`, transient: [] }
      : { outcome: 'compliant', detail: 'no finding', transient: [] };
  }
  const keys = new Set(open.map((f) => `${f.ruleId}|${idKey(f.resourceId)}`));
  const actions = actionsFor(report.actions, keys);
  const ruleList = [...new Set(open.map((f) => f.ruleId))].join(', ');
  if (deps.mode !== 'remediate' || actions.length === 0) {
    return {
      outcome: 'reported',
      detail: `${open.length} open finding(s) (${ruleList}); ${actions.length === 0 ? 'none is remediable' : `report mode: ${actions.length} action(s) not applied`}`,
      transient: [],
    };
  }
  const results = await deps.remediator.execute(actions);
  for (const [i, action] of actions.entries()) {
    const result = results[i];
    if (!result) continue;
    for (const change of await deps.ledger.recordActionResult(action, result, ctx))
      deps.telemetry.findingChanged(change, ctx);
    deps.telemetry.remediationResult(action, result, ctx);
  }
  const failed = results.filter((r) => r.status === 'failed');
  const transient = failed.filter((r) => isTransient(r.error));
  const describe = actions
    .map(
      (a, i) =>
        `${a.kind}: ${results[i]?.status ?? 'not run'}${results[i]?.error ? ` (${results[i]?.error?.code})` : ''}`,
    )
    .join('; ');
  if (failed.length > 0) return { outcome: 'failed', detail: describe, transient };
  const unremediable = open.length - new Set(actions.flatMap((a) => a.resolves)).size;
  return {
    outcome: 'remediated',
    detail: unremediable > 0 ? `${describe}; ${unremediable} finding(s) not remediable` : describe,
    transient: [],
  };
}

/**
 * The actions of a plan that concern one VM's findings: those resolving them, the actions these depend on
 * (the vault they need), and the dependents that resolve nothing themselves (its first backup).
 */
function actionsFor(plan: readonly Action[], keys: ReadonlySet<string>): Action[] {
  const chosen = new Set<number>();
  plan.forEach((a, i) => {
    if (a.resolves.some((k) => keys.has(k))) chosen.add(i);
  });
  plan.forEach((a, i) => {
    if (a.resolves.length === 0 && dependenciesOf(plan, i).some((d) => chosen.has(d))) chosen.add(i);
  });
  for (const i of [...chosen].sort((a, b) => b - a)) for (const d of dependenciesOf(plan, i)) chosen.add(d);
  return plan.filter((_, i) => chosen.has(i));
}

/** Handles one Event Grid or CloudEvents event. Throws TransientFailureError only for retryable failures. */
export async function onResourceWritten(deps: EventDeps, raw: unknown): Promise<EventResult> {
  const parsed = fromEventGridEvent(raw);
  if (!parsed.ok) return { eventId: parsed.id ?? '', outcome: 'invalid', detail: parsed.reason };
  const event = parsed.event;
  const target = classifyEvent(event);
  if (target.kind === 'ignored') return { eventId: event.id, outcome: 'ignored', detail: target.reason };

  const now = deps.clock.now();
  const keys = eventKeys(event, target);
  if (!(await deps.ledger.claim(keys.dedupe, deps.dedupeTtlMs, now))) {
    return { eventId: event.id, outcome: 'duplicate', detail: `event ${event.id} was already handled` };
  }
  const debounce = deps.debounceMs > 0 ? keys.debounce : undefined;
  if (debounce && !(await deps.ledger.claim(debounce, deps.debounceMs, now))) {
    return {
      eventId: event.id,
      outcome: 'duplicate',
      detail: `${target.kind === 'virtualMachine' ? target.vmId : target.nsgId} was evaluated less than ${Math.round(deps.debounceMs / 1000)} s ago`,
    };
  }

  const release = async (): Promise<void> => {
    await deps.ledger.release(keys.dedupe);
    if (debounce) await deps.ledger.release(debounce);
  };
  const sweepId = `event-${event.id}`;
  try {
    let result: EventResult;
    let transient: ActionResult[] = [];
    if (target.kind === 'virtualMachine') {
      const r = await evaluateVm(deps, target.vmId, sweepId);
      transient = r.transient;
      result = { eventId: event.id, outcome: r.outcome, detail: r.detail };
    } else {
      const vms = await deps.reader.vmsBehindNsg(target.nsgId);
      if (!vms) return { eventId: event.id, outcome: 'not-found', detail: `NSG ${target.nsgId} no longer exists` };
      const outcomes: VmOutcome[] = [];
      for (const vmId of vms) outcomes.push(await evaluateVm(deps, vmId, sweepId));
      transient = outcomes.flatMap((o) => o.transient);
      const rank: EventOutcome[] = ['failed', 'remediated', 'reported', 'exempt', 'not-found', 'compliant'];
      const worst = rank.find((o) => outcomes.some((x) => x.outcome === o)) ?? 'compliant';
      result = {
        eventId: event.id,
        outcome: worst,
        detail: `${vms.length} VM(s) behind ${target.nsgId}: ${outcomes.map((o, i) => `${vms[i]?.split('/').pop()} ${o.outcome}`).join(', ') || 'none'}`,
      };
    }
    if (transient.length > 0) {
      await release();
      throw new TransientFailureError(
        `event ${event.id}: ${result.detail}`,
        transient.map((t) => t.error).filter((e) => e !== undefined),
      );
    }
    return result;
  } catch (e) {
    if (!(e instanceof TransientFailureError)) await release();
    throw e;
  }
}
