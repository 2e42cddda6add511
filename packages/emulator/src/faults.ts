/**
 * Fault injection. A spec is a comma list of `kind=amount[@scope]`:
 *   429=0.1,500=0.05,503=0.05,conflict=0.1,lro-fail=0.1,latency=5-50
 *   reset-after=1x@PUT:*\/securityRules/*,expired=1+40,index-lag=1500,retry-after=120
 *
 * Kinds
 * - per request: `429`, `500`, `503`, `conflict` (writes that change a resource only), `expired` (401
 *   ExpiredAuthenticationToken), `reset-before` (the connection drops before the server acts),
 *   `reset-after` (the server acts, then the connection drops without an answer), `hang` (never answered),
 *   `truncated` (the answer stops half-way through its body), `malformed` (the body is not JSON).
 * - per long-running operation, drawn when the write is accepted: `lro-fail` (ends Failed), `lro-stuck`
 *   (stays InProgress until the fault is switched off).
 * - settings: `latency=min-max` milliseconds, `retry-after=SECONDS` on injected 429/503 answers and on
 *   every long-running operation answer, `index-lag=MS`: a GET of a resource answers 404 for MS after the
 *   PUT that created it.
 *
 * Amounts: a rate in [0, 1] (`0.1`), or a count (`3x`: the next three matching requests); either may skip
 * the first N matching requests (`1+40`: every request from the 41st on; `2x+40`: the 41st and 42nd).
 * Scope: `@PUT`, `@PUT|POST`, `@*\/vaults/*` or `@PUT:*\/securityRules/*`: methods and a case-insensitive
 * path glob (`*` matches anything, `/` included). Decisions come from a seeded PRNG, so the same seed and
 * the same request sequence give the same faults.
 */
import { Prng } from './util';

/** The error faults of the first grammar, kept as rates in `FaultSpec.rates`. */
export type ErrorFault = '429' | '500' | '503' | 'conflict';

/** Every fault a single request can draw. */
export type RequestFault = ErrorFault | 'expired' | 'reset-before' | 'reset-after' | 'hang' | 'truncated' | 'malformed';

/** Faults drawn when a long-running operation is accepted. */
export type LroFault = 'lro-fail' | 'lro-stuck';

/** Any fault kind a rule can name. */
export type FaultKind = RequestFault | LroFault;

/** Which requests a rule meets: methods (upper case) and a path glob. */
export interface FaultScope {
  methods?: string[];
  path?: string;
}

/** One scoped or counted fault. */
export interface FaultRule {
  kind: FaultKind;
  /** Probability per matching request; absent when `count` is set. */
  rate?: number;
  /** Fault exactly this many matching requests, then stop. */
  count?: number;
  /** Let this many matching requests through first. */
  after?: number;
  scope?: FaultScope;
  /** The part of the spec it came from, for reports. */
  source: string;
}

/** A parsed fault spec. */
export interface FaultSpec {
  rates: Partial<Record<ErrorFault | 'lro-fail', number>>;
  latency?: { minMs: number; maxMs: number };
  /** Scoped, counted or new-kind faults, in spec order. */
  rules?: FaultRule[];
  /** Retry-After seconds on injected 429/503 answers and on long-running operation answers. */
  retryAfterSeconds?: number;
  /** Milliseconds a created resource answers 404 to GET. */
  indexLag?: { ms: number; scope?: FaultScope };
}

const LEGACY_KINDS = ['429', '500', '503', 'conflict', 'lro-fail'] as const;
const REQUEST_KINDS: readonly RequestFault[] = [
  '429',
  '500',
  '503',
  'conflict',
  'expired',
  'reset-before',
  'reset-after',
  'hang',
  'truncated',
  'malformed',
];
const LRO_KINDS: readonly LroFault[] = ['lro-fail', 'lro-stuck'];
const SETTINGS = ['latency', 'retry-after', 'index-lag'] as const;
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];

/** Every kind the grammar knows, for messages and documentation. */
export const FAULT_KINDS: readonly string[] = [...REQUEST_KINDS, ...LRO_KINDS, ...SETTINGS];

function isLegacyKind(key: string): key is (typeof LEGACY_KINDS)[number] {
  return (LEGACY_KINDS as readonly string[]).includes(key);
}

function isRuleKind(key: string): key is FaultKind {
  return (REQUEST_KINDS as readonly string[]).includes(key) || (LRO_KINDS as readonly string[]).includes(key);
}

