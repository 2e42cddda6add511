/**
 * Resource Graph's own limits on top of Kusto (docs/azure-facts.md §8): the join flavors it allows,
 * at most 3 `join`/`lookup` and 3 `mv-expand`/`mv-apply` per query, an `mv-expand` row limit of at
 * most 400 (128 by default), and at most 3 `union` legs. Checked on the converted query tree before
 * anything runs, so a refused query costs nothing.
 */
import type { Operator, Query, Statement, Tabular } from './ast';
import { INVALID_QUERY_MESSAGE, KqlError, lineAndColumn, type SourceSpan } from './errors';
import type { Scalar } from './ast';

/** The join flavors Resource Graph accepts. */
export const ALLOWED_JOIN_KINDS: readonly string[] = ['innerunique', 'inner', 'leftouter', 'fullouter'];
/** Per-query limits of the Resource Graph SDK (REST) surface. */
export const RESOURCE_GRAPH_LIMITS = {
  joins: 3,
  mvExpands: 3,
  mvExpandRowLimit: 400,
  mvExpandDefault: 128,
  unionLegs: 3,
};

const FLAVOR_SPELLING: Record<string, string> = {
  leftanti: 'LeftAnti',
  leftsemi: 'LeftSemi',
  rightanti: 'RightAnti',
  rightsemi: 'RightSemi',
  rightouter: 'RightOuter',
};

function refuse(text: string, code: string, message: string, at?: SourceSpan): KqlError {
  const detail: Record<string, unknown> = { code, message };
  if (at) Object.assign(detail, lineAndColumn(text, at.start), { token: at.text });
  return new KqlError('InvalidQuery', message, [
    { code: 'InvalidQuery', message: INVALID_QUERY_MESSAGE },
    detail as { code: string; message: string },
  ]);
}

interface Counts {
  joins: number;
  mvExpands: number;
}

function visitScalar(e: Scalar, text: string, counts: Counts): void {
  switch (e.kind) {
    case 'in':
      if (e.tabular) visitTabular(e.tabular, text, counts);
      for (const x of e.list) visitScalar(x, text, counts);
      visitScalar(e.left, text, counts);
      return;
    case 'binary':
      visitScalar(e.left, text, counts);
      visitScalar(e.right, text, counts);
      return;
    case 'call':
    case 'ucall':
      for (const a of e.args) visitScalar(a, text, counts);
      return;
    default:
      return;
  }
}

function checkUnionLegs(legs: number, text: string, at: SourceSpan): void {
  if (legs > RESOURCE_GRAPH_LIMITS.unionLegs) {
    throw refuse(
      text,
      'DisallowedMaxNumberOfRemoteTables',
      `The query has ${legs} union legs; Resource Graph allows at most ${RESOURCE_GRAPH_LIMITS.unionLegs}.`,
      at,
    );
  }
}

function visitOperator(op: Operator, at: SourceSpan, text: string, counts: Counts): void {
  switch (op.op) {
    case 'join': {
      if (!ALLOWED_JOIN_KINDS.includes(op.kind)) {
        const spelled = FLAVOR_SPELLING[op.kind] ?? op.kind;
        throw refuse(text, 'UnsupportedJoinFlavor', `The join kind "${spelled}" is not supported or not allowed.`, at);
      }
      counts.joins++;
      visitTabular(op.right, text, counts);
      return;
    }
    case 'lookup':
      counts.joins++;
      visitTabular(op.right, text, counts);
      return;
    case 'union':
      checkUnionLegs(op.sources.length + 1, text, at);
      for (const s of op.sources) visitTabular(s, text, counts);
      return;
    case 'mv-expand':
    case 'mv-apply': {
      counts.mvExpands++;
      if (op.limit && op.limit.kind === 'literal' && typeof op.limit.value === 'number') {
        if (op.limit.value > RESOURCE_GRAPH_LIMITS.mvExpandRowLimit) {
          throw refuse(
            text,
            'InvalidMvExpandRowLimit',
            `The ${op.op} row limit ${op.limit.value} is above Resource Graph's maximum of ${RESOURCE_GRAPH_LIMITS.mvExpandRowLimit}.`,
            at,
          );
        }
      }
      if (op.op === 'mv-apply') visitTabular(op.subquery, text, counts);
      return;
    }
    case 'where':
      visitScalar(op.condition, text, counts);
      return;
    default:
      return;
  }
}

function visitTabular(t: Tabular, text: string, counts: Counts): void {
  switch (t.kind) {
    case 'pipe':
      visitTabular(t.source, text, counts);
      visitOperator(t.operator, t.at, text, counts);
      return;
    case 'union':
      checkUnionLegs(t.sources.length, text, t.at);
      for (const s of t.sources) visitTabular(s, text, counts);
      return;
    default:
      return;
  }
}

function visitStatements(lets: readonly Statement[], text: string, counts: Counts): void {
  for (const st of lets) {
    if (st.kind === 'let-tabular') visitTabular(st.expr, text, counts);
    else if (st.kind === 'let-function') {
      visitStatements(st.fn.lets, text, counts);
      if (st.fn.body.kind === 'tabular') visitTabular(st.fn.body.expr, text, counts);
    }
  }
}

/** Throws the Resource Graph error for the first limit the query breaks; returns quietly otherwise. */
export function checkResourceGraphRules(text: string, query: Query): void {
  const counts: Counts = { joins: 0, mvExpands: 0 };
  visitStatements(query.lets, text, counts);
  visitTabular(query.body, text, counts);
  if (counts.joins > RESOURCE_GRAPH_LIMITS.joins) {
    throw refuse(
      text,
      'DisallowedMaxNumberOfRemoteTables',
      `The query has ${counts.joins} join or lookup operators; Resource Graph allows at most ${RESOURCE_GRAPH_LIMITS.joins}.`,
    );
  }
  if (counts.mvExpands > RESOURCE_GRAPH_LIMITS.mvExpands) {
    throw refuse(
      text,
      'DisallowedMaxNumberOfMvExpand',
      `The query has ${counts.mvExpands} mv-expand or mv-apply operators; Resource Graph allows at most ${RESOURCE_GRAPH_LIMITS.mvExpands}.`,
    );
  }
}
