import { describe, expect, it } from 'vitest';
import { executeKql, KqlError, kqlDiagnostics, type KqlErrorDetail, type Row } from '../../packages/emulator/src/kql';

const INVALID =
  'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.';

const VM: Row = {
  id: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm-web-01',
  name: 'vm-web-01',
  type: 'microsoft.compute/virtualmachines',
  location: 'westeurope',
  properties: { osType: 'Linux', timeCreated: '2024-01-01T00:00:00Z' },
};
const TABLES = { Resources: [VM], RecoveryServicesResources: [] };

function failure(query: string): KqlError {
  try {
    executeKql(query, TABLES);
  } catch (e) {
    if (e instanceof KqlError) return e;
    throw e;
  }
  throw new Error(`expected ${query} to fail`);
}

function parserFailure(query: string): KqlErrorDetail {
  const e = failure(query);
  expect(e.code).toBe('InvalidQuery');
  expect(e.details).toHaveLength(2);
  expect(e.details[0]).toEqual({ code: 'InvalidQuery', message: INVALID });
  return e.details[1] as KqlErrorDetail;
}

describe('syntax errors (InvalidQuery + ParserFailure, as Resource Graph answers)', () => {
  it('reports a missing expression at the end of the query', () => {
    expect(parserFailure('Resources | where')).toEqual({
      code: 'ParserFailure',
      message: 'Missing expression',
      line: 1,
      characterPositionInLine: 17,
      token: '<EOF>',
    });
  });

  it('reports the 1-based line and 0-based position of the offending token', () => {
    expect(parserFailure("Resources\n| where name == 'a' and\n| project id")).toEqual({
      code: 'ParserFailure',
      message: 'Missing expression',
      line: 3,
      characterPositionInLine: 0,
      token: '|',
    });
    expect(parserFailure('Resources\r\n| where\r\n| take 1')).toEqual({
      code: 'ParserFailure',
      message: 'Missing expression',
      line: 3,
      characterPositionInLine: 0,
      token: '|',
    });
  });

  it('names a misspelled operator', () => {
    expect(parserFailure('Resources | whre x == 1')).toEqual({
      code: 'ParserFailure',
      message: 'Query operator expected.',
      line: 1,
      characterPositionInLine: 12,
      token: 'whre',
    });
  });

  it('KqlError is an Error with code and details', () => {
    const e = failure('Resources | where');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('KqlError');
    expect(e.message).toContain('Missing expression');
  });
});

describe('kqlDiagnostics', () => {
  it('is empty for a valid query', () => {
    expect(kqlDiagnostics("Resources | where type =~ 'microsoft.compute/virtualmachines' | project id, name")).toEqual(
      [],
    );
  });

  it('lists every parser diagnostic with line, position and token', () => {
    expect(kqlDiagnostics('Resources | project id,, name')).toEqual([
      { code: 'ParserFailure', message: 'Missing expression', line: 1, characterPositionInLine: 23, token: ',' },
      {
        code: 'ParserFailure',
        message: 'The incomplete fragment is unexpected.',
        line: 1,
        characterPositionInLine: 23,
        token: ',',
      },
    ]);
  });

  it('does not check names (that needs tables)', () => {
    expect(kqlDiagnostics('NoSuchTable | where nope == 1')).toEqual([]);
  });
});

