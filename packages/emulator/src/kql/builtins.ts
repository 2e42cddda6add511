/**
 * Scalar functions beyond the basics in functions.ts: datetimes and timespans, arrays and sets, bags,
 * IPv4, hashing, GUIDs and math, with Kusto's rules for nulls (a wrong-typed argument gives null).
 */
import ipaddr from 'ipaddr.js';
import { KDateTime, KTimespan, TICKS } from './time';
import { xxhash64 } from './xxhash64';
import { isBag, isNull, kEquals, keyOf, sortCompare, toDateTime, toLong, toReal, toStr, toTimespan } from './values';

type ScalarFn = (args: readonly unknown[]) => unknown;

// ---------------------------------------------------------------- datetime

const DAY_MS = 86_400_000;

function startOfDay(d: KDateTime): KDateTime {
  return new KDateTime(Math.floor(d.ms / DAY_MS) * DAY_MS);
}

function startOfWeek(d: KDateTime): KDateTime {
  const day = startOfDay(d);
  return new KDateTime(day.ms - new Date(day.ms).getUTCDay() * DAY_MS);
}

function startOfMonth(d: KDateTime): KDateTime {
  const x = new Date(d.ms);
  return new KDateTime(Date.UTC(x.getUTCFullYear(), x.getUTCMonth(), 1));
}

function startOfYear(d: KDateTime): KDateTime {
  return new KDateTime(Date.UTC(new Date(d.ms).getUTCFullYear(), 0, 1));
}

function addMonths(d: KDateTime, months: number): KDateTime {
  const x = new Date(d.ms);
  const target = new Date(Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(x.getUTCDate(), lastDay));
  target.setUTCHours(x.getUTCHours(), x.getUTCMinutes(), x.getUTCSeconds(), x.getUTCMilliseconds());
  return new KDateTime(target.getTime(), d.sub);
}

/** `startofday(dt [, offset])` and friends: the start of the period, moved by `offset` periods. */
function periodStart(start: (d: KDateTime) => KDateTime, step: (d: KDateTime, n: number) => KDateTime): ScalarFn {
  return (a) => {
    const d = toDateTime(a[0]);
    if (!d) return null;
    const offset = a.length > 1 ? toLong(a[1]) : 0;
    if (offset === null) return null;
    return start(step(start(d), offset));
  };
}

const byDays =
  (days: number) =>
  (d: KDateTime, n: number): KDateTime =>
    new KDateTime(d.ms + n * days * DAY_MS, d.sub);

const PART_TICKS: Record<string, number> = {
  day: TICKS.day,
  hour: TICKS.hour,
  minute: TICKS.minute,
  second: TICKS.second,
  millisecond: TICKS.millisecond,
  microsecond: TICKS.microsecond,
  nanosecond: 0.01,
};

function part(v: unknown): string {
  return toStr(v).toLowerCase().replace(/s$/, '');
}

function epochTicks(d: KDateTime): number {
  return d.ms * 10_000 + d.sub;
}

/** `datetime_diff(part, dt1, dt2)`: how many `part` boundaries lie between dt2 and dt1. */
function datetimeDiff(a: readonly unknown[]): number | null {
  const p = part(a[0]);
  const x = toDateTime(a[1]);
  const y = toDateTime(a[2]);
  if (!x || !y) return null;
  const dx = new Date(x.ms);
  const dy = new Date(y.ms);
  switch (p) {
    case 'year':
      return dx.getUTCFullYear() - dy.getUTCFullYear();
    case 'quarter':
      return (
        (dx.getUTCFullYear() - dy.getUTCFullYear()) * 4 +
        Math.floor(dx.getUTCMonth() / 3) -
        Math.floor(dy.getUTCMonth() / 3)
      );
    case 'month':
      return (dx.getUTCFullYear() - dy.getUTCFullYear()) * 12 + dx.getUTCMonth() - dy.getUTCMonth();
    case 'week':
      return Math.round((startOfWeek(x).ms - startOfWeek(y).ms) / (7 * DAY_MS));
    default: {
      const unit = PART_TICKS[p];
      if (unit === undefined) return null;
      if (p === 'nanosecond') return (epochTicks(x) - epochTicks(y)) * 100;
      return Math.floor(epochTicks(x) / unit) - Math.floor(epochTicks(y) / unit);
    }
  }
}

