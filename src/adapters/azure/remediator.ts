/**
 * Executes planned actions with the real SDK clients: the scheduler. Each action kind's executor
 * (executors/) is idempotent against what Azure already has: it reads first, skips what is already there,
 * and never modifies an existing vault, resource group or security rule.
 *
 * Scheduling: actions start in the planned order. An action waits for the actions its kind depends on
 * (core/actions: `dependsOn`); everything else runs concurrently, at most `writeConcurrency` actions per
 * subscription, and actions with the same exclusive key (writes to one NSG) one at a time.
 */
import { dependenciesOf, type Action } from '../../core/actions';
import { subscriptionOf } from '../../core/ids';
import type { ActionResult, ProgressListener, Remediator } from '../../ports';
import type { AzureClients } from './clients';
import { KeyedMutex, KeyedSemaphore } from './concurrency';
import { toAzureErrorInfo } from './errors';
import { executorOf } from './executors';
import { AzureCalls, failed, type Outcome, RunMemory, skipped } from './executors/types';
import { realSleep, type RetryOptions, type Sleep } from './retry';

/** Options of {@link AzureRemediator}. */
export interface AzureRemediatorOptions {
  clients: AzureClients;
  /** Actions running at once per subscription; default 4. */
  writeConcurrency?: number;
  /** Interval between polls of long-running operations; default 2 s. */
  pollIntervalMs?: number;
  /** Cap on a poll response's Retry-After (the examples say 60 s); default 30 s. */
  maxPollDelayMs?: number;
  /** Give up on a long-running operation (the SDK's polls and ours) after this long; default 5 min. */
  pollTimeoutMs?: number;
  /** An `execute` starts no action after this long; the rest are skipped (`run-budget-exhausted`). Default 25 min. */
  runBudgetMs?: number;
  /** Operation-level retries of writes (conflicts, "another operation in progress"). */
  retry?: Partial<RetryOptions>;
  sleep?: Sleep;
  now?: () => number;
}

/** Runs one action with its kind's executor; every failure becomes a failed outcome. */
async function runAction(action: Action, azure: AzureCalls, run: RunMemory): Promise<Outcome> {
  try {
    return await executorOf(action.kind).execute(action, { azure, run });
  } catch (error) {
    return failed(toAzureErrorInfo(error));
  }
}

/** Executes actions against Azure with the SDK clients. */
export class AzureRemediator implements Remediator {
  private readonly azure: AzureCalls;
  private readonly writeConcurrency: number;
  private readonly now: () => number;
  private readonly runBudgetMs: number;

  constructor(options: AzureRemediatorOptions) {
    this.writeConcurrency = Math.max(1, options.writeConcurrency ?? 4);
    const sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.runBudgetMs = options.runBudgetMs ?? 25 * 60_000;
    this.azure = new AzureCalls(
      options.clients,
      { sleep, now: this.now, ...options.retry },
      {
        intervalMs: Math.max(0, options.pollIntervalMs ?? 2_000),
        maxDelayMs: Math.max(0, options.maxPollDelayMs ?? 30_000),
        timeoutMs: options.pollTimeoutMs ?? 300_000,
        sleep,
        now: this.now,
      },
      // Serialises resource group creation across the actions of every run of this remediator.
      new KeyedMutex(),
    );
  }

  /** Executes the actions (see the module comment for the order); one result per action, in action order. */
  async execute(actions: readonly Action[], onProgress?: ProgressListener): Promise<ActionResult[]> {
    const run = new RunMemory();
    const runStarted = this.now();
    const perSubscription = new KeyedSemaphore(this.writeConcurrency);
    const exclusive = new KeyedMutex();
    const pending: Promise<ActionResult>[] = [];

    actions.forEach((action, index) => {
      const deps = dependenciesOf(actions, index);
      const executor = executorOf(action.kind);
      pending[index] = (async (): Promise<ActionResult> => {
        const depResults = await Promise.all(deps.map((d) => pending[d] as Promise<ActionResult>));
        const started = this.now();
        let outcome: Outcome;
        const blocked = depResults.find(
          (r) => r.status === 'failed' || (r.status === 'skipped' && r.detail === 'dependency-failed'),
        );
        if (blocked) {
          outcome = skipped('dependency-failed');
        } else if (
          executor.skipWhileDependencyInProgress &&
          depResults.some((r) => r.status === 'skipped' && r.detail === 'in-progress')
        ) {
          outcome = skipped('dependency-in-progress');
        } else {
          const subscription = subscriptionOf(action.target) ?? '';
          // The budget is checked when the action would start: a run ends inside the host's time limit, and
          // what it did not start is planned again by the next sweep.
          const work = (): Promise<Outcome> =>
            perSubscription.run(subscription, () =>
              this.now() - runStarted > this.runBudgetMs
                ? Promise.resolve(skipped('run-budget-exhausted'))
                : runAction(action, this.azure, run),
            );
          const key = executor.exclusiveKey?.(action);
          outcome = await (key === undefined ? work() : exclusive.run(key, work));
        }
        const result: ActionResult = {
          ...outcome,
          ...(outcome.status === 'failed' ? { retryable: outcome.error?.retryable === true } : {}),
          durationMs: Math.max(0, this.now() - started),
        };
        try {
          onProgress?.(action, result, index);
        } catch {
          // A progress listener's failure is not the action's failure.
        }
        return result;
      })();
    });
    return Promise.all(pending);
  }
}