describe('unsupported KQL (InvalidQueryLanguage naming the token)', () => {
  it.each([
    ['Resources | evaluate bag_unpack(properties)', 'evaluate'],
    ['Resources | sample 3', 'sample'],
    ['Resources | serialize', 'serialize'],
    ['Resources | getschema', 'getschema'],
    ['Resources | make-series count() on todatetime(name) step 1d', 'make-series'],
    ['Resources | render table', 'render'],
  ])('%s', (query, token) => {
    const e = failure(query);
    expect(e.code).toBe('InvalidQueryLanguage');
    expect(e.details).toEqual([
      {
        code: 'UnsupportedOperator',
        message: `operator '${token}' is not supported by the emulator`,
        token,
        line: 1,
        characterPositionInLine: 12,
      },
    ]);
  });

  it('names an unsupported function and where it is', () => {
    const e = failure('Resources | extend t = parse_xml(properties.timeCreated)');
    expect(e.code).toBe('InvalidQueryLanguage');
    expect(e.details).toEqual([
      {
        code: 'UnsupportedFunction',
        message: "function 'parse_xml' is not supported by the emulator",
        token: 'parse_xml',
        line: 1,
        characterPositionInLine: 23,
      },
    ]);
    expect(failure('Resources\n| extend d = geo_distance_2points(1, 2, 3, 4)').details[0]).toMatchObject({
      code: 'UnsupportedFunction',
      token: 'geo_distance_2points',
      line: 2,
      characterPositionInLine: 13,
    });
  });

  it('names an unsupported operator that starts a query', () => {
    expect(failure("search 'vm-web'").details).toEqual([
      {
        code: 'UnsupportedOperator',
        message: "operator 'search' is not supported by the emulator",
        token: 'search',
        line: 1,
        characterPositionInLine: 0,
      },
    ]);
  });

  it('names unsupported syntax', () => {
    expect(failure('Resources | summarize take_any(name, id)').details[0]).toMatchObject({
      code: 'UnsupportedSyntax',
      token: 'take_any() with several arguments',
    });
    expect(failure('Resources | summarize (a, b) = arg_max(name, id)').details[0]).toMatchObject({
      code: 'UnsupportedSyntax',
      token: '(a, b) = ...',
    });
  });
});

describe('semantic errors (InvalidQuery)', () => {
  function semantic(query: string): KqlErrorDetail {
    const e = failure(query);
    expect(e.code).toBe('InvalidQuery');
    expect(e.details[0]).toEqual({ code: 'InvalidQuery', message: INVALID });
    return e.details[1] as KqlErrorDetail;
  }

  it('unknown table, also inside a join', () => {
    expect(semantic('Foo | take 1')).toEqual({
      code: 'UnknownTable',
      message: "The name 'Foo' does not refer to any known table, tabular variable or function.",
      line: 1,
      characterPositionInLine: 0,
      token: 'Foo',
    });
    expect(semantic('Resources | join (Nope | project id) on id')).toMatchObject({
      code: 'UnknownTable',
      token: 'Nope',
      characterPositionInLine: 18,
    });
  });

  it('unknown column', () => {
    expect(semantic('Resources | where nope == 1')).toEqual({
      code: 'SemanticError',
      message: "The name 'nope' does not refer to any known column, table, variable or function.",
      line: 1,
      characterPositionInLine: 18,
      token: 'nope',
    });
  });

  it('positions stay right for a query without a table (implicit Resources)', () => {
    expect(semantic('where nope == 1')).toMatchObject({ characterPositionInLine: 6, token: 'nope' });
  });

  it('unknown function', () => {
    expect(semantic('Resources | where foo(name)')).toEqual({
      code: 'SemanticError',
      message: "The name 'foo' does not refer to any known function.",
      line: 1,
      characterPositionInLine: 18,
      token: 'foo',
    });
  });

  it('type errors Resource Graph rejects: a dynamic group key, = instead of ==, dynamic compared with datetime', () => {
    expect(semantic('Resources | summarize count() by properties.osType')).toMatchObject({
      message: "The value of type 'dynamic' is not allowed in this context.",
      token: 'properties.osType',
      characterPositionInLine: 33,
    });
    expect(semantic("Resources | where name = 'x'")).toMatchObject({
      message: 'The expression must have the type bool.',
      characterPositionInLine: 18,
    });
    expect(semantic('Resources\n| where properties.timeCreated > ago(1d)')).toMatchObject({
      message: "The operator '>' is not defined for the operand types dynamic and datetime.",
      line: 2,
      characterPositionInLine: 31,
      token: '>',
    });
  });

  it('duplicate column names and unknown join kinds', () => {
    expect(semantic('Resources | project a = 1, a = 2')).toMatchObject({
      message: "A column with the name 'a' is already declared.",
    });
    expect(semantic('Resources | join kind=outer (Resources) on id').message).toContain(
      'Expected one of: inner, fullouter, innerunique',
    );
    expect(semantic('Resources | join (Resources) on $left.id != $right.id')).toMatchObject({
      message:
        'The join condition must be either the name of a column common to both tables or in the form $left.<column> == $right.<column>.',
      characterPositionInLine: 32,
    });
  });
});