/** `datetime_add(part, amount, dt)`. */
function datetimeAdd(a: readonly unknown[]): KDateTime | null {
  const p = part(a[0]);
  const n = toLong(a[1]);
  const d = toDateTime(a[2]);
  if (n === null || !d) return null;
  if (p === 'year') return addMonths(d, 12 * n);
  if (p === 'quarter') return addMonths(d, 3 * n);
  if (p === 'month') return addMonths(d, n);
  if (p === 'week') return d.plus(new KTimespan(n * 7 * TICKS.day));
  const unit = PART_TICKS[p];
  if (unit === undefined || p === 'nanosecond') return null;
  return d.plus(new KTimespan(n * unit));
}

const FORMAT_TOKEN = /yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|f{1,7}|F{1,7}|tt/g;

/** `format_datetime(dt, format)` with Kusto's format specifiers. */
function formatDatetime(a: readonly unknown[]): string | null {
  const d = toDateTime(a[0]);
  if (!d) return null;
  const x = new Date(d.ms);
  const fraction = String(x.getUTCMilliseconds() * 10_000 + d.sub).padStart(7, '0');
  const two = (n: number): string => String(n).padStart(2, '0');
  const hours = x.getUTCHours();
  return toStr(a[1]).replace(FORMAT_TOKEN, (t) => {
    switch (t) {
      case 'yyyy':
        return String(x.getUTCFullYear()).padStart(4, '0');
      case 'yy':
        return two(x.getUTCFullYear() % 100);
      case 'MM':
        return two(x.getUTCMonth() + 1);
      case 'M':
        return String(x.getUTCMonth() + 1);
      case 'dd':
        return two(x.getUTCDate());
      case 'd':
        return String(x.getUTCDate());
      case 'HH':
        return two(hours);
      case 'H':
        return String(hours);
      case 'hh':
        return two(hours % 12 === 0 ? 12 : hours % 12);
      case 'h':
        return String(hours % 12 === 0 ? 12 : hours % 12);
      case 'mm':
        return two(x.getUTCMinutes());
      case 'm':
        return String(x.getUTCMinutes());
      case 'ss':
        return two(x.getUTCSeconds());
      case 's':
        return String(x.getUTCSeconds());
      case 'tt':
        return hours < 12 ? 'AM' : 'PM';
      default:
        if (t.startsWith('f')) return fraction.slice(0, t.length);
        return fraction.slice(0, t.length).replace(/0+$/, '');
    }
  });
}

/** `bin(value, size)` / `floor(value, size)` for numbers, datetimes and timespans. */
function bin(a: readonly unknown[]): unknown {
  const v = a[0];
  const size = a[1];
  if (isNull(v) || isNull(size)) return null;
  if (v instanceof KDateTime) {
    const span = toTimespan(size);
    if (!span || span.ticks <= 0) return null;
    const t = epochTicks(v);
    const floored = Math.floor(t / span.ticks) * span.ticks;
    return new KDateTime(0).plus(new KTimespan(floored));
  }
  if (v instanceof KTimespan) {
    const span = toTimespan(size);
    if (!span || span.ticks <= 0) return null;
    return new KTimespan(Math.floor(v.ticks / span.ticks) * span.ticks);
  }
  if (typeof v === 'number' && typeof size === 'number') {
    if (size <= 0) return null;
    const r = Math.floor(v / size) * size;
    return Number.isInteger(v) && Number.isInteger(size) ? r : r;
  }
  return null;
}

// ---------------------------------------------------------------- strings

function codePointsOf(s: string): string[] {
  return Array.from(s);
}

