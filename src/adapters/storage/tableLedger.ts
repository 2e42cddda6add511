/**
 * The findings ledger on Azure Table storage (the Function App's AzureWebJobsStorage account, or Azurite).
 *
 * Layout of the `findings` table:
 * - a finding: PartitionKey = ruleId, RowKey = {@link rowKeyOf}(lower-case resourceId), `kind = 'finding'`,
 *   and the {@link LedgerEntry} fields (`lastAction` as a JSON string, times as ISO-8601 strings);
 * - a claimed dedupe key: PartitionKey `dedupe`, RowKey = rowKeyOf(key), `expiresAt`;
 * - a sweep's summary row: PartitionKey `sweep`, RowKey = rowKeyOf(sweepId);
 * - a poison message: PartitionKey `poison`, RowKey = `{at}_{uuid}` (so they list oldest first).
 *
 * Every read-modify-write is optimistic: it replaces the entity with the ETag it read (or creates it), and
 * on 412/409 re-reads and re-applies the transition, so concurrent Function instances never lose an update.
 * Status transitions are those of ledgerTransitions.ts, shared with the MemoryLedger.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { odata, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { z } from 'zod';
import { ACTION_KINDS } from '../../core/actions';
import type { Action, Finding } from '../../core/model';
import type {
  ActionResult,
  FindingChange,
  Ledger,
  LedgerContext,
  LedgerEntry,
  LedgerStatus,
  SweepSummary,
} from '../../ports';
import { mapLimit } from '../azure/concurrency';
import { statusCodeOf } from '../azure/errors';
import { realSleep } from '../azure/retry';
import {
  changeOf,
  compareEntries,
  dedupeFindings,
  isMissing,
  LEDGER_STATUSES,
  onActionResult,
  onMissing,
  onSeen,
} from './ledgerTransitions';

/** The default table name. */
export const DEFAULT_TABLE_NAME = 'findings';

/** PartitionKeys that hold something other than findings; no rule may be named like them. */
export const RESERVED_PARTITIONS: ReadonlySet<string> = new Set(['dedupe', 'sweep', 'poison']);

/** The longest RowKey the Table service accepts, in characters (1 KiB). */
const MAX_ROW_KEY = 1024;

/**
 * The RowKey of a text: its UTF-8 bytes in base64url (RFC 4648 §5: `A-Z a-z 0-9 - _`, no padding), which
 * never contains the characters a key may not (`/ \ # ?` and control characters) and is not decoded
 * twice by any layer (`%`-encoding is). A text whose encoding would exceed 1 KiB is keyed `sha256-{hex}`
 * instead. Keys are never decoded: the entity carries the original text.
 * @see https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#characters-disallowed-in-key-fields
 */
