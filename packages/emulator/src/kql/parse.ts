/**
 * Parses a query with Microsoft's Kusto parser and converts its syntax tree into the
 * interpreter's own tree (ast.ts). Anything outside the supported subset is rejected here, with
 * the offending token named, so evaluation never meets an unknown construct.
 */
import type {
  Aggregate,
  FunctionParam,
  JoinCondition,
  JoinKind,
  MvExpandItem,
  NamedScalar,
  Operator,
  Query,
  Scalar,
  SortKey,
  Statement,
  Tabular,
} from './ast';
import { parseDateTime, parseTimespan } from './time';
import {
  INVALID_QUERY_MESSAGE,
  KqlError,
  invalidQuery,
  lineAndColumn,
  unsupported,
  type KqlErrorDetail,
  type SourceSpan,
} from './errors';
import { AGGREGATES, ROW_AGGREGATES, SCALAR_FUNCTIONS } from './functions';
import {
  classOf,
  getKusto,
  kindOf,
  listItems,
  literalText,
  prop,
  strProp,
  tokenValueText,
  type FunctionInfo,
  type KCode,
  type KDiagnostic,
  type KElement,
} from './kusto';

/** Keeps at most `max` entries, dropping the oldest. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max = 256): V {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
  return value;
}

const syntaxCache = new Map<string, KCode>();

/** Parses (syntax only) with the Kusto parser; cached by query text. */
export function parseSyntax(text: string): KCode {
  const hit = syntaxCache.get(text);
  if (hit) return hit;
  return remember(syntaxCache, text, getKusto().Language.KustoCode.Parse(text));
}

function isToken(e: KElement): boolean {
  return e.$$name.includes('SyntaxToken');
}

/** The first token of an element (its keyword, for operators). */
function firstToken(e: KElement): KElement | null {
  if (isToken(e)) return e;
  for (let i = 0; i < e.ChildCount; i++) {
    const child = e.GetChild(i);
    if (!child) continue;
    const t = firstToken(child);
    if (t && t.Width > 0) return t;
  }
  return null;
}

function tokenText(e: KElement | null): string {
  if (!e) return '';
  return strProp(e, 'Text') ?? e.ToString().trim();
}

/** Turns parser diagnostics into Resource Graph's ParserFailure details. */
export function parserFailures(text: string, code: KCode, diagnostics: KDiagnostic[]): KqlErrorDetail[] {
  return diagnostics.map((d) => {
    let start = d.Start;
    let token: string;
    if (d.Length > 0) {
      token = text.substr(start, d.Length);
    } else {
      let next = start;
      while (next < text.length && /\s/.test(text.charAt(next))) next++;
      if (next >= text.length) {
        token = '<EOF>';
      } else {
        const t = code.Syntax.GetTokenAt(next);
        start = next;
        token = t && t.TextStart === next && t.Width > 0 ? t.Text : (/^\S+/.exec(text.slice(next))?.[0] ?? '<EOF>');
      }
    }
    return { code: 'ParserFailure', message: d.Message, ...lineAndColumn(text, start), token };
  });
}

/** Errors (not warnings) among a code's diagnostics. */
export function errorDiagnostics(code: KCode): KDiagnostic[] {
  const list = code.GetDiagnostics();
  const out: KDiagnostic[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    if (d.Severity === 'Error') out.push(d);
  }
  return out;
}

/** Syntax errors as a KqlError (InvalidQuery + ParserFailure), or null for a well-formed query. */
export function syntaxError(text: string): KqlError | null {
  const code = parseSyntax(text);
  const errors = errorDiagnostics(code);
  const first = errors[0];
  if (!first) return null;
  const details = parserFailures(text, code, [first]);
  return new KqlError('InvalidQuery', `${INVALID_QUERY_MESSAGE} ${first.Message}`, [
    { code: 'InvalidQuery', message: INVALID_QUERY_MESSAGE },
    ...details,
  ]);
}

interface Naming {
  functions: Map<string, FunctionInfo>;
  aggregates: Map<string, FunctionInfo>;
}

let naming: Naming | undefined;

/** Kusto's own result-naming metadata for its built-in functions. */
function functionNaming(): Naming {
  if (naming) return naming;
  const k = getKusto();
  const functions = new Map<string, FunctionInfo>();
  const aggregates = new Map<string, FunctionInfo>();
  for (const f of k.Language.Functions.All) functions.set(f.Name, f);
  for (const f of k.Language.Aggregates.All) aggregates.set(f.Name, f);
  naming = { functions, aggregates };
  return naming;
}

// Kusto.Language.Symbols.ResultNameKind
const NAME_AND_FIRST_ARGUMENT = 1;
const NAME_AND_ONLY_ARGUMENT = 2;
const PREFIX_AND_FIRST_ARGUMENT = 3;
const PREFIX_AND_ONLY_ARGUMENT = 4;
const PREFIX_ONLY = 6;
const FIRST_ARGUMENT = 7;
const ONLY_ARGUMENT = 8;

const BINARY_OPERATORS = new Set([
  'and',
  'or',
  '==',
  '!=',
  '<>',
  '=~',
  '!~',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  'has',
  '!has',
  'has_cs',
  '!has_cs',
  'hasprefix',
  '!hasprefix',
  'hassuffix',
  '!hassuffix',
  'contains',
  '!contains',
  'contains_cs',
  '!contains_cs',
  'startswith',
  '!startswith',
  'startswith_cs',
  '!startswith_cs',
  'endswith',
  '!endswith',
  'endswith_cs',
  '!endswith_cs',
  'matches regex',
]);

