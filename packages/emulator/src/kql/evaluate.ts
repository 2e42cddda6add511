/** Evaluates the interpreter's query tree (ast.ts) over in-memory tables. */
import type {
  Aggregate,
  JoinCondition,
  LetFunction,
  NamedScalar,
  Operator,
  Query,
  Scalar,
  SortKey,
  Statement,
  Tabular,
} from './ast';
import { invalidQuery, unsupported, type SourceSpan } from './errors';
import { KDateTime, KTimespan } from './time';
import { AGGREGATES, SCALAR_FUNCTIONS, kustoRegex, type AggState } from './functions';
import {
  asBool,
  elementAt,
  hasTerm,
  isBag,
  isNull,
  kCompare,
  kEquals,
  kEqualsCi,
  kNotEquals,
  keyOf,
  memberOf,
  sortCompare,
  terms,
  toDateTime,
  toLong,
  toReal,
  toStr,
  toTimespan,
} from './values';

export type Row = Record<string, unknown>;

/** A result set: the ordered column names and rows holding (at least) those columns. */
export interface Table {
  columns: string[];
  rows: Row[];
}

/** Finds an input table by name (case-insensitively, like Resource Graph). */
export type TableLookup = (name: string) => Table | undefined;

type Fn = (row: Row) => unknown;

/** How a query runs: the instant `now()` stands for, and mv-expand's row limit when none is given. */
export interface EvaluationOptions {
  now: KDateTime;
  /** Resource Graph's default `mv-expand` row limit (128); unlimited in plain Kusto. */
  mvExpandDefaultLimit: number;
}

interface Env {
  text: string;
  lookup: TableLookup;
  scalarLets: Map<string, unknown>;
  tabularLets: Map<string, { expr: Tabular; value?: Table }>;
  functions: Map<string, LetFunction>;
  options: EvaluationOptions;
  /** The rows an mv-apply subquery reads. */
  context?: Table;
  /** Function calls being expanded, against recursion. */
  calling: ReadonlySet<string>;
}

interface Scope {
  env: Env;
  columns: ReadonlySet<string>;
}

const EMPTY_COLUMNS: ReadonlySet<string> = new Set();

/** Evaluates a converted query over the tables `lookup` finds. */
export function evaluateQuery(text: string, query: Query, lookup: TableLookup, options: EvaluationOptions): Table {
  const env: Env = {
    text,
    lookup,
    scalarLets: new Map(),
    tabularLets: new Map(),
    functions: new Map(),
    options,
    calling: new Set(),
  };
  bindLets(env, query.lets);
  return evalTabular(query.body, env);
}

function childEnv(env: Env): Env {
  return {
    ...env,
    scalarLets: new Map(env.scalarLets),
    tabularLets: new Map(env.tabularLets),
    functions: new Map(env.functions),
  };
}

function bindLets(env: Env, lets: readonly Statement[]): void {
  for (const st of lets) {
    if (st.kind === 'let-scalar') {
      const fn = compile(st.expr, { env, columns: EMPTY_COLUMNS });
      env.scalarLets.set(st.name, fn({}));
      env.tabularLets.delete(st.name);
      env.functions.delete(st.name);
    } else if (st.kind === 'let-tabular') {
      env.tabularLets.set(st.name, { expr: st.expr });
      env.scalarLets.delete(st.name);
      env.functions.delete(st.name);
    } else {
      env.functions.set(st.fn.name, st.fn);
      env.scalarLets.delete(st.fn.name);
      env.tabularLets.delete(st.fn.name);
    }
  }
}

function letFunction(env: Env, name: string, at: SourceSpan): LetFunction {
  const fn = env.functions.get(name);
  if (!fn)
    throw invalidQuery(env.text, 'SemanticError', `The name '${name}' does not refer to any known function.`, at);
  if (env.calling.has(name)) {
    throw invalidQuery(env.text, 'SemanticError', `The function '${name}' calls itself; recursion is not allowed.`, at);
  }
  return fn;
}

/** A scalar `let` function call: the body sees its parameters (and its own lets) as the only columns. */
function compileUserCall(e: Extract<Scalar, { kind: 'ucall' }>, scope: Scope): Fn {
  const fn = letFunction(scope.env, e.name, e.at);
  if (fn.body.kind !== 'scalar') {
    throw invalidQuery(scope.env.text, 'SemanticError', `The function '${e.name}' returns a table.`, e.at);
  }
  const env = childEnv(scope.env);
  env.calling = new Set([...scope.env.calling, e.name]);
  const columns = new Set(fn.params.map((p) => p.name));
  const steps: { name: string; fn: Fn }[] = [];
  for (const st of fn.lets) {
    if (st.kind === 'let-scalar') {
      steps.push({ name: st.name, fn: compile(st.expr, { env, columns: new Set(columns) }) });
      columns.add(st.name);
    } else if (st.kind === 'let-function') {
      env.functions.set(st.fn.name, st.fn);
    } else {
      throw unsupported(scope.env.text, 'syntax', 'tabular let inside a scalar function', e.at);
    }
  }
  const body = compile(fn.body.expr, { env, columns });
  const args = e.args.map((a) => compile(a, scope));
  const defaults = fn.params.map((p) => (p.fallback ? constant(p.fallback, scope.env) : null));
  return (r) => {
    const row: Row = {};
    fn.params.forEach((p, i) => {
      const arg = args[i];
      row[p.name] = arg ? arg(r) : defaults[i];
    });
    for (const s of steps) row[s.name] = s.fn(row);
    return body(row);
  };
}

