/**
 * The findings ledger in memory: what the CLI uses when no storage account is configured. It follows the
 * same transitions as the Table ledger (both call ledgerTransitions.ts) and forgets everything on exit.
 */
import { findingKey, type Action, type Finding, type FindingKey } from '../../core/model';
import type {
  ActionResult,
  FindingChange,
  Ledger,
  LedgerContext,
  LedgerEntry,
  LedgerStatus,
  SweepSummary,
} from '../../ports';
import {
  changeOf,
  compareEntries,
  dedupeFindings,
  isMissing,
  onActionResult,
  onMissing,
  onSeen,
} from './ledgerTransitions';

/** A {@link Ledger} held in maps; entries are copied in and out so callers cannot mutate the store. */
export class MemoryLedger implements Ledger {
  private readonly entries = new Map<FindingKey, LedgerEntry>();
  private readonly claims = new Map<string, number>();
  private readonly sweeps = new Map<string, SweepSummary>();
  private readonly poison: { queue: string; message: unknown; at: string }[] = [];

  /** Upserts the findings seen now; returns new entries and status changes. */
  async recordFindings(findings: readonly Finding[], ctx: LedgerContext): Promise<FindingChange[]> {
    const changes: FindingChange[] = [];
    for (const finding of dedupeFindings(findings)) {
      const key = findingKey(finding.ruleId, finding.resourceId);
      const previous = this.entries.get(key);
      const next = onSeen(previous, finding, ctx);
      this.entries.set(key, next);
      const change = changeOf(previous, next);
      if (change) changes.push(copyChange(change));
    }
    return changes;
  }

  /** Resolves the unresolved entries of these subscriptions that this sweep did not see. */
  async resolveMissing(
    seen: ReadonlySet<string>,
    subscriptions: readonly string[],
    ctx: LedgerContext,
  ): Promise<FindingChange[]> {
    const subs = new Set(subscriptions.map((s) => s.toLowerCase()));
    const changes: FindingChange[] = [];
    if (subs.size === 0) return changes;
    for (const [key, entry] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!isMissing(entry, seen, subs)) continue;
      const next = onMissing(entry, ctx);
      if (!next) continue;
      this.entries.set(key, next);
      const change = changeOf(entry, next);
      if (change) changes.push(copyChange(change));
    }
    return changes;
  }

  /** Records an action's result on each entry it resolves. */
  async recordActionResult(action: Action, result: ActionResult, ctx: LedgerContext): Promise<FindingChange[]> {
    const changes: FindingChange[] = [];
    for (const key of new Set(action.resolves)) {
      const previous = this.entries.get(key);
      const next = onActionResult(previous, action, result, ctx);
      if (!next) continue;
      this.entries.set(key, next);
      const change = changeOf(previous, next);
      if (change) changes.push(copyChange(change));
    }
    return changes;
  }

  /** Lists the entries (optionally of one status), ordered by rule and resource id. */
  async list(filter: { status?: LedgerStatus } = {}): Promise<LedgerEntry[]> {
    return [...this.entries.values()]
      .filter((e) => !filter.status || e.status === filter.status)
      .sort(compareEntries)
      .map(copyEntry);
  }

  /** Claims a key until `ttlMs` from `now`; false while an earlier claim has not expired. */
  async claim(key: string, ttlMs: number, now: Date): Promise<boolean> {
    const expiresAt = this.claims.get(key);
    if (expiresAt !== undefined && expiresAt > now.getTime()) return false;
    this.claims.set(key, now.getTime() + ttlMs);
    return true;
  }

  /** Forgets a claim. */
  async release(key: string): Promise<void> {
    this.claims.delete(key);
  }

  /** Applies `update` to a sweep's summary row (undefined on the first write). */
  async updateSweepSummary(
    sweepId: string,
    update: (current: SweepSummary | undefined) => SweepSummary,
  ): Promise<SweepSummary> {
    const current = this.sweeps.get(sweepId);
    const next = { ...update(current ? { ...current } : undefined), sweepId };
    this.sweeps.set(sweepId, next);
    return { ...next };
  }

  /** Reads a sweep's summary row. */
  async getSweepSummary(sweepId: string): Promise<SweepSummary | undefined> {
    const row = this.sweeps.get(sweepId);
    return row ? { ...row } : undefined;
  }

  /** Records a message that reached a poison queue. */
  async recordPoisonMessage(queue: string, message: unknown, now: Date): Promise<void> {
    this.poison.push({ queue, message: structuredClone(message), at: now.toISOString() });
  }

  /** Lists the recorded poison messages, oldest first. */
  async listPoisonMessages(): Promise<{ queue: string; message: unknown; at: string }[]> {
    return this.poison
      .map((p) => ({ ...p, message: structuredClone(p.message) }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
}

function copyEntry(entry: LedgerEntry): LedgerEntry {
  return entry.lastAction ? { ...entry, lastAction: { ...entry.lastAction } } : { ...entry };
}

function copyChange(change: FindingChange): FindingChange {
  return change.previousStatus
    ? { entry: copyEntry(change.entry), previousStatus: change.previousStatus }
    : { entry: copyEntry(change.entry) };
}
