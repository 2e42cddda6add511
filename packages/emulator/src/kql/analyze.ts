/**
 * Semantic checks with Kusto's own binder (unknown columns and functions, type errors such as a
 * dynamic `summarize ... by` key), run against a schema built from the emulator's tables, so the
 * emulator rejects the queries real Resource Graph would reject.
 */
import { invalidQuery, type KqlError, type SourceSpan } from './errors';
import { classOf, getKusto, listItems, prop, strProp, type KElement } from './kusto';
import { errorDiagnostics, remember } from './parse';

export type ColumnType = 'string' | 'long' | 'real' | 'bool' | 'dynamic';

export interface TableSchema {
  /** The table name exactly as the query spells it. */
  name: string;
  columns: readonly { name: string; type: ColumnType }[];
}

/** Calls `fn` for every element of a syntax tree, depth-first. */
function walk(e: KElement, fn: (e: KElement) => void): void {
  fn(e);
  for (let i = 0; i < e.ChildCount; i++) {
    const child = e.GetChild(i);
    if (child) walk(child, fn);
  }
}

/**
 * The spellings under which the query names the given tables (Resource Graph matches table names
 * case-insensitively; Kusto's binder does not, so each spelling gets its own symbol).
 */
export function tableSpellings(root: KElement, tableNames: readonly string[]): Map<string, string> {
  const byLower = new Map(tableNames.map((n) => [n.toLowerCase(), n]));
  const out = new Map<string, string>();
  walk(root, (e) => {
    if (classOf(e) !== 'NameReference') return;
    const name = strProp(e, 'SimpleName');
    const table = name === undefined ? undefined : byLower.get(name.toLowerCase());
    if (name !== undefined && table !== undefined) out.set(name, table);
  });
  return out;
}

/** Operators that legitimately start a query without an input table. */
const QUERY_STARTERS = new Set([
  'UnionOperator',
  'PrintOperator',
  'RangeOperator',
  'EvaluateOperator',
  'SearchOperator',
  'FindOperator',
]);

/**
 * Where the main query starts with an operator instead of a table (`where type == ...`), which
 * Resource Graph reads as `Resources | where type == ...`.
 */
export function leadingOperator(root: KElement, text: string): SourceSpan | undefined {
  const statements = listItems(prop(root, 'Statements'));
  const main = statements.find((s) => classOf(s) === 'ExpressionStatement');
  let e = main ? prop(main, 'Expression') : null;
  while (e && classOf(e) === 'PipeExpression') e = prop(e, 'Expression');
  if (!e) return undefined;
  const cls = classOf(e);
  if (!cls.endsWith('Operator') || QUERY_STARTERS.has(cls)) return undefined;
  return { start: e.TextStart, text: text.substr(e.TextStart, e.Width) };
}

const SCALAR_TYPE_NAMES = { string: 'String', long: 'Long', real: 'Real', bool: 'Bool', dynamic: 'Dynamic' } as const;

function globalsFor(schemas: readonly TableSchema[]): unknown {
  const { Symbols, GlobalState } = getKusto().Language;
  const tables = schemas.map(
    (s) =>
      new Symbols.TableSymbol.$ctor4(
        s.name,
        s.columns.map(
          (c) =>
            new Symbols.ColumnSymbol(c.name, Symbols.ScalarTypes[SCALAR_TYPE_NAMES[c.type]], null, null, null, null),
        ),
      ),
  );
  return GlobalState.Default.WithDatabase(new Symbols.DatabaseSymbol.$ctor3('emulator', null, tables, false));
}

interface Finding {
  code: string;
  message: string;
  start: number;
  length: number;
}

const analysisCache = new Map<string, Finding | null>();

/**
 * Runs Kusto's semantic analysis; returns the first error as an InvalidQuery KqlError, or null.
 * `implicitTable` names the table to put in front of a query that starts with an operator.
 */
export function semanticError(
  text: string,
  schemas: readonly TableSchema[],
  implicit?: { at: SourceSpan; table: string },
): KqlError | null {
  const prefix = implicit ? `${implicit.table} | ` : '';
  const insertAt = implicit ? implicit.at.start : 0;
  const analysisText = implicit ? text.slice(0, insertAt) + prefix + text.slice(insertAt) : text;
  const cacheKey = `${analysisText}\u0000${JSON.stringify(schemas)}`;
  let finding = analysisCache.get(cacheKey);
  if (finding === undefined) {
    finding = null;
    try {
      const code = getKusto().Language.KustoCode.ParseAndAnalyze(analysisText, globalsFor(schemas));
      const first = errorDiagnostics(code)[0];
      if (first) finding = { code: first.Code, message: first.Message, start: first.Start, length: first.Length };
    } catch {
      finding = null; // the analyzer is a safety net, never a reason to fail a query
    }
    remember(analysisCache, cacheKey, finding, 128);
  }
  if (!finding) return null;
  const code = finding.code === 'KS204' ? 'UnknownTable' : 'SemanticError';
  let start = finding.start;
  if (implicit) {
    if (start >= insertAt + prefix.length) start -= prefix.length;
    else if (start >= insertAt) start = insertAt;
  }
  const token = text.substr(start, finding.length) || text.substr(start).split(/\s/)[0] || '<EOF>';
  return invalidQuery(text, code, finding.message, { start, text: token });
}
