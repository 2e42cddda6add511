/**
 * Kusto value semantics over plain JSON values (null, boolean, number, string, arrays, objects).
 * Static types are not tracked: a value's JS type stands in for its Kusto type, and a missing
 * value is `null`.
 */

import { KDateTime, KTimespan, isTemporal, parseDateTime, parseTimespan } from './time';

export type Bag = Record<string, unknown>;

/** A dynamic property bag (a JSON object; datetimes and timespans are not bags). */
export function isBag(v: unknown): v is Bag {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isTemporal(v);
}

export function isNull(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** `tostring()`: null → "", dynamic objects/arrays → compact JSON. */
export function toStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isTemporal(v)) return v.toString();
  return JSON.stringify(v);
}

/** `todatetime()`: datetimes stay, text is parsed (ISO 8601, RFC 1123), anything else is null. */
export function toDateTime(v: unknown): KDateTime | null {
  if (v instanceof KDateTime) return v;
  if (typeof v === 'string') return parseDateTime(v);
  return null;
}

/** `totimespan()`: timespans stay, text is parsed (`1.02:03:04`, `1d`), numbers are ticks. */
export function toTimespan(v: unknown): KTimespan | null {
  if (v instanceof KTimespan) return v;
  if (typeof v === 'string') return parseTimespan(v);
  if (typeof v === 'number' && Number.isFinite(v)) return new KTimespan(Math.trunc(v));
  return null;
}

/** The other operand as a value of the same temporal kind as `like` (a string is parsed), or null. */
function coerceTemporal(like: KDateTime | KTimespan, other: unknown): KDateTime | KTimespan | null {
  if (like instanceof KDateTime) return toDateTime(other);
  return other instanceof KTimespan ? other : typeof other === 'string' ? parseTimespan(other) : null;
}

function temporalNumber(v: KDateTime | KTimespan): number {
  return v instanceof KDateTime ? v.value : v.ticks;
}

const INT_TEXT = /^[+-]?\d+$/;
const HEX_TEXT = /^0x[0-9a-f]+$/i;
const REAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `todouble()` / `toreal()`; a timespan gives its ticks, as in Kusto. */
export function toReal(v: unknown): number | null {
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (v instanceof KTimespan) return v.ticks;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (REAL_TEXT.test(s)) return Number(s);
    if (/^[+-]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    return null;
  }
  return null;
}

/** `toint()` / `tolong()`: integers only; reals are truncated, unparsable text gives null. */
export function toLong(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (v instanceof KTimespan) return v.ticks;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (INT_TEXT.test(s)) return Number.parseInt(s, 10);
    if (HEX_TEXT.test(s)) return Number.parseInt(s.slice(2), 16);
    return null;
  }
  return null;
}

/** `tobool()`. */
export function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  return null;
}

/** A three-valued boolean: only `true`/`false` count, everything else is null. */
export function asBool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `==`: null == null → null, null == x → false; dynamic scalars compare with strings as text. */
export function kEquals(a: unknown, b: unknown): boolean | null {
  if (isNull(a) || isNull(b)) return isNull(a) && isNull(b) ? null : false;
  if (isTemporal(a) || isTemporal(b)) {
    const x = isTemporal(a) ? a : coerceTemporal(b as KDateTime | KTimespan, a);
    const y = isTemporal(a) ? coerceTemporal(a, b) : (b as KDateTime | KTimespan);
    if (x === null || y === null || x.constructor !== y.constructor) return false;
    return temporalNumber(x) === temporalNumber(y);
  }
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb) return ta === 'object' ? jsonEqual(a, b) : a === b;
  if (ta === 'boolean' && tb === 'number') return (a ? 1 : 0) === b;
  if (ta === 'number' && tb === 'boolean') return a === (b ? 1 : 0);
  if (ta === 'string') return a === toStr(b);
  if (tb === 'string') return toStr(a) === b;
  return false;
}

/** `!=`: null != x → true, null != null → null. */
export function kNotEquals(a: unknown, b: unknown): boolean | null {
  const eq = kEquals(a, b);
  return eq === null ? null : !eq;
}

