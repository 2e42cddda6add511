import { describe, expect, it } from 'vitest';
import { executeKql, type Row } from '../../packages/emulator/src/kql';

const SUB = '00000000-0000-0000-0000-000000000001';
const ID = `/subscriptions/${SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm-web-01`;

const ROW: Row = {
  id: ID,
  name: 'vm-web-01',
  type: 'microsoft.compute/virtualmachines',
  location: 'westeurope',
  resourceGroup: 'rg-app',
  subscriptionId: SUB,
  tags: { env: 'prod', owner: 'team-web' },
  properties: {
    osType: 'Linux',
    cores: 4,
    ratio: 0.5,
    enabled: true,
    disks: ['d0', 'd1'],
    nested: { a: 1, b: [true, null] },
    json: '{"k":"v","n":[1,2]}',
  },
};

/** The value of one scalar expression evaluated over ROW. */
function value(expr: string, row: Row = ROW): unknown {
  const [r] = executeKql(`T | project v = ${expr}`, { T: [row] });
  return r?.['v'];
}

describe('comparison operators', () => {
  it('== and != are case-sensitive, =~ and !~ are not', () => {
    expect(value("name == 'vm-web-01'")).toBe(true);
    expect(value("name == 'VM-WEB-01'")).toBe(false);
    expect(value("name != 'VM-WEB-01'")).toBe(true);
    expect(value("name =~ 'VM-WEB-01'")).toBe(true);
    expect(value("name !~ 'VM-WEB-01'")).toBe(false);
    expect(value("properties.osType == 'Linux'")).toBe(true);
    expect(value("properties.osType =~ 'linux'")).toBe(true);
  });

  it('null compares false with ==, true with !=, and null with null', () => {
    expect(value("properties.absent == 'x'")).toBe(false);
    expect(value("properties.absent != 'x'")).toBe(true);
    expect(value('isnull(properties.absent == properties.alsoAbsent)')).toBe(true);
    expect(value('isnull(properties.absent > 1)')).toBe(true);
  });

  it('<, <=, >, >= on numbers', () => {
    expect(value('properties.cores > 2')).toBe(true);
    expect(value('properties.cores >= 4')).toBe(true);
    expect(value('properties.cores < 4')).toBe(false);
    expect(value('properties.ratio <= 0.5')).toBe(true);
  });

  it('bool compares with a number the way the official backup sample relies on', () => {
    expect(value('isempty(name) == 0')).toBe(true);
    expect(value('isnotempty(name) == (1)')).toBe(true);
  });

  it('and / or are three-valued', () => {
    expect(value('tobool(properties.absent) or true')).toBe(true);
    expect(value('isnull(tobool(properties.absent) and true)')).toBe(true);
    expect(value('tobool(properties.absent) and false')).toBe(false);
    expect(value('not(properties.cores > 2)')).toBe(false);
  });

  it('between and !between', () => {
    expect(value('properties.cores between (2 .. 4)')).toBe(true);
    expect(value('properties.cores !between (2 .. 4)')).toBe(false);
    expect(value('properties.cores between (5 .. 8)')).toBe(false);
  });
});

describe('arithmetic', () => {
  it('+ - * / % with integer division for integers', () => {
    expect(value('properties.cores * 2 + 1')).toBe(9);
    expect(value('properties.cores - 10')).toBe(-6);
    expect(value('7 / 2')).toBe(3);
    expect(value('7.5 / 2')).toBe(3.75);
    expect(value('7 % 3')).toBe(1);
    expect(value('-properties.cores')).toBe(-4);
    expect(value('isnull(properties.absent + 1)')).toBe(true);
  });
});

describe('in operators', () => {
  it('in / !in are case-sensitive, in~ / !in~ are not', () => {
    expect(value("location in ('westeurope', 'northeurope')")).toBe(true);
    expect(value("location in ('WestEurope')")).toBe(false);
    expect(value("location in~ ('WestEurope')")).toBe(true);
    expect(value("location !in ('westeurope')")).toBe(false);
    expect(value("location !in ('WestEurope')")).toBe(true);
    expect(value("location !in~ ('WESTEUROPE')")).toBe(false);
  });

  it('works on numbers, dynamic values and dynamic arrays in the list', () => {
    expect(value('properties.cores in (4, 8)')).toBe(true);
    expect(value("properties.osType in ('Linux')")).toBe(true);
    expect(value("'d1' in (dynamic(['d0', 'd1']))")).toBe(true);
    expect(value("'d2' in (properties.disks)")).toBe(false);
  });
});