/** A tabular `let` function call: its arguments are constants bound as scalar lets. */
function evalUserTable(t: Extract<Tabular, { kind: 'tcall' }>, env: Env): Table {
  const fn = letFunction(env, t.name, t.at);
  if (fn.body.kind !== 'tabular') {
    throw invalidQuery(env.text, 'SemanticError', `The function '${t.name}' returns a scalar.`, t.at);
  }
  const child = childEnv(env);
  child.calling = new Set([...env.calling, t.name]);
  fn.params.forEach((p, i) => {
    const arg = t.args[i] ?? p.fallback;
    child.scalarLets.set(p.name, arg ? constant(arg, env) : null);
    child.tabularLets.delete(p.name);
  });
  bindLets(child, fn.lets);
  return evalTabular(fn.body.expr, child);
}

// ---------------------------------------------------------------- scalar expressions

function compile(e: Scalar, scope: Scope): Fn {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'name': {
      const name = e.name;
      if (scope.columns.has(name)) return (r) => r[name] ?? null;
      if (scope.env.scalarLets.has(name)) {
        const v = scope.env.scalarLets.get(name);
        return () => v;
      }
      throw invalidQuery(scope.env.text, 'SemanticError', `Failed to resolve scalar expression named '${name}'`, e.at);
    }
    case 'member': {
      const target = compile(e.target, scope);
      const member = e.member;
      return (r) => memberOf(target(r), member);
    }
    case 'index': {
      const target = compile(e.target, scope);
      const index = compile(e.index, scope);
      return (r) => elementAt(target(r), index(r));
    }
    case 'unary': {
      const operand = compile(e.operand, scope);
      const negate = e.op === '-';
      return (r) => {
        const v = operand(r);
        if (v instanceof KTimespan) return negate ? new KTimespan(-v.ticks) : v;
        return typeof v === 'number' ? (negate ? -v : v) : null;
      };
    }
    case 'binary':
      return compileBinary(e.op, e.left, e.right, scope);
    case 'in':
      return compileIn(e.op, e.left, e.list, e.tabular, scope);
    case 'ucall':
      return compileUserCall(e, scope);
    case 'call': {
      if (e.name === 'now' || e.name === 'ago') {
        const now = scope.env.options.now;
        const arg = e.args[0] ? compile(e.args[0], scope) : undefined;
        const sign = e.name === 'ago' ? -1 : 1;
        return (r) => {
          if (!arg) return now;
          const span = toTimespan(arg(r));
          return span ? now.plus(new KTimespan(sign * span.ticks)) : null;
        };
      }
      if (e.name === 'pack_all') {
        const columns = [...scope.columns];
        const skipEmpty = e.args[0] ? constant(e.args[0], scope.env) === true : false;
        return (r) => {
          const o: Row = {};
          for (const c of columns) {
            const v = r[c] ?? null;
            if (skipEmpty && (v === null || v === '')) continue;
            o[c] = v;
          }
          return o;
        };
      }
      const fn = SCALAR_FUNCTIONS[e.name];
      if (!fn) throw invalidQuery(scope.env.text, 'SemanticError', `Unknown function '${e.name}'`, e.at);
      const args = e.args.map((a) => compile(a, scope));
      if (args.length === 1) {
        const [a0] = args as [Fn];
        return (r) => fn([a0(r)]);
      }
      return (r) => fn(args.map((a) => a(r)));
    }
  }
}

function literalString(e: Scalar): string | undefined {
  return e.kind === 'literal' ? toStr(e.value) : undefined;
}

type StringPredicate = (haystack: string, needle: string) => boolean;

const STRING_PREDICATES: Record<string, { test: StringPredicate; caseSensitive: boolean }> = {
  has: { test: (h, n) => hasTerm(h, n, true), caseSensitive: false },
  has_cs: { test: (h, n) => hasTerm(h, n, true), caseSensitive: true },
  hasprefix: { test: (h, n) => terms(h).some((t) => t.startsWith(n)), caseSensitive: false },
  hassuffix: { test: (h, n) => terms(h).some((t) => t.endsWith(n)), caseSensitive: false },
  contains: { test: (h, n) => h.includes(n), caseSensitive: false },
  contains_cs: { test: (h, n) => h.includes(n), caseSensitive: true },
  startswith: { test: (h, n) => h.startsWith(n), caseSensitive: false },
  startswith_cs: { test: (h, n) => h.startsWith(n), caseSensitive: true },
  endswith: { test: (h, n) => h.endsWith(n), caseSensitive: false },
  endswith_cs: { test: (h, n) => h.endsWith(n), caseSensitive: true },
};

