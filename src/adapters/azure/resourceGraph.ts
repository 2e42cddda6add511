/**
 * The inventory from Azure Resource Graph: every `src/queries/*.kql`, run over the sweep's scope, all pages.
 *
 * Facts it follows (docs/azure-facts.md §2):
 * - paging: `options.$top` up to 1000 and `$skipToken` until the response has none (the SDK calls them
 *   `top`/`skipToken`); the queries project `id` and `order by id`, so pages are stable;
 * - scope: subscriptions in batches of at most 300 per request, or management groups, or neither (tenant);
 * - quota: about 15 requests per 5 s per user. Every response carries `x-ms-user-quota-remaining` and
 *   `x-ms-user-quota-resets-after` (hh:mm:ss); at 0 remaining the next request waits for the reset.
 *   A 429 is waited out (Retry-After, else the quota reset, else jittered backoff), as are 5xx;
 * - bad KQL is a 400 `BadRequest` with `InvalidQuery`/`InvalidQueryLanguage` and `ParserFailure`
 *   (line, characterPositionInLine, token) details: never retried, thrown as {@link ResourceGraphQueryError}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { QueryRequest, QueryResponse, ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import { assertNever } from '../../core/assert';
import { GUID, type ScopeCoverage, type UncoveredScope } from '../../core/coverage';
import type { AzureErrorInfo, InventorySource, Scope } from '../../ports';
import type { AzureClients } from './clients';
import { allCodes, type ArmError, isRetryable, parseArmErrorBody, statusCodeOf, toAzureErrorInfo } from './errors';
import { backoffDelay, parseTimeSpan, realSleep, retryAfterFromHeaders, type Sleep } from './retry';

/** One named KQL query (the file name without `.kql`). */
export interface KqlQuery {
  name: string;
  kql: string;
}

/** Something the inventory reports while it runs (pages fetched, waits for quota or throttling). */
export type ResourceGraphEvent =
  | {
      kind: 'page';
      query: string;
      /** 1-based page number within one scope batch. */
      page: number;
      rows: number;
      totalRecords?: number;
      scope: 'subscriptions' | 'managementGroups' | 'tenant';
      /** 0-based index of the scope batch. */
      batch: number;
      quotaRemaining?: number;
    }
  | {
      kind: 'throttle';
      query: string;
      waitMs: number;
      /** `quota`: remaining hit 0; `retry-after`/`quota-reset`/`backoff`: how a 429/5xx wait was chosen. */
      reason: 'quota' | 'retry-after' | 'quota-reset' | 'backoff';
      status?: number;
      attempt?: number;
    }
  | { kind: 'truncated'; query: string };

/** Receives each event as a readable line and as data. */
export type ResourceGraphLogger = (line: string, event: ResourceGraphEvent) => void;

/** The client to query with: a ResourceGraphClient, or the clients of createAzureClients. */
export type ResourceGraphClientSource =
  | { client: Pick<ResourceGraphClient, 'resources'>; clients?: never }
  | { clients: Pick<AzureClients, 'resourceGraph'>; client?: never };

/** Options of {@link ResourceGraphInventory}. */
export type ResourceGraphInventoryOptions = ResourceGraphClientSource & ResourceGraphSettings;

/** Paging, pacing and retry settings of {@link ResourceGraphInventory}. */
export interface ResourceGraphSettings {
  /** The queries to run; default: every `*.kql` in {@link defaultQueriesDir}. */
  queries?: readonly KqlQuery[];
  /** Where to read `*.kql` from when `queries` is not given. */
  queriesDir?: string;
  /** `$top` per page, 1..1000; default 1000. */
  pageSize?: number;
  /** Subscriptions per request; default 300. */
  subscriptionBatchSize?: number;
  /** Attempts per page request on 429/5xx/socket errors; default 6. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After or quota reset longer than this is not waited out; default 60 s. */
  maxWaitMs?: number;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  logger?: ResourceGraphLogger;
  /**
   * Why a requested subscription that Resource Graph did not return is unreadable, e.g. `not found (404)` or
   * `no access (403)` from a direct ARM read; without it the reason is `not visible to Resource Graph`.
   */
  probeSubscription?: (subscriptionId: string) => Promise<string | undefined>;
}