export function rowKeyOf(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64url');
  if (encoded.length <= MAX_ROW_KEY) return encoded;
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Options shared by both ways of reaching the table. */
interface CommonOptions {
  /** Defaults to `findings`. */
  tableName?: string;
  /** Allow plain http (Azurite). Defaults to true when the connection string's TableEndpoint is http. */
  allowInsecureConnection?: boolean;
  /** Parallel entity writes per call (default 16). */
  concurrency?: number;
  /** Optimistic-concurrency attempts per entity before giving up (default 20). */
  maxAttempts?: number;
}

/** A TableLedger from a connection string (`AzureWebJobsStorage`, `UseDevelopmentStorage=true`, or Azurite's explicit form). */
export interface TableLedgerConnectionOptions extends CommonOptions {
  connectionString: string;
}

/** A TableLedger from an identity-based connection (`AzureWebJobsStorage__accountName`). */
export interface TableLedgerIdentityOptions extends CommonOptions {
  accountName: string;
  credential: TokenCredential;
  /** Defaults to `https://{accountName}.table.core.windows.net` (`AzureWebJobsStorage__tableServiceUri`). */
  tableEndpoint?: string;
}

/** A TableLedger over an existing client (tests). */
export interface TableLedgerClientOptions extends Omit<CommonOptions, 'tableName' | 'allowInsecureConnection'> {
  client: TableClient;
}

/** How to reach the ledger's table. */
export type TableLedgerOptions = TableLedgerConnectionOptions | TableLedgerIdentityOptions | TableLedgerClientOptions;

/** Raised when an entity kept changing under every optimistic attempt. */
export class LedgerConflictError extends Error {
  constructor(partitionKey: string, rowKey: string, attempts: number) {
    super(`ledger entity ${partitionKey}/${rowKey} was changed concurrently on each of ${attempts} attempts`);
    this.name = 'LedgerConflictError';
  }
}

/** True when a connection string points the Table endpoint at plain http. */
function isHttpConnectionString(cs: string): boolean {
  return (
    /(^|;)\s*TableEndpoint\s*=\s*http:\/\//i.test(cs) || /(^|;)\s*DefaultEndpointsProtocol\s*=\s*http\s*(;|$)/i.test(cs)
  );
}

/** Builds the TableClient of a connection string or identity-based connection. */
export function tableClientOf(options: TableLedgerConnectionOptions | TableLedgerIdentityOptions): TableClient {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  if ('connectionString' in options) {
    const clientOptions: TableServiceClientOptions = {
      allowInsecureConnection: options.allowInsecureConnection ?? isHttpConnectionString(options.connectionString),
    };
    return TableClient.fromConnectionString(options.connectionString, tableName, clientOptions);
  }
  const endpoint = (options.tableEndpoint ?? `https://${options.accountName}.table.core.windows.net`).replace(
    /\/+$/,
    '',
  );
  const clientOptions: TableServiceClientOptions = options.allowInsecureConnection
    ? { allowInsecureConnection: true }
    : {};
  return new TableClient(endpoint, tableName, options.credential, clientOptions);
}

const lastActionSchema = z.object({
  kind: z.enum(ACTION_KINDS),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  errorCode: z.string().optional(),
  at: z.string(),
  detail: z.string().optional(),
});

const findingEntitySchema = z.object({
  ruleId: z.string(),
  resourceId: z.string(),
  severity: z.enum(['high', 'medium', 'low', 'info']),
  status: z.enum(LEDGER_STATUSES as [LedgerStatus, ...LedgerStatus[]]),
  message: z.string(),
  subscriptionId: z.string(),
  location: z.string().optional(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  resolvedAt: z.string().optional(),
  lastSweepId: z.string().optional(),
  lastAction: z.string().optional(),
  attempts: z.number().int(),
});

const sweepEntitySchema = z.object({
  sweepId: z.string(),
  trigger: z.enum(['timer', 'event', 'cli']),
  startedAt: z.string(),
  shards: z.number().int(),
  shardsCompleted: z.number().int(),
  resources: z.number().int(),
  findings: z.number().int(),
  open: z.number().int(),
  exempt: z.number().int(),
  actions: z.number().int(),
  resolved: z.number().int(),
  warnings: z.number().int(),
});

const claimEntitySchema = z.object({ expiresAt: z.string() });

const poisonEntitySchema = z.object({ queue: z.string(), at: z.string(), parts: z.number().int().min(1) }).loose();

/** Table string properties hold at most 64 KiB (32 K UTF-16 units); longer poison messages are split. */
const PROPERTY_CHUNK = 30_000;

function toEntry(props: Record<string, unknown>): LedgerEntry {
  const e = findingEntitySchema.parse(props);
  const { lastAction, location, resolvedAt, lastSweepId, ...rest } = e;
  return {
    ...rest,
    ...(location !== undefined ? { location } : {}),
    ...(resolvedAt !== undefined ? { resolvedAt } : {}),
    ...(lastSweepId !== undefined ? { lastSweepId } : {}),
    ...(lastAction !== undefined ? { lastAction: stripUndefined(lastActionSchema.parse(JSON.parse(lastAction))) } : {}),
  };
}

/** `T` with its `undefined`-valued properties left out rather than set to undefined. */
type WithoutUndefined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

function stripUndefined<T extends object>(o: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as WithoutUndefined<T>;
}

function fromEntry(entry: LedgerEntry): Record<string, unknown> {
  const { lastAction, ...rest } = entry;
  return stripUndefined({
    kind: 'finding',
    ...rest,
    ...(lastAction ? { lastAction: JSON.stringify(lastAction) } : {}),
  });
}

function toSummary(props: Record<string, unknown>): SweepSummary {
  return sweepEntitySchema.parse(props);
}

interface Stored<T> {
  value: T;
  etag: string;
}

/** The finding ledger on an Azure Table; see the file comment for its layout. */
export class TableLedger implements Ledger {
  private readonly client: TableClient;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private ready: Promise<void> | undefined;

  constructor(options: TableLedgerOptions) {
    this.client = 'client' in options ? options.client : tableClientOf(options);
    this.concurrency = options.concurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 20;
  }

  /** Creates the table if it is missing (once per instance; retried after a failure). */
  async ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /** Upserts the findings seen now; returns new entries and status changes. */
  async recordFindings(findings: readonly Finding[], ctx: LedgerContext): Promise<FindingChange[]> {
    await this.ensureTable();
    const unique = dedupeFindings(findings);
    for (const f of unique) checkPartitionKey(f.ruleId);
    const results = await mapLimit(unique, this.concurrency, (finding) =>
      this.modify(finding.ruleId, rowKeyOf(finding.resourceId.toLowerCase()), toEntry, fromEntry, (current) =>
        onSeen(current, finding, ctx),
      ),
    );
    return results.flatMap(({ before, after }) => (after ? (changeOf(before, after) ?? []) : []));
  }

  /** Resolves the unresolved entries of these subscriptions that this sweep did not see. */
  async resolveMissing(
    seen: ReadonlySet<string>,
    subscriptions: readonly string[],
    ctx: LedgerContext,
  ): Promise<FindingChange[]> {
    const subs = [...new Set(subscriptions.map((s) => s.toLowerCase()))];
    if (subs.length === 0) return [];
    await this.ensureTable();
    const subSet = new Set(subs);
    const candidates: { partitionKey: string; rowKey: string; stored: Stored<LedgerEntry> }[] = [];
    // The Table service allows at most 15 comparisons per filter: 2 fixed ones plus 10 subscriptions.
    for (let i = 0; i < subs.length; i += 10) {
      const bySub = subs
        .slice(i, i + 10)
        .map((s) => odata`subscriptionId eq ${s}`)
        .join(' or ');
      const filter = `${odata`kind eq ${'finding'} and status ne ${'resolved'}`} and (${bySub})`;
      for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const entry = toEntry(e);
        if (isMissing(entry, seen, subSet)) {
          candidates.push({
            partitionKey: entry.ruleId,
            rowKey: rowKeyOf(entry.resourceId.toLowerCase()),
            stored: { value: entry, etag: e.etag },
          });
        }
      }
    }
    candidates.sort((a, b) => compareEntries(a.stored.value, b.stored.value));
    const results = await mapLimit(candidates, this.concurrency, (c) =>
      this.modify(
        c.partitionKey,
        c.rowKey,
        toEntry,
        fromEntry,
        (current) => (current && isMissing(current, seen, subSet) ? onMissing(current, ctx) : undefined),
        c.stored,
      ),
    );
    return results.flatMap(({ before, after }) => (after ? (changeOf(before, after) ?? []) : []));
  }

  /** Records an action's result on each entry it resolves (keys `ruleId|lower-case id`). */
  async recordActionResult(action: Action, result: ActionResult, ctx: LedgerContext): Promise<FindingChange[]> {
    await this.ensureTable();
    const keys = [...new Set(action.resolves)];
    const results = await mapLimit(keys, this.concurrency, (key) => {
      const bar = key.indexOf('|');
      if (bar <= 0) return Promise.resolve({ before: undefined, after: undefined });
      const ruleId = key.slice(0, bar);
      return this.modify(ruleId, rowKeyOf(key.slice(bar + 1).toLowerCase()), toEntry, fromEntry, (current) =>
        onActionResult(current, action, result, ctx),
      );
    });
    return results.flatMap(({ before, after }) => (after ? (changeOf(before, after) ?? []) : []));
  }

  /** Lists the finding entries (optionally of one status), ordered by rule and resource id. */
  async list(filter: { status?: LedgerStatus } = {}): Promise<LedgerEntry[]> {
    await this.ensureTable();
    const query = filter.status
      ? odata`kind eq ${'finding'} and status eq ${filter.status}`
      : odata`kind eq ${'finding'}`;
    const entries: LedgerEntry[] = [];
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: query } }))
      entries.push(toEntry(e));
    return entries.sort(compareEntries);
  }

  /**
   * Claims a key until `ttlMs` from `now`. The first writer wins across instances: creating the entity
   * succeeds for exactly one of them (409 for the others); an expired claim is taken over by replacing it
   * with its ETag, which again only one instance can do.
   */
  async claim(key: string, ttlMs: number, now: Date): Promise<boolean> {
    await this.ensureTable();
    const partitionKey = 'dedupe';
    const rowKey = rowKeyOf(key);
    const entity = {
      partitionKey,
      rowKey,
      key,
      claimedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    };
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const existing = await this.read(partitionKey, rowKey, (p) => claimEntitySchema.parse(p));
      try {
        if (!existing) {
          await this.client.createEntity(entity);
          return true;
        }
        if (Date.parse(existing.value.expiresAt) > now.getTime()) return false;
        await this.client.updateEntity(entity, 'Replace', { etag: existing.etag });
        return true;
      } catch (err) {
        const status = statusCodeOf(err);
        if (status === 409 || status === 412) {
          // Another instance created or took over the claim between our read and write: it won.
          const winner = await this.read(partitionKey, rowKey, (p) => claimEntitySchema.parse(p));
          if (winner && Date.parse(winner.value.expiresAt) > now.getTime()) return false;
          continue;
        }
        if (status === 404) continue;
        throw err;
      }
    }
    throw new LedgerConflictError(partitionKey, rowKey, this.maxAttempts);
  }

  /** Deletes a claim (a missing one is fine). */
  async release(key: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.client.deleteEntity('dedupe', rowKeyOf(key));
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  /**
   * Applies `update` to a sweep's summary row with optimistic concurrency. `update` may run more than
   * once (after a 412 it is re-applied to the fresh row), so it must derive the row from `current` only.
   */
  async updateSweepSummary(
    sweepId: string,
    update: (current: SweepSummary | undefined) => SweepSummary,
  ): Promise<SweepSummary> {
    await this.ensureTable();
    const { after } = await this.modify(
      'sweep',
      rowKeyOf(sweepId),
      toSummary,
      (s) => ({ ...s }),
      (current) => ({ ...update(current), sweepId }),
    );
    if (!after) throw new Error(`sweep summary ${sweepId} was not written`);
    return after;
  }

  /** Reads a sweep's summary row. */
  async getSweepSummary(sweepId: string): Promise<SweepSummary | undefined> {
    await this.ensureTable();
    return (await this.read('sweep', rowKeyOf(sweepId), toSummary))?.value;
  }

  /** Records a message that reached a poison queue (as JSON, split over properties when long). */
  async recordPoisonMessage(queue: string, message: unknown, now: Date): Promise<void> {
    await this.ensureTable();
    const at = now.toISOString();
    const json = JSON.stringify(message === undefined ? null : message);
    const parts: Record<string, string> = {};
    let count = 0;
    for (let i = 0; i === 0 || i < json.length; i += PROPERTY_CHUNK)
      parts[`message${count++}`] = json.slice(i, i + PROPERTY_CHUNK);
    await this.client.createEntity({
      partitionKey: 'poison',
      rowKey: `${at}_${randomUUID()}`,
      queue,
      at,
      parts: count,
      ...parts,
    });
  }

  /** Lists the recorded poison messages, oldest first. */
  async listPoisonMessages(): Promise<{ queue: string; message: unknown; at: string }[]> {
    await this.ensureTable();
    const out: { queue: string; message: unknown; at: string }[] = [];
    for await (const e of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${'poison'}` },
    })) {
      const p = poisonEntitySchema.parse(e);
      let json = '';
      for (let i = 0; i < p.parts; i++) json += z.string().parse(e[`message${i}`]);
      out.push({ queue: p.queue, message: JSON.parse(json) as unknown, at: p.at });
    }
    return out;
  }

  /** Point-reads an entity; undefined when it does not exist. */
  private async read<T>(
    partitionKey: string,
    rowKey: string,
    parse: (props: Record<string, unknown>) => T,
  ): Promise<Stored<T> | undefined> {
    try {
      const e = await this.client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      return { value: parse(e), etag: e.etag };
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Read-modify-write of one entity: `compute` gets the stored value (undefined when absent) and returns
   * the next one, or undefined to write nothing. Conflicting writes (412 on replace, 409 on create, 404
   * when it vanished) are retried from a fresh read with a jittered backoff.
   */
  private async modify<T>(
    partitionKey: string,
    rowKey: string,
    parse: (props: Record<string, unknown>) => T,
    serialize: (value: T) => Record<string, unknown>,
    compute: (current: T | undefined) => T | undefined,
    initial?: Stored<T>,
  ): Promise<{ before: T | undefined; after: T | undefined }> {
    let stored = initial;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1 || !initial) stored = await this.read(partitionKey, rowKey, parse);
      const next = compute(stored?.value);
      if (next === undefined) return { before: stored?.value, after: undefined };
      const entity = { ...serialize(next), partitionKey, rowKey };
      try {
        if (stored) await this.client.updateEntity(entity, 'Replace', { etag: stored.etag });
        else await this.client.createEntity(entity);
        return { before: stored?.value, after: next };
      } catch (err) {
        const status = statusCodeOf(err);
        if (status !== 412 && status !== 409 && status !== 404) throw err;
        await realSleep(Math.floor(Math.random() * 20 * Math.min(attempt, 5)));
      }
    }
    throw new LedgerConflictError(partitionKey, rowKey, this.maxAttempts);
  }
}

function checkPartitionKey(ruleId: string): void {
  if (RESERVED_PARTITIONS.has(ruleId)) throw new Error(`rule id '${ruleId}' is reserved by the ledger's table layout`);
  // eslint-disable-next-line no-control-regex -- control characters are what the Table service rejects
  if (!ruleId || /[/\\#?\u0000-\u001f\u007f-\u009f]/.test(ruleId))
    throw new Error(`rule id '${ruleId}' is not a valid PartitionKey`);
}