describe('string operators', () => {
  it('has matches whole terms, case-insensitively', () => {
    expect(value("name has 'web'")).toBe(true);
    expect(value("name has 'WEB'")).toBe(true);
    expect(value("name has 'we'")).toBe(false);
    expect(value("name !has 'web'")).toBe(false);
    expect(value("name has_cs 'WEB'")).toBe(false);
    expect(value("id has 'Microsoft.Compute'")).toBe(true);
    expect(value("id has 'icrosoft.Compute'")).toBe(false);
    expect(value("name hasprefix 'we'")).toBe(true);
    expect(value("name hassuffix 'eb'")).toBe(true);
  });

  it('contains, startswith, endswith and their negations and _cs forms', () => {
    expect(value("name contains 'EB-0'")).toBe(true);
    expect(value("name !contains 'xyz'")).toBe(true);
    expect(value("name contains_cs 'EB'")).toBe(false);
    expect(value("name startswith 'VM-'")).toBe(true);
    expect(value("name !startswith 'vm'")).toBe(false);
    expect(value("name startswith_cs 'VM'")).toBe(false);
    expect(value("name endswith '-01'")).toBe(true);
    expect(value("name !endswith '-01'")).toBe(false);
    expect(value("name endswith_cs '-01'")).toBe(true);
  });

  it('matches regex, has_any, has_all', () => {
    expect(value("name matches regex @'^vm-[a-z]+-\\d+$'")).toBe(true);
    expect(value("name matches regex '^web'")).toBe(false);
    expect(value("name has_any ('db', 'web')")).toBe(true);
    expect(value("name has_all ('vm', 'db')")).toBe(false);
    expect(value("name has_all ('vm', 'web')")).toBe(true);
  });
});

describe('conversion functions', () => {
  it('tostring: null → "", objects and arrays → compact JSON', () => {
    expect(value('tostring(properties.absent)')).toBe('');
    expect(value('tostring(properties.nested)')).toBe('{"a":1,"b":[true,null]}');
    expect(value('tostring(properties.disks)')).toBe('["d0","d1"]');
    expect(value('tostring(properties.cores)')).toBe('4');
    expect(value('tostring(properties.enabled)')).toBe('true');
    expect(value('tostring(name)')).toBe('vm-web-01');
  });

  it('toint, tolong, todouble, toreal, tobool', () => {
    expect(value("toint('12')")).toBe(12);
    expect(value("toint('1.5')")).toBeNull();
    expect(value('toint(properties.cores)')).toBe(4);
    expect(value("tolong('-7')")).toBe(-7);
    expect(value("todouble('2.5')")).toBe(2.5);
    expect(value('toreal(properties.ratio)')).toBe(0.5);
    expect(value("tobool('true')")).toBe(true);
    expect(value("tobool('False')")).toBe(false);
    expect(value("tobool('maybe')")).toBeNull();
    expect(value('tobool(properties.enabled)')).toBe(true);
  });

  it('tolower / toupper work on strings and dynamic strings', () => {
    expect(value('tolower(properties.osType)')).toBe('linux');
    expect(value('toupper(name)')).toBe('VM-WEB-01');
    expect(value('tolower(properties.absent)')).toBe('');
  });

  it('parse_json / todynamic parse JSON text; anything else stays as it is', () => {
    expect(value('parse_json(\'{"a":[1,2]}\').a[1]')).toBe(2);
    expect(value('todynamic(properties.json).k')).toBe('v');
    expect(value('array_length(parse_json(properties.json).n)')).toBe(2);
    expect(value("parse_json('not json')")).toBe('not json');
  });
});