/** A `ParserFailure` (or other) detail of a rejected query. */
export interface QueryErrorDetail {
  code: string;
  message?: string;
  line?: number;
  characterPositionInLine?: number;
  token?: string;
}

/** Resource Graph refused a request; `info` is the Azure error, `queryName` which query. */
export class ResourceGraphRequestError extends Error {
  constructor(
    readonly queryName: string,
    readonly info: AzureErrorInfo,
    options?: { cause?: unknown },
  ) {
    super(`Resource Graph query '${queryName}' failed: ${info.code}: ${info.message}`, options);
    this.name = 'ResourceGraphRequestError';
  }
}

/**
 * The request was rejected as invalid and is never retried: bad KQL (400 `InvalidQuery` /
 * `InvalidQueryLanguage`, whose `ParserFailure` details hold the position) or another 400 such as an
 * unknown management group.
 */
export class ResourceGraphQueryError extends ResourceGraphRequestError {
  constructor(
    queryName: string,
    info: AzureErrorInfo,
    /** Every detail of the error, flattened; `ParserFailure` ones carry line/characterPositionInLine/token. */
    readonly details: QueryErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(queryName, info, options);
    this.name = 'ResourceGraphQueryError';
    const where = details.find((d) => d.line !== undefined || d.token !== undefined);
    if (where) {
      this.message += ` (line ${where.line ?? '?'}, position ${where.characterPositionInLine ?? '?'}, token '${where.token ?? ''}')`;
    }
  }

  /** The `ParserFailure` details. */
  get parserFailures(): QueryErrorDetail[] {
    return this.details.filter((d) => d.code.toLowerCase() === 'parserfailure');
  }
}

const QUERY_ERROR_CODES = new Set(['invalidquery', 'invalidquerylanguage', 'parserfailure']);

/**
 * The folder holding the `.kql` files: `queries` beside `adapters`, which is `src/queries` when running the
 * TypeScript sources and `dist/src/queries` in the compiled output (`npm run build` copies them there), so the
 * deployed package carries its queries.
 */
export function defaultQueriesDir(): string {
  const dir = path.resolve(__dirname, '../../queries');
  if (!fs.existsSync(dir) || !fs.readdirSync(dir).some((f) => f.endsWith('.kql')))
    throw new Error(`no .kql queries found in ${dir}`);
  return dir;
}