/** The scalar operators the interpreter evaluates (besides `in`-style and `between` forms), for the docs. */
export const SCALAR_OPERATORS: readonly string[] = [
  ...BINARY_OPERATORS,
  'in',
  '!in',
  'in~',
  '!in~',
  'has_any',
  'has_all',
  'between',
  '!between',
  'unary -',
];

/** The tabular operators and query forms the interpreter runs, by their Kusto keyword, for the docs. */
export const TABULAR_OPERATORS: readonly string[] = [
  'where',
  'project',
  'project-away',
  'project-keep',
  'project-rename',
  'project-reorder',
  'extend',
  'summarize',
  'sort',
  'order',
  'take',
  'limit',
  'top',
  'distinct',
  'count',
  'mv-expand',
  'mv-apply',
  'join',
  'lookup',
  'union',
  'parse',
  'print',
  'range',
  'datatable',
  'let',
];

const LEGACY_OPERATORS: Record<string, string> = {
  notcontains: '!contains',
  notcontainscs: '!contains_cs',
  containscs: 'contains_cs',
  '<>': '!=',
};

const JOIN_KINDS: Record<string, JoinKind> = {
  inner: 'inner',
  innerunique: 'innerunique',
  leftouter: 'leftouter',
  leftanti: 'leftanti',
  anti: 'leftanti',
  leftantisemi: 'leftanti',
  leftsemi: 'leftsemi',
  rightouter: 'rightouter',
  rightanti: 'rightanti',
  rightantisemi: 'rightanti',
  rightsemi: 'rightsemi',
  fullouter: 'fullouter',
};

const CAST_TYPES = new Set(['string', 'long', 'int', 'real', 'double', 'bool', 'boolean', 'dynamic']);

interface Param {
  name: string;
  value: string;
  at: SourceSpan;
}

class Converter {
  private readonly scalarLets = new Set<string>();
  private readonly tabularLets = new Set<string>();
  /** `let` functions defined so far, by name: whether each returns a scalar or a table. */
  private readonly functions = new Map<string, 'scalar' | 'tabular'>();
  /** Inside an `mv-apply` subquery a leading operator reads the subquery's own rows. */
  private contextDepth = 0;

  constructor(private readonly text: string) {}

  private span(e: KElement): SourceSpan {
    return { start: e.TextStart, text: this.text.substr(e.TextStart, e.Width) };
  }

  private unsupportedSyntax(e: KElement, what?: string): KqlError {
    const label = what ?? tokenText(firstToken(e));
    return unsupported(this.text, 'syntax', label, this.span(e));
  }

  private need(e: KElement | null, parent: KElement): KElement {
    if (!e) throw this.unsupportedSyntax(parent);
    return e;
  }

  private nameOf(e: KElement | null): string {
    if (!e) return '';
    return strProp(e, 'SimpleName') ?? this.span(e).text;
  }

  query(root: KElement): Query {
    const lets: Statement[] = [];
    let body: Tabular | undefined;
    for (const st of listItems(prop(root, 'Statements'))) {
      const cls = classOf(st);
      if (cls === 'LetStatement') {
        lets.push(this.letStatement(st));
      } else if (cls === 'ExpressionStatement') {
        if (body) throw this.unsupportedSyntax(st, 'multiple query statements');
        body = this.tabular(this.need(prop(st, 'Expression'), st), true);
      } else {
        throw this.unsupportedSyntax(st);
      }
    }
    if (!body) throw invalidQuery(this.text, 'NoTabularExpression', 'The query has no tabular expression statement.');
    return { lets, body };
  }

  private letStatement(st: KElement): Statement {
    const name = this.nameOf(prop(st, 'Name'));
    const expr = this.need(prop(st, 'Expression'), st);
    if (classOf(expr) === 'FunctionDeclaration') {
      const statement = this.letFunction(name, expr);
      this.scalarLets.delete(name);
      this.tabularLets.delete(name);
      return statement;
    }
    this.functions.delete(name);
    if (this.isTabularLet(expr)) {
      const out: Statement = { kind: 'let-tabular', name, expr: this.tabular(expr, false) };
      this.tabularLets.add(name);
      this.scalarLets.delete(name);
      return out;
    }
    const out: Statement = { kind: 'let-scalar', name, expr: this.scalar(expr) };
    this.scalarLets.add(name);
    this.tabularLets.delete(name);
    return out;
  }

  /** `let f = (a:string, b:long = 1) { ... }`: parameters shadow outer names inside the body. */
  private letFunction(name: string, decl: KElement): Statement {
    const params: FunctionParam[] = [];
    const paramList = prop(this.need(prop(decl, 'Parameters'), decl), 'Parameters');
    for (const p of listItems(paramList)) {
      const nameAndType = prop(p, 'NameAndType');
      if (!nameAndType) throw this.unsupportedSyntax(p, 'tabular function parameter');
      const param: FunctionParam = { name: this.nameOf(prop(nameAndType, 'Name')) };
      const fallback = prop(p, 'DefaultValue');
      const value = fallback ? prop(fallback, 'Value') : null;
      if (value) param.fallback = this.scalar(value);
      params.push(param);
    }
    const body = this.need(prop(decl, 'Body'), decl);
    const savedScalar = new Set(this.scalarLets);
    const savedTabular = new Set(this.tabularLets);
    const savedFunctions = new Map(this.functions);
    for (const p of params) {
      this.scalarLets.add(p.name);
      this.tabularLets.delete(p.name);
      this.functions.delete(p.name);
    }
    try {
      const lets = listItems(prop(body, 'Statements')).map((st) => {
        if (classOf(st) !== 'LetStatement') throw this.unsupportedSyntax(st);
        return this.letStatement(st);
      });
      const expr = this.need(prop(body, 'Expression'), body);
      const result = this.isTabularLet(expr)
        ? { kind: 'tabular' as const, expr: this.tabular(expr, false) }
        : { kind: 'scalar' as const, expr: this.scalar(expr) };
      return { kind: 'let-function', fn: { name, params, lets, body: result } };
    } finally {
      this.scalarLets.clear();
      for (const n of savedScalar) this.scalarLets.add(n);
      this.tabularLets.clear();
      for (const n of savedTabular) this.tabularLets.add(n);
      this.functions.clear();
      for (const [k, v] of savedFunctions) this.functions.set(k, v);
      this.functions.set(name, this.isTabularBody(body) ? 'tabular' : 'scalar');
    }
  }