/** Arithmetic on datetimes and timespans: dt ± ts, dt - dt, ts ± ts, ts * n, ts / n, ts / ts. */
function temporalArithmetic(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof KDateTime || b instanceof KDateTime) {
    const x = a instanceof KDateTime ? a : typeof a === 'string' && op === '-' ? toDateTime(a) : null;
    if (x && b instanceof KTimespan) {
      if (op === '+') return x.plus(b);
      if (op === '-') return x.plus(new KTimespan(-b.ticks));
      return null;
    }
    if (op === '+' && a instanceof KTimespan && b instanceof KDateTime) return b.plus(a);
    if (op === '-') {
      const y = b instanceof KDateTime ? b : toDateTime(b);
      return x && y ? x.minus(y) : null;
    }
    return null;
  }
  if (a instanceof KTimespan && b instanceof KTimespan) {
    if (op === '+') return new KTimespan(a.ticks + b.ticks);
    if (op === '-') return new KTimespan(a.ticks - b.ticks);
    if (op === '/') return b.ticks === 0 ? null : a.ticks / b.ticks;
    return null;
  }
  const span = a instanceof KTimespan ? a : b instanceof KTimespan ? b : null;
  const n = toReal(a instanceof KTimespan ? b : a);
  if (!span || n === null) return null;
  if (op === '*') return new KTimespan(Math.round(span.ticks * n));
  if (op === '/' && span === a) return n === 0 ? null : new KTimespan(Math.round(span.ticks / n));
  return null;
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof KDateTime || a instanceof KTimespan || b instanceof KDateTime || b instanceof KTimespan) {
    return temporalArithmetic(op, a, b);
  }
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  const integers = Number.isInteger(a) && Number.isInteger(b);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (integers) return b === 0 ? null : Math.trunc(a / b);
      return a / b;
    default:
      if (b === 0 && integers) return null;
      return a % b;
  }
}

function compileBinary(op: string, leftExpr: Scalar, rightExpr: Scalar, scope: Scope): Fn {
  const left = compile(leftExpr, scope);
  const right = compile(rightExpr, scope);
  switch (op) {
    case 'and':
      return (r) => {
        const a = asBool(left(r));
        if (a === false) return false;
        const b = asBool(right(r));
        if (b === false) return false;
        return a === true && b === true ? true : null;
      };
    case 'or':
      return (r) => {
        const a = asBool(left(r));
        if (a === true) return true;
        const b = asBool(right(r));
        if (b === true) return true;
        return a === false && b === false ? false : null;
      };
    case '==':
      return (r) => kEquals(left(r), right(r));
    case '!=':
      return (r) => kNotEquals(left(r), right(r));
    case '=~':
    case '!~': {
      const negate = op === '!~';
      const needle = literalString(rightExpr)?.toLowerCase();
      if (needle !== undefined) return (r) => (toStr(left(r)).toLowerCase() === needle) !== negate;
      return (r) => kEqualsCi(left(r), right(r)) !== negate;
    }
    case '<':
      return (r) => nullableCompare(kCompare(left(r), right(r)), (c) => c < 0);
    case '<=':
      return (r) => nullableCompare(kCompare(left(r), right(r)), (c) => c <= 0);
    case '>':
      return (r) => nullableCompare(kCompare(left(r), right(r)), (c) => c > 0);
    case '>=':
      return (r) => nullableCompare(kCompare(left(r), right(r)), (c) => c >= 0);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (r) => arithmetic(op, left(r), right(r));
    case 'matches regex': {
      const literal = literalString(rightExpr);
      const fixed = literal === undefined ? undefined : kustoRegex(literal);
      return (r) => {
        const re = fixed !== undefined ? fixed : kustoRegex(toStr(right(r)));
        return re ? re.test(toStr(left(r))) : false;
      };
    }
    default: {
      const negate = op.startsWith('!');
      const name = negate ? op.slice(1) : op;
      const predicate = STRING_PREDICATES[name];
      if (!predicate) throw new Error(`unhandled operator ${op}`);
      const { test, caseSensitive } = predicate;
      const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
      const literal = literalString(rightExpr);
      if (literal !== undefined) {
        const needle = fold(literal);
        return (r) => test(fold(toStr(left(r))), needle) !== negate;
      }
      return (r) => test(fold(toStr(left(r))), fold(toStr(right(r)))) !== negate;
    }
  }
}

function nullableCompare(c: number | null, test: (c: number) => boolean): boolean | null {
  return c === null ? null : test(c);
}

function flattenOne(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) out.push(...(v as unknown[]));
    else out.push(v);
  }
  return out;
}

interface InSet {
  typed: Set<string>;
  text: Set<string>;
}

function buildInSet(values: unknown[], caseInsensitive: boolean): InSet {
  const typed = new Set<string>();
  const text = new Set<string>();
  for (const v of values) {
    if (isNull(v)) continue;
    if (caseInsensitive) {
      text.add(toStr(v).toLowerCase());
    } else {
      typed.add(keyOf(v));
      text.add(toStr(v));
    }
  }
  return { typed, text };
}

function inSetHas(set: InSet, v: unknown, caseInsensitive: boolean): boolean {
  if (isNull(v)) return false;
  if (caseInsensitive) return set.text.has(toStr(v).toLowerCase());
  if (typeof v === 'string') return set.text.has(v);
  return set.typed.has(keyOf(v)) || ((typeof v === 'number' || typeof v === 'boolean') && set.text.has(toStr(v)));
}