/** `=~`: case-insensitive string equality (both sides converted with tostring). */
export function kEqualsCi(a: unknown, b: unknown): boolean {
  return toStr(a).toLowerCase() === toStr(b).toLowerCase();
}

/** `<`, `>`, ...: the sign of a - b for comparable values, or null. */
export function kCompare(a: unknown, b: unknown): number | null {
  if (isNull(a) || isNull(b)) return null;
  if (isTemporal(a) || isTemporal(b)) {
    const x = isTemporal(a) ? a : coerceTemporal(b as KDateTime | KTimespan, a);
    const y = isTemporal(a) ? coerceTemporal(a, b) : (b as KDateTime | KTimespan);
    if (x === null || y === null || x.constructor !== y.constructor) return null;
    const d = temporalNumber(x) - temporalNumber(y);
    return d < 0 ? -1 : d > 0 ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'string') {
    const n = toReal(b);
    return n === null ? null : a < n ? -1 : a > n ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'number') {
    const n = toReal(a);
    return n === null ? null : n < b ? -1 : n > b ? 1 : 0;
  }
  return null;
}

function typeRank(v: unknown): number {
  if (v instanceof KDateTime) return 6;
  if (v instanceof KTimespan) return 7;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
    default:
      return Array.isArray(v) ? 4 : 5;
  }
}

/** A total order over non-null values, for `order by`, `top`, `min`/`max`. */
export function sortCompare(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (isTemporal(a) && isTemporal(b)) return temporalNumber(a) - temporalNumber(b);
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

function isTermChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * `has`: the needle must occur at term boundaries (terms are maximal runs of ASCII letters and
 * digits). A needle that starts or ends with a non-term character needs no boundary there.
 */
export function hasTerm(haystack: string, needle: string, caseSensitive: boolean): boolean {
  const h = caseSensitive ? haystack : haystack.toLowerCase();
  const n = caseSensitive ? needle : needle.toLowerCase();
  if (n.length === 0) return true;
  const checkStart = isTermChar(n.charCodeAt(0));
  const checkEnd = isTermChar(n.charCodeAt(n.length - 1));
  for (let i = h.indexOf(n); i >= 0; i = h.indexOf(n, i + 1)) {
    const startOk = !checkStart || i === 0 || !isTermChar(h.charCodeAt(i - 1));
    const end = i + n.length;
    const endOk = !checkEnd || end === h.length || !isTermChar(h.charCodeAt(end));
    if (startOk && endOk) return true;
  }
  return false;
}

/** The terms of a string, for `hasprefix`/`hassuffix`. */
export function terms(s: string): string[] {
  return s.split(/[^A-Za-z0-9]+/).filter((t) => t.length > 0);
}

/** A hash key for grouping/joining; distinguishes types ("1" vs 1). */
export function keyOf(v: unknown): string {
  if (typeof v === 'string') return `s${v}`;
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'boolean') return v ? 'bt' : 'bf';
  if (v instanceof KDateTime) return `t${v.value}`;
  if (v instanceof KTimespan) return `p${v.ticks}`;
  return `j${JSON.stringify(v)}`;
}

/** `gettype()` names. */
export function kustoTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'real';
  if (v instanceof KDateTime) return 'datetime';
  if (v instanceof KTimespan) return 'timespan';
  return Array.isArray(v) ? 'array' : 'dictionary';
}

/** Element access `v[i]` / `v['k']`: negative array indexes count from the end; misses give null. */
export function elementAt(v: unknown, index: unknown): unknown {
  if (Array.isArray(v)) {
    if (typeof index !== 'number' || !Number.isInteger(index)) return null;
    const i = index < 0 ? v.length + index : index;
    return i >= 0 && i < v.length ? (v[i] as unknown) : null;
  }
  if (isBag(v) && typeof index === 'string') return Object.hasOwn(v, index) ? v[index] : null;
  return null;
}

/** Member access `v.name`. */
export function memberOf(v: unknown, name: string): unknown {
  return isBag(v) && Object.hasOwn(v, name) ? v[name] : null;
}

/** `parse_json()` / `todynamic()`: text that is not JSON stays a string. */
export function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v === undefined ? null : v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
