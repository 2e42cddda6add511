/**
 * The functions and operators added for published Resource Graph queries, checked against the results
 * Kusto's own documentation gives for its examples (where it gives one) and against Kusto's rules for
 * nulls, dynamic values, datetimes and type coercion.
 */
import { describe, expect, it } from 'vitest';
import { executeKql, type Row } from '../../packages/emulator/src/kql';
import { xxhash64 } from '../../packages/emulator/src/kql/xxhash64';

const NOW = new Date('2026-12-08T05:00:00Z');
const run = (query: string, tables: Record<string, readonly Row[]> = {}): Row[] =>
  executeKql(query, { Resources: [], ...tables }, { now: NOW });
/** The single value of `print x = <expr>`. */
const value = (expr: string): unknown => run(`print x = ${expr}`)[0]?.['x'];

describe('datetime and timespan', () => {
  it('reads literals and prints them as Kusto does', () => {
    expect(value('datetime(2021-01-02 03:04:05)')).toEqual(expect.anything());
    expect(
      JSON.parse(JSON.stringify(run('print a = datetime(2021-01-02 03:04:05), b = 1d, c = 90m, d = 100ms'))),
    ).toEqual([{ a: '2021-01-02T03:04:05Z', b: '1.00:00:00', c: '01:30:00', d: '00:00:00.1000000' }]);
    expect(String(value('datetime(2021-01-02T03:04:05.1234567Z)'))).toBe('2021-01-02T03:04:05.1234567Z');
    expect(value('datetime(null)')).toBeNull();
  });

  it('now() is one instant per query and ago() counts back from it', () => {
    expect(String(value('now()'))).toBe('2026-12-08T05:00:00Z');
    expect(String(value('ago(7d)'))).toBe('2026-12-01T05:00:00Z');
    expect(String(value('now(-1h)'))).toBe('2026-12-08T04:00:00Z');
  });

  it('adds, subtracts, multiplies and divides', () => {
    expect(String(value('datetime(2021-01-01) + 36h'))).toBe('2021-01-02T12:00:00Z');
    expect(String(value('datetime(2021-01-02) - datetime(2021-01-01)'))).toBe('1.00:00:00');
    expect(String(value('2 * 1h'))).toBe('02:00:00');
    expect(value('1d / 1h')).toBe(24);
    expect(String(value('-1d'))).toBe('-1.00:00:00');
  });

  it('datetime_diff counts boundaries crossed (the Kusto docs examples)', () => {
    expect(value("datetime_diff('year', datetime(2017-01-01), datetime(2000-12-31))")).toBe(17);
    expect(value("datetime_diff('quarter', datetime(2017-07-01), datetime(2017-03-30))")).toBe(2);
    expect(value("datetime_diff('month', datetime(2017-01-01), datetime(2015-12-30))")).toBe(13);
    expect(value("datetime_diff('week', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))")).toBe(5);
    expect(value("datetime_diff('day', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))")).toBe(29);
    expect(value("datetime_diff('hour', datetime(2017-10-31 01:00), datetime(2017-10-30 23:59))")).toBe(2);
    expect(value("datetime_diff('minute', datetime(2017-10-30 23:05:01), datetime(2017-10-30 23:00:59))")).toBe(5);
    expect(value("datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900))")).toBe(
      10,
    );
  });

  it('bin, startofday, startofweek, startofmonth and datetime_add', () => {
    expect(String(value('bin(datetime(1970-05-11 13:45:07), 1d)'))).toBe('1970-05-11T00:00:00Z');
    expect(value('bin(4.5, 1)')).toBe(4);
    expect(String(value('bin(10.5h, 1h)'))).toBe('10:00:00');
    expect(String(value('startofday(datetime(2017-01-01 10:10:17))'))).toBe('2017-01-01T00:00:00Z');
    expect(String(value('startofday(datetime(2017-01-01 10:10:17), -1)'))).toBe('2016-12-31T00:00:00Z');
    expect(String(value('startofweek(datetime(2017-01-01 10:10:17), 1)'))).toBe('2017-01-08T00:00:00Z');
    expect(String(value('startofmonth(datetime(2017-01-01 10:10:17), -1)'))).toBe('2016-12-01T00:00:00Z');
    expect(String(value("datetime_add('month', 1, datetime(2017-01-31))"))).toBe('2017-02-28T00:00:00Z');
  });

  it('format_datetime with Kusto format specifiers', () => {
    expect(value("format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [HH:mm:ss]')")).toBe('17-01-29 [09:00:05]');
    expect(value("format_datetime(datetime(2017-01-29 09:00:05), 'yyyy-M-dd [H:mm:ss]')")).toBe('2017-1-29 [9:00:05]');
    expect(value("format_datetime(datetime(2017-01-29 09:00:05.1234), 'hh:mm tt fff')")).toBe('09:00 AM 123');
  });

  it('todatetime parses ISO 8601 and RFC 1123 text, and gives null for anything else', () => {
    expect(String(value("todatetime('2015-12-24')"))).toBe('2015-12-24T00:00:00Z');
    expect(String(value("todatetime('2021-06-27T01:02:38.3138469+00:00')"))).toBe('2021-06-27T01:02:38.3138469Z');
    expect(String(value("todatetime('Thu, 24 Dec 2015 00:00:00 GMT')"))).toBe('2015-12-24T00:00:00Z');
    expect(value("todatetime('not a date')")).toBeNull();
    expect(value('todatetime(int(5))')).toBeNull();
  });

  it('compares a datetime with a datetime held as text in a dynamic value', () => {
    const rows = [
      { id: '/a', name: 'old', properties: { timeCreated: '2020-01-01T00:00:00Z' } },
      { id: '/b', name: 'new', properties: { timeCreated: '2026-12-01T00:00:00Z' } },
    ];
    expect(
      run('Resources | where todatetime(properties.timeCreated) > ago(30d) | project name', { Resources: rows }),
    ).toEqual([{ name: 'new' }]);
  });
});

