/**
 * Long-running operations. An accepted write gets an operation; its status URL answers `InProgress`
 * on the first poll and the final state from the second (or once `autoCompleteMs` has passed, so state
 * settles even when nobody polls). Side effects run when the operation completes. An operation held by the
 * `lro-stuck` fault stays InProgress, polled or not, until `release()` lets it finish.
 */
import { normId } from './util';

/** Terminal and running states, as ARM async-operation bodies spell them. */
export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

/** One long-running operation. */
export interface Operation {
  id: string;
  /** What it does, e.g. 'PutSecurityRuleOperation'. */
  kind: string;
  /** The resource it locks while running (lower-case id). */
  lockId: string;
  status: OperationStatus;
  polls: number;
  startedAt: number;
  endedAt?: number;
  willFail: boolean;
  /** Held InProgress by the `lro-stuck` fault until released. */
  stuck: boolean;
  error?: { code: string; message: string };
  jobId?: string;
  /** The api-version of the request that started it, echoed in status URLs. */
  apiVersion: string;
  onSucceeded?: () => void;
  onFailed?: () => void;
}

/** What a new operation needs. */
export interface OperationInit {
  id: string;
  kind: string;
  lockId: string;
  apiVersion: string;
  willFail: boolean;
  /** Stays InProgress until released. */
  stuck?: boolean;
  failure: { code: string; message: string };
  jobId?: string;
  onSucceeded?: () => void;
  onFailed?: () => void;
}

/** Keeps every operation the emulator accepted. */
export class OperationRegistry {
  private readonly ops = new Map<string, Operation>();
  /** The operations still InProgress, so per-request settling stays cheap. */
  private readonly running = new Map<string, Operation>();
  private readonly failures = new Map<string, { code: string; message: string }>();

  constructor(
    private readonly clock: () => number,
    private readonly autoCompleteMs: number,
  ) {}

  /** Registers a running operation. */
  start(init: OperationInit): Operation {
    const op: Operation = {
      id: init.id,
      kind: init.kind,
      lockId: normId(init.lockId),
      status: 'InProgress',
      polls: 0,
      startedAt: this.clock(),
      willFail: init.willFail,
      stuck: init.stuck === true,
      apiVersion: init.apiVersion,
      ...(init.jobId !== undefined ? { jobId: init.jobId } : {}),
      ...(init.onSucceeded ? { onSucceeded: init.onSucceeded } : {}),
      ...(init.onFailed ? { onFailed: init.onFailed } : {}),
    };
    this.failures.set(op.id.toLowerCase(), init.failure);
    this.ops.set(op.id.toLowerCase(), op);
    this.running.set(op.id.toLowerCase(), op);
    return op;
  }

  /** The operation, without counting a poll. */
  peek(id: string): Operation | undefined {
    return this.ops.get(id.toLowerCase());
  }

  /** Counts a poll: the first answers InProgress, the next completes the operation. */
  poll(id: string): Operation | undefined {
    const op = this.ops.get(id.toLowerCase());
    if (!op) return undefined;
    if (op.status === 'InProgress') {
      op.polls += 1;
      if (op.polls > 1 && !op.stuck) this.complete(op);
    }
    return op;
  }

  /** Completes operations that have run longer than `autoCompleteMs`. */
  settle(): void {
    const now = this.clock();
    for (const op of [...this.running.values()]) {
      if (!op.stuck && now - op.startedAt >= this.autoCompleteMs) this.complete(op);
    }
  }

  /** Lets every stuck operation finish: it completes on its next poll, or at once when past its time. */
  release(): number {
    let n = 0;
    for (const op of this.running.values()) {
      if (!op.stuck) continue;
      op.stuck = false;
      op.polls = Math.max(op.polls, 1);
      n += 1;
    }
    this.settle();
    return n;
  }

  /** A running operation holding this resource, if any. */
  inFlight(lockId: string): Operation | undefined {
    const key = normId(lockId);
    for (const op of this.running.values()) if (op.lockId === key) return op;
    return undefined;
  }

  /** Runs the operation to its end now. */
  complete(op: Operation): void {
    if (op.status !== 'InProgress') return;
    this.running.delete(op.id.toLowerCase());
    op.endedAt = this.clock();
    if (op.willFail) {
      op.status = 'Failed';
      op.error = this.failures.get(op.id.toLowerCase()) ?? {
        code: 'InternalServerError',
        message: 'The operation failed.',
      };
      op.onFailed?.();
    } else {
      op.status = 'Succeeded';
      op.onSucceeded?.();
    }
  }

  /** Summary of every operation, for the state endpoint. */
  list(): { id: string; kind: string; status: OperationStatus; polls: number; resourceId: string; stuck?: true }[] {
    return [...this.ops.values()].map((op) => ({
      id: op.id,
      kind: op.kind,
      status: op.status,
      polls: op.polls,
      resourceId: op.lockId,
      ...(op.stuck ? { stuck: true as const } : {}),
    }));
  }
}