function parseScope(text: string, part: string): FaultScope {
  const bad = (why: string) => new Error(`Invalid fault spec part '${part}': ${why}`);
  if (text.length === 0) throw bad("the scope after '@' is empty");
  let methodText: string | undefined;
  let glob: string | undefined;
  if (text.startsWith('/') || text.startsWith('*')) glob = text;
  else {
    const colon = text.indexOf(':');
    methodText = colon < 0 ? text : text.slice(0, colon);
    if (colon >= 0) glob = text.slice(colon + 1);
  }
  const scope: FaultScope = {};
  if (methodText !== undefined) {
    const methods = methodText.split('|').map((m) => m.trim().toUpperCase());
    const unknown = methods.filter((m) => !METHODS.includes(m));
    if (unknown.length > 0 || methods.length === 0)
      throw bad(`unknown method '${unknown.join('|')}' in the scope (known: ${METHODS.join(', ')})`);
    scope.methods = methods;
  }
  if (glob !== undefined) {
    if (!glob.startsWith('/') && !glob.startsWith('*')) throw bad("a scope path must start with '/' or '*'");
    scope.path = glob;
  }
  return scope;
}

interface Amount {
  rate?: number;
  count?: number;
  after?: number;
}

function parseAmount(value: string, part: string): Amount {
  const m = /^(?:(\d+)x|((?:\d+(?:\.\d*)?|\.\d+)))(?:\+(\d+))?$/.exec(value);
  if (!m) {
    throw new Error(
      `Invalid fault spec part '${part}': rate must be a number between 0 and 1, or a count like '3x' (optionally '+N' to skip N requests first)`,
    );
  }
  const out: Amount = {};
  if (m[1] !== undefined) {
    out.count = Number(m[1]);
    if (out.count < 1) throw new Error(`Invalid fault spec part '${part}': a count must be at least 1`);
  } else {
    const rate = Number(m[2]);
    if (rate < 0 || rate > 1) throw new Error(`Invalid fault spec part '${part}': rate must be between 0 and 1`);
    out.rate = rate;
  }
  if (m[3] !== undefined) out.after = Number(m[3]);
  return out;
}

/** Parses a fault spec; throws an Error that names the bad part. An empty spec means no faults. */
export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { rates: {} };
  const rules: FaultRule[] = [];
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Invalid fault spec part '${part}': expected kind=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const rest = part.slice(eq + 1).trim();
    const at = rest.indexOf('@');
    const value = at < 0 ? rest : rest.slice(0, at).trim();
    const scope = at < 0 ? undefined : parseScope(rest.slice(at + 1).trim(), part);
    if (key === 'latency') {
      if (scope) throw new Error(`Invalid fault spec part '${part}': latency takes no scope`);
      const m = /^(\d+)(?:-(\d+))?$/.exec(value);
      if (!m) throw new Error(`Invalid fault spec part '${part}': latency must be 'min-max' milliseconds`);
      const minMs = Number(m[1]);
      const maxMs = m[2] !== undefined ? Number(m[2]) : minMs;
      if (maxMs < minMs) throw new Error(`Invalid fault spec part '${part}': latency max is below min`);
      out.latency = { minMs, maxMs };
    } else if (key === 'retry-after') {
      if (scope) throw new Error(`Invalid fault spec part '${part}': retry-after takes no scope`);
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 86400)
        throw new Error(`Invalid fault spec part '${part}': retry-after must be whole seconds from 1 to 86400`);
      out.retryAfterSeconds = Number(value);
    } else if (key === 'index-lag') {
      if (!/^\d+$/.test(value) || Number(value) < 1)
        throw new Error(`Invalid fault spec part '${part}': index-lag must be a positive number of milliseconds`);
      out.indexLag = { ms: Number(value), ...(scope ? { scope } : {}) };
    } else if (isRuleKind(key)) {
      const amount = parseAmount(value, part);
      const simple = amount.count === undefined && amount.after === undefined && !scope;
      if (simple && isLegacyKind(key)) out.rates[key] = amount.rate ?? 0;
      else rules.push({ kind: key, ...amount, ...(scope ? { scope } : {}), source: part });
    } else {
      throw new Error(`Invalid fault spec part '${part}': unknown fault '${key}' (known: ${FAULT_KINDS.join(', ')})`);
    }
  }
  if (rules.length > 0) out.rules = rules;
  return out;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** True when a request (method, path without query) falls in the scope. */
export function inScope(scope: FaultScope | undefined, method: string, path: string): boolean {
  if (!scope) return true;
  if (scope.methods && !scope.methods.includes(method.toUpperCase())) return false;
  if (scope.path && !globToRegExp(scope.path).test(path)) return false;
  return true;
}

/** What the injector decided for one request. */
export interface FaultDecision {
  latencyMs: number;
  fault?: RequestFault;
}

/** The request a decision is made for. */
export interface FaultRequest {
  method: string;
  path: string;
  /** Conflicts only meet writes that change a resource. */
  conflictEligible: boolean;
}

interface RuleState {
  rule: FaultRule;
  matched: number;
  fired: number;
}

/** Draws faults from a seeded stream and counts what it injected, by kind. */
export class FaultInjector {
  private spec: FaultSpec;
  private rules: RuleState[] = [];
  private readonly rng: Prng;
  private readonly injected: Record<string, number> = {};
  /** Requests held open by `hang`: each releases (destroys) its connection. */
  readonly parked = new Set<() => void>();