function compileIn(op: string, leftExpr: Scalar, list: Scalar[], tabular: Tabular | undefined, scope: Scope): Fn {
  const left = compile(leftExpr, scope);
  if (op === 'has_any' || op === 'has_all') {
    const items = list.map((x) => compile(x, scope));
    const all = op === 'has_all';
    return (r) => {
      const hay = toStr(left(r));
      const needles = flattenOne(items.map((f) => f(r))).map((n) => toStr(n));
      return all ? needles.every((n) => hasTerm(hay, n, false)) : needles.some((n) => hasTerm(hay, n, false));
    };
  }
  const negate = op.startsWith('!');
  const ci = op.endsWith('~');
  if (tabular) {
    let set: InSet | undefined;
    const env = scope.env;
    return (r) => {
      if (!set) {
        const t = evalTabular(tabular, env);
        const first = t.columns[0];
        set = buildInSet(flattenOne(first === undefined ? [] : t.rows.map((row) => row[first] ?? null)), ci);
      }
      const v = left(r);
      if (isNull(v)) return negate;
      return inSetHas(set, v, ci) !== negate;
    };
  }
  if (list.every((x) => x.kind === 'literal')) {
    const set = buildInSet(flattenOne(list.map((x) => (x.kind === 'literal' ? x.value : null))), ci);
    return (r) => {
      const v = left(r);
      if (isNull(v)) return negate;
      return inSetHas(set, v, ci) !== negate;
    };
  }
  const items = list.map((x) => compile(x, scope));
  return (r) => {
    const v = left(r);
    if (isNull(v)) return negate;
    const set = buildInSet(flattenOne(items.map((f) => f(r))), ci);
    return inSetHas(set, v, ci) !== negate;
  };
}

/** Evaluates an expression that may not refer to columns (`take 5`, `let x = ...`). */
function constant(e: Scalar, env: Env): unknown {
  return compile(e, { env, columns: EMPTY_COLUMNS })({});
}

// ---------------------------------------------------------------- tabular expressions

function evalTabular(t: Tabular, env: Env): Table {
  switch (t.kind) {
    case 'ref': {
      const local = env.tabularLets.get(t.name);
      if (local) {
        local.value ??= evalTabular(local.expr, env);
        return local.value;
      }
      const table = env.lookup(t.name);
      if (!table) throw unknownTable(env.text, t.name, t.at);
      return table;
    }
    case 'implicit': {
      const table = env.lookup('Resources');
      if (!table) throw unknownTable(env.text, 'Resources', t.at);
      return table;
    }
    case 'union':
      return union(
        t.sources.map((s) => evalTabular(s, env)),
        t.unionKind,
        t.withSource === undefined ? undefined : { column: t.withSource, names: t.sourceNames },
      );
    case 'pipe':
      return apply(evalTabular(t.source, env), t.operator, env);
    case 'context':
      if (!env.context) throw invalidQuery(env.text, 'SemanticError', 'There is no input here.', t.at);
      return env.context;
    case 'print':
      return project({ columns: [], rows: [{}] }, t.items, env);
    case 'range':
      return range(t, env);
    case 'datatable':
      return datatable(t, env);
    case 'tcall':
      return evalUserTable(t, env);
  }
}

const MAX_RANGE_ROWS = 1_000_000;

function range(t: Extract<Tabular, { kind: 'range' }>, env: Env): Table {
  const from = constant(t.from, env);
  const to = constant(t.to, env);
  const step = constant(t.step, env);
  const rows: Row[] = [];
  const tooMany = (): Error =>
    invalidQuery(env.text, 'SemanticError', `range produces more than ${MAX_RANGE_ROWS} rows.`, t.at);
  if (from instanceof KDateTime) {
    const end = toDateTime(to);
    const span = toTimespan(step);
    if (!end || !span || span.ticks === 0) return { columns: [t.name], rows };
    for (let v = from; span.ticks > 0 ? v.value <= end.value : v.value >= end.value; v = v.plus(span)) {
      if (rows.length >= MAX_RANGE_ROWS) throw tooMany();
      rows.push({ [t.name]: v });
    }
    return { columns: [t.name], rows };
  }
  if (typeof from !== 'number' || typeof to !== 'number' || typeof step !== 'number' || step === 0) {
    return { columns: [t.name], rows };
  }
  for (let v = from; step > 0 ? v <= to : v >= to; v += step) {
    if (rows.length >= MAX_RANGE_ROWS) throw tooMany();
    rows.push({ [t.name]: v });
  }
  return { columns: [t.name], rows };
}

/** Converts a value to a column type, as datatable and parse do. */
function convertTo(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return type === 'string' ? '' : null;
  switch (type) {
    case 'string':
      return toStr(v);
    case 'int':
    case 'long':
      return toLong(v);
    case 'real':
    case 'double':
    case 'decimal':
      return toReal(v);
    case 'bool':
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'datetime':
    case 'date':
      return toDateTime(v);
    case 'timespan':
    case 'time':
      return toTimespan(v);
    default:
      return v;
  }
}

function datatable(t: Extract<Tabular, { kind: 'datatable' }>, env: Env): Table {
  const columns = t.columns.map((c) => c.name);
  const n = columns.length;
  if (n === 0 || t.values.length % n !== 0) {
    throw invalidQuery(env.text, 'SemanticError', 'The datatable values do not fill whole rows.', t.at);
  }
  const rows: Row[] = [];
  for (let i = 0; i < t.values.length; i += n) {
    const row: Row = {};
    t.columns.forEach((c, j) => {
      row[c.name] = convertTo(c.type, constant(t.values[i + j] as Scalar, env));
    });
    rows.push(row);
  }
  return { columns, rows };
}

