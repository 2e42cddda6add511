/** The YAML subset reader (test/infra/yaml.ts). */
import { describe, expect, it } from 'vitest';
import { parseYaml, yamlAt, YamlSyntaxError } from './yaml';

describe('parseYaml', () => {
  it('reads nested mappings, sequences of mappings and scalars, comments aside', () => {
    const doc = parseYaml([
      '# a comment',
      'name: backup-warden   # trailing comment',
      "quoted: 'it''s # not a comment'",
      'double: "a\\tb"',
      'on:',
      '  push:',
      '    branches:',
      '      - main',
      '  pull_request:',
      'jobs:',
      '  test:',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: actions/setup-node@v4',
      '        with:',
      "          node-version: '22'",
      '      - run: bash .ci/run',
      'flow: [a, b]',
      'empty: {}',
      'expr: ${{ vars.X || \'y\' }}',
      'url: https://example.com/x',
    ].join('\n'));
    expect(doc).toEqual({
      name: 'backup-warden',
      quoted: "it's # not a comment",
      double: 'a\tb',
      on: { push: { branches: ['main'] }, pull_request: null },
      jobs: { test: { steps: [{ uses: 'actions/checkout@v4' }, { uses: 'actions/setup-node@v4', with: { 'node-version': '22' } }, { run: 'bash .ci/run' }] } },
      flow: ['a', 'b'],
      empty: {},
      expr: "${{ vars.X || 'y' }}",
      url: 'https://example.com/x',
    });
    expect(yamlAt(doc, 'jobs', 'test', 'steps', 1, 'with', 'node-version')).toBe('22');
    expect(yamlAt(doc, 'jobs', 'nope', 'steps')).toBeUndefined();
  });

  it('reads | and > block scalars verbatim, # included', () => {
    const doc = parseYaml(['a:', '  run: |', '    npm ci', '    # keep', '      indented', '  b: >-', '    one', '    two', 'c: d'].join('\n'));
    expect(doc).toEqual({ a: { run: 'npm ci\n# keep\n  indented\n', b: 'one two' }, c: 'd' });
  });

  it('rejects what it does not support or cannot read', () => {
    expect(() => parseYaml('a: &anchor x')).toThrow(YamlSyntaxError);
    expect(() => parseYaml('a: 1\na: 2')).toThrow(/duplicate key 'a' \(line 2\)/);
    expect(() => parseYaml("a: 'open")).toThrow(/unterminated/);
    expect(() => parseYaml('a: 1\n    b: 2')).toThrow(/unexpected indentation/);
    expect(() => parseYaml('just text')).toThrow(/expected 'key: value'/);
  });
});
