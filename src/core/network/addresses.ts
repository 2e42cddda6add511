/**
 * Exact IPv4 address arithmetic for backup egress: prefixes become sorted, merged intervals of addresses
 * (or of ports), so that coverage and shares are computed, not guessed. Parsing uses ipaddr.js.
 */
import ipaddr from 'ipaddr.js';

/** One closed interval [from, to] of IPv4 addresses (as unsigned 32-bit numbers) or of ports. */
export type Interval = readonly [from: number, to: number];

/** The highest IPv4 address as a number. */
export const MAX_IPV4 = 2 ** 32 - 1;

/** An immutable set of numbers held as sorted, disjoint, non-adjacent intervals. */
export class IntervalSet {
  /** The empty set. */
  static readonly EMPTY = new IntervalSet([]);
  /** Every IPv4 address. */
  static readonly ALL_IPV4 = new IntervalSet([[0, MAX_IPV4]]);

  private constructor(readonly intervals: readonly Interval[]) {}

  /** Builds a set from intervals in any order, overlapping or not. */
  static of(intervals: Iterable<Interval>): IntervalSet {
    const sorted = [...intervals].filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const merged: [number, number][] = [];
    for (const [from, to] of sorted) {
      const last = merged[merged.length - 1];
      if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
      else merged.push([from, to]);
    }
    return merged.length === 0 ? IntervalSet.EMPTY : new IntervalSet(merged);
  }

  private sizeCache: number | undefined;

  /** The number of members (computed once: the set is immutable). */
  get size(): number {
    if (this.sizeCache === undefined) {
      let n = 0;
      for (const [a, b] of this.intervals) n += b - a + 1;
      this.sizeCache = n;
    }
    return this.sizeCache;
  }

  /** True when the set has no member. */
  get isEmpty(): boolean {
    return this.intervals.length === 0;
  }

  /** The members of both sets. */
  intersect(other: IntervalSet): IntervalSet {
    if (this.isEmpty || other.isEmpty) return IntervalSet.EMPTY;
    const out: Interval[] = [];
    let i = 0;
    let j = 0;
    const a = this.intervals;
    const b = other.intervals;
    while (i < a.length && j < b.length) {
      const [af, at] = a[i] as Interval;
      const [bf, bt] = b[j] as Interval;
      const from = Math.max(af, bf);
      const to = Math.min(at, bt);
      if (from <= to) out.push([from, to]);
      if (at < bt) i++;
      else j++;
    }
    return out.length === 0 ? IntervalSet.EMPTY : new IntervalSet(out);
  }

  /** The members of this set that are not in `other`. */
  subtract(other: IntervalSet): IntervalSet {
    if (this.isEmpty || other.isEmpty) return this;
    const out: Interval[] = [];
    let j = 0;
    const b = other.intervals;
    for (const [from, to] of this.intervals) {
      let start = from;
      while (j < b.length && (b[j] as Interval)[1] < start) j++;
      let k = j;
      while (k < b.length && (b[k] as Interval)[0] <= to) {
        const [bf, bt] = b[k] as Interval;
        if (bf > start) out.push([start, bf - 1]);
        start = Math.max(start, bt + 1);
        if (start > to) break;
        k++;
      }
      if (start <= to) out.push([start, to]);
    }
    return out.length === 0 ? IntervalSet.EMPTY : new IntervalSet(out);
  }

  /** The members of either set. */
  union(other: IntervalSet): IntervalSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return IntervalSet.of([...this.intervals, ...other.intervals]);
  }

  /** True when every member of `other` is in this set. */
  covers(other: IntervalSet): boolean {
    return other.subtract(this).isEmpty;
  }

  /** True when this set and `other` share a member. */
  overlaps(other: IntervalSet): boolean {
    return !this.intersect(other).isEmpty;
  }

  /** True when both sets have the same members. */
  equals(other: IntervalSet): boolean {
    return (
      this.intervals.length === other.intervals.length &&
      this.intervals.every(([a, b], i) => a === other.intervals[i]?.[0] && b === other.intervals[i]?.[1])
    );
  }
}

/** What one address prefix of a rule or route is. */
export type ParsedPrefix =
  | { kind: 'ipv4'; range: Interval; prefixLength: number }
  | { kind: 'ipv6' }
  | { kind: 'any' }
  | { kind: 'name'; name: string }
  | { kind: 'invalid' };

function ipv4Number(addr: ipaddr.IPv4): number {
  const [a = 0, b = 0, c = 0, d = 0] = addr.octets;
  return ((a * 256 + b) * 256 + c) * 256 + d;
}

const parsedCache = new Map<string, ParsedPrefix>();

/**
 * Parses an address prefix as NSG rules, routes and firewall rules write it: `*`, an IPv4 address or CIDR
 * (host bits are masked, `/00` is `/0`), an IPv6 address or CIDR, or a name (a service tag). An IPv4 value
 * that is not four decimal octets, or a prefix length over 32, is invalid.
 */
export function parsePrefix(text: string): ParsedPrefix {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  const parsed = parseUncached(text.trim());
  if (parsedCache.size < 100_000) parsedCache.set(text, parsed);
  return parsed;
}

function parseUncached(value: string): ParsedPrefix {
  if (value === '*') return { kind: 'any' };
  const slash = value.indexOf('/');
  const base = slash >= 0 ? value.slice(0, slash) : value;
  const bits = slash >= 0 ? value.slice(slash + 1) : undefined;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return { kind: 'invalid' };
  if (base.includes(':')) {
    if (!ipaddr.IPv6.isValid(base)) return { kind: 'invalid' };
    return bits === undefined || Number(bits) <= 128 ? { kind: 'ipv6' } : { kind: 'invalid' };
  }
  if (/^[\d.]+$/.test(base)) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(base)) return { kind: 'invalid' };
    const prefixLength = bits === undefined ? 32 : Number(bits);
    if (prefixLength > 32) return { kind: 'invalid' };
    const start = ipv4Number(ipaddr.IPv4.networkAddressFromCIDR(`${base}/${prefixLength}`));
    return { kind: 'ipv4', range: [start, start + 2 ** (32 - prefixLength) - 1], prefixLength };
  }
  return /^[A-Za-z][\w.-]*$/.test(value) ? { kind: 'name', name: value } : { kind: 'invalid' };
}

/** The IPv4 address as a number, or undefined when it is not four decimal octets (no leading zeros). */
export function ipv4ToNumber(text: string | undefined): number | undefined {
  const parts = text?.trim().split('.');
  if (parts?.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** The IPv4 addresses of a list of CIDR prefixes (IPv6, names and malformed entries contribute nothing). */
export function ipv4SetOf(prefixes: readonly string[]): IntervalSet {
  const ranges: Interval[] = [];
  for (const p of prefixes) {
    const parsed = parsePrefix(p);
    if (parsed.kind === 'ipv4') ranges.push(parsed.range);
    else if (parsed.kind === 'any') ranges.push([0, MAX_IPV4]);
  }
  return IntervalSet.of(ranges);
}