  private isTabularBody(body: KElement): boolean {
    const expr = prop(body, 'Expression');
    return expr ? this.isTabularLet(expr) : false;
  }

  private isTabularLet(e: KElement): boolean {
    const cls = classOf(e);
    if (cls === 'PipeExpression') return true;
    if (cls === 'ParenthesizedExpression') {
      const inner = prop(e, 'Expression');
      return inner ? this.isTabularLet(inner) : false;
    }
    if (cls === 'NameReference') return !this.scalarLets.has(this.nameOf(e));
    if (cls === 'FunctionCallExpression') return this.functions.get(this.nameOf(prop(e, 'Name'))) === 'tabular';
    if (cls === 'DataTableExpression') return true;
    return cls.endsWith('Operator');
  }

  /** `(T | project x)` or a tabular let name, as the single element of an `in` list. */
  private isSubquery(e: KElement): boolean {
    const cls = classOf(e);
    if (cls === 'PipeExpression') return true;
    if (cls === 'ParenthesizedExpression') {
      const inner = prop(e, 'Expression');
      return inner ? this.isSubquery(inner) : false;
    }
    if (cls === 'FunctionCallExpression') return this.functions.get(this.nameOf(prop(e, 'Name'))) === 'tabular';
    return cls === 'NameReference' && this.tabularLets.has(this.nameOf(e));
  }

  /** A tabular expression; `leading` is true along the left spine of the main query. */
  tabular(e: KElement, leading: boolean | 'context'): Tabular {
    const cls = classOf(e);
    switch (cls) {
      case 'PrintOperator':
        return {
          kind: 'print',
          items: listItems(prop(e, 'Expressions')).map((x, i) => {
            const item = this.named(x);
            if (item.explicitName === undefined && item.inferredName === undefined) item.inferredName = `print_${i}`;
            return item;
          }),
          at: this.span(e),
        };
      case 'RangeOperator':
        return {
          kind: 'range',
          name: this.nameOf(prop(e, 'Name')),
          from: this.scalar(this.need(prop(e, 'From'), e)),
          to: this.scalar(this.need(prop(e, 'To'), e)),
          step: this.scalar(this.need(prop(e, 'Step'), e)),
          at: this.span(e),
        };
      case 'DataTableExpression': {
        const schema = this.need(prop(e, 'Schema'), e);
        const columns = listItems(prop(schema, 'Columns')).map((c) => ({
          name: this.nameOf(prop(c, 'Name')),
          type: this.span(this.need(prop(c, 'Type'), c)).text.trim(),
        }));
        const values = listItems(prop(e, 'Values')).map((v) => this.scalar(v));
        return { kind: 'datatable', columns, values, at: this.span(e) };
      }
      case 'FunctionCallExpression': {
        const name = this.nameOf(prop(e, 'Name'));
        if (this.functions.get(name) !== 'tabular') throw this.unsupportedSyntax(e);
        const args = listItems(prop(this.need(prop(e, 'ArgumentList'), e), 'Expressions')).map((x) => this.scalar(x));
        return { kind: 'tcall', name, args, at: this.span(e) };
      }
      case 'PipeExpression': {
        const source = this.tabular(this.need(prop(e, 'Expression'), e), leading);
        const opNode = this.need(prop(e, 'Operator'), e);
        return { kind: 'pipe', source, operator: this.operator(opNode), at: this.span(opNode) };
      }
      case 'ParenthesizedExpression':
        return this.tabular(this.need(prop(e, 'Expression'), e), false);
      case 'NameReference': {
        if (prop(e, 'Name') && classOf(this.need(prop(e, 'Name'), e)).includes('Wildcard')) {
          throw this.unsupportedSyntax(e, 'wildcard table name');
        }
        return { kind: 'ref', name: this.nameOf(e), at: this.span(e) };
      }
      case 'UnionOperator': {
        const u = this.union(e);
        const out: Tabular = {
          kind: 'union',
          unionKind: u.kind,
          sources: u.sources,
          sourceNames: u.sourceNames,
          at: this.span(e),
        };
        if (u.withSource !== undefined) out.withSource = u.withSource;
        return out;
      }
      default:
        if (cls.endsWith('Operator')) {
          const operator = this.operator(e);
          if (leading === 'context') {
            return { kind: 'pipe', source: { kind: 'context', at: this.span(e) }, operator, at: this.span(e) };
          }
          if (!leading) {
            throw invalidQuery(
              this.text,
              'SemanticError',
              'The operator cannot be the first operator in a query.',
              this.span(e),
            );
          }
          return { kind: 'pipe', source: { kind: 'implicit', at: this.span(e) }, operator, at: this.span(e) };
        }
        throw this.unsupportedSyntax(e);
    }
  }

  private params(e: KElement, allowed: readonly string[]): Param[] {
    const out: Param[] = [];
    for (const p of listItems(prop(e, 'Parameters'))) {
      const name = this.nameOf(prop(p, 'Name'));
      const valueNode = prop(p, 'Expression');
      const value = valueNode ? (literalText(valueNode) ?? this.span(valueNode).text) : '';
      if (name.startsWith('hint.')) continue;
      if (!allowed.includes(name)) throw unsupported(this.text, 'syntax', name, this.span(p));
      out.push({ name, value, at: this.span(p) });
    }
    return out;
  }

