/**
 * The emulator's shared machinery: state store, operations, tokens, limits, faults and the seeded id
 * stream. Routes reach everything through the Engine in their RequestContext.
 */
import { TokenRegistry } from './auth';
import { defaultPolicy } from './backupModels';
import { FaultInjector, type FaultSpec } from './faults';
import { OperationRegistry, type Operation } from './lro';
import { Store } from './state';
import { ArmThrottle, GraphQuota, type ArmLimits } from './throttle';
import { Prng } from './util';

/** One answered request, for the state endpoint. */
export interface OperationLogEntry {
  method: string;
  path: string;
  status: number;
  code?: string;
  at: string;
}

/** Request counters, for the state endpoint. */
export interface Counters {
  requests: number;
  throttled: number;
  faultsInjected: number;
  byStatus: Record<string, number>;
}

/** How the engine is configured. */
export interface EngineConfig {
  estate: readonly unknown[];
  seed: number;
  indexingDelayMs: number;
  managementGroups: Record<string, string[]>;
  lroRetryAfterSeconds: number;
  lroAutoCompleteMs: number;
  faults?: FaultSpec;
  armLimits?: ArmLimits;
}

/** What an accepted long-running write needs. */
export interface LroStart {
  kind: string;
  lockId: string;
  apiVersion: string;
  failure: { code: string; message: string };
  jobId?: string;
  /** False for operations the `lro-fail` fault never fails. */
  canFail?: boolean;
  onSucceeded?: () => void;
  onFailed?: () => void;
}

/** Shared emulator machinery. */
export class Engine {
  readonly store: Store;
  readonly ops: OperationRegistry;
  readonly tokens: TokenRegistry;
  readonly faults: FaultInjector;
  readonly armThrottle: ArmThrottle;
  readonly graphQuota = new GraphQuota();
  readonly log: OperationLogEntry[] = [];
  readonly counters: Counters = { requests: 0, throttled: 0, faultsInjected: 0, byStatus: {} };
  readonly startedAt = Date.now();
  readonly managementGroups: Record<string, string[]>;
  readonly lroRetryAfterSeconds: number;
  /** `https://127.0.0.1:PORT`, set once the server listens. */
  endpoint = '';
  /** The request a route handler is running for (handlers start operations synchronously). */
  currentRequest: { method: string; path: string } | undefined;
  /** Resources created under the `index-lag` fault: lower-case id -> until when GET answers 404. */
  readonly lagging = new Map<string, number>();
  private readonly ids: Prng;

  constructor(config: EngineConfig) {
    this.ids = new Prng(config.seed);
    this.store = new Store(
      config.estate,
      config.indexingDelayMs,
      () => this.now(),
      (vaultId, name) => defaultPolicy(vaultId, name),
    );
    this.ops = new OperationRegistry(() => this.now(), config.lroAutoCompleteMs);
    this.tokens = new TokenRegistry(config.seed);
    this.faults = new FaultInjector(config.faults, config.seed);
    this.managementGroups = config.managementGroups;
    this.lroRetryAfterSeconds = config.lroRetryAfterSeconds;
    this.armThrottle = new ArmThrottle(config.armLimits);
  }

  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }

  /** The current time as an ISO string. */
  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /** A GUID from the seeded id stream. */
  newId(): string {
    return this.ids.uuid();
  }

  /** An etag in the Network provider's `W/"guid"` form. */
  newEtag(): string {
    return `W/"${this.newId()}"`;
  }

  /** Starts a long-running operation; whether it fails or sticks is drawn from the `lro-fail`/`lro-stuck` faults. */
  startLro(init: LroStart): Operation {
    const outcome = init.canFail === false ? 'normal' : this.faults.lroOutcome(this.currentRequest);
    return this.ops.start({
      id: this.newId(),
      kind: init.kind,
      lockId: init.lockId,
      apiVersion: init.apiVersion,
      willFail: outcome === 'fail',
      stuck: outcome === 'stuck',
      failure: init.failure,
      ...(init.jobId !== undefined ? { jobId: init.jobId } : {}),
      ...(init.onSucceeded ? { onSucceeded: init.onSucceeded } : {}),
      ...(init.onFailed ? { onFailed: init.onFailed } : {}),
    });
  }

  /** An absolute URL on this emulator for a path and api-version. */
  url(path: string, apiVersion: string): string {
    return `${this.endpoint}${path}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  /** Retry-After header value for long-running operations. */
  retryAfter(): string {
    return String(this.faults.retryAfterSeconds() ?? this.lroRetryAfterSeconds);
  }
}