  constructor(spec: FaultSpec | undefined, seed: number) {
    this.spec = spec ?? { rates: {} };
    this.rules = this.compile(this.spec);
    this.rng = new Prng(seed ^ 0x5eed);
  }

  private compile(spec: FaultSpec): RuleState[] {
    return (spec.rules ?? []).map((rule) => ({ rule, matched: 0, fired: 0 }));
  }

  /** Replaces the active spec (the PRNG stream continues; counts restart). */
  set(spec: FaultSpec | undefined): void {
    this.spec = spec ?? { rates: {} };
    this.rules = this.compile(this.spec);
  }

  /** The active spec. */
  current(): FaultSpec {
    return this.spec;
  }

  /** Faults injected since start, by kind (`index-lag` counts 404s answered during the lag). */
  counts(): Record<string, number> {
    return { ...this.injected };
  }

  /** Counts one injected fault of this kind. */
  record(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }

  /** Whether any `lro-stuck` rule is active. */
  holdsLros(): boolean {
    return this.rules.some((r) => r.rule.kind === 'lro-stuck');
  }

  /** The Retry-After override, if the spec sets one. */
  retryAfterSeconds(): number | undefined {
    return this.spec.retryAfterSeconds;
  }

  /** Milliseconds a resource created by this PUT answers 404, or 0. */
  indexLagMs(method: string, path: string): number {
    const lag = this.spec.indexLag;
    if (!lag || !inScope(lag.scope, method, path)) return 0;
    return lag.ms;
  }

  private fires(state: RuleState): boolean {
    const { rule } = state;
    state.matched += 1;
    if (state.matched <= (rule.after ?? 0)) return false;
    if (rule.count !== undefined) {
      if (state.fired >= rule.count) return false;
      state.fired += 1;
      return true;
    }
    const rate = rule.rate ?? 0;
    if (rate <= 0) return false;
    if (rate >= 1 || this.rng.next() < rate) {
      state.fired += 1;
      return true;
    }
    return false;
  }

  /** Draws latency and at most one request fault; `conflict` only applies to writes that change a resource. */
  decide(req: boolean | FaultRequest): FaultDecision {
    const r: FaultRequest =
      typeof req === 'boolean' ? { method: req ? 'PUT' : 'GET', path: '/', conflictEligible: req } : req;
    const { latency, rates } = this.spec;
    const latencyMs = latency ? this.rng.int(latency.minMs, latency.maxMs) : 0;
    const order: ErrorFault[] = ['429', '500', '503', 'conflict'];
    for (const kind of order) {
      const rate = rates[kind];
      if (rate === undefined || rate <= 0) continue;
      if (kind === 'conflict' && !r.conflictEligible) continue;
      if (this.rng.next() < rate) return this.hit(latencyMs, kind);
    }
    for (const state of this.rules) {
      const kind = state.rule.kind;
      if (kind === 'lro-fail' || kind === 'lro-stuck') continue;
      if (kind === 'conflict' && !r.conflictEligible) continue;
      if (!inScope(state.rule.scope, r.method, r.path)) continue;
      if (this.fires(state)) return this.hit(latencyMs, kind);
    }
    return { latencyMs };
  }

  private hit(latencyMs: number, fault: RequestFault): FaultDecision {
    this.record(fault);
    return { latencyMs, fault };
  }

  /** Whether a newly accepted long-running operation should end Failed (the first grammar's rate only). */
  lroFails(): boolean {
    const rate = this.spec.rates['lro-fail'];
    if (rate === undefined || rate <= 0) return false;
    return this.rng.next() < rate;
  }

  /** How a long-running operation accepted for this request ends: normally, Failed, or never. */
  lroOutcome(req: { method: string; path: string } | undefined): 'normal' | 'fail' | 'stuck' {
    if (this.lroFails()) {
      this.record('lro-fail');
      return 'fail';
    }
    for (const state of this.rules) {
      const kind = state.rule.kind;
      if (kind !== 'lro-fail' && kind !== 'lro-stuck') continue;
      if (req && !inScope(state.rule.scope, req.method, req.path)) continue;
      if (this.fires(state)) {
        this.record(kind);
        return kind === 'lro-fail' ? 'fail' : 'stuck';
      }
    }
    return 'normal';
  }

  /** Releases every request held by `hang` (their connections are destroyed). */
  releaseParked(): void {
    for (const release of [...this.parked]) release();
    this.parked.clear();
  }
}

/** A one-line, human-readable form of a spec (empty for no faults). */
export function formatFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(spec.rates)) parts.push(`${k}=${v}`);
  if (spec.latency) parts.push(`latency=${spec.latency.minMs}-${spec.latency.maxMs}`);
  for (const r of spec.rules ?? []) parts.push(r.source);
  if (spec.retryAfterSeconds !== undefined) parts.push(`retry-after=${spec.retryAfterSeconds}`);
  if (spec.indexLag) parts.push(`index-lag=${spec.indexLag.ms}`);
  return parts.join(',');
}
