/**
 * The ports: what the use cases in app/ need from the outside world. Adapters implement them;
 * app/ and core/ never see an SDK.
 */
import type { Action } from '../core/model';

/** Where a sweep looks: subscriptions, management groups, or (both empty) the whole tenant. */
export interface Scope {
  subscriptions: string[];
  managementGroups: string[];
}

/** Rows for the inventory, as Resource Graph or an exported snapshot returns them. */
export interface InventorySource {
  /** Returns the raw rows of every query the engine needs, unvalidated (core/rows.ts validates them). */
  fetchRows(scope: Scope): Promise<unknown[]>;
}

/** An Azure error as the remediator records it. */
export interface AzureErrorInfo {
  code: string;
  message: string;
  /** HTTP status when the error came from a response. */
  statusCode?: number;
}

/** The outcome of one executed action. */
export interface ActionResult {
  status: 'succeeded' | 'failed' | 'skipped';
  error?: AzureErrorInfo;
  /** Why an action was skipped, or what a succeeded one did (e.g. `already-protected`). */
  detail?: string;
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