/** `countof(text, search [, kind])`: overlapping matches for `normal`, regex matches for `regex`. */
function countof(a: readonly unknown[], compile: (p: string, f?: string) => RegExp | null): number | null {
  const text = toStr(a[0]);
  const search = toStr(a[1]);
  const kind = a.length > 2 ? toStr(a[2]) : 'normal';
  if (kind === 'regex') {
    const re = compile(search, 'g');
    if (!re) return null;
    let n = 0;
    for (const m of text.matchAll(re)) if (m[0] !== '' || m.index <= text.length) n++;
    return n;
  }
  if (search === '') return 0;
  let n = 0;
  for (let i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + 1)) n++;
  return n;
}

/** `extract_all(regex, [groups,] text)`: every match; one group gives strings, several give arrays. */
function extractAll(a: readonly unknown[], compile: (p: string, f?: string) => RegExp | null): unknown {
  const re = compile(toStr(a[0]), 'g');
  const text = toStr(a.length > 2 ? a[2] : a[1]);
  const wanted = a.length > 2 && Array.isArray(a[1]) ? (a[1] as unknown[]).map((g) => toLong(g) ?? 0) : undefined;
  if (!re) return null;
  const out: unknown[] = [];
  for (const m of text.matchAll(re)) {
    const groups = wanted ?? (m.length > 1 ? m.slice(1).map((_, i) => i + 1) : [0]);
    const values = groups.map((g) => m[g] ?? '');
    out.push(values.length === 1 ? values[0] : values);
  }
  return out.length === 0 ? null : out;
}

/** `dynamic_to_json(v)`: JSON text with property-bag keys sorted, as Kusto's canonical form. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isBag(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

// ---------------------------------------------------------------- IPv4

/** An IPv4 address with optional `/prefix`, as [address as a number, prefix]; null if invalid. */
function ipv4(v: unknown, prefixOverride?: unknown): [number, number] | null {
  const text = toStr(v).trim();
  if (text === '') return null;
  const [addr, pfx] = text.split('/');
  if (!addr || !ipaddr.IPv4.isValidFourPartDecimal(addr)) return null;
  let prefix = pfx === undefined ? 32 : Number(pfx);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  if (prefixOverride !== undefined && !isNull(prefixOverride)) {
    const o = toLong(prefixOverride);
    if (o === null || o < 0 || o > 32) return null;
    prefix = Math.min(prefix, o);
  }
  const bytes = ipaddr.IPv4.parse(addr).toByteArray();
  const n = bytes.reduce((acc, b) => acc * 256 + b, 0);
  return [n, prefix];
}

function masked(n: number, prefix: number): number {
  if (prefix === 0) return 0;
  const block = 2 ** (32 - prefix);
  return Math.floor(n / block) * block;
}

// ---------------------------------------------------------------- arrays, sets, bags

function arrays(a: readonly unknown[]): unknown[][] | null {
  for (const v of a) if (!Array.isArray(v)) return null;
  return a as unknown[][];
}