  private operator(e: KElement): Operator {
    const cls = classOf(e);
    switch (cls) {
      case 'FilterOperator':
        this.params(e, []);
        return { op: 'where', condition: this.scalar(this.need(prop(e, 'Condition'), e)) };
      case 'ProjectOperator':
        return { op: 'project', items: listItems(prop(e, 'Expressions')).map((x) => this.named(x)) };
      case 'ExtendOperator':
        return { op: 'extend', items: listItems(prop(e, 'Expressions')).map((x) => this.named(x)) };
      case 'ProjectAwayOperator':
      case 'ProjectKeepOperator': {
        const items = listItems(prop(e, 'Expressions'));
        const patterns = items.map((x) => {
          if (classOf(x) !== 'NameReference') throw this.unsupportedSyntax(x);
          return this.nameOf(x);
        });
        const at = items.map((x) => this.span(x));
        return cls === 'ProjectAwayOperator'
          ? { op: 'project-away', patterns, at }
          : { op: 'project-keep', patterns, at };
      }
      case 'ProjectRenameOperator':
        return {
          op: 'project-rename',
          pairs: listItems(prop(e, 'Expressions')).map((x) => {
            const from = prop(x, 'Expression');
            if (classOf(x) !== 'SimpleNamedExpression' || !from || classOf(from) !== 'NameReference')
              throw this.unsupportedSyntax(x);
            return { to: this.nameOf(prop(x, 'Name')), from: this.nameOf(from), at: this.span(from) };
          }),
        };
      case 'SummarizeOperator': {
        this.params(e, []);
        const byClause = prop(e, 'ByClause');
        if (byClause && prop(byClause, 'BinClause'))
          throw this.unsupportedSyntax(this.need(prop(byClause, 'BinClause'), e), 'bin=');
        return {
          op: 'summarize',
          aggregates: listItems(prop(e, 'Aggregates')).map((x) => this.aggregate(x)),
          by: byClause ? listItems(prop(byClause, 'Expressions')).map((x) => this.named(x)) : [],
        };
      }
      case 'SortOperator':
        this.params(e, []);
        return { op: 'sort', keys: listItems(prop(e, 'Expressions')).map((x) => this.sortKey(x)) };
      case 'TakeOperator':
        this.params(e, []);
        return { op: 'take', count: this.scalar(this.need(prop(e, 'Expression'), e)) };
      case 'TopOperator':
        this.params(e, []);
        return {
          op: 'top',
          count: this.scalar(this.need(prop(e, 'Expression'), e)),
          key: this.sortKey(this.need(prop(e, 'ByExpression'), e)),
        };
      case 'DistinctOperator': {
        this.params(e, []);
        const items = listItems(prop(e, 'Expressions'));
        if (items.length === 1 && items[0] && classOf(items[0]) === 'StarExpression')
          return { op: 'distinct', items: 'all' };
        return { op: 'distinct', items: items.map((x) => this.named(x)) };
      }
      case 'CountOperator': {
        const as = prop(e, 'AsIdentifier');
        return { op: 'count', name: as ? tokenText(prop(as, 'Identifier')) : 'Count' };
      }
      case 'MvExpandOperator':
        return this.mvExpand(e);
      case 'JoinOperator':
        return this.join(e);
      case 'UnionOperator': {
        const u = this.union(e);
        const out: Operator = { op: 'union', kind: u.kind, sources: u.sources, sourceNames: u.sourceNames };
        if (u.withSource !== undefined) out.withSource = u.withSource;
        return out;
      }
      case 'LookupOperator': {
        let kind: 'leftouter' | 'inner' = 'leftouter';
        for (const p of this.params(e, ['kind'])) {
          if (p.value !== 'leftouter' && p.value !== 'inner') {
            throw invalidQuery(this.text, 'SemanticError', `Unknown lookup kind '${p.value}'.`, p.at);
          }
          kind = p.value;
        }
        const right = this.tabular(this.need(prop(e, 'Expression'), e), false);
        const clause = this.need(prop(e, 'LookupClause'), e);
        if (classOf(clause) !== 'JoinOnClause') throw this.unsupportedSyntax(clause, 'lookup where');
        const on: JoinCondition[] = [];
        for (const x of listItems(prop(clause, 'Expressions'))) this.joinConditions(x, on);
        return { op: 'lookup', kind, right, on };
      }
      case 'ProjectReorderOperator':
        return {
          op: 'project-reorder',
          patterns: listItems(prop(e, 'Expressions')).map((x) => {
            if (classOf(x) === 'OrderedExpression') {
              const inner = this.need(prop(x, 'Expression'), x);
              const ordering = prop(x, 'Ordering');
              const dir = ordering ? tokenText(prop(ordering, 'AscOrDescKeyword')).toLowerCase() : '';
              const item: { pattern: string; order?: 'asc' | 'desc' } = { pattern: this.span(inner).text.trim() };
              if (dir === 'asc' || dir === 'desc') item.order = dir;
              return item;
            }
            if (classOf(x) !== 'NameReference') throw this.unsupportedSyntax(x);
            return { pattern: this.span(x).text.trim() };
          }),
        };
      case 'ParseOperator':
        return this.parseOperator(e);
      case 'MvApplyOperator':
        return this.mvApply(e);
      default:
        throw unsupported(this.text, 'operator', tokenText(firstToken(e)) || cls, this.span(e));
    }
  }

