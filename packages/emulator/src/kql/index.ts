/**
 * A KQL interpreter for the Azure Resource Graph stand-in: parses with Microsoft's Kusto parser,
 * checks with Kusto's binder, and evaluates a supported subset over in-memory tables.
 */
import { leadingOperator, semanticError, tableSpellings, type ColumnType, type TableSchema } from './analyze';
import type { KqlErrorDetail, SourceSpan } from './errors';
import { evaluateQuery, unknownTable, type Row, type Table } from './evaluate';
import { convertQuery, errorDiagnostics, parseSyntax, parserFailures, syntaxError } from './parse';
import { checkResourceGraphRules, RESOURCE_GRAPH_LIMITS } from './resourceGraphRules';
import { KDateTime } from './time';

export { KqlError } from './errors';
export type { KqlErrorCode, KqlErrorDetail } from './errors';
export type { Row } from './evaluate';
export { RESOURCE_GRAPH_TABLES } from './tables';
export { ALLOWED_JOIN_KINDS, RESOURCE_GRAPH_LIMITS } from './resourceGraphRules';

/** How executeKql runs a query. */
export interface KqlOptions {
  /** The instant `now()` and `ago()` refer to; the wall clock when absent. */
  now?: Date;
  /**
   * `resource-graph` (the default) applies Resource Graph's join flavors and join/mv-expand limits and
   * its default mv-expand row limit; `kusto` runs the plain Kusto semantics the interpreter implements.
   */
  dialect?: 'resource-graph' | 'kusto';
}

/** The columns every Resource Graph table has, in Resource Graph's order. */
export const RESOURCE_GRAPH_COLUMNS: readonly { name: string; type: ColumnType }[] = [
  { name: 'id', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'tenantId', type: 'string' },
  { name: 'kind', type: 'string' },
  { name: 'location', type: 'string' },
  { name: 'resourceGroup', type: 'string' },
  { name: 'subscriptionId', type: 'string' },
  { name: 'managedBy', type: 'string' },
  { name: 'sku', type: 'dynamic' },
  { name: 'plan', type: 'dynamic' },
  { name: 'properties', type: 'dynamic' },
  { name: 'tags', type: 'dynamic' },
  { name: 'identity', type: 'dynamic' },
  { name: 'zones', type: 'dynamic' },
  { name: 'extendedLocation', type: 'dynamic' },
];

const STANDARD = new Map(RESOURCE_GRAPH_COLUMNS.map((c) => [c.name, c.type]));

function valueType(v: unknown): ColumnType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'real';
  return 'dynamic';
}

function mergeType(a: ColumnType | undefined, b: ColumnType): ColumnType {
  if (a === undefined || a === b) return b;
  if ((a === 'long' && b === 'real') || (a === 'real' && b === 'long')) return 'real';
  return 'dynamic';
}

type Columns = { name: string; type: ColumnType }[];

/** The standard columns plus any other column present in the rows, typed from its values. */
function inferColumns(rows: readonly Row[]): Columns {
  const extra = new Map<string, ColumnType | undefined>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (STANDARD.has(k)) continue;
      const prev = extra.get(k);
      extra.set(k, v === null || v === undefined ? prev : mergeType(prev, valueType(v)));
    }
  }
  return [
    ...RESOURCE_GRAPH_COLUMNS.map((c) => ({ ...c })),
    ...[...extra].map(([name, type]) => ({ name, type: type ?? ('dynamic' as ColumnType) })),
  ];
}

/** Rows as Resource Graph holds them: every column present, a missing string "", a missing dynamic null. */
function normalize(rows: readonly Row[], columns: Columns): Table {
  const names = columns.map((c) => c.name);
  const stringDefault = names.map((n) => STANDARD.get(n) === 'string');
  const out = rows.map((r) => {
    const o: Row = {};
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      const v = Object.hasOwn(r, n) ? r[n] : undefined;
      o[n] = v === undefined || v === null ? (stringDefault[i] ? '' : null) : v;
    }
    return o;
  });
  return { columns: names, rows: out };
}

/**
 * Evaluates a Resource Graph KQL query over named tables (looked up case-insensitively).
 * Returns the rows with their columns in query order. Throws KqlError: `InvalidQuery` for syntax
 * and semantic errors (unknown table, column or function, type errors) and for a query that breaks
 * Resource Graph's limits (join flavors, joins and mv-expands per query), `InvalidQueryLanguage`
 * for KQL this emulator does not implement.
 */
export function executeKql(query: string, tables: Record<string, readonly Row[]>, options: KqlOptions = {}): Row[] {
  const syntax = syntaxError(query);
  if (syntax) throw syntax;
  const root = parseSyntax(query).Syntax;

  const tableNames = Object.keys(tables);
  const byLower = new Map(tableNames.map((n) => [n.toLowerCase(), n]));
  const columnsCache = new Map<string, Columns>();
  const columnsOf = (key: string): Columns => {
    let c = columnsCache.get(key);
    if (!c) {
      c = inferColumns(tables[key] ?? []);
      columnsCache.set(key, c);
    }
    return c;
  };

  const schemas: TableSchema[] = [];
  const spellings = tableSpellings(root, tableNames);
  for (const [spelling, key] of spellings) schemas.push({ name: spelling, columns: columnsOf(key) });
  const leading = leadingOperator(root, query);
  let implicit: { at: SourceSpan; table: string } | undefined;
  if (leading) {
    const key = byLower.get('resources');
    if (key === undefined) throw unknownTable(query, 'Resources', leading);
    if (!spellings.has(key)) schemas.push({ name: key, columns: columnsOf(key) });
    implicit = { at: leading, table: key };
  }
  const semantic = semanticError(query, schemas, implicit);
  if (semantic) throw semantic;

  const ast = convertQuery(query);
  const resourceGraph = (options.dialect ?? 'resource-graph') === 'resource-graph';
  if (resourceGraph) checkResourceGraphRules(query, ast);
  const normalized = new Map<string, Table>();
  const lookup = (name: string): Table | undefined => {
    const key = byLower.get(name.toLowerCase());
    if (key === undefined) return undefined;
    let t = normalized.get(key);
    if (!t) {
      t = normalize(tables[key] ?? [], columnsOf(key));
      normalized.set(key, t);
    }
    return t;
  };
  const result = evaluateQuery(query, ast, lookup, {
    now: new KDateTime((options.now ?? new Date()).getTime()),
    mvExpandDefaultLimit: resourceGraph ? RESOURCE_GRAPH_LIMITS.mvExpandDefault : Number.POSITIVE_INFINITY,
  });
  const columns = result.columns;
  return result.rows.map((r) => {
    const o: Row = {};
    for (const c of columns) {
      const v = r[c];
      o[c] = v === undefined ? null : v;
    }
    return o;
  });
}

/** Parser (syntax) diagnostics of a query, as ParserFailure details; empty when it parses. */
export function kqlDiagnostics(query: string): KqlErrorDetail[] {
  const code = parseSyntax(query);
  return parserFailures(query, code, errorDiagnostics(code));
}