describe('strings, arrays, sets and bags', () => {
  it('extract_all, countof, strcat_array and string_size', () => {
    expect(value("extract_all(@'(\\d+)', 'a1 b22 c333')")).toEqual(['1', '22', '333']);
    expect(value("extract_all(@'(\\w)(\\d+)', 'a1 b22')")).toEqual([
      ['a', '1'],
      ['b', '22'],
    ]);
    expect(value("extract_all(@'(\\d+)', 'none')")).toBeNull();
    expect(value("countof('aaa', 'a')")).toBe(3);
    expect(value("countof('aaa', 'aa')")).toBe(2);
    expect(value("countof('ababa', 'ab', 'normal')")).toBe(2);
    expect(value("countof('aabbaa', 'b+', 'regex')")).toBe(1);
    expect(value("strcat_array(dynamic([1, 2, 'x']), '-')")).toBe('1-2-x');
    // A static type error is refused by Kusto's binder, as Resource Graph refuses it.
    expect(() => value("strcat_array('not an array', '-')")).toThrow('must be a dynamic array');
    expect(value("strcat_array(parse_json('{}'), '-')")).toBeNull();
    expect(value("string_size('hello')")).toBe(5);
    expect(value("string_size('⒦⒰⒮⒯⒪')")).toBe(15);
  });

  it('dynamic_to_json sorts property-bag keys', () => {
    expect(value("dynamic_to_json(dynamic({'b': 1, 'a': [2, {'d': 1, 'c': 2}]}))")).toBe(
      '{"a":[2,{"c":2,"d":1}],"b":1}',
    );
  });

  it('set and array functions', () => {
    expect(value('set_union(dynamic([1, 2]), dynamic([2, 3]))')).toEqual([1, 2, 3]);
    expect(value('set_intersect(dynamic([1, 2, 3]), dynamic([3, 2]))')).toEqual([2, 3]);
    expect(value('set_difference(dynamic([1, 2, 3]), dynamic([2]))')).toEqual([1, 3]);
    expect(value("set_union(dynamic([1]), parse_json('{}'))")).toBeNull();
    expect(value('array_sort_asc(dynamic([3, 1, 2]))')).toEqual([1, 2, 3]);
    expect(value('array_sort_desc(dynamic([3, 1, 2]))')).toEqual([3, 2, 1]);
    expect(value('array_reverse(dynamic([1, 2]))')).toEqual([2, 1]);
    expect(value('array_sum(dynamic([1, 2, 3]))')).toBe(6);
    expect(value('range(1, 7, 3)')).toEqual([1, 4, 7]);
  });

  it('pack_all and bag_merge', () => {
    const rows = run("datatable(a:long, b:string)[1, 'x'] | extend p = pack_all() | project p");
    expect(rows).toEqual([{ p: { a: 1, b: 'x' } }]);
    expect(value("bag_merge(dynamic({'a': 1, 'b': 2}), dynamic({'b': 3, 'c': 4}))")).toEqual({ a: 1, b: 2, c: 4 });
    expect(value("bag_remove_keys(dynamic({'a': 1, 'b': 2}), dynamic(['a']))")).toEqual({ b: 2 });
  });
});