  private union(e: KElement): {
    kind: 'outer' | 'inner';
    sources: Tabular[];
    sourceNames: string[];
    withSource?: string;
  } {
    let kind: 'outer' | 'inner' = 'outer';
    let withSource: string | undefined;
    for (const p of this.params(e, ['kind', 'isfuzzy', 'withsource'])) {
      if (p.name === 'withsource') {
        withSource = p.value;
        continue;
      }
      if (p.name !== 'kind') continue;
      if (p.value !== 'inner' && p.value !== 'outer') throw unsupported(this.text, 'syntax', `kind=${p.value}`, p.at);
      kind = p.value;
    }
    const legs = listItems(prop(e, 'Expressions'));
    const sources = legs.map((x) => this.tabular(x, false));
    // withsource= names a leg by its table (or let) name, and an unnamed leg by its position.
    const sourceNames = legs.map((x, i) => (classOf(x) === 'NameReference' ? this.nameOf(x) : `union_arg${i}`));
    return withSource === undefined ? { kind, sources, sourceNames } : { kind, sources, sourceNames, withSource };
  }

  /** `parse [kind=simple|regex] expr with 'text' col:type * ...` as one anchored regular expression. */
  private parseOperator(e: KElement): Operator {
    let kind: 'simple' | 'regex' = 'simple';
    let flags = '';
    for (const p of this.params(e, ['kind', 'flags'])) {
      if (p.name === 'flags') {
        flags = p.value;
      } else if (p.value === 'simple' || p.value === 'regex') {
        kind = p.value;
      } else {
        throw unsupported(this.text, 'syntax', `kind=${p.value}`, p.at);
      }
    }
    const source = this.scalar(this.need(prop(e, 'Expression'), e));
    const patterns = listItems(prop(e, 'Patterns'));
    const columns: { name: string; type: string }[] = [];
    // Simple mode matches from the start of the text; regex mode searches, as Kusto's own examples show.
    let re = kind === 'simple' ? '^' : '';
    patterns.forEach((x, i) => {
      const cls = classOf(x);
      const last = i === patterns.length - 1;
      if (cls === 'LiteralExpression') {
        const text = literalText(x) ?? '';
        re += kind === 'regex' ? text : text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      } else if (cls === 'StarExpression') {
        re += last ? '.*' : '.*?';
      } else if (cls === 'NameAndTypeDeclaration' || cls === 'NameDeclaration') {
        const name = this.nameOf(cls === 'NameDeclaration' ? x : prop(x, 'Name'));
        const typeNode = cls === 'NameAndTypeDeclaration' ? prop(x, 'Type') : null;
        const type = typeNode ? this.span(typeNode).text.trim() : 'string';
        if (!CAST_TYPES.has(type)) throw unsupported(this.text, 'syntax', `parse column type ${type}`, this.span(x));
        columns.push({ name, type });
        re += last ? '(.*)' : '(.*?)';
      } else {
        throw this.unsupportedSyntax(x, 'parse pattern');
      }
    });
    let pattern: RegExp;
    try {
      pattern = new RegExp(re, flags.replace(/[^ims]/g, ''));
    } catch {
      throw invalidQuery(
        this.text,
        'SemanticError',
        'The parse pattern is not a valid regular expression.',
        this.span(e),
      );
    }
    return { op: 'parse', kind, source, pattern, columns };
  }

  private mvApply(e: KElement): Operator {
    let itemIndex: string | undefined;
    for (const p of this.params(e, ['with_itemindex'])) itemIndex = p.value;
    const items: MvExpandItem[] = listItems(prop(e, 'Expressions')).map((x) => this.expandItem(x));
    const limitClause = prop(e, 'RowLimitClause');
    const limitExpr = limitClause ? prop(limitClause, 'RowLimit') : null;
    if (prop(e, 'ContextIdClause')) throw this.unsupportedSyntax(e, 'mv-apply context_id');
    const sub = this.need(prop(e, 'Subquery'), e);
    this.contextDepth++;
    let subquery: Tabular;
    try {
      subquery = this.tabular(this.need(prop(sub, 'Expression'), sub), 'context');
    } finally {
      this.contextDepth--;
    }
    const op: Operator = { op: 'mv-apply', items, subquery };
    if (itemIndex !== undefined) op.itemIndex = itemIndex;
    if (limitExpr) op.limit = this.scalar(limitExpr);
    return op;
  }

  private expandItem(x: KElement): MvExpandItem {
    const inner = this.need(prop(x, 'Expression'), x);
    const item: MvExpandItem = { target: this.named(inner) };
    const toTypeOf = prop(x, 'ToTypeOf');
    if (toTypeOf) {
      const typeOf = this.need(prop(toTypeOf, 'TypeOf'), toTypeOf);
      const first = listItems(prop(typeOf, 'Types'))[0];
      const type = first ? this.span(first).text.trim() : '';
      if (!CAST_TYPES.has(type)) throw unsupported(this.text, 'syntax', `to typeof(${type})`, this.span(toTypeOf));
      item.castTo = type;
    }
    return item;
  }

  private mvExpand(e: KElement): Operator {
    let bagKind: 'bag' | 'array' = 'bag';
    let itemIndex: string | undefined;
    for (const p of this.params(e, ['kind', 'bagexpansion', 'with_itemindex'])) {
      if (p.name === 'with_itemindex') {
        itemIndex = p.value;
      } else if (p.value === 'bag' || p.value === 'array') {
        bagKind = p.value;
      } else {
        throw unsupported(this.text, 'syntax', `${p.name}=${p.value}`, p.at);
      }
    }
    const items: MvExpandItem[] = listItems(prop(e, 'Expressions')).map((x) => this.expandItem(x));
    const limitClause = prop(e, 'RowLimitClause');
    const limitExpr = limitClause ? prop(limitClause, 'RowLimit') : null;
    const op: Operator = { op: 'mv-expand', items, bagKind };
    if (itemIndex !== undefined) op.itemIndex = itemIndex;
    if (limitExpr) op.limit = this.scalar(limitExpr);
    return op;
  }

