/**
 * What an executor of one action kind is, and what it gets: the clients, retries of writes, the shared
 * poller, and what the run learnt so far (the protected item names of VMs it protected).
 */
import type { BackupStatusResponse } from '@azure/arm-recoveryservicesbackup';
import type { Action } from '../../../core/actions';
import { idKey, parseResourceId, sameId } from '../../../core/ids';
import type { ActionResult, AzureErrorInfo } from '../../../ports';
import type { AzureClients } from '../clients';
import type { KeyedMutex } from '../concurrency';
import { AzureOperationError, isInProgressError, isRetryable } from '../errors';
import { isPipelineRetried, type RetryOptions, withRetry } from '../retry';
import { poll, type PollOptions, type PollStep } from './poller';

/** An action's outcome before its duration is added. */
export type Outcome = Omit<ActionResult, 'durationMs'>;

/** A succeeded outcome, with what was done. */
export const succeeded = (detail?: string): Outcome =>
  detail ? { status: 'succeeded', detail } : { status: 'succeeded' };

/** A skipped outcome, with why. */
export const skipped = (detail: string): Outcome => ({ status: 'skipped', detail });

/** A failed outcome with its Azure error. */
export const failed = (error: AzureErrorInfo, detail?: string): Outcome =>
  detail ? { status: 'failed', error, detail } : { status: 'failed', error };

/** Names of a VM's backup container and protected item in a vault. */
export interface ProtectedItemNames {
  vaultId: string;
  containerName: string;
  protectedItemName: string;
}

/** What one `execute` learns along the way: the protected item names of VMs it protected or found protected. */
export class RunMemory {
  private readonly names = new Map<string, ProtectedItemNames>();

  /** Remembers a VM's protected item names. */
  remember(vmId: string, names: ProtectedItemNames): void {
    this.names.set(idKey(vmId), names);
  }

  /** The remembered names of a VM's protected item in this vault. */
  namesOf(vmId: string, vaultId: string): ProtectedItemNames | undefined {
    const n = this.names.get(idKey(vmId));
    return n && sameId(n.vaultId, vaultId) ? n : undefined;
  }

  private readonly done = new Map<string, Promise<unknown>>();

  /** Runs `work` once per key in this run (e.g. one container refresh per vault); later callers share its promise. */
  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let p = this.done.get(key) as Promise<T> | undefined;
    if (!p) {
      p = work();
      this.done.set(key, p);
      // A failed attempt is not remembered: the next caller tries again.
      p.catch(() => this.done.delete(key));
    }
    return p;
  }
}

/** The calls executors share, bound to one remediator's clients and settings. */
export class AzureCalls {
  constructor(
    readonly clients: AzureClients,
    private readonly retryOptions: Partial<RetryOptions>,
    private readonly pollOptions: PollOptions,
    /** Serialises resource group creation across the actions of every run of the remediator. */
    readonly resourceGroupLocks: KeyedMutex,
  ) {}

  /** Interval between polls of long-running operations. */
  get pollIntervalMs(): number {
    return this.pollOptions.intervalMs;
  }

  /** The current time in milliseconds. */
  now(): number {
    return this.pollOptions.now();
  }

  /**
   * Retries a call on what the pipeline does not retry itself (409 conflicts, operations in progress),
   * except what `notRetried` excludes (a running backup job lasts far longer than any retry budget).
   * Used for writes, and for reads too: POST actions such as backupStatus can meet a conflict as well.
   */
  retrying<T>(fn: () => Promise<T>, notRetried: (e: unknown) => boolean = () => false): Promise<T> {
    return withRetry(fn, {
      ...this.retryOptions,
      isRetryable: (e) => !notRetried(e) && (isInProgressError(e) || (isRetryable(e) && !isPipelineRetried(e))),
    });
  }

  /** How long one long-running operation may take, polls included. */
  get lroDeadlineMs(): number {
    return this.pollOptions.timeoutMs;
  }

  /**
   * Runs a long-running operation the SDK polls, with a deadline: `start` gets the abort signal to pass to
   * the SDK (its polls follow Retry-After, however long, so the deadline is what bounds them). When the
   * operation or one of its polls fails, or the deadline passes, the resource is read back with `verify`: a
   * write that took effect is reported as done (`verified`), not as failed.
   */
  async lro(
    what: string,
    start: (abortSignal: AbortSignal) => { pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<unknown> },
    verify: () => Promise<boolean>,
  ): Promise<'done' | 'verified'> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.pollOptions.timeoutMs);
    try {
      await start(controller.signal).pollUntilDone({ abortSignal: controller.signal });
      return 'done';
    } catch (error) {
      const took = await verify().catch(() => false);
      if (took) return 'verified';
      if (controller.signal.aborted)
        throw new AzureOperationError(
          'OperationTimedOut',
          `${what} did not finish within ${this.pollOptions.timeoutMs} ms; the next sweep reads what it left`,
        );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls an operation with the remediator's poll settings. */
  poll(what: string, step: () => Promise<PollStep>): Promise<void> {
    return poll(what, step, this.pollOptions);
  }

  /** The cheap protection check (docs/azure-facts.md §4.5): `protectionStatus` and `vaultId` of a VM. */
  backupStatus(subscriptionId: string, location: string, vmId: string): Promise<BackupStatusResponse> {
    return this.retrying(() =>
      this.clients
        .recoveryServicesBackup(subscriptionId)
        .backupStatus.get(location, { resourceId: vmId, resourceType: 'VM' }),
    );
  }

  /** The VM's location, read with a direct GET (Resource Graph may lag). */
  async vmLocation(vmId: string): Promise<string> {
    const vm = parseResourceId(vmId);
    const got = await this.retrying(() =>
      this.clients.compute(vm.subscriptionId).virtualMachines.get(vm.resourceGroup, vm.names[0] ?? ''),
    );
    if (!got.location)
      throw new AzureOperationError('VirtualMachineLocationUnknown', `virtual machine ${vmId} has no location`);
    return got.location;
  }
}

/** What an executor gets for one action. */
export interface ExecutionContext {
  azure: AzureCalls;
  run: RunMemory;
}

/** Executes one action kind against Azure: reads first, skips what is there, never changes what others wrote. */
export interface Executor<A extends Action> {
  /** Runs the action; may throw, the remediator turns a throw into a failed outcome. */
  execute(action: A, ctx: ExecutionContext): Promise<Outcome>;
  /** Actions with the same key never run at once (writes to one NSG conflict). */
  exclusiveKey?(action: A): string;
  /** Skip (rather than run) when a dependency is still in progress in Azure. */
  skipWhileDependencyInProgress?: boolean;
}

/** The backup fabric of Azure IaaS VMs. */
export const FABRIC = 'Azure';