function distinctValues(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of values) {
    const k = keyOf(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

function sortArray(descending: boolean): ScalarFn {
  return (a) => {
    const arr = a[0];
    if (!Array.isArray(arr)) return null;
    const nullsLast = a.length > 1 ? a[1] !== false : true;
    const values = (arr as unknown[]).filter((v) => !isNull(v));
    const nulls = (arr as unknown[]).filter((v) => isNull(v)).map(() => null);
    values.sort((x, y) => (descending ? -sortCompare(x, y) : sortCompare(x, y)));
    return nullsLast ? [...values, ...nulls] : [...nulls, ...values];
  };
}

// ---------------------------------------------------------------- GUID, math

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : toReal(v);
}

function math(f: (x: number) => number): ScalarFn {
  return (a) => {
    const x = num(a[0]);
    if (x === null) return null;
    const r = f(x);
    return Number.isNaN(r) ? null : r;
  };
}

/** Scalar functions added for published Resource Graph queries; merged into SCALAR_FUNCTIONS. */
export function moreScalarFunctions(
  compileRegex: (pattern: string, flags?: string) => RegExp | null,
): Record<string, ScalarFn> {
  return {
    todatetime: (a) => toDateTime(a[0]),
    totimespan: (a) => toTimespan(a[0]),
    totime: (a) => toTimespan(a[0]),
    bin: bin,
    floor: (a) => (a.length > 1 ? bin(a) : math(Math.floor)(a)),
    datetime_diff: datetimeDiff,
    datetime_add: datetimeAdd,
    format_datetime: formatDatetime,
    startofday: periodStart(startOfDay, byDays(1)),
    startofweek: periodStart(startOfWeek, byDays(7)),
    startofmonth: periodStart(startOfMonth, (d, n) => addMonths(d, n)),
    startofyear: periodStart(startOfYear, (d, n) => addMonths(d, 12 * n)),
    endofday: (a) => {
      const s = periodStart(startOfDay, byDays(1))(a);
      return s instanceof KDateTime ? s.plus(new KTimespan(TICKS.day - 1)) : null;
    },
    dayofweek: (a) => {
      const d = toDateTime(a[0]);
      return d ? new KTimespan(new Date(d.ms).getUTCDay() * TICKS.day) : null;
    },
    dayofmonth: (a) => {
      const d = toDateTime(a[0]);
      return d ? new Date(d.ms).getUTCDate() : null;
    },
    getmonth: (a) => {
      const d = toDateTime(a[0]);
      return d ? new Date(d.ms).getUTCMonth() + 1 : null;
    },
    getyear: (a) => {
      const d = toDateTime(a[0]);
      return d ? new Date(d.ms).getUTCFullYear() : null;
    },
    hourofday: (a) => {
      const d = toDateTime(a[0]);
      return d ? new Date(d.ms).getUTCHours() : null;
    },
    unixtime_seconds_todatetime: (a) => {
      const s = num(a[0]);
      return s === null ? null : KDateTime.fromMs(s * 1000);
    },
    unixtime_milliseconds_todatetime: (a) => {
      const s = num(a[0]);
      return s === null ? null : KDateTime.fromMs(s);
    },
    extract_all: (a) => extractAll(a, compileRegex),
    countof: (a) => countof(a, compileRegex),
    strcat_array: (a) => (Array.isArray(a[0]) ? (a[0] as unknown[]).map((v) => toStr(v)).join(toStr(a[1])) : null),
    string_size: (a) => Buffer.byteLength(toStr(a[0]), 'utf8'),
    strrep: (a) => {
      const n = toLong(a[1]);
      if (n === null || n < 0) return null;
      const delimiter = a.length > 2 ? toStr(a[2]) : '';
      return Array.from({ length: n }, () => toStr(a[0])).join(delimiter);
    },
    reverse: (a) => codePointsOf(toStr(a[0])).reverse().join(''),
    dynamic_to_json: (a) => (isNull(a[0]) ? '' : JSON.stringify(canonical(a[0]))),
    parse_ipv4: (a) => {
      const ip = ipv4(a[0]);
      return ip ? masked(ip[0], ip[1]) : null;
    },
    parse_ipv4_mask: (a) => {
      const ip = ipv4(a[0], a[1]);
      return ip ? masked(ip[0], ip[1]) : null;
    },
    ipv4_is_in_range: (a) => {
      const ip = ipv4(a[0]);
      const range = ipv4(a[1]);
      if (!ip || !range) return null;
      return masked(ip[0], range[1]) === masked(range[0], range[1]);
    },
    ipv4_is_match: (a) => {
      const x = ipv4(a[0]);
      const y = ipv4(a[1]);
      if (!x || !y) return null;
      let prefix = Math.min(x[1], y[1]);
      if (a.length > 2) {
        const p = toLong(a[2]);
        if (p === null || p < 0 || p > 32) return null;
        prefix = Math.min(prefix, p);
      }
      return masked(x[0], prefix) === masked(y[0], prefix);
    },
    ipv4_is_private: (a) => {
      const ip = ipv4(a[0]);
      if (!ip) return null;
      const [n] = ip;
      const inRange = (base: string, bits: number): boolean => {
        const b = ipv4(base);
        return b !== null && masked(n, bits) === masked(b[0], bits);
      };
      return inRange('10.0.0.0', 8) || inRange('172.16.0.0', 12) || inRange('192.168.0.0', 16);
    },
    hash: (a) => {
      if (isNull(a[0])) return null;
      const h = xxhash64(Buffer.from(toStr(a[0]), 'utf8'));
      const signed = BigInt.asIntN(64, h);
      if (a.length > 1) {
        const mod = toLong(a[1]);
        if (mod === null || mod <= 0) return null;
        const r = signed % BigInt(mod);
        return Number(r < 0n ? -r : r);
      }
      return Number(signed);
    },
    toguid: (a) => {
      const s = toStr(a[0]).trim();
      return GUID.test(s) ? s.toLowerCase() : null;
    },
    new_guid: () => crypto.randomUUID(),
    range: (a) => {
      const start = num(a[0]);
      const stop = num(a[1]);
      const step = a.length > 2 ? num(a[2]) : 1;
      if (start === null || stop === null || step === null || step === 0) return null;
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= stop : v >= stop; v += step) {
        if (out.length >= 1_000_000) return null;
        out.push(v);
      }
      return out;
    },
    array_sort_asc: sortArray(false),
    array_sort_desc: sortArray(true),
    array_reverse: (a) => (Array.isArray(a[0]) ? [...(a[0] as unknown[])].reverse() : null),
    array_sum: (a) => {
      if (!Array.isArray(a[0])) return null;
      let total = 0;
      for (const v of a[0] as unknown[]) {
        if (typeof v !== 'number') return null;
        total += v;
      }
      return total;
    },
    set_union: (a) => {
      const xs = arrays(a);
      return xs ? distinctValues(xs.flat()) : null;
    },
    set_intersect: (a) => {
      const xs = arrays(a);
      if (!xs) return null;
      const [first = [], ...rest] = xs;
      return distinctValues(first).filter((v) => rest.every((r) => r.some((x) => kEquals(x, v) === true)));
    },
    set_difference: (a) => {
      const xs = arrays(a);
      if (!xs) return null;
      const [first = [], ...rest] = xs;
      return distinctValues(first).filter((v) => !rest.some((r) => r.some((x) => kEquals(x, v) === true)));
    },
    bag_merge: (a) => {
      const out: Record<string, unknown> = {};
      for (const v of a) {
        if (!isBag(v)) continue;
        for (const [k, x] of Object.entries(v)) if (!Object.hasOwn(out, k)) out[k] = x;
      }
      return out;
    },
    bag_remove_keys: (a) => {
      if (!isBag(a[0])) return null;
      const drop = new Set(Array.isArray(a[1]) ? (a[1] as unknown[]).map((k) => toStr(k)) : []);
      return Object.fromEntries(Object.entries(a[0]).filter(([k]) => !drop.has(k)));
    },
    round: (a) => {
      const x = num(a[0]);
      const digits = a.length > 1 ? (toLong(a[1]) ?? 0) : 0;
      if (x === null) return null;
      const f = 10 ** digits;
      return Math.round(x * f) / f;
    },
    abs: math(Math.abs),
    ceiling: math(Math.ceil),
    sqrt: math(Math.sqrt),
    exp: math(Math.exp),
    log: math(Math.log),
    log10: math(Math.log10),
    pow: (a) => {
      const x = num(a[0]);
      const y = num(a[1]);
      return x === null || y === null ? null : x ** y;
    },
    max_of: (a) => {
      const vs = a.filter((v) => !isNull(v));
      return vs.length === 0 ? null : vs.reduce((m, v) => (sortCompare(v, m) > 0 ? v : m));
    },
    min_of: (a) => {
      const vs = a.filter((v) => !isNull(v));
      return vs.length === 0 ? null : vs.reduce((m, v) => (sortCompare(v, m) < 0 ? v : m));
    },
  };
}
