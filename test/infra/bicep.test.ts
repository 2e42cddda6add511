/** The structural Bicep reader (test/infra/bicep.ts) on small snippets. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allExpressions, at, BicepSyntaxError, decorator, evaluate, fileScope, moduleArguments, parseBicep, parseExpression, tokenize, Unresolved,
  type Expr,
} from './bicep';

const ev = (text: string): unknown => evaluate(parseExpression(text));

describe('tokenize', () => {
  it('decodes escapes and keeps interpolations apart', () => {
    const [t] = tokenize("'it\\'s ${name}/x\\${y}\\n\\u{41}'");
    expect(t?.kind).toBe('string');
    expect(t?.segments).toEqual(["it's ", '/x${y}\nA']);
    expect(t?.interpolations?.map((i) => i.text)).toEqual(['name']);
  });

  it('reads nested interpolations with strings and braces inside', () => {
    const [t] = tokenize("'a${concat('}', { b: '${c}' }.b)}z'");
    expect(t?.segments).toEqual(['a', 'z']);
    expect(t?.interpolations?.[0]?.text).toBe("concat('}', { b: '${c}' }.b)");
  });

  it("reads ''' strings verbatim, without the first line break, escapes or interpolation", () => {
    const [t] = tokenize("'''\nline 1 ${x}\n  it's \\n\n'''");
    expect(t?.multiline).toBe(true);
    expect(t?.segments).toEqual(["line 1 ${x}\n  it's \\n\n"]);
  });

  it('drops comments but keeps the line break a block comment spans', () => {
    const kinds = tokenize("a // x 'y'\n/* one\ntwo */ b /* c */ d").map((t) => `${t.kind}:${t.text}`);
    expect(kinds).toEqual(['identifier:a', 'newline:\n', 'newline:/* one\ntwo */', 'identifier:b', 'identifier:d', 'eof:']);
  });

  it('prefers the longest operator', () => {
    expect(tokenize('a.?b != c ?? d =~ e => f :: g ...h').filter((t) => t.kind === 'punct').map((t) => t.text)).toEqual(['.?', '!=', '??', '=~', '=>', '::', '...']);
  });

  it('names the line and column of what it cannot read', () => {
    expect(() => tokenize("a\n  'open")).toThrow(BicepSyntaxError);
    expect(() => tokenize("a\n  'open")).toThrow(/unterminated string \(line 2, column 3\)/);
    expect(() => tokenize("'\\q'")).toThrow(/unknown escape/);
    expect(() => tokenize('a ^ b')).toThrow(/unexpected character '\^'/);
  });
});

