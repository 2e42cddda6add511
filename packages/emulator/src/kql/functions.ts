/** Scalar functions and aggregation functions of the supported KQL subset. */
import { moreScalarFunctions } from './builtins';
import { KTimespan } from './time';
import {
  asBool,
  isBag,
  isNull,
  kEquals,
  keyOf,
  kustoTypeName,
  parseJson,
  sortCompare,
  toBool,
  toLong,
  toReal,
  toStr,
  type Bag,
} from './values';

export type ScalarFn = (args: readonly unknown[]) => unknown;

const regexCache = new Map<string, RegExp | null>();

/** Compiles a Kusto (RE2) regular expression for JS; returns null if it does not compile. */
export function kustoRegex(pattern: string, flags = ''): RegExp | null {
  const cacheKey = `${flags}/${pattern}`;
  const cached = regexCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let source = pattern.replace(/\(\?P</g, '(?<');
  let f = flags;
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline?.[1]) {
    for (const ch of inline[1]) if (ch !== 'U' && !f.includes(ch)) f += ch;
    source = source.slice(inline[0].length);
  }
  let re: RegExp | null;
  try {
    re = new RegExp(source, f);
  } catch {
    re = null;
  }
  if (regexCache.size > 500) regexCache.clear();
  regexCache.set(cacheKey, re);
  return re;
}

function arg(args: readonly unknown[], i: number): unknown {
  const v = args[i];
  return v === undefined ? null : v;
}

function str(args: readonly unknown[], i: number): string {
  return toStr(args[i]);
}

function isEmptyValue(v: unknown): boolean {
  return isNull(v) || v === '';
}

function trimWith(pattern: string, text: string, start: boolean, end: boolean): string {
  const re = kustoRegex(pattern);
  if (!re) return text;
  let out = text;
  if (start) {
    const lead = kustoRegex(`^(?:${re.source})+`, re.flags);
    if (lead) out = out.replace(lead, '');
  }
  if (end) {
    const trail = kustoRegex(`(?:${re.source})+$`, re.flags);
    if (trail) out = out.replace(trail, '');
  }
  return out;
}

function codePoints(s: string): string[] {
  return Array.from(s);
}

export const SCALAR_FUNCTIONS: Readonly<Record<string, ScalarFn>> = {
  tostring: (a) => toStr(a[0]),
  toint: (a) => toLong(a[0]),
  tolong: (a) => toLong(a[0]),
  todouble: (a) => toReal(a[0]),
  toreal: (a) => toReal(a[0]),
  todecimal: (a) => toReal(a[0]),
  tobool: (a) => toBool(a[0]),
  toboolean: (a) => toBool(a[0]),
  parse_json: (a) => parseJson(a[0]),
  todynamic: (a) => parseJson(a[0]),
  tolower: (a) => str(a, 0).toLowerCase(),
  toupper: (a) => str(a, 0).toUpperCase(),
  strlen: (a) => codePoints(str(a, 0)).length,
  strcat: (a) => a.map((v) => toStr(v)).join(''),
  strcat_delim: (a) =>
    a
      .slice(1)
      .map((v) => toStr(v))
      .join(str(a, 0)),
  substring: (a) => {
    const chars = codePoints(str(a, 0));
    const start = Math.max(0, toLong(a[1]) ?? 0);
    const len = a.length > 2 ? toLong(a[2]) : null;
    return chars.slice(start, len === null ? undefined : start + Math.max(0, len)).join('');
  },
  indexof: (a) => {
    const start = a.length > 2 ? (toLong(a[2]) ?? 0) : 0;
    return str(a, 0).indexOf(str(a, 1), Math.max(0, start));
  },
  split: (a) => {
    const delimiter = str(a, 1);
    const parts = delimiter === '' ? [str(a, 0)] : str(a, 0).split(delimiter);
    if (a.length > 2) {
      const i = toLong(a[2]);
      const part = i === null ? undefined : parts[i];
      return part === undefined ? [] : [part];
    }
    return parts;
  },
  replace_string: (a) => {
    const lookup = str(a, 1);
    return lookup === '' ? str(a, 0) : str(a, 0).split(lookup).join(str(a, 2));
  },
  replace_regex: (a) => {
    const re = kustoRegex(str(a, 1), 'g');
    if (!re) return str(a, 0);
    return str(a, 0).replace(
      re,
      str(a, 2)
        .replace(/\$/g, '$$$$')
        .replace(/\\(\d)/g, '$$$1'),
    );
  },
  extract: (a) => {
    const re = kustoRegex(str(a, 0));
    const group = toLong(a[1]) ?? 0;
    if (!re) return '';
    const m = re.exec(str(a, 2));
    return m?.[group] ?? '';
  },
  trim: (a) => trimWith(str(a, 0), str(a, 1), true, true),
  trim_start: (a) => trimWith(str(a, 0), str(a, 1), true, false),
  trim_end: (a) => trimWith(str(a, 0), str(a, 1), false, true),
  iff: (a) => (a[0] === true ? arg(a, 1) : arg(a, 2)),
  iif: (a) => (a[0] === true ? arg(a, 1) : arg(a, 2)),
  case: (a) => {
    for (let i = 0; i + 1 < a.length; i += 2) if (a[i] === true) return arg(a, i + 1);
    return a.length % 2 === 1 ? arg(a, a.length - 1) : null;
  },
  coalesce: (a) => {
    for (const v of a) if (!isEmptyValue(v)) return v;
    return a.length > 0 ? arg(a, a.length - 1) : null;
  },
  isempty: (a) => isEmptyValue(a[0]),
  isnotempty: (a) => !isEmptyValue(a[0]),
  isnull: (a) => isNull(a[0]),
  isnotnull: (a) => !isNull(a[0]),
  not: (a) => {
    const b = asBool(a[0]);
    return b === null ? null : !b;
  },
  array_length: (a) => (Array.isArray(a[0]) ? a[0].length : null),
  array_concat: (a) => {
    const out: unknown[] = [];
    for (const v of a) {
      if (!Array.isArray(v)) return null;
      out.push(...(v as unknown[]));
    }
    return out;
  },
  array_slice: (a) => {
    const arr = a[0];
    if (!Array.isArray(arr)) return null;
    const n = arr.length;
    let start = toLong(a[1]) ?? 0;
    let end = toLong(a[2]) ?? n - 1;
    if (start < 0) start += n;
    if (end < 0) end += n;
    return arr.slice(Math.max(0, start), Math.min(n, end + 1));
  },
  array_index_of: (a) => {
    const arr = a[0];
    if (!Array.isArray(arr)) return null;
    return arr.findIndex((e) => kEquals(e, a[1]) === true);
  },
  set_has_element: (a) => {
    const arr = a[0];
    if (!Array.isArray(arr)) return null;
    return arr.some((e) => kEquals(e, a[1]) === true);
  },
  pack_array: (a) => a.map((v) => (v === undefined ? null : v)),
  pack: (a) => packBag(a),
  bag_pack: (a) => packBag(a),
  bag_keys: (a) => (isBag(a[0]) ? Object.keys(a[0]) : null),
  bag_has_key: (a) => (isBag(a[0]) ? Object.hasOwn(a[0], str(a, 1)) : null),
  gettype: (a) => kustoTypeName(a[0]),
  ...moreScalarFunctions(kustoRegex),
  // Evaluated by the evaluator, which has the row and the query's now(); listed here so they are known.
  now: () => null,
  ago: () => null,
  pack_all: () => null,
};

