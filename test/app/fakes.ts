/**
 * In-memory stand-ins for the ports, for the use-case tests: an inventory that scopes rows by subscription
 * the way Resource Graph does, a queue that keeps what it was sent, a telemetry sink that records calls,
 * and a fixed clock. The ledger is the real MemoryLedger (same transitions as the Table ledger).
 */
import type { Action } from '../../src/core/model';
import type {
  ActionResult,
  Clock,
  FindingChange,
  InventorySource,
  MessageQueue,
  Remediator,
  Scope,
  SweepSummary,
  TelemetrySink,
  Trigger,
} from '../../src/ports';

/** Rows filtered by the scope's subscriptions (all of them for a tenant-wide or management-group scope). */
export class ScopedInventory implements InventorySource {
  readonly scopes: Scope[] = [];
  constructor(private readonly rows: readonly Record<string, unknown>[]) {}

  async fetchRows(scope: Scope): Promise<unknown[]> {
    this.scopes.push(scope);
    if (scope.subscriptions.length === 0) return [...this.rows];
    const subs = new Set(scope.subscriptions.map((s) => s.toLowerCase()));
    // As the port promises: the scope's rows, plus the protected items of its VMs from any subscription.
    const sourceSub = (r: Record<string, unknown>): string =>
      String((r['properties'] as { sourceResourceId?: string } | undefined)?.sourceResourceId ?? '')
        .split('/')[2]
        ?.toLowerCase() ?? '';
    return this.rows.filter((r) => subs.has(String(r['subscriptionId'] ?? '').toLowerCase()) || subs.has(sourceSub(r)));
  }
}

/** A queue that keeps every message. */
export class ArrayQueue<T> implements MessageQueue<T> {
  readonly sent: T[] = [];
  failAfter = Infinity;

  async send(message: T): Promise<void> {
    if (this.sent.length >= this.failAfter) throw Object.assign(new Error('The server is busy.'), { statusCode: 503 });
    this.sent.push(structuredClone(message));
  }
}

/** Records what telemetry was asked to send. */
export class RecordingTelemetry implements TelemetrySink {
  readonly findings: { change: FindingChange; dims: { sweepId: string; trigger: Trigger } }[] = [];
  readonly results: { action: Action; result: ActionResult }[] = [];
  readonly completed: { summary: SweepSummary; openByRule: Record<string, number> }[] = [];
  readonly exceptions: { error: unknown; properties: Record<string, string> }[] = [];

  findingChanged(change: FindingChange, dims: { sweepId: string; trigger: Trigger }): void {
    this.findings.push({ change, dims });
  }
  remediationResult(action: Action, result: ActionResult): void {
    this.results.push({ action, result });
  }
  sweepCompleted(summary: SweepSummary, openByRule: Record<string, number>): void {
    this.completed.push({ summary, openByRule });
  }
  exception(error: unknown, properties: Record<string, string>): void {
    this.exceptions.push({ error, properties });
  }
  async flush(): Promise<void> {}
}

/** A remediator that answers from a function and keeps what it executed. */
export class ScriptedRemediator implements Remediator {
  readonly executed: Action[][] = [];
  constructor(private readonly answer: (action: Action, call: number) => ActionResult) {}

  async execute(actions: readonly Action[]): Promise<ActionResult[]> {
    this.executed.push([...actions]);
    const call = this.executed.length;
    return actions.map((a) => this.answer(a, call));
  }
}

/** A clock at a fixed instant (advance it by hand). */
export class FixedClock implements Clock {
  constructor(public at: Date = new Date('2025-03-01T06:00:00.000Z')) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}