  private join(e: KElement): Operator {
    let kind: JoinKind = 'innerunique';
    for (const p of this.params(e, ['kind'])) {
      const k = JOIN_KINDS[p.value];
      if (!k) {
        const expected = Object.keys(JOIN_KINDS).join(', ');
        throw invalidQuery(
          this.text,
          'SemanticError',
          `Unknown join kind '${p.value}'. Expected one of: ${expected}`,
          p.at,
        );
      }
      kind = k;
    }
    const right = this.tabular(this.need(prop(e, 'Expression'), e), false);
    const clause = this.need(prop(e, 'ConditionClause'), e);
    if (classOf(clause) !== 'JoinOnClause') throw this.unsupportedSyntax(clause, 'join where');
    const on: JoinCondition[] = [];
    for (const x of listItems(prop(clause, 'Expressions'))) this.joinConditions(x, on);
    return { op: 'join', kind, right, on };
  }

  private joinConditions(e: KElement, out: JoinCondition[]): void {
    const cls = classOf(e);
    const kind = kindOf(e);
    if (cls === 'ParenthesizedExpression') return this.joinConditions(this.need(prop(e, 'Expression'), e), out);
    if (cls === 'NameReference') {
      const name = this.nameOf(e);
      out.push({ left: name, right: name, at: this.span(e) });
      return;
    }
    if (kind === 'AndExpression') {
      this.joinConditions(this.need(prop(e, 'Left'), e), out);
      this.joinConditions(this.need(prop(e, 'Right'), e), out);
      return;
    }
    if (kind === 'EqualExpression') {
      const a = this.sideRef(prop(e, 'Left'));
      const b = this.sideRef(prop(e, 'Right'));
      if (a && b && a.side !== b.side) {
        const left = a.side === 'left' ? a.name : b.name;
        const right = a.side === 'right' ? a.name : b.name;
        out.push({ left, right, at: this.span(e) });
        return;
      }
    }
    throw this.unsupportedSyntax(e, 'join condition');
  }

  private sideRef(e: KElement | null): { side: 'left' | 'right'; name: string } | null {
    if (!e || classOf(e) !== 'PathExpression') return null;
    const target = prop(e, 'Expression');
    const selector = prop(e, 'Selector');
    if (!target || !selector || classOf(target) !== 'NameReference') return null;
    const t = this.nameOf(target);
    if (t !== '$left' && t !== '$right') return null;
    return { side: t === '$left' ? 'left' : 'right', name: this.nameOf(selector) };
  }

  private sortKey(e: KElement): SortKey {
    let expr = e;
    let descending = true;
    let nulls: string | undefined;
    if (classOf(e) === 'OrderedExpression') {
      expr = this.need(prop(e, 'Expression'), e);
      const ordering = prop(e, 'Ordering');
      if (ordering) {
        const dir = prop(ordering, 'AscOrDescKeyword');
        if (dir) descending = tokenText(dir).toLowerCase() !== 'asc';
        const nullsClause = prop(ordering, 'NullsClause');
        if (nullsClause) nulls = tokenText(prop(nullsClause, 'FirstOrLastKeyword')).toLowerCase();
      }
    }
    return { expr: this.scalar(expr), descending, nullsFirst: nulls ? nulls === 'first' : !descending };
  }

  private named(e: KElement): NamedScalar {
    const cls = classOf(e);
    if (cls === 'SimpleNamedExpression') {
      const expr = this.need(prop(e, 'Expression'), e);
      return { explicitName: this.nameOf(prop(e, 'Name')), expr: this.scalar(expr), at: this.span(e) };
    }
    if (cls === 'CompoundNamedExpression') throw this.unsupportedSyntax(e, '(a, b) = ...');
    const item: NamedScalar = { expr: this.scalar(e), at: this.span(e) };
    const inferred = this.inferName(e);
    if (inferred !== undefined) item.inferredName = inferred;
    return item;
  }

  private aggregate(e: KElement): Aggregate {
    let explicitName: string | undefined;
    let call = e;
    if (classOf(e) === 'SimpleNamedExpression') {
      explicitName = this.nameOf(prop(e, 'Name'));
      call = this.need(prop(e, 'Expression'), e);
    } else if (classOf(e) === 'CompoundNamedExpression') {
      throw this.unsupportedSyntax(e, '(a, b) = ...');
    }
    if (classOf(call) !== 'FunctionCallExpression') {
      throw this.unsupportedSyntax(call, 'summarize expression that is not a single aggregation call');
    }
    const fnNode = this.need(prop(call, 'Name'), call);
    const fn = this.nameOf(fnNode);
    const argNodes = listItems(prop(this.need(prop(call, 'ArgumentList'), call), 'Expressions'));
    const at = this.span(call);
    if (ROW_AGGREGATES.has(fn)) {
      const [first, ...rest] = argNodes;
      if (!first) throw invalidQuery(this.text, 'SemanticError', `${fn}() needs an argument.`, at);
      const rowColumns: (NamedScalar | '*')[] = rest.map((x) =>
        classOf(x) === 'StarExpression' ? '*' : this.named(x),
      );
      const agg: Aggregate = {
        fn,
        args: [this.scalar(first)],
        inferredName: this.inferName(first) ?? '',
        at,
        rowColumns,
      };
      if (explicitName !== undefined) agg.explicitName = explicitName;
      return agg;
    }
    if (!Object.hasOwn(AGGREGATES, fn)) throw this.unknownOrUnsupportedFunction(fn, this.span(fnNode), true);
    const args = argNodes.map((x) => this.scalar(x));
    let inferredName: string;
    if ((fn === 'any' || fn === 'take_any') && argNodes.length > 1) {
      throw unsupported(this.text, 'syntax', `${fn}() with several arguments`, at);
    }
    if (fn === 'take_any' || fn === 'take_anyif') {
      inferredName = (argNodes[0] ? this.inferName(argNodes[0]) : undefined) ?? 'any_arg0';
    } else if (fn === 'percentile' && argNodes[1]) {
      // Kusto names percentile(x, 50) `percentile_x_50`.
      const first = argNodes[0] ? (this.inferName(argNodes[0]) ?? '') : '';
      inferredName = `percentile_${first}_${this.span(argNodes[1]).text.trim().replace(/\./g, '_')}`;
    } else {
      inferredName = this.nameFromMetadata(functionNaming().aggregates.get(fn), fn, argNodes) ?? `${fn}_`;
    }
    const agg: Aggregate = { fn, args, inferredName, at };
    if (explicitName !== undefined) agg.explicitName = explicitName;
    return agg;
  }