function packBag(a: readonly unknown[]): Bag {
  const out: Bag = {};
  for (let i = 0; i + 1 < a.length; i += 2) out[toStr(a[i])] = arg(a, i + 1);
  return out;
}

/** The running state of one aggregate in one group. */
export interface AggState {
  /** Adds one row's argument values. */
  add(args: readonly unknown[]): void;
  result(): unknown;
}

export type AggregateFactory = () => AggState;

function maxCount(v: unknown): number {
  const n = toLong(v);
  return n === null || n <= 0 ? Number.POSITIVE_INFINITY : n;
}

function listState(distinct: boolean, withPredicate: boolean): AggState {
  const items: unknown[] = [];
  const seen = new Set<string>();
  return {
    add(a) {
      const limit = maxCount(withPredicate ? a[2] : a[1]);
      if (withPredicate && a[1] !== true) return;
      const v = a[0];
      if (isNull(v) || items.length >= limit) return;
      if (distinct) {
        const k = keyOf(v);
        if (seen.has(k)) return;
        seen.add(k);
      }
      items.push(v);
    },
    result: () => items,
  };
}

function extremeState(sign: 1 | -1): AggState {
  let best: unknown = null;
  return {
    add(a) {
      const v = a[0];
      if (isNull(v)) return;
      if (best === null || sortCompare(v, best) * sign > 0) best = v;
    },
    result: () => best,
  };
}

function sumState(withPredicate: boolean): AggState {
  let total: number | null = null;
  let spans = true;
  return {
    add(a) {
      if (withPredicate && a[1] !== true) return;
      const n = toReal(a[0]);
      if (n === null) return;
      if (!(a[0] instanceof KTimespan)) spans = false;
      total = (total ?? 0) + n;
    },
    // The sum of timespans is a timespan.
    result: () => (total !== null && spans ? new KTimespan(total) : total),
  };
}

function anyState(withPredicate: boolean): AggState {
  let first: unknown = null;
  let seen = false;
  let found = false;
  return {
    add(a) {
      if (found) return;
      if (withPredicate && a[1] !== true) return;
      const v = a[0] === undefined ? null : a[0];
      if (!seen) {
        first = v;
        seen = true;
      }
      if (!isNull(v) && v !== '') {
        first = v;
        found = true;
      }
    },
    result: () => first,
  };
}

