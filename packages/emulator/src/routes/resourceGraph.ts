/**
 * Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources` (ResourcesBasicQuery.json,
 * ResourcesFirstPageQuery.json, ResourcesNextPageQuery.json). KQL runs in ../kql over the indexed
 * tables, limited to the requested subscriptions and the caller's scopes. Paging follows docs/azure-facts.md §2:
 * $top 1..1000 (default 100), a $skipToken only when rows project `id`, none after take/limit/sample.
 */
import { allows } from '../auth';
import { API_VERSIONS } from '../arm';
import { ArmError, type ErrorDetail } from '../errors';
import { graphView } from '../graphView';
import { executeKql, KqlError, RESOURCE_GRAPH_TABLES } from '../kql';
import { KDateTime, KTimespan } from '../kql/time';
import type { RequestContext, Route } from '../router';
import type { Row, TableName } from '../state';
import { asArray, asRecord, asString, isRecord } from '../util';

const INVALID_QUERY_MESSAGE =
  'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.';

/** Resource Graph's top-level message for request errors. */
export function supportMessage(correlationId: string, at: string): string {
  return `Please provide below info when asking for support: timestamp = ${at}, correlationId = ${correlationId}.`;
}

function badRequest(ctx: RequestContext, details: ErrorDetail[]): ArmError {
  return new ArmError(400, 'BadRequest', supportMessage(ctx.correlationId, ctx.engine.isoNow()), details);
}

/** FNV-1a hash: ties a skip token to the query and scope it was issued for. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

function encodeSkipToken(fp: string, offset: number): string {
  return Buffer.from(JSON.stringify({ v: 1, q: fp, o: offset }), 'utf8').toString('base64');
}

function decodeSkipToken(token: string): { q: string; o: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (!isRecord(parsed)) return undefined;
    const q = asString(parsed['q']);
    const o = parsed['o'];
    if (q === undefined || typeof o !== 'number' || !Number.isInteger(o) || o < 0) return undefined;
    return { q, o };
  } catch {
    return undefined;
  }
}

function integerOption(
  ctx: RequestContext,
  options: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(ctx, [
      {
        code: 'BadRequest',
        message: `The value of '${key}' must be an integer between ${min} and ${max}. Value provided: ${JSON.stringify(v)}.`,
      },
    ]);
  }
  return v;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function columnType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'real';
  // A Kusto datetime or timespan (kql/time.ts) serialises as its text.
  if (value instanceof KDateTime) return 'datetime';
  if (value instanceof KTimespan) return 'string';
  return 'object';
}

/** The `table` result format: `{columns:[{name,type}], rows:[[...]]}`. */
function toTable(rows: readonly Row[]): { columns: { name: string; type: string }[]; rows: unknown[][] } {
  const names: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  const columns = names.map((name) => {
    const sample = rows.map((r) => r[name]).find((v) => v !== null && v !== undefined);
    return { name, type: sample === undefined ? 'object' : columnType(sample) };
  });
  return { columns, rows: rows.map((r) => names.map((n) => r[n] ?? null)) };
}

function kqlErrorDetails(err: KqlError): ErrorDetail[] {
  const details: ErrorDetail[] = err.details.map((d) => ({ ...d }));
  if (err.code === 'InvalidQuery') {
    if (details[0]?.code !== 'InvalidQuery') details.unshift({ code: 'InvalidQuery', message: INVALID_QUERY_MESSAGE });
  } else if (!details.some((d) => d.code === 'InvalidQueryLanguage')) {
    details.unshift({ code: 'InvalidQueryLanguage', message: err.message });
  }
  return details;
}