describe('parseBicep', () => {
  const file = parseBicep(`
targetScope = 'subscription'

@description('The location.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@secure()
param token string = ''

@allowed([
  'report'
  'remediate'
])
param mode string = 'report'

param list string[] = [ 'a', 'b' ]
param maybe int?

var tags = {
  'azd-env-name': env   // a comment
  nested: { a: 1, b: [ true, null ] }
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-\${location}'
  location: location
}

resource existingSa 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: 'st'

  resource blob 'blobServices' existing = {
    name: 'default'
  }
}

@batchSize(1)
resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [for (q, i) in ['a', 'b']: if (i > 0) {
  parent: existingSa::blob
  name: q
}]

module app 'modules/app.bicep' = if (mode == 'remediate') {
  name: 'app'
  scope: rg
  params: {
    settings: [for s in items(tags): { name: s.key, value: s.value }]
    pick: (x, y) => x ?? y
  }
}

type settings = {
  @description('x')
  a: string
}

output id string = rg.id
`);

  it('reads the target scope', () => {
    expect(file.targetScope).toBe('subscription');
  });

  it('reads params with types, defaults and decorators', () => {
    expect(file.params.map((p) => [p.name, p.type])).toEqual([['location', 'string'], ['token', 'string'], ['mode', 'string'], ['list', 'string[]'], ['maybe', 'int?']]);
    const location = file.params[0];
    expect(location && decorator(location, 'description')?.args.map((a) => evaluate(a))).toEqual(['The location.']);
    expect(location && evaluate(decorator(location, 'metadata')?.args[0] as Expr)).toEqual({ azd: { type: 'location' } });
    expect(file.params[1] && decorator(file.params[1], 'secure')).toBeDefined();
    expect(file.params[2] && evaluate(decorator(file.params[2], 'allowed')?.args[0] as Expr)).toEqual(['report', 'remediate']);
    expect(file.params[3]?.defaultValue && evaluate(file.params[3].defaultValue)).toEqual(['a', 'b']);
    expect(file.params[4]?.defaultValue).toBeUndefined();
  });

  it('reads vars with quoted keys, comments and single-line objects', () => {
    const tags = file.vars[0];
    expect(tags?.name).toBe('tags');
    expect(tags && evaluate(tags.value)).toEqual({ 'azd-env-name': new Unresolved('env'), nested: { a: 1, b: [true, null] } });
  });

  it('reads resources: type, api-version, existing, nested children with relative types, loops and conditions', () => {
    expect(file.resources.map((r) => [r.symbol, r.type, r.apiVersion, r.existing, r.parentSymbol ?? ''])).toEqual([
      ['rg', 'Microsoft.Resources/resourceGroups', '2025-04-01', false, ''],
      ['existingSa', 'Microsoft.Storage/storageAccounts', '2025-06-01', true, ''],
      ['blob', 'Microsoft.Storage/storageAccounts/blobServices', '2025-06-01', true, 'existingSa'],
      ['queues', 'Microsoft.Storage/storageAccounts/queueServices/queues', '2025-06-01', false, ''],
    ]);
    const queues = file.resources[3];
    expect(queues?.loop?.itemName).toBe('q');
    expect(queues?.loop?.indexName).toBe('i');
    expect(queues?.loop && evaluate(queues.loop.source)).toEqual(['a', 'b']);
    expect(queues?.condition?.raw).toBe('i > 0');
    expect(queues && decorator(queues, 'batchSize')).toBeDefined();
    expect(at(queues?.body, 'parent')?.kind).toBe('resourceAccess');
  });

  it('reads modules with their condition and arguments', () => {
    const app = file.modules[0];
    expect(app?.path).toBe('modules/app.bicep');
    expect(app?.condition?.raw).toBe("mode == 'remediate'");
    expect(at(app?.body, 'params.settings')?.kind).toBe('for');
    expect(at(app?.body, 'params.pick')?.kind).toBe('lambda');
  });

  it('keeps other statements and reads outputs', () => {
    expect(file.others.map((o) => o.keyword)).toEqual(['type']);
    expect(file.outputs.map((o) => [o.name, o.type, o.value.raw])).toEqual([['id', 'string', 'rg.id']]);
  });

  it('lists every expression, nested resources included', () => {
    const raws = allExpressions(file).map((e) => e.raw);
    expect(raws).toContain("'default'");
    expect(raws).toContain('existingSa::blob');
    expect(raws).toContain("'rg-${location}'");
  });

  it('throws on what it does not understand, with the line', () => {
    expect(() => parseBicep("param a string\nfoo b = 1")).toThrow(/unknown declaration 'foo' \(line 2/);
    expect(() => parseBicep("resource x 'Microsoft.Web/sites' = {}")).toThrow(/has no @apiVersion/);
    expect(() => parseBicep('var x = {\n  a: 1 b: 2\n}')).toThrow(/expected a new line, ',' or '}'/);
    expect(() => parseBicep('var x = [\n  1\n')).toThrow(/unclosed \[/);
    expect(() => parseBicep("param a string = 'x' 'y'")).toThrow(/expected the end of the line/);
  });
});

describe('evaluate', () => {
  it('computes literals, templates, ternaries and operators', () => {
    expect(ev("'a${1}b${true}c${'d'}'")).toBe('a1btruecd');
    expect(ev("true ? 'x' : 'y'")).toBe('x');
    expect(ev("!false && (1 == 1) || x")).toBe(true);
    expect(ev("'A' =~ 'a'")).toBe(true);
    expect(ev('-3 + 5')).toBe(2);
    expect(ev("null ?? 'fallback'")).toBe('fallback');
  });

  it('computes the functions the templates use', () => {
    expect(ev("concat([1], [2, 3])")).toEqual([1, 2, 3]);
    expect(ev("concat('a', 'b')")).toBe('ab');
    expect(ev("union({ a: 1 }, { b: 2 })")).toEqual({ a: 1, b: 2 });
    expect(ev('string(42)')).toBe('42');
    expect(ev("toLower('AbC')")).toBe('abc');
    expect(ev("empty('')")).toBe(true);
    expect(ev('length([1, 2])')).toBe(2);
    expect(ev("[for x in ['a', 'b']: toUpper(x)]")).toEqual(['A', 'B']);
    expect(ev("[for (x, i) in ['a', 'b', 'c']: if (i != 1) '${i}${x}']")).toEqual(['0a', '2c']);
    expect(ev("{ a: { b: [10, 20] } }.a.b[1]")).toBe(20);
  });

  it('leaves what it cannot know unresolved, with the source (resolved parts substituted)', () => {
    expect(ev('string(true)')).toEqual(new Unresolved('string(true)'));
    expect(ev('identity.outputs.clientId')).toEqual(new Unresolved('identity.outputs.clientId'));
    expect(ev("'${appId}/functions/${'vmWritten'}'")).toEqual(new Unresolved("'${appId}/functions/vmWritten'"));
    expect(ev("cond ? 'a' : 'b'")).toEqual(new Unresolved("cond ? 'a' : 'b'"));
    expect(ev('storage.listKeys().keys[0].value')).toEqual(new Unresolved('storage.listKeys().keys[0].value'));
  });

  it('resolves variables, parameter defaults and module arguments through scopes', () => {
    const caller = parseBicep("param mode string = 'report'\nvar settings = [\n  { name: 'MODE', value: mode }\n  { name: 'ID', value: id.outputs.clientId }\n]\nmodule app 'app.bicep' = {\n  name: 'app'\n  params: {\n    settings: settings\n  }\n}");
    const callee = parseBicep("param settings array\nvar platform = [\n  { name: 'P', value: 'x' }\n]\nresource site 'Microsoft.Web/sites@2025-03-01' = {\n  name: 's'\n  properties: {\n    appSettings: concat(platform, settings)\n  }\n}");
    const callerScope = fileScope(caller);
    const scope = fileScope(callee, { params: moduleArguments(caller.modules[0] as NonNullable<(typeof caller.modules)[0]>, callerScope) });
    const value = evaluate(at(callee.resources[0]?.body, 'properties.appSettings') as Expr, scope);
    expect(value).toEqual([{ name: 'P', value: 'x' }, { name: 'MODE', value: 'report' }, { name: 'ID', value: new Unresolved('id.outputs.clientId') }]);
    expect(evaluate(parseExpression('settings'), fileScope(callee))).toEqual(new Unresolved('settings'));
  });

  it('loads text and JSON relative to the scope directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bicep-'));
    writeFileSync(join(dir, 'role.json'), JSON.stringify({ actions: ['a/read'] }));
    writeFileSync(join(dir, 'text.txt'), 'hello');
    const scope = { lookup: () => undefined, baseDir: dir };
    expect(evaluate(parseExpression("loadJsonContent('role.json').actions"), scope)).toEqual(['a/read']);
    expect(evaluate(parseExpression("loadTextContent('text.txt')"), scope)).toBe('hello');
    expect(evaluate(parseExpression("loadTextContent('text.txt')"))).toBeInstanceOf(Unresolved);
  });
});
