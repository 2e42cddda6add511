/**
 * The ledger's status transitions, as pure functions shared by {@link TableLedger} and {@link MemoryLedger}
 * so the two cannot drift. Each function takes the current entry (undefined when there is none) and returns
 * the next one, or undefined when nothing is to be written.
 *
 * Seen by a sweep (`onSeen`):
 * - no entry, or a `resolved` one: a new occurrence. Status is the finding's (`open` or `exempt`),
 *   `firstSeen = lastSeen = now`, `resolvedAt`, `lastAction` and `attempts` start afresh, so that
 *   `resolvedAt - firstSeen` is the time to remediate of one occurrence.
 * - the finding is exempt: `exempt`, whatever the entry was.
 * - `exempt` and the finding is open again (the exemption tag was removed): `open`.
 * - `open` stays `open`; `failed` stays `failed` (the dashboard keeps showing the failed remediation
 *   until a later action succeeds or the finding goes away).
 * - `remediating` or `remediated`: the finding is still present, so the entry goes back to `open`, unless
 *   its last action is younger than {@link SETTLE_MS}: an operation may still be running in Azure, or
 *   Resource Graph may not show the fix yet (it is eventually consistent, docs/azure-facts.md §2).
 *
 * Not seen by a sweep of its subscription (`onMissing`): every status but `resolved` becomes `resolved`
 * with `resolvedAt = now` (a `remediated` entry is resolved this way too: the sweep confirms the fix).
 *
 * An action result (`onActionResult`), on each entry the action resolves, records `lastAction` and
 * `attempts + 1`, and sets the status:
 * - `succeeded` → `remediated`; `failed` → `failed`;
 * - `skipped` with detail `in-progress`, `dependency-in-progress` or `already-*` → `remediating` (Azure
 *   is doing it or already has it; the next sweep confirms);
 * - `skipped` with detail `dependency-failed` → `failed`; any other skip leaves the status as it is;
 * - an entry that is `exempt` or `resolved` keeps its status (the action only adds to its history).
 */
import { assertNever } from '../../core/assert';
import { findingKey, type Action, type Finding, type FindingKey } from '../../core/model';
import type { ActionResult, FindingChange, LedgerContext, LedgerEntry, LedgerStatus } from '../../ports';

/** How long after its last action a `remediating`/`remediated` entry that is still seen keeps its status. */
export const SETTLE_MS = 30 * 60_000;

/** Every ledger status, in lifecycle order. */
export const LEDGER_STATUSES: readonly LedgerStatus[] = [
  'open',
  'exempt',
  'remediating',
  'remediated',
  'failed',
  'resolved',
];

/** The finding key of an entry: `ruleId|lower-case resourceId`. */
export function entryKey(entry: Pick<LedgerEntry, 'ruleId' | 'resourceId'>): FindingKey {
  return findingKey(entry.ruleId, entry.resourceId);
}

/** The lower-case subscription id of an ARM id, or '' when the id has none. */
export function subscriptionOf(resourceId: string): string {
  const match = /^\/?subscriptions\/([^/]+)/i.exec(resourceId.trim());
  return match?.[1]?.toLowerCase() ?? '';
}

/** The location a rule reported in a finding's details (`location`, `vmLocation` or `resourceLocation`). */
export function locationOf(finding: Finding): string | undefined {
  for (const name of ['location', 'vmLocation', 'resourceLocation']) {
    const value = finding.details[name];
    if (typeof value === 'string' && value) return value.toLowerCase();
  }
  return undefined;
}

/** Keeps the last finding of each key (a rule reporting one resource twice counts once). */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<FindingKey, Finding>();
  for (const f of findings) byKey.set(findingKey(f.ruleId, f.resourceId), f);
  return [...byKey.values()];
}

/** The next entry of a finding this sweep saw. */
export function onSeen(current: LedgerEntry | undefined, finding: Finding, ctx: LedgerContext): LedgerEntry {
  const now = ctx.now.toISOString();
  const location = locationOf(finding) ?? current?.location;
  const observed = {
    ruleId: finding.ruleId,
    resourceId: finding.resourceId,
    severity: finding.severity,
    message: finding.message,
    subscriptionId: subscriptionOf(finding.resourceId),
    ...(location ? { location } : {}),
    lastSeen: now,
    lastSweepId: ctx.sweepId,
  };
  if (!current || current.status === 'resolved') {
    return { ...observed, status: finding.status, firstSeen: now, attempts: 0 };
  }
  const { resolvedAt: _resolvedAt, ...kept } = current;
  return { ...kept, ...observed, status: seenStatus(current, finding, ctx.now) };
}

function seenStatus(current: LedgerEntry, finding: Finding, now: Date): LedgerStatus {
  if (finding.status === 'exempt') return 'exempt';
  switch (current.status) {
    case 'failed':
      return 'failed';
    case 'remediating':
    case 'remediated':
      return current.lastAction && now.getTime() - Date.parse(current.lastAction.at) < SETTLE_MS
        ? current.status
        : 'open';
    case 'open':
    case 'exempt':
    case 'resolved':
      return 'open';
    default:
      return assertNever(current.status, 'ledger status');
  }
}

/** The next entry of one that a sweep of its subscription did not see; undefined when already resolved. */
export function onMissing(current: LedgerEntry, ctx: LedgerContext): LedgerEntry | undefined {
  if (current.status === 'resolved') return undefined;
  return { ...current, status: 'resolved', resolvedAt: ctx.now.toISOString(), lastSweepId: ctx.sweepId };
}

/** True when an entry of these (lower-case) subscriptions is missing from `seen` and not yet resolved. */
export function isMissing(entry: LedgerEntry, seen: ReadonlySet<string>, subscriptions: ReadonlySet<string>): boolean {
  return entry.status !== 'resolved' && subscriptions.has(entry.subscriptionId) && !seen.has(entryKey(entry));
}

/** The next entry after an action that resolves it finished; undefined when there is no entry. */
export function onActionResult(
  current: LedgerEntry | undefined,
  action: Action,
  result: ActionResult,
  ctx: LedgerContext,
): LedgerEntry | undefined {
  if (!current) return undefined;
  const lastAction: NonNullable<LedgerEntry['lastAction']> = {
    kind: action.kind,
    status: result.status,
    ...(result.error?.code ? { errorCode: result.error.code } : {}),
    at: ctx.now.toISOString(),
    ...(result.detail ? { detail: result.detail } : {}),
  };
  return {
    ...current,
    status: actionStatus(current.status, result),
    lastAction,
    attempts: current.attempts + 1,
    lastSweepId: ctx.sweepId,
  };
}

function actionStatus(current: LedgerStatus, result: ActionResult): LedgerStatus {
  if (current === 'exempt' || current === 'resolved') return current;
  if (result.status === 'succeeded') return 'remediated';
  if (result.status === 'failed') return 'failed';
  const detail = result.detail ?? '';
  if (detail === 'in-progress' || detail === 'dependency-in-progress' || detail.startsWith('already-'))
    return 'remediating';
  if (detail === 'dependency-failed') return 'failed';
  return current;
}

/** The change between two versions of an entry: new entries and status changes count; other updates don't. */
export function changeOf(previous: LedgerEntry | undefined, next: LedgerEntry): FindingChange | undefined {
  if (!previous) return { entry: next };
  if (previous.status !== next.status) return { entry: next, previousStatus: previous.status };
  return undefined;
}

/** Orders entries by rule, then lower-case resource id (both ledgers list in this order). */
export function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  const ka = entryKey(a);
  const kb = entryKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
