/**
 * Fault injection. A spec is a comma list of `kind=value`:
 *   429=0.1,500=0.05,503=0.05,conflict=0.1,lro-fail=0.1,latency=5-50
 * Rates are probabilities in [0, 1]; `latency` is a millisecond range `min-max` (or one number).
 * Decisions come from a seeded PRNG, so the same seed and the same request sequence give the same
 * faults.
 */
import { Prng } from './util';

/** The error faults a request can draw. */
export type ErrorFault = '429' | '500' | '503' | 'conflict';

/** A parsed fault spec. */
export interface FaultSpec {
  rates: Partial<Record<ErrorFault | 'lro-fail', number>>;
  latency?: { minMs: number; maxMs: number };
}

const RATE_KINDS = ['429', '500', '503', 'conflict', 'lro-fail'] as const;
type RateKind = (typeof RATE_KINDS)[number];

function isRateKind(key: string): key is RateKind {
  return (RATE_KINDS as readonly string[]).includes(key);
}

/** Parses a fault spec; throws an Error that names the bad part. An empty spec means no faults. */
export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { rates: {} };
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Invalid fault spec part '${part}': expected kind=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'latency') {
      const m = /^(\d+)(?:-(\d+))?$/.exec(value);
      if (!m) throw new Error(`Invalid fault spec part '${part}': latency must be 'min-max' milliseconds`);
      const minMs = Number(m[1]);
      const maxMs = m[2] !== undefined ? Number(m[2]) : minMs;
      if (maxMs < minMs) throw new Error(`Invalid fault spec part '${part}': latency max is below min`);
      out.latency = { minMs, maxMs };
    } else if (isRateKind(key)) {
      if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value)) {
        throw new Error(`Invalid fault spec part '${part}': rate must be a number between 0 and 1`);
      }
      const rate = Number(value);
      if (rate < 0 || rate > 1) throw new Error(`Invalid fault spec part '${part}': rate must be between 0 and 1`);
      out.rates[key] = rate;
    } else {
      throw new Error(
        `Invalid fault spec part '${part}': unknown fault '${key}' (known: ${[...RATE_KINDS, 'latency'].join(', ')})`,
      );
    }
  }
  return out;
}

/** What the injector decided for one request. */
export interface FaultDecision {
  latencyMs: number;
  fault?: ErrorFault;
}

/** Draws faults from a seeded stream. */
export class FaultInjector {
  private spec: FaultSpec;
  private readonly rng: Prng;

  constructor(spec: FaultSpec | undefined, seed: number) {
    this.spec = spec ?? { rates: {} };
    this.rng = new Prng(seed ^ 0x5eed);
  }

  /** Replaces the active spec (the PRNG stream continues). */
  set(spec: FaultSpec | undefined): void {
    this.spec = spec ?? { rates: {} };
  }

  /** The active spec. */
  current(): FaultSpec {
    return this.spec;
  }

  /** Draws latency and at most one error fault; `conflict` only applies to writes. */
  decide(isWrite: boolean): FaultDecision {
    const { latency, rates } = this.spec;
    const latencyMs = latency ? this.rng.int(latency.minMs, latency.maxMs) : 0;
    const order: ErrorFault[] = ['429', '500', '503', 'conflict'];
    for (const kind of order) {
      const rate = rates[kind];
      if (rate === undefined || rate <= 0) continue;
      if (kind === 'conflict' && !isWrite) continue;
      if (this.rng.next() < rate) return { latencyMs, fault: kind };
    }
    return { latencyMs };
  }

  /** Whether a newly accepted long-running operation should end Failed. */
  lroFails(): boolean {
    const rate = this.spec.rates['lro-fail'];
    if (rate === undefined || rate <= 0) return false;
    return this.rng.next() < rate;
  }
}