describe('IPv4, hash and GUIDs', () => {
  it('ipv4_is_in_range, ipv4_is_match and parse_ipv4 (the Kusto docs examples)', () => {
    expect(value("ipv4_is_in_range('192.168.1.1', '192.168.1.1')")).toBe(true);
    expect(value("ipv4_is_in_range('192.168.1.1', '192.168.1.255/24')")).toBe(true);
    expect(value("ipv4_is_in_range('192.168.2.1', '192.168.1.0/24')")).toBe(false);
    expect(value("ipv4_is_in_range('not an ip', '10.0.0.0/8')")).toBeNull();
    expect(value("ipv4_is_match('192.168.1.1', '192.168.1.255', 24)")).toBe(true);
    expect(value("ipv4_is_match('192.168.1.1/24', '192.168.1.255/24')")).toBe(true);
    expect(value("ipv4_is_match('192.168.1.1', '192.168.1.255')")).toBe(false);
    expect(value("parse_ipv4('127.0.0.1')")).toBe(2130706433);
    expect(value("parse_ipv4('192.1.168.1')")).toBe(3221334017);
    expect(value("parse_ipv4('192.1.168.1/24')")).toBe(3221334016);
    expect(value("parse_ipv4('300.1.1.1')")).toBeNull();
  });

  it('hash is XXH64, as Kusto documents hash("World")', () => {
    expect(xxhash64(Buffer.from('')).toString(16)).toBe('ef46db3751d8e999');
    expect(xxhash64(Buffer.from('abc')).toString(16)).toBe('44bc2cf5ad770999');
    expect(BigInt.asIntN(64, xxhash64(Buffer.from('World'))).toString()).toBe('1846988464401551951');
    expect(value("hash('World', 100)")).toBe(51);
    expect(value('hash(int(null))')).toBeNull();
  });

  it('toguid accepts a GUID and nothing else', () => {
    expect(value("toguid('74BE27DE-1E4E-49D9-B579-FE0B331D3642')")).toBe('74be27de-1e4e-49d9-b579-fe0b331d3642');
    expect(value("toguid('not a guid')")).toBeNull();
  });
});

describe('aggregates', () => {
  const T = { Resources: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => ({ id: `/r${n}`, name: `r${n}`, n })) };

  it('percentile is nearest-rank, stdev and variance are the sample ones', () => {
    expect(run('Resources | summarize percentile(n, 50), percentile(n, 95), stdev(n), variance(n)', T)).toEqual([
      {
        percentile_n_50: 5,
        percentile_n_95: 10,
        stdev_n: Math.sqrt(110 / 12),
        variance_n: 110 / 12,
      },
    ]);
  });

  it('sums and averages timespans as timespans; todouble of a timespan is its ticks', () => {
    expect(
      JSON.parse(
        JSON.stringify(run('datatable(d:timespan)[time(01:00:00), time(02:00:00)] | summarize sum(d), avg(d)')),
      ),
    ).toEqual([{ sum_d: '03:00:00', avg_d: '01:30:00' }]);
    expect(value('todouble(1h)')).toBe(36_000_000_000);
  });

  it('buildschema merges the schemas of dynamic values (the Kusto docs example)', () => {
    const rows = run(
      "datatable(value: dynamic)[dynamic({'x': 1, 'y': 3.5}), dynamic({'x': 'somevalue', 'z': [1, 2, 3]}), dynamic({'y': {'w': 'zzz'}, 't': ['aa', 'bb'], 'z': ['foo']})] | summarize buildschema(value)",
    );
    expect(rows).toEqual([
      {
        schema_value: {
          x: ['long', 'string'],
          y: ['double', { w: 'string' }],
          z: { '`indexer`': ['long', 'string'] },
          t: { '`indexer`': 'string' },
        },
      },
    ]);
  });
});

