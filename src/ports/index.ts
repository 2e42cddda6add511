/**
 * The ports: what the use cases in app/ need from the outside world. Adapters implement them;
 * app/ and core/ never see an SDK.
 */
import type { ScopeCoverage } from '../core/coverage';
import type { Action, ActionKind, Finding, Severity } from '../core/model';

/** Where a sweep looks: subscriptions, management groups, or (both empty) the whole tenant. */
export interface Scope {
  subscriptions: string[];
  managementGroups: string[];
}

/** Rows for the inventory, as Resource Graph or an exported snapshot returns them. */
export interface InventorySource {
  /**
   * Returns the raw rows of every query the engine needs, unvalidated (core/rows.ts validates them): the
   * scope's resources, plus the protected items of the scope's VMs from any subscription of the tenant
   * (a VM may be backed up to a vault in another subscription).
   */
  fetchRows(scope: Scope): Promise<unknown[]>;
  /**
   * The same rows, handed over a page (or file part) at a time, so the caller can index them as they come
   * and never hold them all; sources that can stream implement it, and callers fall back to `fetchRows`.
   */
  eachPage?(scope: Scope, onPage: (rows: readonly unknown[]) => void): Promise<void>;
  /**
   * What the last `fetchRows` over this scope covered: the scopes requested and seen, and each uncovered
   * scope with its reason. A source without it (a snapshot) covers exactly what it holds.
   */
  scopeCoverage?(scope: Scope): Promise<ScopeCoverage | undefined>;
}

/** An Azure error as the remediator records it. */
export interface AzureErrorInfo {
  code: string;
  message: string;
  /** HTTP status when the error came from a response. */
  statusCode?: number;
  /** True when a retry may succeed, as the adapters' one retry classifier judged it. */
  retryable?: boolean;
}

/** The outcome of one executed action. */
export interface ActionResult {
  status: 'succeeded' | 'failed' | 'skipped';
  error?: AzureErrorInfo;
  /** Why an action was skipped, or what a succeeded one did (e.g. `already-protected`). */
  detail?: string;
  /** For a failure: whether retrying it may succeed (a later run or a queue retry), else it needs a person. */
  retryable?: boolean;
  /** What the decision rested on, JSON-friendly (e.g. the plan's and Azure's views for `effective-rules-disagree`). */
  evidence?: Record<string, unknown>;
  durationMs: number;
}

/** Called as each action finishes, for progress output. */
export type ProgressListener = (action: Action, result: ActionResult, index: number) => void;

/** Executes planned actions against Azure. */
export interface Remediator {
  /**
   * Executes the actions in the planned order (dependencies first, independent actions concurrently
   * within the configured bounds). Returns one result per action, in the same order. Never throws for
   * a failed action: the failure is in its result.
   */
  execute(actions: readonly Action[], onProgress?: ProgressListener): Promise<ActionResult[]>;
}

/** The time source; core and app never call Date.now(). */
export interface Clock {
  now(): Date;
}

/** How a sweep or evaluation was started; a dimension of every telemetry event. */
export type Trigger = 'timer' | 'event' | 'cli';

/** The lifecycle of a finding in the ledger. */
export type LedgerStatus = 'open' | 'exempt' | 'remediating' | 'remediated' | 'failed' | 'resolved';

/** One ledger entity per (rule, resource). */
export interface LedgerEntry {
  ruleId: string;
  resourceId: string;
  severity: Severity;
  status: LedgerStatus;
  message: string;
  subscriptionId: string;
  location?: string;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  lastSweepId?: string;
  lastAction?: { kind: ActionKind; status: ActionResult['status']; errorCode?: string; at: string; detail?: string };
  attempts: number;
}

/** A change of a finding's ledger status, as telemetry reports it. */
export interface FindingChange {
  entry: LedgerEntry;
  previousStatus?: LedgerStatus;
}

/** Context of a ledger write. */
export interface LedgerContext {
  sweepId: string;
  trigger: Trigger;
  now: Date;
}

/** A sweep's summary row. */
export interface SweepSummary {
  sweepId: string;
  trigger: Trigger;
  startedAt: string;
  shards: number;
  shardsCompleted: number;
  resources: number;
  findings: number;
  open: number;
  exempt: number;
  actions: number;
  resolved: number;
  warnings: number;
}