async function resources(ctx: RequestContext) {
  const { engine } = ctx;
  const body = asRecord(ctx.body);
  const query = body ? asString(body['query']) : undefined;
  if (!body || query === undefined || query.trim().length === 0) {
    throw badRequest(ctx, [
      { code: 'InvalidQuery', message: INVALID_QUERY_MESSAGE },
      { code: 'EmptyQuery', message: 'The query is empty.' },
    ]);
  }
  const options = asRecord(body['options']) ?? {};
  const top = integerOption(ctx, options, '$top', 1, 1000) ?? 100;
  const skip = integerOption(ctx, options, '$skip', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const resultFormat = asString(options['resultFormat']) ?? 'objectArray';
  if (resultFormat !== 'objectArray' && resultFormat !== 'table') {
    throw badRequest(ctx, [
      { code: 'BadRequest', message: `Unsupported resultFormat '${resultFormat}'. Use 'objectArray' or 'table'.` },
    ]);
  }

  // Scope: explicit subscriptions, or management groups, or everything the caller can see.
  let subs: Set<string> | undefined;
  const requestedSubs = stringList(body['subscriptions']);
  const requestedGroups = stringList(body['managementGroups']);
  if (requestedSubs && requestedSubs.length > 0) {
    subs = new Set(requestedSubs.map((s) => s.toLowerCase()));
  } else if (requestedGroups && requestedGroups.length > 0) {
    subs = new Set();
    for (const g of requestedGroups) {
      const key = Object.keys(engine.managementGroups).find((k) => k.toLowerCase() === g.toLowerCase());
      if (key === undefined) {
        throw badRequest(ctx, [
          {
            code: 'ManagementGroupNotFound',
            message: `Management group '${g}' was not found or the caller has no access to it.`,
          },
        ]);
      }
      for (const s of engine.managementGroups[key] ?? []) subs.add(s.toLowerCase());
    }
  }
  const visible = (row: Row): boolean => {
    const id = asString(row['id']) ?? '';
    const sub = (asString(row['subscriptionId']) ?? '').toLowerCase();
    return (subs === undefined || subs.has(sub)) && allows(ctx.principal, id);
  };
  const indexed = graphView(engine);
  // Every documented table is known; the ones the estate holds nothing for answer with no rows.
  const tables: Record<string, readonly Row[]> = {};
  for (const name of RESOURCE_GRAPH_TABLES) tables[name] = [];
  for (const [name, rows] of Object.entries(indexed) as [TableName, readonly Row[]][])
    tables[name] = rows.filter(visible);

  let rows: Row[];
  try {
    rows = executeKql(query, tables, { now: new Date(engine.now()) });
  } catch (err) {
    if (err instanceof KqlError) throw badRequest(ctx, kqlErrorDetails(err));
    throw err;
  }

  const fp = fingerprint(`${query}\n${[...(subs ?? [])].sort().join(',')}\n${resultFormat}`);
  let offset = skip;
  const skipToken = asString(options['$skipToken']);
  if (skipToken !== undefined && skipToken.length > 0) {
    const decoded = decodeSkipToken(skipToken);
    if (!decoded || decoded.q !== fp) {
      throw badRequest(ctx, [
        { code: 'InvalidSkipToken', message: 'The $skipToken is invalid or does not belong to this query.' },
      ]);
    }
    offset = decoded.o;
  }
  const page = rows.slice(offset, offset + top);
  const more = offset + top < rows.length;
  const pagingDisabled = /\|\s*(take|limit|sample)\b/i.test(query);
  const hasId = page.length > 0 && page.every((r) => 'id' in r);
  const out: Record<string, unknown> = {
    totalRecords: rows.length,
    count: page.length,
    resultTruncated: more && (!hasId || pagingDisabled) ? 'true' : 'false',
  };
  if (more && hasId && !pagingDisabled) out['$skipToken'] = encodeSkipToken(fp, offset + top);
  out['data'] = resultFormat === 'table' ? toTable(page) : page;
  out['facets'] = [];
  return { status: 200, body: out };
}

/** The Resource Graph route. */
export const resourceGraphRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/providers/Microsoft.ResourceGraph/resources',
    apiVersions: API_VERSIONS.resourceGraph,
    action: 'Microsoft.ResourceGraph/resources/read',
    family: 'graph',
    tenantLevel: true,
    handler: resources,
  },
];