describe('operators', () => {
  const rows = [
    { id: '/a', name: 'a', type: 't1', properties: { xs: [1, 2, 3], s: 'key=alpha;n=5' } },
    { id: '/b', name: 'b', type: 't2', properties: { xs: [10], s: 'nothing here' } },
  ];
  const T = { Resources: rows };

  it('parse in simple mode (typed columns; no match gives empty values)', () => {
    expect(run("Resources | parse tostring(properties.s) with 'key=' k ';n=' n:long | project name, k, n", T)).toEqual([
      { name: 'a', k: 'alpha', n: 5 },
      { name: 'b', k: '', n: null },
    ]);
  });

  it('union withsource names each leg', () => {
    expect(
      run(
        "let X = Resources | where name == 'a'; union withsource=src X, (Resources | where name == 'b') | project src, name",
        T,
      ),
    ).toEqual([
      { src: 'X', name: 'a' },
      { src: 'union_arg1', name: 'b' },
    ]);
  });

  it('mv-apply runs its subquery per row over the expanded values', () => {
    expect(
      run('Resources | mv-apply x = properties.xs to typeof(long) on (top 1 by x desc) | project name, x', T),
    ).toEqual([
      { name: 'a', x: 3 },
      { name: 'b', x: 10 },
    ]);
  });

  it('lookup keeps every left row and shows the key once', () => {
    expect(
      run("Resources | project name | lookup (datatable(name:string, owner:string)['a', 'me']) on name", T),
    ).toEqual([
      { name: 'a', owner: 'me' },
      { name: 'b', owner: null },
    ]);
    expect(
      run("Resources | project name | lookup kind=inner (datatable(name:string, owner:string)['a', 'me']) on name", T),
    ).toEqual([{ name: 'a', owner: 'me' }]);
  });

  it('project-reorder moves the named columns first', () => {
    expect(Object.keys(run('Resources | project id, name, type | project-reorder type, name', T)[0] ?? {})).toEqual([
      'type',
      'name',
      'id',
    ]);
  });

  it('print, range and datatable make tables of their own', () => {
    expect(run('print 1, y = 2')).toEqual([{ print_0: 1, y: 2 }]);
    expect(run('range i from 1 to 10 step 4')).toEqual([{ i: 1 }, { i: 5 }, { i: 9 }]);
    expect(run('range d from datetime(2021-01-01) to datetime(2021-01-03) step 1d | count')).toEqual([{ Count: 3 }]);
    expect(run("datatable(a:long, b:string)[1, 'x', 2, 'y'] | where a > 1")).toEqual([{ a: 2, b: 'y' }]);
  });

  it('let functions: scalar with a default argument, and tabular', () => {
    expect(
      run(
        "let label = (s:string, n:long = 1) { strcat(s, '#', n) }; let named = (k:string) { Resources | where name == k }; named('b') | project l1 = label(name), l2 = label(name, 7)",
        T,
      ),
    ).toEqual([{ l1: 'b#1', l2: 'b#7' }]);
  });

  it("Resource Graph's rules also count lookup as a join, mv-apply as an mv-expand, and union legs", () => {
    const refused = (query: string): unknown => {
      try {
        run(query);
      } catch (e) {
        return (e as { details?: { code: string }[] }).details?.[1]?.code;
      }
      return undefined;
    };
    const lookups = ' | lookup (Resources | project id) on id'.repeat(4);
    expect(refused(`Resources${lookups}`)).toBe('DisallowedMaxNumberOfRemoteTables');
    expect(refused('Resources | union Resources, Resources, Resources')).toBe('DisallowedMaxNumberOfRemoteTables');
    expect(refused('union Resources, Resources, Resources')).toBeUndefined();
    const applies = ' | mv-apply x = dynamic([1]) on (take 1)'.repeat(4);
    expect(refused(`print a = 1${applies}`)).toBe('DisallowedMaxNumberOfMvExpand');
    // Plain Kusto (the interpreter's own dialect) has none of these limits.
    expect(executeKql(`print a = 1${applies}`, {}, { dialect: 'kusto' })).toHaveLength(1);
  });
});