/** Reads every `*.kql` file of a folder, sorted by name. */
export function loadQueries(dir: string = defaultQueriesDir()): KqlQuery[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.kql'))
    .sort()
    .map((f) => ({ name: path.basename(f, '.kql'), kql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A row of an `objectArray` result. */
export type Row = Record<string, unknown>;

const responseSchema = z.looseObject({
  data: z.array(z.record(z.string(), z.unknown())),
  skipToken: z.string().optional().nullable(),
  totalRecords: z.number().optional(),
  resultTruncated: z.string().optional(),
});

interface ScopeRequest {
  kind: 'subscriptions' | 'managementGroups' | 'tenant';
  batch: number;
  scope: Pick<QueryRequest, 'subscriptions' | 'managementGroups'>;
}

/** The query whose rows may live in vaults outside the scope. */
export const PROTECTED_ITEMS_QUERY = 'protected-items';

/**
 * The protected-items query narrowed to items whose source VM is in one of these subscriptions, one query
 * per batch (to run tenant-wide). Only GUID-shaped subscription ids are used, so nothing can be injected.
 */
export function protectedItemsOfVmsIn(kql: string, subscriptions: readonly string[], batchSize: number): string[] {
  const ids = [...new Set(subscriptions.map((s) => s.trim().toLowerCase()).filter((s) => /^[0-9a-f-]{1,64}$/.test(s)))];
  return chunk(ids, batchSize).map(
    (batch) =>
      `${kql.trimEnd()}\n| where tolower(tostring(split(tostring(properties.sourceResourceId), '/')[2])) in (${batch.map((s) => `'${s}'`).join(', ')})`,
  );
}

/** The subscriptions of a scope that Resource Graph can read (ResourceContainers holds one row per subscription). */
export const SUBSCRIPTIONS_KQL =
  "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId | order by id asc";

/** Runs the engine's KQL queries against Resource Graph. */
export class ResourceGraphInventory implements InventorySource {
  private readonly client: Pick<ResourceGraphClient, 'resources'>;
  private readonly queriesOption: readonly KqlQuery[] | undefined;
  private readonly queriesDir: string | undefined;
  private readonly pageSize: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly log: (event: ResourceGraphEvent) => void;
  private readonly probe: ((subscriptionId: string) => Promise<string | undefined>) | undefined;
  /** Until when the per-user quota is used up (epoch ms). */
  private quotaBlockedUntil = 0;
  /** Queries whose last result was truncated (no skip token although more rows exist). */
  private truncated = new Set<string>();

  constructor(options: ResourceGraphInventoryOptions) {
    this.client = options.client ?? options.clients.resourceGraph;
    this.queriesOption = options.queries;
    this.queriesDir = options.queriesDir;
    this.pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
    this.batchSize = Math.min(300, Math.max(1, options.subscriptionBatchSize ?? 300));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 8_000;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    const logger = options.logger;
    this.log = logger ? (event) => logger(describeEvent(event), event) : () => undefined;
    this.probe = options.probeSubscription;
  }

  /** The queries this inventory runs. */
  queries(): readonly KqlQuery[] {
    return this.queriesOption ?? loadQueries(this.queriesDir);
  }

  /**
   * Runs every query over the scope and returns all their rows, unvalidated. A VM may be protected by a
   * vault in any subscription of the tenant (docs/azure-facts.md §2), so when the scope names subscriptions the
   * protected items of their VMs are also looked up tenant-wide, filtered on the source VM's subscription:
   * a shard of 300 subscriptions still sees a VM protected by a vault in another shard.
   */
  async fetchRows(scope: Scope): Promise<unknown[]> {
    this.truncated = new Set();
    const rows: unknown[] = [];
    for (const q of this.queries()) {
      const r = await this.runNamed(q.name, q.kql, scope);
      const seen = new Set(r.map((row) => (typeof row.id === 'string' ? row.id : '').toLowerCase()));
      for (const row of r) rows.push(row);
      if (q.name !== PROTECTED_ITEMS_QUERY) continue;
      for (const kql of protectedItemsOfVmsIn(q.kql, scope.subscriptions, this.batchSize)) {
        for (const row of await this.runNamed(`${q.name} (by VM subscription)`, kql, {
          subscriptions: [],
          managementGroups: [],
        })) {
          const key = (typeof row.id === 'string' ? row.id : '').toLowerCase();
          if (seen.has(key)) continue;
          seen.add(key);
          rows.push(row);
        }
      }
    }
    return rows;
  }

  /**
   * What the last {@link fetchRows} over `scope` covered: the requested subscriptions Resource Graph returns
   * (ResourceContainers), each one it does not with the reason (not a GUID, then the probe's 404 or 403), and
   * every query whose result was truncated. Resource Graph leaves out what the caller cannot read without an
   * error, so this is the only way to tell "nothing wrong" from "nothing read".
   */
  async scopeCoverage(scope: Scope): Promise<ScopeCoverage> {
    const subs = [...new Set(scope.subscriptions.map((s) => s.trim()).filter(Boolean))];
    const groups = [...new Set(scope.managementGroups.map((s) => s.trim()).filter(Boolean))];
    const requested =
      subs.length + groups.length === 0 ? ['tenant'] : [...subs, ...groups.map((g) => `managementGroup:${g}`)];
    const uncovered: UncoveredScope[] = [];
    const guids = subs.filter((s) => GUID.test(s));
    for (const s of subs) if (!GUID.test(s)) uncovered.push({ scope: s, reason: 'not a GUID' });
    const seen: string[] = [];
    if (guids.length > 0 || groups.length > 0 || subs.length === 0) {
      const rows = await this.runNamed('subscriptions', SUBSCRIPTIONS_KQL, {
        subscriptions: guids,
        managementGroups: groups,
      });
      for (const row of rows) {
        const sub = typeof row['subscriptionId'] === 'string' ? row['subscriptionId'].toLowerCase() : '';
        if (sub && !seen.includes(sub)) seen.push(sub);
      }
    }
    for (const s of guids) {
      if (seen.includes(s.toLowerCase())) continue;
      const reason = (this.probe ? await this.probe(s) : undefined) ?? 'not visible to Resource Graph';
      uncovered.push({ scope: s, reason });
    }
    if (groups.length > 0 && seen.length === 0)
      for (const g of groups) uncovered.push({ scope: `managementGroup:${g}`, reason: 'no subscription readable' });
    for (const q of this.truncated) uncovered.push({ scope: `query:${q}`, reason: 'result truncated' });
    return { requested, seen: seen.sort(), uncovered };
  }

  /** Runs one KQL query over the scope and returns every row of every page (for `warden query`). */
  runQuery(kql: string, scope: Scope): Promise<Row[]> {
    return this.runNamed('adhoc', kql, scope);
  }

  private scopeRequests(scope: Scope): ScopeRequest[] {
    const requests: ScopeRequest[] = [];
    const subscriptions = [...new Set(scope.subscriptions.map((s) => s.trim()).filter(Boolean))];
    const managementGroups = [...new Set(scope.managementGroups.map((s) => s.trim()).filter(Boolean))];
    chunk(subscriptions, this.batchSize).forEach((subs, batch) =>
      requests.push({ kind: 'subscriptions', batch, scope: { subscriptions: subs } }),
    );
    chunk(managementGroups, this.batchSize).forEach((mgs, batch) =>
      requests.push({ kind: 'managementGroups', batch, scope: { managementGroups: mgs } }),
    );
    if (requests.length === 0) requests.push({ kind: 'tenant', batch: 0, scope: {} });
    return requests;
  }

  private async runNamed(name: string, kql: string, scope: Scope): Promise<Row[]> {
    const requests = this.scopeRequests(scope);
    const overlapping = new Set(requests.map((r) => r.kind)).size > 1;
    const rows: Row[] = [];
    const seen = new Set<string>();
    for (const req of requests) {
      let skipToken: string | undefined;
      let page = 0;
      do {
        page++;
        const { response, quotaRemaining } = await this.requestPage(name, {
          query: kql,
          ...req.scope,
          options: { top: this.pageSize, resultFormat: 'objectArray', ...(skipToken ? { skipToken } : {}) },
        });
        const parsed = responseSchema.safeParse(response);
        if (!parsed.success) {
          throw new ResourceGraphRequestError(name, {
            code: 'UnexpectedResponse',
            message: `response is not an objectArray page: ${parsed.error.message}`,
          });
        }
        const data = parsed.data.data;
        for (const row of data) {
          const id = row.id;
          if (overlapping && typeof id === 'string') {
            const key = id.toLowerCase();
            if (seen.has(key)) continue;
            seen.add(key);
          }
          rows.push(row);
        }
        this.log({
          kind: 'page',
          query: name,
          page,
          rows: data.length,
          scope: req.kind,
          batch: req.batch,
          ...(parsed.data.totalRecords !== undefined ? { totalRecords: parsed.data.totalRecords } : {}),
          ...(quotaRemaining !== undefined ? { quotaRemaining } : {}),
        });
        skipToken = parsed.data.skipToken ?? undefined;
        if (!skipToken && parsed.data.resultTruncated === 'true') {
          this.truncated.add(name);
          this.log({ kind: 'truncated', query: name });
        }
      } while (skipToken);
    }
    return rows;
  }

  /** Sends one page request: waits for quota, retries 429/5xx/socket errors, never retries a bad query. */
  private async requestPage(
    name: string,
    request: QueryRequest,
  ): Promise<{ response: QueryResponse; quotaRemaining?: number }> {
    for (let attempt = 1; ; attempt++) {
      const blockedFor = this.quotaBlockedUntil - this.now();
      if (blockedFor > 0) {
        this.log({ kind: 'throttle', query: name, waitMs: blockedFor, reason: 'quota' });
        await this.sleep(blockedFor);
      }
      let raw: PipelineResponse | undefined;
      let body: unknown;
      try {
        const response = await this.client.resources(request, {
          onResponse: (r) => {
            raw = r;
            body = r.parsedBody;
          },
        });
        const quotaRemaining = this.readQuota(raw);
        return quotaRemaining === undefined ? { response } : { response, quotaRemaining };
      } catch (error) {
        this.readQuota(raw);
        const arm = parseArmErrorBody(body);
        const status = statusCodeOf(error) ?? raw?.status;
        const info = withArm(toAzureErrorInfo(error), arm, status);
        const codes = allCodes(arm).map((c) => c.toLowerCase());
        if (codes.some((c) => QUERY_ERROR_CODES.has(c)) || (status === 400 && !isRetryable(error))) {
          throw new ResourceGraphQueryError(name, info, flattenDetails(arm), { cause: error });
        }
        if (!isRetryable(error) || attempt >= this.maxAttempts) {
          throw new ResourceGraphRequestError(name, info, { cause: error });
        }
        const { waitMs, reason } = this.retryWait(raw, attempt);
        if (waitMs > this.maxWaitMs) throw new ResourceGraphRequestError(name, info, { cause: error });
        this.log({
          kind: 'throttle',
          query: name,
          waitMs,
          reason,
          attempt,
          ...(status !== undefined ? { status } : {}),
        });
        await this.sleep(waitMs);
      }
    }
  }

  /** Records the quota headers of a response; returns the remaining count. */
  private readQuota(raw: PipelineResponse | undefined): number | undefined {
    if (!raw) return undefined;
    const remainingText = raw.headers.get('x-ms-user-quota-remaining');
    const remaining =
      remainingText !== undefined && /^\s*-?\d+\s*$/.test(remainingText) ? Number(remainingText) : undefined;
    const resetsAfter = parseTimeSpan(raw.headers.get('x-ms-user-quota-resets-after'));
    if (remaining !== undefined && remaining <= 0 && resetsAfter !== undefined) {
      this.quotaBlockedUntil = Math.max(this.quotaBlockedUntil, this.now() + resetsAfter);
    }
    return remaining;
  }

  /** How long to wait before retrying a failed page request. */
  private retryWait(
    raw: PipelineResponse | undefined,
    attempt: number,
  ): { waitMs: number; reason: 'retry-after' | 'quota-reset' | 'backoff' } {
    if (raw) {
      const headers = raw.headers;
      const retryAfter = retryAfterFromHeaders((n) => headers.get(n), this.now());
      if (retryAfter !== undefined) return { waitMs: retryAfter, reason: 'retry-after' };
      if (raw.status === 429) {
        const reset = parseTimeSpan(headers.get('x-ms-user-quota-resets-after'));
        if (reset !== undefined) return { waitMs: reset, reason: 'quota-reset' };
      }
    }
    return {
      waitMs: backoffDelay(attempt - 1, {
        baseDelayMs: this.baseDelayMs,
        maxDelayMs: this.maxDelayMs,
        random: this.random,
      }),
      reason: 'backoff',
    };
  }
}

/** Prefers the code/message of the raw error body (the SDK's RestError loses the details). */
function withArm(info: AzureErrorInfo, arm: ArmError | undefined, status: number | undefined): AzureErrorInfo {
  const base = arm ? { ...toAzureErrorInfoFromArm(arm), retryable: info.retryable === true } : info;
  return status === undefined ? base : { ...base, statusCode: status };
}

function toAzureErrorInfoFromArm(arm: ArmError): AzureErrorInfo {
  const specific = flattenDetails(arm).find(
    (d) => QUERY_ERROR_CODES.has(d.code.toLowerCase()) && d.code.toLowerCase() !== 'parserfailure',
  );
  const code = specific?.code ?? arm.code ?? 'BadRequest';
  const message = [arm.message, specific?.message].filter((m): m is string => !!m).join(': ') || code;
  return { code, message };
}

const detailSchema = z.looseObject({
  code: z.string(),
  message: z.string().optional(),
  line: z.coerce.number().optional(),
  characterPositionInLine: z.coerce.number().optional(),
  token: z.coerce.string().optional(),
});

/** Every detail of an ARM error tree, depth first, in the shape of {@link QueryErrorDetail}. */
function flattenDetails(arm: ArmError | undefined): QueryErrorDetail[] {
  const out: QueryErrorDetail[] = [];
  const walk = (e: ArmError): void => {
    for (const d of e.details ?? []) {
      const p = detailSchema.safeParse(d);
      if (p.success) {
        const { code, message, line, characterPositionInLine, token } = p.data;
        out.push({
          code,
          ...(message !== undefined ? { message } : {}),
          ...(line !== undefined ? { line } : {}),
          ...(characterPositionInLine !== undefined ? { characterPositionInLine } : {}),
          ...(token !== undefined ? { token } : {}),
        });
      }
      walk(d);
    }
  };
  if (arm) walk(arm);
  return out;
}

/**
 * The probe of a subscription Resource Graph did not return: one page of its resource groups from ARM, whose
 * refusal says why (404 `SubscriptionNotFound`, 403 `AuthorizationFailed`).
 */
export function armSubscriptionProbe(
  clients: Pick<AzureClients, 'resources'>,
): (subscriptionId: string) => Promise<string | undefined> {
  return async (subscriptionId) => {
    try {
      await clients.resources(subscriptionId).resourceGroups.list({ top: 1 }).byPage().next();
      return 'readable by ARM but not returned by Resource Graph';
    } catch (error) {
      const info = toAzureErrorInfo(error);
      if (info.statusCode === 404) return `not found (404 ${info.code})`;
      if (info.statusCode === 403 || info.statusCode === 401) return `no access (${info.statusCode} ${info.code})`;
      return `unreadable (${info.statusCode ?? ''} ${info.code})`.replace('( ', '(');
    }
  };
}

/** Runs one KQL query with a client (for `warden query`): every row of every page. */
export function runQuery(
  client: Pick<ResourceGraphClient, 'resources'>,
  kql: string,
  scope: Scope,
  options: Omit<ResourceGraphSettings, 'queries' | 'queriesDir'> = {},
): Promise<Row[]> {
  return new ResourceGraphInventory({ ...options, client }).runQuery(kql, scope);
}

/** One line for an event, for logs and the CLI's progress output. */
export function describeEvent(e: ResourceGraphEvent): string {
  switch (e.kind) {
    case 'page':
      return `resource graph: ${e.query} ${e.scope}${e.scope === 'tenant' ? '' : ` batch ${e.batch + 1}`} page ${e.page}: ${e.rows} rows${e.totalRecords !== undefined ? ` of ${e.totalRecords}` : ''}${e.quotaRemaining !== undefined ? ` (quota remaining ${e.quotaRemaining})` : ''}`;
    case 'throttle':
      return `resource graph: ${e.query}: waiting ${e.waitMs} ms (${e.reason}${e.status !== undefined ? `, HTTP ${e.status}` : ''}${e.attempt !== undefined ? `, attempt ${e.attempt}` : ''})`;
    case 'truncated':
      return `resource graph: ${e.query}: result truncated (the query must project id to be paged)`;
    default:
      return assertNever(e, 'inventory progress event');
  }
}