function numbersState(finish: (xs: number[], args: readonly unknown[]) => unknown): AggState {
  const xs: number[] = [];
  let last: readonly unknown[] = [];
  return {
    add(a) {
      last = a;
      const v = toReal(a[0]);
      if (v !== null) xs.push(v);
    },
    result: () => (xs.length === 0 ? null : finish(xs, last)),
  };
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function variance(xs: number[], sample: boolean): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
  return ss / (sample ? n - 1 : n);
}

function schemaType(v: unknown): unknown {
  if (Array.isArray(v)) {
    let inner: unknown[] = [];
    for (const x of v) inner = mergeSchema(inner, schemaType(x));
    return { '`indexer`': inner.length === 1 ? inner[0] : inner };
  }
  if (isBag(v)) {
    const out: Bag = {};
    for (const [k, x] of Object.entries(v)) out[k] = schemaType(x);
    return out;
  }
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  return kustoTypeName(v);
}

function mergeSchema(types: unknown[], t: unknown): unknown[] {
  if (isBag(t)) {
    const i = types.findIndex((x) => isBag(x));
    if (i >= 0) {
      const merged: Bag = { ...(types[i] as Bag) };
      for (const [k, v] of Object.entries(t)) {
        if (!Object.hasOwn(merged, k)) {
          merged[k] = v;
          continue;
        }
        const prev = merged[k];
        const list = mergeSchema(Array.isArray(prev) ? [...(prev as unknown[])] : [prev], v);
        merged[k] = list.length === 1 ? list[0] : list;
      }
      return types.map((x, j) => (j === i ? merged : x));
    }
  }
  if (types.some((x) => JSON.stringify(x) === JSON.stringify(t))) return types;
  return [...types, t];
}

const MORE_AGGREGATES: Record<string, AggregateFactory> = {
  percentile: () =>
    numbersState((xs, a) =>
      nearestRank(
        [...xs].sort((x, y) => x - y),
        toReal(a[1]) ?? 50,
      ),
    ),
  stdev: () => numbersState((xs) => Math.sqrt(variance(xs, true))),
  stdevp: () => numbersState((xs) => Math.sqrt(variance(xs, false))),
  variance: () => numbersState((xs) => variance(xs, true)),
  make_list_with_nulls: () => {
    const items: unknown[] = [];
    return { add: (a) => void items.push(a[0] === undefined ? null : a[0]), result: () => items };
  },
  buildschema: () => {
    let root: Bag | null = null;
    return {
      add(a) {
        const t = schemaType(a[0]);
        if (!isBag(t)) return;
        const merged = mergeSchema(root ? [root] : [], t);
        root = (merged[0] as Bag | undefined) ?? null;
      },
      result: () => root,
    };
  },
};

export const AGGREGATES: Readonly<Record<string, AggregateFactory>> = {
  count: () => {
    let n = 0;
    return { add: () => void n++, result: () => n };
  },
  countif: () => {
    let n = 0;
    return {
      add: (a) => {
        if (a[0] === true) n++;
      },
      result: () => n,
    };
  },
  dcount: () => {
    const seen = new Set<string>();
    return {
      add: (a) => {
        if (!isNull(a[0])) seen.add(keyOf(a[0]));
      },
      result: () => seen.size,
    };
  },
  dcountif: () => {
    const seen = new Set<string>();
    return {
      add: (a) => {
        if (!isNull(a[0]) && a[1] === true) seen.add(keyOf(a[0]));
      },
      result: () => seen.size,
    };
  },
  make_list: () => listState(false, false),
  make_set: () => listState(true, false),
  make_list_if: () => listState(false, true),
  make_set_if: () => listState(true, true),
  make_bag: () => {
    const bag: Bag = {};
    return {
      add: (a) => {
        const v = a[0];
        if (!isBag(v)) return;
        for (const [k, x] of Object.entries(v)) if (!Object.hasOwn(bag, k)) bag[k] = x;
      },
      result: () => bag,
    };
  },
  any: () => anyState(false),
  take_any: () => anyState(false),
  take_anyif: () => anyState(true),
  min: () => extremeState(-1),
  max: () => extremeState(1),
  sum: () => sumState(false),
  sumif: () => sumState(true),
  avg: () => {
    let total = 0;
    let n = 0;
    let spans = true;
    return {
      add: (a) => {
        const v = toReal(a[0]);
        if (v === null) return;
        if (!(a[0] instanceof KTimespan)) spans = false;
        total += v;
        n++;
      },
      result: () => (n === 0 ? null : spans ? new KTimespan(Math.round(total / n)) : total / n),
    };
  },
  ...MORE_AGGREGATES,
};

/** Aggregates that return a whole row (`arg_max(expr, *)`); handled by the evaluator. */
export const ROW_AGGREGATES = new Set(['arg_max', 'arg_min']);