describe('string functions', () => {
  it('split, with index, and element access on the result', () => {
    expect(value("split('a/b/c', '/')")).toEqual(['a', 'b', 'c']);
    expect(value("split('a/b/c', '/', 1)")).toEqual(['b']);
    expect(value("split(id, '/')[2]")).toBe(SUB);
    expect(value("split(id, '/')[-1]")).toBe('vm-web-01');
    expect(value("split(split(id, '/resourceGroups/')[1], '/')[0]")).toBe('RG-App');
  });

  it('strcat, strcat_delim, strlen, substring, indexof', () => {
    expect(value("strcat(name, '@', location)")).toBe('vm-web-01@westeurope');
    expect(value("strcat('n=', properties.cores)")).toBe('n=4');
    expect(value("strcat_delim('/', 'a', 'b', 'c')")).toBe('a/b/c');
    expect(value('strlen(name)')).toBe(9);
    expect(value('substring(name, 3, 3)')).toBe('web');
    expect(value('substring(name, 7)')).toBe('01');
    expect(value("indexof(name, 'web')")).toBe(3);
    expect(value("indexof(name, 'xyz')")).toBe(-1);
  });

  it('extract, replace_string, replace_regex, trim', () => {
    expect(value("extract('vm-([a-z]+)-(\\\\d+)', 2, name)")).toBe('01');
    expect(value("extract('vm-([a-z]+)', 1, name)")).toBe('web');
    expect(value("extract('vm-([a-z]+)', 0, name)")).toBe('vm-web');
    expect(value("extract('^db-(.*)', 1, name)")).toBe('');
    expect(value("replace_string(name, '-', '_')")).toBe('vm_web_01');
    expect(value("replace_regex(name, @'(\\w+)-(\\w+)-(\\d+)', @'\\3.\\2')")).toBe('01.web');
    expect(value("trim(' ', '  x  ')")).toBe('x');
    expect(value("trim_start('v', 'vvx')")).toBe('x');
    expect(value("trim_end(@'\\d', 'abc123')")).toBe('abc');
  });
});

describe('logical and null functions', () => {
  it('iff / iif / case', () => {
    expect(value("iff(properties.cores > 2, 'big', 'small')")).toBe('big');
    expect(value("iif(properties.cores > 8, 'big', 'small')")).toBe('small');
    expect(value("iff(tobool(properties.absent), 'yes', 'no')")).toBe('no');
    expect(value("case(properties.cores > 8, 'xl', properties.cores > 2, 'l', 's')")).toBe('l');
    expect(value("case(properties.cores > 8, 'xl', 's')")).toBe('s');
  });

  it('isempty / isnotempty / isnull / isnotnull', () => {
    expect(value("isempty('')")).toBe(true);
    expect(value('isempty(properties.absent)')).toBe(true);
    expect(value('isempty(name)')).toBe(false);
    expect(value('isnotempty(properties.osType)')).toBe(true);
    expect(value('isnull(properties.absent)')).toBe(true);
    expect(value("isnull('')")).toBe(false);
    expect(value('isnotnull(properties.cores)')).toBe(true);
  });

  it('coalesce returns the first non-null, non-empty value', () => {
    expect(value("coalesce(tostring(properties.absent), 'fallback')")).toBe('fallback');
    expect(value('coalesce(properties.absent, properties.osType)')).toBe('Linux');
  });
});

describe('dynamic values', () => {
  it('property access, bracket access, array index and negative index', () => {
    expect(value("properties['osType']")).toBe('Linux');
    expect(value("tags['owner']")).toBe('team-web');
    expect(value('properties.disks[0]')).toBe('d0');
    expect(value('properties.disks[-1]')).toBe('d1');
    expect(value('properties.disks[5]')).toBeNull();
    expect(value('properties.absent.deeper')).toBeNull();
    expect(value('properties.nested.b[0]')).toBe(true);
  });

  it('array_length, bag_keys, pack, bag_pack, pack_array, array_concat, set_has_element, array_index_of, gettype', () => {
    expect(value('array_length(properties.disks)')).toBe(2);
    expect(value('array_length(properties.osType)')).toBeNull();
    expect(value('bag_keys(tags)')).toEqual(['env', 'owner']);
    expect(value("pack('a', 1, 'b', name)")).toEqual({ a: 1, b: 'vm-web-01' });
    expect(value("bag_pack('k', properties.cores)")).toEqual({ k: 4 });
    expect(value("pack_array(1, 'x')")).toEqual([1, 'x']);
    expect(value("array_concat(properties.disks, dynamic(['d2']))")).toEqual(['d0', 'd1', 'd2']);
    expect(value("set_has_element(properties.disks, 'd1')")).toBe(true);
    expect(value("array_index_of(properties.disks, 'd1')")).toBe(1);
    expect(value('gettype(properties.disks)')).toBe('array');
    expect(value('gettype(tags)')).toBe('dictionary');
  });

  it('dynamic literals', () => {
    expect(value("dynamic({'a': [1, -2, 'x'], \"b\": null})")).toEqual({ a: [1, -2, 'x'], b: null });
    expect(value('dynamic(null)')).toBeNull();
  });

  it('let scalars can be used in expressions', () => {
    const [r] = executeKql(
      "let suffix = '-01'; let n = 2; T | project v = strcat(name, suffix), w = properties.cores * n",
      { T: [ROW] },
    );
    expect(r).toEqual({ v: 'vm-web-01-01', w: 8 });
  });
});
