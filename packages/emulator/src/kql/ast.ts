/**
 * The interpreter's own query tree, converted once from Kusto's syntax tree (parse.ts) and then
 * evaluated (evaluate.ts). Plain data, no references to the Bridge.NET objects.
 */
import type { SourceSpan } from './errors';

export type Scalar =
  | { kind: 'literal'; value: unknown }
  | { kind: 'name'; name: string; at: SourceSpan }
  | { kind: 'member'; target: Scalar; member: string }
  | { kind: 'index'; target: Scalar; index: Scalar }
  | { kind: 'binary'; op: string; left: Scalar; right: Scalar; at: SourceSpan }
  | { kind: 'unary'; op: '-' | '+'; operand: Scalar }
  | { kind: 'in'; op: string; left: Scalar; list: Scalar[]; tabular?: Tabular }
  | { kind: 'call'; name: string; args: Scalar[]; at: SourceSpan }
  /** A call of a `let` function defined in the query. */
  | { kind: 'ucall'; name: string; args: Scalar[]; at: SourceSpan };

/** An expression with the column name Kusto would give it (explicit, inferred, or none). */
export interface NamedScalar {
  /** `x = ...` */
  explicitName?: string;
  /** The name Kusto infers (`properties.a.b` → `properties_a_b`), if any. */
  inferredName?: string;
  expr: Scalar;
  at: SourceSpan;
}

export interface Aggregate {
  explicitName?: string;
  /** The default column name, e.g. `count_`, `list_name`. */
  inferredName: string;
  fn: string;
  args: Scalar[];
  at: SourceSpan;
  /** For `arg_max(expr, cols...)` / `arg_min`: the columns taken from the winning row. */
  rowColumns?: (NamedScalar | '*')[];
}

export interface SortKey {
  expr: Scalar;
  descending: boolean;
  nullsFirst: boolean;
}

export interface MvExpandItem {
  target: NamedScalar;
  /** `to typeof(string)`: elements of another type become null. */
  castTo?: string;
}

export type JoinKind =
  | 'inner'
  | 'innerunique'
  | 'leftouter'
  | 'leftanti'
  | 'leftsemi'
  | 'rightouter'
  | 'rightanti'
  | 'rightsemi'
  | 'fullouter';

export interface JoinCondition {
  left: string;
  right: string;
  at: SourceSpan;
}

export type Operator =
  | { op: 'where'; condition: Scalar }
  | { op: 'project'; items: NamedScalar[] }
  | { op: 'project-away'; patterns: string[]; at: SourceSpan[] }
  | { op: 'project-keep'; patterns: string[]; at: SourceSpan[] }
  | { op: 'project-rename'; pairs: { to: string; from: string; at: SourceSpan }[] }
  | { op: 'extend'; items: NamedScalar[] }
  | { op: 'summarize'; aggregates: Aggregate[]; by: NamedScalar[] }
  | { op: 'sort'; keys: SortKey[] }
  | { op: 'take'; count: Scalar }
  | { op: 'top'; count: Scalar; key: SortKey }
  | { op: 'distinct'; items: NamedScalar[] | 'all' }
  | { op: 'count'; name: string }
  | { op: 'mv-expand'; items: MvExpandItem[]; limit?: Scalar; itemIndex?: string; bagKind: 'bag' | 'array' }
  | { op: 'join'; kind: JoinKind; right: Tabular; on: JoinCondition[] }
  | { op: 'union'; kind: 'outer' | 'inner'; sources: Tabular[]; withSource?: string; sourceNames: string[] }
  | { op: 'lookup'; kind: 'leftouter' | 'inner'; right: Tabular; on: JoinCondition[] }
  | { op: 'project-reorder'; patterns: { pattern: string; order?: 'asc' | 'desc' }[] }
  | {
      op: 'parse';
      kind: 'simple' | 'regex';
      source: Scalar;
      pattern: RegExp;
      columns: { name: string; type: string }[];
    }
  | { op: 'mv-apply'; items: MvExpandItem[]; limit?: Scalar; itemIndex?: string; subquery: Tabular };

export type Tabular =
  | { kind: 'ref'; name: string; at: SourceSpan }
  /** A pipe whose source is missing: Resource Graph's shorthand for `Resources | ...`. */
  | { kind: 'implicit'; at: SourceSpan }
  | { kind: 'pipe'; source: Tabular; operator: Operator; at: SourceSpan }
  /** `union A, B` as the start of a query. */
  | {
      kind: 'union';
      unionKind: 'outer' | 'inner';
      sources: Tabular[];
      withSource?: string;
      sourceNames: string[];
      at: SourceSpan;
    }
  /** The rows an `mv-apply` subquery runs over (its implicit input). */
  | { kind: 'context'; at: SourceSpan }
  | { kind: 'print'; items: NamedScalar[]; at: SourceSpan }
  | { kind: 'range'; name: string; from: Scalar; to: Scalar; step: Scalar; at: SourceSpan }
  | { kind: 'datatable'; columns: { name: string; type: string }[]; values: Scalar[]; at: SourceSpan }
  /** A call of a tabular `let` function. */
  | { kind: 'tcall'; name: string; args: Scalar[]; at: SourceSpan };

/** A parameter of a `let` function, with its default value if it has one. */
export interface FunctionParam {
  name: string;
  fallback?: Scalar;
}

/** A `let` function: its parameters, the body's own `let`s, and its result (scalar or tabular). */
export interface LetFunction {
  name: string;
  params: FunctionParam[];
  lets: Statement[];
  body: { kind: 'scalar'; expr: Scalar } | { kind: 'tabular'; expr: Tabular };
}

export type Statement =
  | { kind: 'let-scalar'; name: string; expr: Scalar }
  | { kind: 'let-tabular'; name: string; expr: Tabular }
  | { kind: 'let-function'; fn: LetFunction };

export interface Query {
  lets: Statement[];
  body: Tabular;
}