export function unknownTable(text: string, name: string, at: SourceSpan): Error {
  return invalidQuery(text, 'UnknownTable', `Failed to resolve table expression named '${name}'`, at);
}

function nextColumnName(taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) if (!taken.has(`Column${n}`)) return `Column${n}`;
}

function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 1; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

function apply(input: Table, op: Operator, env: Env): Table {
  switch (op.op) {
    case 'where': {
      const pred = compile(op.condition, scope(env, input));
      return { columns: input.columns, rows: input.rows.filter((r) => pred(r) === true) };
    }
    case 'project':
      return project(input, op.items, env);
    case 'extend':
      return extend(input, op.items, env);
    case 'project-away':
    case 'project-keep': {
      const matchers = op.patterns.map(wildcard);
      op.patterns.forEach((p, i) => {
        if (!p.includes('*') && !input.columns.includes(p)) {
          throw invalidQuery(env.text, 'SemanticError', `Failed to resolve column '${p}'`, op.at[i]);
        }
      });
      const keep = op.op === 'project-keep';
      return select(
        input,
        input.columns.filter((c) => matchers.some((m) => m.test(c)) === keep),
      );
    }
    case 'project-rename':
      return rename(input, op.pairs, env);
    case 'summarize':
      return summarize(input, op.aggregates, op.by, env);
    case 'sort':
      return { columns: input.columns, rows: sortRows(input, op.keys, env) };
    case 'take': {
      const n = toLong(constant(op.count, env)) ?? 0;
      return { columns: input.columns, rows: input.rows.slice(0, Math.max(0, n)) };
    }
    case 'top': {
      const n = toLong(constant(op.count, env)) ?? 0;
      return { columns: input.columns, rows: sortRows(input, [op.key], env).slice(0, Math.max(0, n)) };
    }
    case 'distinct': {
      const projected = op.items === 'all' ? input : project(input, op.items, env);
      const seen = new Set<string>();
      const rows = projected.rows.filter((r) => {
        const k = projected.columns.map((c) => keyOf(r[c])).join('\u0001');
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return { columns: projected.columns, rows };
    }
    case 'count':
      return { columns: [op.name], rows: [{ [op.name]: input.rows.length }] };
    case 'mv-expand':
      return mvExpand(input, op, env);
    case 'join':
      return join(input, evalTabular(op.right, env), op.kind, op.on, env);
    case 'union':
      return union(
        [input, ...op.sources.map((s) => evalTabular(s, env))],
        op.kind,
        op.withSource === undefined ? undefined : { column: op.withSource, names: ['union_arg0', ...op.sourceNames] },
      );
    case 'lookup':
      return lookupRows(input, evalTabular(op.right, env), op.kind, op.on, env);
    case 'project-reorder':
      return projectReorder(input, op.patterns);
    case 'parse':
      return parseRows(input, op, env);
    case 'mv-apply':
      return mvApply(input, op, env);
  }
}

function projectReorder(input: Table, patterns: { pattern: string; order?: 'asc' | 'desc' }[]): Table {
  const first: string[] = [];
  for (const p of patterns) {
    const re = wildcard(p.pattern);
    const matched = input.columns.filter((c) => re.test(c) && !first.includes(c));
    if (p.order === 'asc') matched.sort();
    if (p.order === 'desc') matched.sort().reverse();
    first.push(...matched);
  }
  return select(input, [...first, ...input.columns.filter((c) => !first.includes(c))]);
}

function parseRows(input: Table, op: Extract<Operator, { op: 'parse' }>, env: Env): Table {
  const source = compile(op.source, scope(env, input));
  const names = op.columns.map((c) => c.name);
  const columns = [...input.columns, ...names.filter((n) => !input.columns.includes(n))];
  return {
    columns,
    rows: input.rows.map((r) => {
      const o: Row = { ...r };
      const m = op.pattern.exec(toStr(source(r)));
      op.columns.forEach((c, i) => {
        o[c.name] = m ? convertTo(c.type, m[i + 1] ?? null) : convertTo(c.type, null);
      });
      return o;
    }),
  };
}

function mvApply(input: Table, op: Extract<Operator, { op: 'mv-apply' }>, env: Env): Table {
  const expand: Extract<Operator, { op: 'mv-expand' }> = { op: 'mv-expand', items: op.items, bagKind: 'bag' };
  if (op.limit) expand.limit = op.limit;
  if (op.itemIndex !== undefined) expand.itemIndex = op.itemIndex;
  const columns: string[] = [...input.columns];
  const rows: Row[] = [];
  for (const r of input.rows) {
    const expanded = mvExpand({ columns: input.columns, rows: [r] }, expand, env);
    const inner: Env = { ...env, context: expanded };
    const result = evalTabular(op.subquery, inner);
    for (const c of result.columns) if (!columns.includes(c)) columns.push(c);
    for (const x of result.rows) {
      const o: Row = { ...r };
      for (const c of result.columns) o[c] = x[c] ?? null;
      rows.push(o);
    }
  }
  return { columns, rows };
}

/** `lookup`: the left rows extended with the right table's columns, keys shown once. */
function lookupRows(left: Table, right: Table, kind: 'leftouter' | 'inner', on: JoinCondition[], env: Env): Table {
  const joined = join(left, right, kind, on, env);
  const keyNames = new Set(on.filter((c) => c.left === c.right).map((c) => c.right));
  const leftSet = new Set(left.columns);
  // join() renames a right column that collides with a left one (id -> id1); lookup drops the right keys.
  const dropped = new Set<string>();
  const all = new Set([...left.columns, ...right.columns]);
  for (const c of right.columns) {
    if (!leftSet.has(c)) continue;
    let n = 1;
    while (all.has(`${c}${n}`)) n++;
    all.add(`${c}${n}`);
    if (keyNames.has(c)) dropped.add(`${c}${n}`);
  }
  return select(
    joined,
    joined.columns.filter((c) => !dropped.has(c)),
  );
}

function scope(env: Env, table: Table): Scope {
  return { env, columns: new Set(table.columns) };
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

function select(input: Table, columns: string[]): Table {
  return {
    columns,
    rows: input.rows.map((r) => {
      const o: Row = {};
      for (const c of columns) o[c] = r[c] ?? null;
      return o;
    }),
  };
}

function duplicateColumn(env: Env, name: string, at: SourceSpan): Error {
  return invalidQuery(env.text, 'SemanticError', `A column with the name '${name}' is already declared.`, at);
}

function project(input: Table, items: NamedScalar[], env: Env): Table {
  const sc = scope(env, input);
  const names: string[] = [];
  const taken = new Set<string>();
  const fns: Fn[] = [];
  for (const item of items) {
    const name = item.explicitName ?? item.inferredName ?? nextColumnName(taken);
    if (taken.has(name)) throw duplicateColumn(env, name, item.at);
    taken.add(name);
    names.push(name);
    fns.push(compile(item.expr, sc));
  }
  const n = names.length;
  return {
    columns: names,
    rows: input.rows.map((r) => {
      const o: Row = {};
      for (let i = 0; i < n; i++) o[names[i] as string] = (fns[i] as Fn)(r);
      return o;
    }),
  };
}

function extend(input: Table, items: NamedScalar[], env: Env): Table {
  const columns = [...input.columns];
  const known = new Set(columns);
  const steps: { name: string; fn: Fn }[] = [];
  for (const item of items) {
    const fn = compile(item.expr, { env, columns: new Set(known) });
    const name = item.explicitName ?? item.inferredName ?? nextColumnName(known);
    if (!known.has(name)) {
      known.add(name);
      columns.push(name);
    }
    steps.push({ name, fn });
  }
  return {
    columns,
    rows: input.rows.map((r) => {
      const o: Row = { ...r };
      for (const s of steps) o[s.name] = s.fn(o);
      return o;
    }),
  };
}

function rename(input: Table, pairs: { to: string; from: string; at: SourceSpan }[], env: Env): Table {
  const map = new Map<string, string>();
  for (const p of pairs) {
    if (!input.columns.includes(p.from))
      throw invalidQuery(env.text, 'SemanticError', `Failed to resolve column '${p.from}'`, p.at);
    map.set(p.from, p.to);
  }
  const renamedTargets = new Set(map.values());
  const columns: string[] = [];
  const sources: string[] = [];
  for (const c of input.columns) {
    const to = map.get(c);
    if (to !== undefined) {
      columns.push(to);
      sources.push(c);
    } else if (!renamedTargets.has(c)) {
      columns.push(c);
      sources.push(c);
    }
  }
  return {
    columns,
    rows: input.rows.map((r) => {
      const o: Row = {};
      columns.forEach((c, i) => {
        o[c] = r[sources[i] as string] ?? null;
      });
      return o;
    }),
  };
}

interface CompiledAggregate {
  agg: Aggregate;
  args: Fn[];
  /** Output column of a plain aggregate. */
  name?: string;
  /** For arg_max/arg_min. */
  row?: { sign: 1 | -1; columns: { name: string; fn: Fn }[] };
}

interface Group {
  byValues: unknown[];
  states: AggState[];
  best: { value: unknown; row: Row | null }[];
}

function summarize(input: Table, aggregates: Aggregate[], by: NamedScalar[], env: Env): Table {
  const sc = scope(env, input);
  const taken = new Set<string>();
  const byNames: string[] = [];
  const byFns: Fn[] = [];
  for (const item of by) {
    const name = item.explicitName ?? item.inferredName ?? nextColumnName(taken);
    if (taken.has(name)) throw duplicateColumn(env, name, item.at);
    taken.add(name);
    byNames.push(name);
    byFns.push(compile(item.expr, sc));
  }
  const outColumns = [...byNames];
  const compiled: CompiledAggregate[] = [];
  for (const agg of aggregates) {
    const args = agg.args.map((a) => compile(a, sc));
    if (agg.rowColumns) {
      const valueName = agg.explicitName ?? (agg.inferredName || nextColumnName(taken));
      if (taken.has(valueName)) throw duplicateColumn(env, valueName, agg.at);
      taken.add(valueName);
      outColumns.push(valueName);
      const columns: { name: string; fn: Fn }[] = [];
      for (const rc of agg.rowColumns) {
        if (rc === '*') {
          for (const c of input.columns) {
            if (taken.has(c)) continue;
            taken.add(c);
            outColumns.push(c);
            columns.push({ name: c, fn: (r) => r[c] ?? null });
          }
        } else {
          const name = rc.explicitName ?? rc.inferredName ?? nextColumnName(taken);
          if (taken.has(name)) throw duplicateColumn(env, name, rc.at);
          taken.add(name);
          outColumns.push(name);
          columns.push({ name, fn: compile(rc.expr, sc) });
        }
      }
      compiled.push({
        agg,
        args,
        row: {
          sign: agg.fn === 'arg_max' ? 1 : -1,
          columns: [{ name: valueName, fn: args[0] ?? (() => null) }, ...columns],
        },
      });
    } else {
      const name = agg.explicitName ?? uniqueName(agg.inferredName, taken);
      if (taken.has(name)) throw duplicateColumn(env, name, agg.at);
      taken.add(name);
      outColumns.push(name);
      compiled.push({ agg, args, name });
    }
  }

  const newGroup = (byValues: unknown[]): Group => ({
    byValues,
    states: compiled.map((c) =>
      c.row ? { add: () => undefined, result: () => null } : (AGGREGATES[c.agg.fn] as () => AggState)(),
    ),
    best: compiled.map(() => ({ value: null, row: null })),
  });
  const groups = new Map<string, Group>();
  for (const r of input.rows) {
    const byValues = byFns.map((f) => f(r));
    const key = byValues.length === 1 ? keyOf(byValues[0]) : byValues.map(keyOf).join('\u0001');
    let g = groups.get(key);
    if (!g) {
      g = newGroup(byValues);
      groups.set(key, g);
    }
    for (let i = 0; i < compiled.length; i++) {
      const c = compiled[i] as CompiledAggregate;
      if (c.row) {
        const best = g.best[i] as { value: unknown; row: Row | null };
        const v = (c.args[0] as Fn)(r);
        if (best.row === null || (!isNull(v) && (isNull(best.value) || sortCompare(v, best.value) * c.row.sign > 0))) {
          best.value = v;
          best.row = r;
        }
      } else {
        (g.states[i] as AggState).add(c.args.map((f) => f(r)));
      }
    }
  }
  if (groups.size === 0 && byFns.length === 0) groups.set('', newGroup([]));

  const rows: Row[] = [];
  for (const g of groups.values()) {
    const o: Row = {};
    byNames.forEach((n, i) => {
      o[n] = g.byValues[i] ?? null;
    });
    compiled.forEach((c, i) => {
      if (c.row) {
        const best = (g.best[i] as { row: Row | null }).row;
        for (const col of c.row.columns) o[col.name] = best ? col.fn(best) : null;
      } else {
        o[c.name as string] = (g.states[i] as AggState).result();
      }
    });
    rows.push(o);
  }
  return { columns: outColumns, rows: rows.map((r) => reorder(r, outColumns)) };
}

function reorder(r: Row, columns: string[]): Row {
  const o: Row = {};
  for (const c of columns) o[c] = r[c] ?? null;
  return o;
}

function sortRows(input: Table, keys: SortKey[], env: Env): Row[] {
  const sc = scope(env, input);
  const fns = keys.map((k) => compile(k.expr, sc));
  const decorated = input.rows.map((r, i) => ({ r, i, k: fns.map((f) => f(r)) }));
  decorated.sort((a, b) => {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j] as SortKey;
      const x = a.k[j];
      const y = b.k[j];
      const xn = isNull(x);
      const yn = isNull(y);
      if (xn && yn) continue;
      if (xn) return key.nullsFirst ? -1 : 1;
      if (yn) return key.nullsFirst ? 1 : -1;
      const c = sortCompare(x, y);
      if (c !== 0) return key.descending ? -c : c;
    }
    return a.i - b.i;
  });
  return decorated.map((d) => d.r);
}

function castElement(v: unknown, type: string | undefined): unknown {
  switch (type) {
    case undefined:
    case 'dynamic':
      return v;
    case 'string':
      return typeof v === 'string' ? v : null;
    case 'long':
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    case 'real':
    case 'double':
      return typeof v === 'number' ? v : null;
    default:
      return typeof v === 'boolean' ? v : null;
  }
}

function mvExpand(input: Table, op: Extract<Operator, { op: 'mv-expand' }>, env: Env): Table {
  const sc = scope(env, input);
  const columns = [...input.columns];
  const known = new Set(columns);
  const targets = op.items.map((item) => {
    const t = item.target;
    const name = t.explicitName ?? t.inferredName ?? nextColumnName(known);
    if (!known.has(name)) {
      known.add(name);
      columns.push(name);
    }
    return { name, fn: compile(t.expr, sc), castTo: item.castTo };
  });
  if (op.itemIndex !== undefined && !known.has(op.itemIndex)) columns.push(op.itemIndex);
  const limit = op.limit
    ? (toLong(constant(op.limit, env)) ?? Number.POSITIVE_INFINITY)
    : env.options.mvExpandDefaultLimit;
  const rows: Row[] = [];
  for (const r of input.rows) {
    const expansions = targets.map((t) => elementsOf(t.fn(r), op.bagKind));
    const n = Math.min(limit, Math.max(0, ...expansions.map((e) => e.length)));
    for (let i = 0; i < n; i++) {
      const o: Row = { ...r };
      targets.forEach((t, j) => {
        const v = (expansions[j] as unknown[])[i];
        o[t.name] = v === undefined ? null : castElement(v, t.castTo);
      });
      if (op.itemIndex !== undefined) o[op.itemIndex] = i;
      rows.push(o);
    }
  }
  return { columns, rows };
}

/** What mv-expand makes rows of: array elements, bag entries, or the value itself. */
function elementsOf(v: unknown, bagKind: 'bag' | 'array'): unknown[] {
  if (Array.isArray(v)) return v as unknown[];
  if (isBag(v)) return Object.entries(v).map(([k, x]) => (bagKind === 'bag' ? { [k]: x } : [k, x]));
  return [v === undefined ? null : v];
}

function joinKey(r: Row, columns: string[]): string | null {
  let key = '';
  for (let i = 0; i < columns.length; i++) {
    const v = r[columns[i] as string];
    if (isNull(v)) return null;
    key += i === 0 ? keyOf(v) : `\u0001${keyOf(v)}`;
  }
  return key;
}

function join(
  left: Table,
  right: Table,
  kind: Extract<Operator, { op: 'join' }>['kind'],
  on: JoinCondition[],
  env: Env,
): Table {
  for (const c of on) {
    if (!left.columns.includes(c.left)) {
      throw invalidQuery(
        env.text,
        'SemanticError',
        `join: failed to resolve column '${c.left}' on the left side`,
        c.at,
      );
    }
    if (!right.columns.includes(c.right)) {
      throw invalidQuery(
        env.text,
        'SemanticError',
        `join: failed to resolve column '${c.right}' on the right side`,
        c.at,
      );
    }
  }
  const leftKeys = on.map((c) => c.left);
  const rightKeys = on.map((c) => c.right);

  const index = new Map<string, number[]>();
  right.rows.forEach((r, i) => {
    const k = joinKey(r, rightKeys);
    if (k === null) return;
    const list = index.get(k);
    if (list) list.push(i);
    else index.set(k, [i]);
  });

  if (kind === 'leftsemi' || kind === 'leftanti') {
    const want = kind === 'leftsemi';
    return {
      columns: left.columns,
      rows: left.rows.filter((r) => {
        const k = joinKey(r, leftKeys);
        return (k !== null && index.has(k)) === want;
      }),
    };
  }
  if (kind === 'rightsemi' || kind === 'rightanti') {
    const leftIndex = new Set<string>();
    for (const r of left.rows) {
      const k = joinKey(r, leftKeys);
      if (k !== null) leftIndex.add(k);
    }
    const want = kind === 'rightsemi';
    return {
      columns: right.columns,
      rows: right.rows.filter((r) => {
        const k = joinKey(r, rightKeys);
        return (k !== null && leftIndex.has(k)) === want;
      }),
    };
  }

  // Right-side columns that collide with the left get a numeric suffix, as in Kusto.
  const leftSet = new Set(left.columns);
  const all = new Set([...left.columns, ...right.columns]);
  const rightNames = right.columns.map((c) => {
    if (!leftSet.has(c)) return c;
    let n = 1;
    while (all.has(`${c}${n}`)) n++;
    const name = `${c}${n}`;
    all.add(name);
    return name;
  });
  const columns = [...left.columns, ...rightNames];
  const combine = (l: Row | null, r: Row | null): Row => {
    const o: Row = {};
    for (const c of left.columns) o[c] = l ? (l[c] ?? null) : null;
    right.columns.forEach((c, i) => {
      o[rightNames[i] as string] = r ? (r[c] ?? null) : null;
    });
    return o;
  };

  const rows: Row[] = [];
  const matchedRight = new Set<number>();
  const seenLeftKeys = new Set<string>();
  for (const l of left.rows) {
    const k = joinKey(l, leftKeys);
    if (kind === 'innerunique' && k !== null) {
      if (seenLeftKeys.has(k)) continue;
      seenLeftKeys.add(k);
    }
    const matches = k === null ? undefined : index.get(k);
    if (matches) {
      for (const i of matches) {
        rows.push(combine(l, right.rows[i] as Row));
        matchedRight.add(i);
      }
    } else if (kind === 'leftouter' || kind === 'fullouter') {
      rows.push(combine(l, null));
    }
  }
  if (kind === 'rightouter' || kind === 'fullouter') {
    right.rows.forEach((r, i) => {
      if (!matchedRight.has(i)) rows.push(combine(null, r));
    });
  }
  return { columns, rows };
}

function union(tables: Table[], kind: 'outer' | 'inner', withSource?: { column: string; names: string[] }): Table {
  if (withSource) {
    const tagged = tables.map((t, i) => ({
      columns: [withSource.column, ...t.columns.filter((c) => c !== withSource.column)],
      rows: t.rows.map((r) => ({ ...r, [withSource.column]: withSource.names[i] ?? `union_arg${i}` })),
    }));
    return union(tagged, kind);
  }
  let columns: string[];
  if (kind === 'inner') {
    const [first, ...rest] = tables;
    columns = (first?.columns ?? []).filter((c) => rest.every((t) => t.columns.includes(c)));
  } else {
    const seen = new Set<string>();
    columns = [];
    for (const t of tables) {
      for (const c of t.columns) {
        if (!seen.has(c)) {
          seen.add(c);
          columns.push(c);
        }
      }
    }
  }
  const rows: Row[] = [];
  for (const t of tables) {
    const present = new Set(t.columns);
    for (const r of t.rows) {
      const o: Row = {};
      for (const c of columns) o[c] = present.has(c) ? (r[c] ?? null) : null;
      rows.push(o);
    }
  }
  return { columns, rows };
}