/** The findings of the ledger: what sweeps and events saw, and what actions did to them. */
export interface FindingLedger {
  /** Upserts the findings seen now; returns the entries whose status changed (new ones included). */
  recordFindings(findings: readonly Finding[], ctx: LedgerContext): Promise<FindingChange[]>;
  /**
   * Marks resolved every open, exempt, remediating or failed entry of these subscriptions (lower case)
   * that this sweep did not see; returns the changes. An empty list resolves nothing.
   */
  resolveMissing(
    seen: ReadonlySet<string>,
    subscriptions: readonly string[],
    ctx: LedgerContext,
  ): Promise<FindingChange[]>;
  /** Records an action's result on the entries it resolves (status remediating/remediated/failed, attempts+1). */
  recordActionResult(action: Action, result: ActionResult, ctx: LedgerContext): Promise<FindingChange[]>;
  /** Lists entries, optionally by status. */
  list(filter?: { status?: LedgerStatus }): Promise<LedgerEntry[]>;
}

/** Claims with a time to live: event dedupe, debounce per VM, and counted shards. */
export interface ClaimLedger {
  /** Claims a key until `ttlMs` from now; false when already claimed and not expired. */
  claim(key: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Releases a claimed key (after a transient failure, so the retried event is not taken for a duplicate). */
  release(key: string): Promise<void>;
}

/** The summary rows of sweeps, which the shards add to. */
export interface SweepLedger {
  /** Adds to a sweep's summary row (created on first write); returns the updated row. */
  updateSweepSummary(
    sweepId: string,
    update: (current: SweepSummary | undefined) => SweepSummary,
  ): Promise<SweepSummary>;
  /** Reads a sweep's summary row. */
  getSweepSummary(sweepId: string): Promise<SweepSummary | undefined>;
}

/** The messages that reached a poison queue. */
export interface PoisonLedger {
  /** Records a message that reached a poison queue. */
  recordPoisonMessage(queue: string, message: unknown, now: Date): Promise<void>;
  /** Lists recorded poison messages. */
  listPoisonMessages(): Promise<{ queue: string; message: unknown; at: string }[]>;
}

/** The whole ledger (an Azure Table in the Function App, memory in the CLI); use cases ask for the parts they use. */
export interface Ledger extends FindingLedger, ClaimLedger, SweepLedger, PoisonLedger {}

/** A queue of JSON messages (Azure Storage queues in the Function App). */
export interface MessageQueue<T> {
  send(message: T): Promise<void>;
}

/** Telemetry: Application Insights in the Function App; off when no connection string is set. */
export interface TelemetrySink {
  /** One `ComplianceFinding` event per finding state change. */
  findingChanged(change: FindingChange, dims: { sweepId: string; trigger: Trigger }): void;
  /** One `RemediationResult` event per action, and the `warden.remediation.duration` metric. */
  remediationResult(action: Action, result: ActionResult, dims: { sweepId: string; trigger: Trigger }): void;
  /** One `SweepCompleted` event with the counts, and `warden.findings.open` per rule. */
  sweepCompleted(summary: SweepSummary, openByRule: Record<string, number>): void;
  /** An exception, with the invocation id. */
  exception(error: unknown, properties: Record<string, string>): void;
  flush(): Promise<void>;
}

/**
 * Direct ARM reads for the event path (Resource Graph lags behind writes). Each returns Resource Graph
 * shaped rows, so the same inventory and rules apply.
 */
export interface ResourceReader {
  /**
   * The VM (with its instance view), its NICs, their subnets' VNets and NSGs, its protection status (as a
   * protected item row when protected) and the vaults of its subscription. `undefined` when the VM is gone.
   */
  readVmContext(vmId: string): Promise<unknown[] | undefined>;
  /** The ids of the VMs behind an NSG (through its NICs and subnets). `undefined` when the NSG is gone. */
  vmsBehindNsg(nsgId: string): Promise<string[] | undefined>;
}

/** Lists the subscriptions a tenant-wide sweep covers. */
export interface SubscriptionDirectory {
  listSubscriptions(): Promise<string[]>;
}