  private unknownOrUnsupportedFunction(name: string, at: SourceSpan, inSummarize: boolean): KqlError {
    const n = functionNaming();
    if (n.aggregates.has(name) && !inSummarize && !n.functions.has(name)) {
      return invalidQuery(
        this.text,
        'SemanticError',
        `The function '${name}' can only be used within a summarize aggregate.`,
        at,
      );
    }
    if (n.functions.has(name) || n.aggregates.has(name)) return unsupported(this.text, 'function', name, at);
    return invalidQuery(this.text, 'SemanticError', `The name '${name}' does not refer to any known function.`, at);
  }

  /** The column name Kusto gives an unnamed expression, mirroring Kusto.Language's binder. */
  private inferName(e: KElement): string | undefined {
    switch (classOf(e)) {
      case 'NameReference':
        return this.nameOf(e);
      case 'ParenthesizedExpression': {
        const inner = prop(e, 'Expression');
        return inner ? this.inferName(inner) : undefined;
      }
      case 'PathExpression': {
        const target = prop(e, 'Expression');
        const base = target ? this.inferName(target) : undefined;
        return base === undefined ? undefined : `${base}_${this.nameOf(prop(e, 'Selector'))}`;
      }
      case 'ElementExpression': {
        const target = prop(e, 'Expression');
        const base = target ? this.inferName(target) : undefined;
        if (base === undefined) return undefined;
        const selector = prop(e, 'Selector');
        const index = selector ? prop(selector, 'Expression') : null;
        const kind = index ? kindOf(index) : '';
        const text =
          index &&
          (kind === 'StringLiteralExpression' || kind === 'LongLiteralExpression' || kind === 'IntLiteralExpression')
            ? (literalText(index) ?? '')
            : '';
        return `${base}_${text}`;
      }
      case 'FunctionCallExpression': {
        const fn = this.nameOf(prop(e, 'Name'));
        const argList = prop(e, 'ArgumentList');
        const args = argList ? listItems(prop(argList, 'Expressions')) : [];
        return this.nameFromMetadata(functionNaming().functions.get(fn), fn, args);
      }
      default:
        return undefined;
    }
  }

  private nameFromMetadata(info: FunctionInfo | undefined, fn: string, args: KElement[]): string | undefined {
    if (!info) return undefined;
    const first = args[0];
    const firstName = first ? this.inferName(first) : undefined;
    const prefix = info.ResultNamePrefix ?? fn;
    switch (info.ResultNameKind) {
      case NAME_AND_FIRST_ARGUMENT:
        return `${fn}_${firstName ?? ''}`;
      case NAME_AND_ONLY_ARGUMENT:
        return args.length === 1 ? `${fn}_${firstName ?? ''}` : undefined;
      case PREFIX_AND_FIRST_ARGUMENT:
        return `${prefix}_${firstName ?? ''}`;
      case PREFIX_AND_ONLY_ARGUMENT:
        return args.length === 1 ? `${prefix}_${firstName ?? ''}` : undefined;
      case PREFIX_ONLY:
        return prefix;
      case FIRST_ARGUMENT:
        return firstName;
      case ONLY_ARGUMENT:
        return args.length === 1 ? firstName : undefined;
      default:
        return undefined;
    }
  }

