/**
 * Kusto's `datetime` and `timespan` values. Both count 100-nanosecond ticks, as .NET does: a datetime
 * is whole milliseconds since the Unix epoch plus a 0..9999 tick remainder (so 7 fractional digits
 * survive), a timespan is a (possibly negative) tick count. They print as Kusto prints them.
 */

/** Ticks (100 ns) per unit. */
export const TICKS = {
  tick: 1,
  microsecond: 10,
  millisecond: 10_000,
  second: 10_000_000,
  minute: 600_000_000,
  hour: 36_000_000_000,
  day: 864_000_000_000,
} as const;

/** A Kusto `datetime` (always UTC). */
export class KDateTime {
  /** `ms` whole milliseconds since the epoch; `sub` the remaining 100-ns ticks (0..9999). */
  constructor(
    readonly ms: number,
    readonly sub = 0,
  ) {}

  /** Builds a datetime from epoch milliseconds that may carry a fraction. */
  static fromMs(ms: number): KDateTime {
    const whole = Math.floor(ms);
    return new KDateTime(whole, Math.round((ms - whole) * 10_000));
  }

  /** Epoch milliseconds as a (possibly fractional) number. */
  get value(): number {
    return this.ms + this.sub / 10_000;
  }

  /** This datetime moved by a timespan. */
  plus(span: KTimespan): KDateTime {
    const total = this.sub + span.ticks;
    const carryMs = Math.floor(total / 10_000);
    return new KDateTime(this.ms + carryMs, total - carryMs * 10_000);
  }

  /** The timespan from `other` to this. */
  minus(other: KDateTime): KTimespan {
    return new KTimespan((this.ms - other.ms) * 10_000 + (this.sub - other.sub));
  }

  /** Kusto's text form: `2021-01-02T03:04:05Z`, with 7 fraction digits when there is a fraction. */
  toString(): string {
    const d = new Date(this.ms);
    if (Number.isNaN(d.getTime())) return '';
    const iso = d.toISOString(); // 2021-01-02T03:04:05.123Z
    const base = iso.slice(0, 19);
    const frac = d.getUTCMilliseconds() * 10_000 + this.sub;
    return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(7, '0')}Z`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A Kusto `timespan`. */
export class KTimespan {
  constructor(readonly ticks: number) {}

  /** Kusto's text form: `[-][d.]hh:mm:ss[.fffffff]`. */
  toString(): string {
    let t = Math.round(this.ticks);
    const sign = t < 0 ? '-' : '';
    t = Math.abs(t);
    const days = Math.floor(t / TICKS.day);
    t -= days * TICKS.day;
    const hours = Math.floor(t / TICKS.hour);
    t -= hours * TICKS.hour;
    const minutes = Math.floor(t / TICKS.minute);
    t -= minutes * TICKS.minute;
    const seconds = Math.floor(t / TICKS.second);
    t -= seconds * TICKS.second;
    const two = (n: number): string => String(n).padStart(2, '0');
    const head = `${sign}${days > 0 ? `${days}.` : ''}${two(hours)}:${two(minutes)}:${two(seconds)}`;
    return t === 0 ? head : `${head}.${String(t).padStart(7, '0')}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

const UNIT_TICKS: Record<string, number> = {
  d: TICKS.day,
  day: TICKS.day,
  days: TICKS.day,
  h: TICKS.hour,
  hr: TICKS.hour,
  hrs: TICKS.hour,
  hour: TICKS.hour,
  hours: TICKS.hour,
  m: TICKS.minute,
  min: TICKS.minute,
  minute: TICKS.minute,
  minutes: TICKS.minute,
  s: TICKS.second,
  sec: TICKS.second,
  second: TICKS.second,
  seconds: TICKS.second,
  ms: TICKS.millisecond,
  milli: TICKS.millisecond,
  millis: TICKS.millisecond,
  millisecond: TICKS.millisecond,
  milliseconds: TICKS.millisecond,
  microsecond: TICKS.microsecond,
  microseconds: TICKS.microsecond,
  tick: 1,
  ticks: 1,
};

/**
 * Parses timespan text: a literal such as `1d`, `1.5h`, `90m`, `100ms`, `10tick`, or the clock form
 * `[d.]hh:mm[:ss[.fffffff]]`. Returns null for anything else.
 */
export function parseTimespan(text: string): KTimespan | null {
  const s = text.trim();
  const unit = /^([+-]?\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(s);
  if (unit) {
    const per = UNIT_TICKS[(unit[2] ?? '').toLowerCase()];
    if (per === undefined) return null;
    return new KTimespan(Math.round(Number(unit[1]) * per));
  }
  const clock = /^([+-])?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(s);
  if (clock) {
    const [, sign, d, h, m, sec, frac] = clock;
    const ticks =
      Number(d ?? 0) * TICKS.day +
      Number(h) * TICKS.hour +
      Number(m) * TICKS.minute +
      Number(sec ?? 0) * TICKS.second +
      Number((frac ?? '').padEnd(7, '0') || 0);
    return new KTimespan(sign === '-' ? -ticks : ticks);
  }
  if (/^[+-]?\d+$/.test(s)) return new KTimespan(Number(s) * TICKS.day);
  return null;
}

const ISO_LIKE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses datetime text as `todatetime()` does: ISO 8601 (`2021-01-02`, `2021-01-02 03:04:05`,
 * `2021-01-02T03:04:05.1234567Z`, with an offset), or RFC 1123 / RFC 850 dates. Returns null otherwise.
 */
export function parseDateTime(text: string): KDateTime | null {
  const s = text.trim();
  const m = ISO_LIKE.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0));
    if (Number.isNaN(ms)) return null;
    if (zone && zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
      if (z) ms -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    }
    const digits = (frac ?? '').slice(0, 7).padEnd(7, '0');
    const fracTicks = Number(digits);
    return new KDateTime(ms + Math.floor(fracTicks / 10_000), fracTicks % 10_000);
  }
  if (/^[A-Za-z]{3},?\s/.test(s) || /GMT$/.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : new KDateTime(ms);
  }
  return null;
}

/** True for the values of Kusto's scalar types that are not JSON (datetime, timespan). */
export function isTemporal(v: unknown): v is KDateTime | KTimespan {
  return v instanceof KDateTime || v instanceof KTimespan;
}
