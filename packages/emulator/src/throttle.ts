/**
 * Request limits.
 * - ARM: a token bucket per subscription, principal and operation kind; reads 250 burst refilling
 *   25/s, writes 200 burst refilling 10/s (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * - Resource Graph: 15 queries per 5 s window per user, reported in `x-ms-user-quota-remaining` and
 *   `x-ms-user-quota-resets-after` (https://learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests).
 */

/** A continuously refilling token bucket. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerSecond);
    this.last = now;
  }

  /** Takes one token if there is one; reports what is left and, when empty, when to retry. */
  take(now: number): { ok: boolean; remaining: number; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 };
    }
    const wait = Math.ceil((1 - this.tokens) / this.refillPerSecond);
    return { ok: false, remaining: 0, retryAfterSeconds: Math.max(1, wait) };
  }
}

/** Limits of the ARM buckets. */
export interface ArmLimits {
  readBurst: number;
  readPerSecond: number;
  writeBurst: number;
  writePerSecond: number;
}

/** The default ARM limits (docs/azure-facts.md §4.8). */
export const DEFAULT_ARM_LIMITS: ArmLimits = { readBurst: 250, readPerSecond: 25, writeBurst: 200, writePerSecond: 10 };

/** ARM's per-subscription, per-principal buckets. */
export class ArmThrottle {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(private readonly limits: ArmLimits = DEFAULT_ARM_LIMITS) {}

  /** Takes a token from the bucket of this subscription, principal and kind. */
  take(subscriptionId: string, principalId: string, kind: 'read' | 'write', now: number) {
    const key = `${subscriptionId.toLowerCase()}|${principalId}|${kind}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket =
        kind === 'read'
          ? new TokenBucket(this.limits.readBurst, this.limits.readPerSecond, now)
          : new TokenBucket(this.limits.writeBurst, this.limits.writePerSecond, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }
}

/** Formats milliseconds as Resource Graph's `hh:mm:ss`. */
export function formatHms(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Resource Graph's per-user quota: `limit` queries per fixed window. */
export class GraphQuota {
  private readonly windows = new Map<string, { start: number; used: number }>();
  constructor(
    readonly limit = 15,
    readonly windowMs = 5000,
  ) {}

  /** Counts one query for this user, unless the quota is spent. */
  take(user: string, now: number): { ok: boolean; remaining: number; resetsAfterMs: number } {
    let w = this.windows.get(user);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(user, w);
    }
    const resetsAfterMs = w.start + this.windowMs - now;
    if (w.used >= this.limit) return { ok: false, remaining: 0, resetsAfterMs };
    w.used += 1;
    return { ok: true, remaining: this.limit - w.used, resetsAfterMs };
  }
}