  scalar(e: KElement): Scalar {
    const cls = classOf(e);
    switch (cls) {
      case 'LiteralExpression':
        return { kind: 'literal', value: this.literal(e) };
      case 'DynamicExpression': {
        const inner = prop(e, 'Expression');
        return { kind: 'literal', value: inner ? this.json(inner) : null };
      }
      case 'NameReference':
        return { kind: 'name', name: this.nameOf(e), at: this.span(e) };
      case 'ParenthesizedExpression':
        return this.scalar(this.need(prop(e, 'Expression'), e));
      case 'PathExpression':
        return {
          kind: 'member',
          target: this.scalar(this.need(prop(e, 'Expression'), e)),
          member: this.nameOf(prop(e, 'Selector')),
        };
      case 'ElementExpression': {
        const selector = this.need(prop(e, 'Selector'), e);
        return {
          kind: 'index',
          target: this.scalar(this.need(prop(e, 'Expression'), e)),
          index: this.scalar(this.need(prop(selector, 'Expression'), selector)),
        };
      }
      case 'BinaryExpression': {
        const raw = tokenText(prop(e, 'Operator')).toLowerCase().replace(/\s+/g, ' ');
        const op = LEGACY_OPERATORS[raw] ?? raw;
        if (!BINARY_OPERATORS.has(op))
          throw unsupported(this.text, 'operator', raw, this.span(this.need(prop(e, 'Operator'), e)));
        return {
          kind: 'binary',
          op,
          left: this.scalar(this.need(prop(e, 'Left'), e)),
          right: this.scalar(this.need(prop(e, 'Right'), e)),
          at: this.span(e),
        };
      }
      case 'InExpression':
      case 'HasAnyExpression':
      case 'HasAllExpression': {
        const op = tokenText(prop(e, 'Operator')).toLowerCase();
        const right = this.need(prop(e, 'Right'), e);
        const items = listItems(prop(right, 'Expressions'));
        const left = this.scalar(this.need(prop(e, 'Left'), e));
        if (cls !== 'InExpression' && op !== 'has_any' && op !== 'has_all') {
          throw unsupported(this.text, 'operator', op, this.span(e));
        }
        const only = items[0];
        if (cls === 'InExpression' && items.length === 1 && only && this.isSubquery(only)) {
          return { kind: 'in', op, left, list: [], tabular: this.tabular(only, false) };
        }
        return { kind: 'in', op, left, list: items.map((x) => this.scalar(x)) };
      }
      case 'BetweenExpression': {
        const op = tokenText(prop(e, 'Operator')).toLowerCase();
        const couple = this.need(prop(e, 'Right'), e);
        const left = this.scalar(this.need(prop(e, 'Left'), e));
        const at = this.span(e);
        const range: Scalar = {
          kind: 'binary',
          op: 'and',
          left: { kind: 'binary', op: '>=', left, right: this.scalar(this.need(prop(couple, 'First'), couple)), at },
          right: { kind: 'binary', op: '<=', left, right: this.scalar(this.need(prop(couple, 'Second'), couple)), at },
          at,
        };
        return op === 'between' ? range : { kind: 'call', name: 'not', args: [range], at };
      }
      case 'PrefixUnaryExpression': {
        const op = tokenText(prop(e, 'Operator'));
        const operand = this.scalar(this.need(prop(e, 'Expression'), e));
        if (op !== '-' && op !== '+') throw unsupported(this.text, 'operator', op, this.span(e));
        if (operand.kind === 'literal' && typeof operand.value === 'number') {
          return { kind: 'literal', value: op === '-' ? -operand.value : operand.value };
        }
        return { kind: 'unary', op, operand };
      }
      case 'FunctionCallExpression': {
        const nameNode = this.need(prop(e, 'Name'), e);
        const name = this.nameOf(nameNode);
        const at = this.span(e);
        const argList = this.need(prop(e, 'ArgumentList'), e);
        if (this.functions.get(name) === 'scalar') {
          return { kind: 'ucall', name, args: listItems(prop(argList, 'Expressions')).map((x) => this.scalar(x)), at };
        }
        if (!Object.hasOwn(SCALAR_FUNCTIONS, name))
          throw this.unknownOrUnsupportedFunction(name, this.span(nameNode), false);
        return { kind: 'call', name, args: listItems(prop(argList, 'Expressions')).map((x) => this.scalar(x)), at };
      }
      default:
        throw this.unsupportedSyntax(e);
    }
  }

  private literal(e: KElement): unknown {
    const kind = kindOf(e);
    const text = literalText(e);
    switch (kind) {
      case 'StringLiteralExpression':
        return text ?? '';
      case 'LongLiteralExpression':
      case 'IntLiteralExpression': {
        if (text === undefined || text === 'null') return null;
        return /^0x/i.test(text) ? Number.parseInt(text.slice(2), 16) : Number(text);
      }
      case 'RealLiteralExpression':
      case 'DecimalLiteralExpression':
        return text === undefined || text === 'null' ? null : Number(text);
      case 'BooleanLiteralExpression':
        return text === 'true' ? true : text === 'false' ? false : null;
      case 'NullLiteralExpression':
        return null;
      case 'DateTimeLiteralExpression': {
        if (text === undefined || text === 'null') return null;
        const d = parseDateTime(text);
        if (!d) throw invalidQuery(this.text, 'SemanticError', `Invalid datetime literal '${text}'.`, this.span(e));
        return d;
      }
      case 'TimespanLiteralExpression': {
        if (text === undefined || text === 'null') return null;
        const t = parseTimespan(text);
        if (!t) throw invalidQuery(this.text, 'SemanticError', `Invalid timespan literal '${text}'.`, this.span(e));
        return t;
      }
      case 'GuidLiteralExpression':
        return text === undefined || text === 'null' ? null : text.toLowerCase();
      default:
        throw this.unsupportedSyntax(e);
    }
  }

  private json(e: KElement): unknown {
    switch (classOf(e)) {
      case 'JsonArrayExpression':
        return listItems(prop(e, 'Values')).map((x) => this.json(x));
      case 'JsonObjectExpression': {
        const out: Record<string, unknown> = {};
        for (const pair of listItems(prop(e, 'Pairs'))) {
          const nameToken = this.need(prop(pair, 'Name'), pair);
          const key = tokenValueText(nameToken) ?? tokenText(nameToken);
          out[key] = this.json(this.need(prop(pair, 'Value'), pair));
        }
        return out;
      }
      case 'LiteralExpression':
        return this.literal(e);
      case 'PrefixUnaryExpression': {
        const v = this.json(this.need(prop(e, 'Expression'), e));
        if (typeof v !== 'number') throw this.unsupportedSyntax(e);
        return tokenText(prop(e, 'Operator')) === '-' ? -v : v;
      }
      default:
        throw this.unsupportedSyntax(e, 'dynamic literal');
    }
  }
}

const queryCache = new Map<string, Query>();

/** Converts a syntactically valid query to the interpreter's tree; cached by query text. */
export function convertQuery(text: string): Query {
  const hit = queryCache.get(text);
  if (hit) return hit;
  const code = parseSyntax(text);
  const query = new Converter(text).query(code.Syntax);
  return remember(queryCache, text, query);
}
