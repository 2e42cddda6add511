/**
 * A small structural reader of Bicep, enough for the infra tests to check the templates without a Bicep
 * compiler: it tokenises (strings with `${}` interpolation and escapes, `'''` multi-line strings, `//` and
 * `/* *\/` comments, brackets), parses the declarations (`targetScope`, `param`, `var`, `output`,
 * `resource`, `module`, with decorators, `existing`, `if (...)` conditions and `[for ...]` loops) and the
 * expressions in them, and evaluates literals and the few functions the templates compute with.
 * Whatever it cannot evaluate comes back as {@link Unresolved} carrying the expression's source text.
 *
 * It follows the Bicep grammar (https://learn.microsoft.com/azure/azure-resource-manager/bicep/file) but
 * is not a validator: no types, no scopes, no symbol checks. It throws {@link BicepSyntaxError} (with the
 * line) on anything it does not understand, so a template the reader cannot follow fails the tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A syntax error, with the 1-based line and column. */
export class BicepSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`${message} (line ${line}, column ${column})`);
    this.name = 'BicepSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Tokens

/** One token. Strings carry their decoded literal segments and the source of each `${...}`. */
export interface Token {
  kind: 'identifier' | 'number' | 'string' | 'punct' | 'newline' | 'eof';
  /** The source text of the token. */
  text: string;
  start: number;
  end: number;
  line: number;
  column: number;
  /** Strings: the decoded text between interpolations (one more than `interpolations`). */
  segments?: string[];
  /** Strings: each `${...}`'s inner source and its offset in the file. */
  interpolations?: { text: string; start: number }[];
  /** `'''` strings (no escapes, no interpolation). */
  multiline?: boolean;
}

const PUNCTUATION = ['...', '=>', '==', '!=', '=~', '!~', '<=', '>=', '&&', '||', '??', '.?', '::', '{', '}', '[', ']', '(', ')', ',', ':', '.', '?', '!', '=', '<', '>', '@', '+', '-', '*', '/', '%', '|'];
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", n: '\n', r: '\r', t: '\t', $: '$' };

let lineStartsOf: { text: string; starts: number[] } | undefined;

function lineColumn(text: string, offset: number): { line: number; column: number } {
  if (lineStartsOf?.text !== text) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
    lineStartsOf = { text, starts };
  }
  const { starts } = lineStartsOf;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

function fail(text: string, offset: number, message: string): never {
  const { line, column } = lineColumn(text, offset);
  throw new BicepSyntaxError(message, line, column);
}

/**
 * Tokenises `text` from `from`. With `untilCloseBrace`, stops at the first `}` that closes nothing opened
 * here (the end of an interpolation) and returns the tokens before it plus its offset.
 */
function scan(text: string, from: number, untilCloseBrace: boolean): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = from;
  let depth = 0;
  const push = (kind: Token['kind'], start: number, end: number, extra: Partial<Token> = {}): void => {
    const { line, column } = lineColumn(text, start);
    tokens.push({ kind, text: text.slice(start, end), start, end, line, column, ...extra });
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      push('newline', i, i + 1);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) fail(text, i, 'unterminated block comment');
      if (text.slice(i, close).includes('\n')) push('newline', i, close + 2);
      i = close + 2;
      continue;
    }
    if (text.startsWith("'''", i)) {
      const close = text.indexOf("'''", i + 3);
      if (close < 0) fail(text, i, 'unterminated multi-line string');
      let content = text.slice(i + 3, close);
      if (content.startsWith('\r\n')) content = content.slice(2);
      else if (content.startsWith('\n')) content = content.slice(1);
      push('string', i, close + 3, { segments: [content], interpolations: [], multiline: true });
      i = close + 3;
      continue;
    }
    if (c === "'") {
      const start = i;
      const segments: string[] = [];
      const interpolations: { text: string; start: number }[] = [];
      let current = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') fail(text, start, 'unterminated string');
        const ch = text[i] as string;
        if (ch === "'") {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = text[i + 1];
          if (next === 'u' && text[i + 2] === '{') {
            const close = text.indexOf('}', i + 3);
            const hex = close > 0 ? text.slice(i + 3, close) : '';
            if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) fail(text, i, 'bad \\u{} escape');
            current += String.fromCodePoint(parseInt(hex, 16));
            i = close + 1;
            continue;
          }
          const decoded = next === undefined ? undefined : ESCAPES[next];
          if (decoded === undefined) fail(text, i, `unknown escape \\${next ?? ''}`);
          current += decoded;
          i += 2;
          continue;
        }
        if (ch === '$' && text[i + 1] === '{') {
          const inner = scan(text, i + 2, true);
          segments.push(current);
          current = '';
          interpolations.push({ text: text.slice(i + 2, inner.end), start: i + 2 });
          i = inner.end + 1;
          continue;
        }
        current += ch;
        i++;
      }
      segments.push(current);
      push('string', start, i, { segments, interpolations });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
      push('identifier', start, i);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const start = i;
      while (i < text.length && /[0-9]/.test(text[i] as string)) i++;
      push('number', start, i);
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (!punct) fail(text, i, `unexpected character '${c}'`);
    if (punct === '{') depth++;
    if (punct === '}') {
      if (depth === 0 && untilCloseBrace) return { tokens, end: i };
      depth--;
    }
    push('punct', i, i + punct.length);
    i += punct.length;
  }
  if (untilCloseBrace) fail(text, from, 'unterminated ${} interpolation');
  push('eof', text.length, text.length);
  return { tokens, end: text.length };
}

/** Tokenises a Bicep source; the last token is `eof`. */
export function tokenize(text: string): Token[] {
  return scan(text, 0, false).tokens;
}

// ---------------------------------------------------------------------------------------------------
// Expressions and declarations

/** An expression, with its source text. */
export type Expr =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'template'; segments: string[]; expressions: Expr[]; raw: string }
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'boolean'; value: boolean; raw: string }
  | { kind: 'null'; raw: string }
  | { kind: 'identifier'; name: string; raw: string }
  | { kind: 'member'; object: Expr; property: string; safe: boolean; raw: string }
  | { kind: 'index'; object: Expr; index: Expr; safe: boolean; raw: string }
  | { kind: 'resourceAccess'; object: Expr; name: string; raw: string }
  | { kind: 'call'; name: string; namespace?: string; target?: Expr; args: Expr[]; raw: string }
  | { kind: 'unary'; operator: '!' | '-'; operand: Expr; raw: string }
  | { kind: 'nonNull'; operand: Expr; raw: string }
  | { kind: 'binary'; operator: string; left: Expr; right: Expr; raw: string }
  | { kind: 'ternary'; condition: Expr; whenTrue: Expr; whenFalse: Expr; raw: string }
  | { kind: 'lambda'; parameters: string[]; body: Expr; raw: string }
  | ObjectExpr
  | { kind: 'array'; items: Expr[]; raw: string }
  | ForExpr;

/** An object literal. */
export interface ObjectExpr {
  kind: 'object';
  properties: ObjectProperty[];
  /** Resources declared inside this object (nested child resources). */
  resources: ResourceDecl[];
  raw: string;
}

/** `[for item in source: body]` or `[for (item, index) in source: if (condition) body]`. */
export interface ForExpr {
  kind: 'for';
  itemName: string;
  indexName?: string;
  source: Expr;
  condition?: Expr;
  body: Expr;
  raw: string;
}

/** One property of an object literal; `key` is the source text of an interpolated key. */
export interface ObjectProperty {
  key: string;
  keyExpr?: Expr;
  value: Expr;
  spread?: boolean;
  decorators: Decorator[];
}

/** `@name(args)`. */
export interface Decorator {
  name: string;
  args: Expr[];
  raw: string;
}

/** `param name type [= default]`. */
export interface ParamDecl {
  name: string;
  type: string;
  defaultValue?: Expr;
  decorators: Decorator[];
  line: number;
}

/** `var name = value`. */
export interface VarDecl {
  name: string;
  value: Expr;
  decorators: Decorator[];
  line: number;
}

/** `output name type = value`. */
export interface OutputDecl {
  name: string;
  type: string;
  value: Expr;
  decorators: Decorator[];
  line: number;
}

/** The `[for ...]` of a looped resource or module; `body` holds the declaration body. */
export interface LoopInfo {
  itemName: string;
  indexName?: string;
  source: Expr;
}

/** `resource symbol 'type@apiVersion' [existing] = [if (...)] {...}` or a `[for ...]` of it. */
export interface ResourceDecl {
  symbol: string;
  /** The full type, also for a nested resource declared with a relative type (`'config'`). */
  type: string;
  apiVersion: string;
  existing: boolean;
  condition?: Expr;
  loop?: LoopInfo;
  body: ObjectExpr;
  decorators: Decorator[];
  /** The symbol of the enclosing resource when declared nested. */
  parentSymbol?: string;
  line: number;
}

/** `module symbol 'path' = [if (...)] {...}` or a `[for ...]` of it. */
export interface ModuleDecl {
  symbol: string;
  path: string;
  condition?: Expr;
  loop?: LoopInfo;
  body: ObjectExpr;
  decorators: Decorator[];
  line: number;
}

/** The declarations of one file. `resources` includes nested ones. */
export interface BicepFile {
  targetScope?: string;
  params: ParamDecl[];
  vars: VarDecl[];
  outputs: OutputDecl[];
  resources: ResourceDecl[];
  modules: ModuleDecl[];
  /** Other top-level statements (`type`, `func`, `import`, `metadata`, ...) by keyword, source kept. */
  others: { keyword: string; raw: string; line: number }[];
}

const BINARY_LEVELS: string[][] = [['??'], ['||'], ['&&'], ['==', '!=', '=~', '!~'], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private pos = 0;
  private readonly resources: ResourceDecl[] = [];

  constructor(private readonly text: string, private readonly tokens: Token[]) {}

  // --- token helpers ---
  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private is(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return (t.kind === 'punct' || t.kind === 'identifier') && t.text === text;
  }

  private expect(text: string): Token {
    const t = this.peek();
    if (!this.is(text)) this.error(t, `expected '${text}' but found ${describe(t)}`);
    return this.next();
  }

  private expectKind(kind: Token['kind'], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.error(t, `expected ${what} but found ${describe(t)}`);
    return this.next();
  }

  private error(t: Token, message: string): never {
    throw new BicepSyntaxError(message, t.line, t.column);
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }

  private raw(from: Token, to: Token): string {
    return this.text.slice(from.start, to.end);
  }

  private prev(): Token {
    return this.tokens[Math.max(0, this.pos - 1)] as Token;
  }

  private endOfStatement(): void {
    const t = this.peek();
    if (t.kind !== 'newline' && t.kind !== 'eof') this.error(t, `expected the end of the line but found ${describe(t)}`);
  }

  // --- declarations ---
  parseFile(): BicepFile {
    const file: BicepFile = { params: [], vars: [], outputs: [], resources: this.resources, modules: [], others: [] };
    this.skipNewlines();
    while (this.peek().kind !== 'eof') {
      const decorators = this.decorators();
      const t = this.peek();
      if (t.kind !== 'identifier') this.error(t, `expected a declaration but found ${describe(t)}`);
      switch (t.text) {
        case 'targetScope': {
          this.next();
          this.expect('=');
          const scope = this.expression();
          if (scope.kind !== 'string') this.error(t, 'targetScope must be a string literal');
          file.targetScope = scope.value;
          break;
        }
        case 'param': {
          this.next();
          const name = this.expectKind('identifier', 'a parameter name').text;
          const type = this.typeText();
          const param: ParamDecl = { name, type, decorators, line: t.line };
          if (this.is('=')) {
            this.next();
            param.defaultValue = this.expression();
          }
          file.params.push(param);
          break;
        }
        case 'var': {
          this.next();
          const name = this.expectKind('identifier', 'a variable name').text;
          this.expect('=');
          file.vars.push({ name, value: this.expression(), decorators, line: t.line });
          break;
        }
        case 'output': {
          this.next();
          const name = this.expectKind('identifier', 'an output name').text;
          const type = this.typeText();
          this.expect('=');
          file.outputs.push({ name, type, value: this.expression(), decorators, line: t.line });
          break;
        }
        case 'resource':
          this.resource(decorators, undefined);
          break;
        case 'module':
          file.modules.push(this.module(decorators));
          break;
        case 'type':
        case 'func':
        case 'import':
        case 'metadata':
        case 'extension':
        case 'using':
        case 'assert': {
          const first = this.next();
          let last = first;
          let depth = 0;
          while (this.peek().kind !== 'eof' && !(depth === 0 && this.peek().kind === 'newline')) {
            const tok = this.next();
            if (tok.kind === 'punct' && ['{', '[', '('].includes(tok.text)) depth++;
            if (tok.kind === 'punct' && ['}', ']', ')'].includes(tok.text)) depth--;
            last = tok;
          }
          file.others.push({ keyword: first.text, raw: this.raw(first, last), line: first.line });
          break;
        }
        default:
          this.error(t, `unknown declaration '${t.text}'`);
      }
      this.endOfStatement();
      this.skipNewlines();
    }
    return file;
  }

  /** Decorators, each on its own line (their arguments may span lines). */
  private decorators(): Decorator[] {
    const out: Decorator[] = [];
    while (this.is('@')) {
      const at = this.next();
      let name = this.expectKind('identifier', 'a decorator name').text;
      if (this.is('.')) {
        this.next();
        name = this.expectKind('identifier', 'a decorator name').text;
      }
      const args = this.is('(') ? this.argumentList() : [];
      out.push({ name, args, raw: this.raw(at, this.prev()) });
      this.endOfStatement();
      this.skipNewlines();
    }
    return out;
  }

  /** A type clause: everything up to `=` or the end of the line, brackets balanced. */
  private typeText(): string {
    const first = this.peek();
    let last: Token | undefined;
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (depth === 0 && (t.kind === 'newline' || this.is('='))) break;
      if (t.kind === 'punct' && ['{', '[', '('].includes(t.text)) depth++;
      if (t.kind === 'punct' && ['}', ']', ')'].includes(t.text)) depth--;
      if (t.kind === 'newline' && depth > 0) {
        this.next();
        continue;
      }
      last = this.next();
    }
    if (!last) this.error(first, 'expected a type');
    return this.raw(first, last);
  }

  private typeAndVersion(t: Token, parent: ResourceDecl | undefined): { type: string; apiVersion: string } {
    const value = this.literalString(t, 'a resource type string');
    const at = value.lastIndexOf('@');
    if (at < 0) {
      if (!parent) this.error(t, `resource type '${value}' has no @apiVersion`);
      return { type: `${parent.type}/${value}`, apiVersion: parent.apiVersion };
    }
    const type = value.slice(0, at);
    return { type: parent && !type.includes('/') ? `${parent.type}/${type}` : type, apiVersion: value.slice(at + 1) };
  }

  private literalString(t: Token, what: string): string {
    if (t.kind !== 'string' || (t.interpolations?.length ?? 0) > 0) this.error(t, `expected ${what}`);
    return (t.segments ?? []).join('');
  }

  private resource(decorators: Decorator[], parent: ResourceDecl | undefined): ResourceDecl {
    const keyword = this.expect('resource');
    const symbol = this.expectKind('identifier', 'a resource symbol').text;
    const typeToken = this.expectKind('string', 'a resource type string');
    const { type, apiVersion } = this.typeAndVersion(typeToken, parent);
    let existing = false;
    if (this.is('existing')) {
      this.next();
      existing = true;
    }
    this.expect('=');
    const decl: ResourceDecl = { symbol, type, apiVersion, existing, decorators, line: keyword.line, body: emptyObject() };
    if (parent) decl.parentSymbol = parent.symbol;
    this.resources.push(decl);
    const shape = this.declarationBody(decl);
    decl.body = shape.body;
    if (shape.condition) decl.condition = shape.condition;
    if (shape.loop) decl.loop = shape.loop;
    return decl;
  }

  private module(decorators: Decorator[]): ModuleDecl {
    const keyword = this.expect('module');
    const symbol = this.expectKind('identifier', 'a module symbol').text;
    const path = this.literalString(this.expectKind('string', 'a module path'), 'a module path');
    this.expect('=');
    const shape = this.declarationBody(undefined);
    const decl: ModuleDecl = { symbol, path, decorators, line: keyword.line, body: shape.body };
    if (shape.condition) decl.condition = shape.condition;
    if (shape.loop) decl.loop = shape.loop;
    return decl;
  }

  /** `{...}`, `if (cond) {...}` or `[for x in y: [if (cond)] {...}]`. */
  private declarationBody(owner: ResourceDecl | undefined): { body: ObjectExpr; condition?: Expr; loop?: LoopInfo } {
    if (this.is('[')) {
      const open = this.next();
      this.skipNewlines();
      if (!this.is('for')) this.error(this.peek(), "expected 'for' in a looped declaration");
      const loop = this.forHead();
      this.skipNewlines();
      let condition: Expr | undefined;
      if (this.is('if')) condition = this.ifHead();
      const body = this.object(owner);
      this.skipNewlines();
      if (!this.is(']')) this.error(open, 'unclosed [for ...] declaration');
      this.next();
      return condition ? { body, condition, loop } : { body, loop };
    }
    if (this.is('if')) {
      const condition = this.ifHead();
      return { body: this.object(owner), condition };
    }
    return { body: this.object(owner) };
  }

  private ifHead(): Expr {
    this.expect('if');
    this.expect('(');
    this.skipNewlines();
    const condition = this.expression();
    this.skipNewlines();
    this.expect(')');
    return condition;
  }

  /** After `[`: `for item in source:` or `for (item, index) in source:`. */
  private forHead(): LoopInfo {
    this.expect('for');
    let itemName: string;
    let indexName: string | undefined;
    if (this.is('(')) {
      this.next();
      itemName = this.expectKind('identifier', 'a loop variable').text;
      this.expect(',');
      indexName = this.expectKind('identifier', 'a loop index').text;
      this.expect(')');
    } else {
      itemName = this.expectKind('identifier', 'a loop variable').text;
    }
    this.expect('in');
    const source = this.expression();
    this.expect(':');
    return indexName ? { itemName, indexName, source } : { itemName, source };
  }

  // --- expressions ---
  expression(): Expr {
    const first = this.peek();
    const condition = this.binary(0);
    if (!this.is('?')) return condition;
    this.next();
    this.skipNewlines();
    const whenTrue = this.expression();
    this.skipNewlines();
    this.expect(':');
    this.skipNewlines();
    const whenFalse = this.expression();
    return { kind: 'ternary', condition, whenTrue, whenFalse, raw: this.raw(first, this.prev()) };
  }

  private binary(level: number): Expr {
    const operators = BINARY_LEVELS[level];
    if (!operators) return this.unary();
    const first = this.peek();
    let left = this.binary(level + 1);
    while (this.peek().kind === 'punct' && operators.includes(this.peek().text)) {
      const operator = this.next().text;
      this.skipNewlines();
      const right = this.binary(level + 1);
      left = { kind: 'binary', operator, left, right, raw: this.raw(first, this.prev()) };
    }
    return left;
  }

  private unary(): Expr {
    const first = this.peek();
    if (this.is('!') || this.is('-')) {
      const operator = this.next().text as '!' | '-';
      const operand = this.unary();
      return { kind: 'unary', operator, operand, raw: this.raw(first, this.prev()) };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    const first = this.peek();
    let expr = this.primary();
    for (;;) {
      if (this.is('.') || this.is('.?')) {
        const safe = this.next().text === '.?';
        const name = this.expectKind('identifier', 'a property name').text;
        if (this.is('(')) {
          const args = this.argumentList();
          const call: Expr = { kind: 'call', name, target: expr, args, raw: this.raw(first, this.prev()) };
          if (expr.kind === 'identifier') call.namespace = expr.name;
          expr = call;
        } else {
          expr = { kind: 'member', object: expr, property: name, safe, raw: this.raw(first, this.prev()) };
        }
        continue;
      }
      if (this.is('::')) {
        this.next();
        const name = this.expectKind('identifier', 'a nested resource name').text;
        expr = { kind: 'resourceAccess', object: expr, name, raw: this.raw(first, this.prev()) };
        continue;
      }
      if (this.is('[')) {
        this.next();
        let safe = false;
        if (this.is('?')) {
          this.next();
          safe = true;
        }
        const index = this.expression();
        this.expect(']');
        expr = { kind: 'index', object: expr, index, safe, raw: this.raw(first, this.prev()) };
        continue;
      }
      if (this.is('!') && !this.is('=', 1)) {
        this.next();
        expr = { kind: 'nonNull', operand: expr, raw: this.raw(first, this.prev()) };
        continue;
      }
      return expr;
    }
  }

  private argumentList(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    this.skipNewlines();
    while (!this.is(')')) {
      args.push(this.expression());
      this.skipNewlines();
      if (this.is(',')) {
        this.next();
        this.skipNewlines();
      } else if (!this.is(')')) {
        this.error(this.peek(), `expected ',' or ')' but found ${describe(this.peek())}`);
      }
    }
    this.next();
    return args;
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.next();
        return this.stringExpr(t);
      case 'number':
        this.next();
        return { kind: 'number', value: Number(t.text), raw: t.text };
      case 'identifier': {
        if (this.is('=>', 1)) {
          this.next();
          this.next();
          const body = this.expression();
          return { kind: 'lambda', parameters: [t.text], body, raw: this.raw(t, this.prev()) };
        }
        this.next();
        if (t.text === 'true' || t.text === 'false') return { kind: 'boolean', value: t.text === 'true', raw: t.text };
        if (t.text === 'null') return { kind: 'null', raw: t.text };
        if (this.is('(')) {
          const args = this.argumentList();
          return { kind: 'call', name: t.text, args, raw: this.raw(t, this.prev()) };
        }
        return { kind: 'identifier', name: t.text, raw: t.text };
      }
      case 'punct':
        if (t.text === '(') return this.parenthesised();
        if (t.text === '{') return this.object(undefined);
        if (t.text === '[') return this.array();
        break;
      default:
        break;
    }
    this.error(t, `expected an expression but found ${describe(t)}`);
  }

  private parenthesised(): Expr {
    const open = this.next();
    // A lambda: `() => body` or `(a, b) => body`.
    const names: string[] = [];
    let lambdaEnd = -1;
    if (this.is(')') && this.is('=>', 1)) lambdaEnd = 1;
    for (let k = 0; lambdaEnd < 0 && this.peek(k).kind === 'identifier'; k += 2) {
      names.push(this.peek(k).text);
      if (this.is(')', k + 1) && this.is('=>', k + 2)) lambdaEnd = k + 2;
      else if (!this.is(',', k + 1)) break;
    }
    if (lambdaEnd >= 0) {
      this.pos += lambdaEnd;
      this.expect('=>');
      const body = this.expression();
      return { kind: 'lambda', parameters: names, body, raw: this.raw(open, this.prev()) };
    }
    this.skipNewlines();
    const inner = this.expression();
    this.skipNewlines();
    this.expect(')');
    return { ...inner, raw: this.raw(open, this.prev()) };
  }

  private stringExpr(t: Token): Expr {
    const segments = t.segments ?? [''];
    const interpolations = t.interpolations ?? [];
    if (interpolations.length === 0) return { kind: 'string', value: segments.join(''), raw: t.text };
    const expressions = interpolations.map((interp) => {
      const tokens = scan(this.text, interp.start, true).tokens;
      const last = tokens[tokens.length - 1];
      tokens.push({ kind: 'eof', text: '', start: interp.start + interp.text.length, end: interp.start + interp.text.length, line: last?.line ?? t.line, column: 0 });
      const inner = new Parser(this.text, tokens.filter((x) => x.kind !== 'newline'));
      const expr = inner.expression();
      if (inner.peek().kind !== 'eof') inner.error(inner.peek(), 'unexpected text in ${} interpolation');
      return expr;
    });
    return { kind: 'template', segments, expressions, raw: t.text };
  }

  private object(owner: ResourceDecl | undefined): ObjectExpr {
    const open = this.expect('{');
    const obj: ObjectExpr = { kind: 'object', properties: [], resources: [], raw: '' };
    this.separators();
    while (!this.is('}')) {
      if (this.peek().kind === 'eof') this.error(open, 'unclosed {');
      const decorators = this.is('@') ? this.decorators() : [];
      const t = this.peek();
      if (this.is('...')) {
        this.next();
        obj.properties.push({ key: '...', value: this.expression(), spread: true, decorators });
      } else if (t.kind === 'identifier' && t.text === 'resource' && this.peek(1).kind === 'identifier' && this.peek(2).kind === 'string') {
        obj.resources.push(this.resource(decorators, owner));
      } else if (t.kind === 'identifier' || t.kind === 'string') {
        this.next();
        const property: ObjectProperty = { key: t.text, value: { kind: 'null', raw: '' }, decorators };
        if (t.kind === 'string') {
          const keyExpr = this.stringExpr(t);
          if (keyExpr.kind === 'string') property.key = keyExpr.value;
          else property.keyExpr = keyExpr;
        }
        this.expect(':');
        this.skipNewlines();
        property.value = this.expression();
        obj.properties.push(property);
      } else {
        this.error(t, `expected a property but found ${describe(t)}`);
      }
      if (!this.is('}') && this.peek().kind !== 'newline' && !this.is(',')) this.error(this.peek(), `expected a new line, ',' or '}' but found ${describe(this.peek())}`);
      this.separators();
    }
    this.next();
    obj.raw = this.raw(open, this.prev());
    return obj;
  }

  private separators(): void {
    while (this.peek().kind === 'newline' || this.is(',')) this.next();
  }

  private array(): Expr {
    const open = this.expect('[');
    this.skipNewlines();
    if (this.is('for')) {
      const loop = this.forHead();
      this.skipNewlines();
      let condition: Expr | undefined;
      if (this.is('if')) condition = this.ifHead();
      this.skipNewlines();
      const body = this.expression();
      this.skipNewlines();
      this.expect(']');
      const expr: ForExpr = { kind: 'for', ...loop, body, raw: this.raw(open, this.prev()) };
      if (condition) expr.condition = condition;
      return expr;
    }
    const items: Expr[] = [];
    this.separators();
    while (!this.is(']')) {
      if (this.peek().kind === 'eof') this.error(open, 'unclosed [');
      items.push(this.expression());
      if (!this.is(']') && this.peek().kind !== 'newline' && !this.is(',')) this.error(this.peek(), `expected a new line, ',' or ']' but found ${describe(this.peek())}`);
      this.separators();
    }
    this.next();
    return { kind: 'array', items, raw: this.raw(open, this.prev()) };
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the file';
  if (t.kind === 'newline') return 'a new line';
  return `'${t.text}'`;
}

function emptyObject(): ObjectExpr {
  return { kind: 'object', properties: [], resources: [], raw: '{}' };
}

/** Parses a Bicep file's declarations; throws {@link BicepSyntaxError}. */
export function parseBicep(text: string): BicepFile {
  return new Parser(text, tokenize(text)).parseFile();
}

/** Parses one expression (the whole text). */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text).filter((t) => t.kind !== 'newline');
  const parser = new Parser(text, tokens);
  const expr = parser.expression();
  return expr;
}

// ---------------------------------------------------------------------------------------------------
// Navigation

/** The property `key` of an object expression (the last one wins, as in Bicep's duplicate check). */
export function prop(expr: Expr | undefined, key: string): Expr | undefined {
  if (!expr || expr.kind !== 'object') return undefined;
  const matches = expr.properties.filter((p) => !p.spread && p.key === key);
  return matches[matches.length - 1]?.value;
}

/** Follows a dotted path of properties (numeric segments index arrays): `properties.siteConfig.appSettings`. */
export function at(expr: Expr | undefined, path: string): Expr | undefined {
  let current = expr;
  for (const segment of path.split('.')) {
    if (!current) return undefined;
    if (/^\d+$/.test(segment) && current.kind === 'array') current = current.items[Number(segment)];
    else current = prop(current, segment);
  }
  return current;
}

/** The decorator `name` (e.g. `secure`, `allowed`, `description`), if present. */
export function decorator(decl: { decorators: Decorator[] }, name: string): Decorator | undefined {
  return decl.decorators.find((d) => d.name === name);
}

/** Every expression node under `expr`, itself included (depth first). */
export function walk(expr: Expr): Expr[] {
  const out: Expr[] = [];
  const visit = (e: Expr): void => {
    out.push(e);
    switch (e.kind) {
      case 'template':
        e.expressions.forEach(visit);
        break;
      case 'member':
      case 'resourceAccess':
        visit(e.object);
        break;
      case 'index':
        visit(e.object);
        visit(e.index);
        break;
      case 'call':
        if (e.target) visit(e.target);
        e.args.forEach(visit);
        break;
      case 'unary':
      case 'nonNull':
        visit(e.operand);
        break;
      case 'binary':
        visit(e.left);
        visit(e.right);
        break;
      case 'ternary':
        visit(e.condition);
        visit(e.whenTrue);
        visit(e.whenFalse);
        break;
      case 'lambda':
        visit(e.body);
        break;
      case 'object':
        for (const p of e.properties) {
          if (p.keyExpr) visit(p.keyExpr);
          visit(p.value);
        }
        for (const r of e.resources) visit(r.body);
        break;
      case 'array':
        e.items.forEach(visit);
        break;
      case 'for':
        visit(e.source);
        if (e.condition) visit(e.condition);
        visit(e.body);
        break;
      default:
        break;
    }
  };
  visit(expr);
  return out;
}

/** Every expression of a file: parameter defaults, variables, outputs, and resource and module bodies (conditions and loop sources included). */
export function allExpressions(file: BicepFile): Expr[] {
  const roots: Expr[] = [];
  for (const p of file.params) if (p.defaultValue) roots.push(p.defaultValue);
  for (const d of [...file.params, ...file.vars, ...file.outputs, ...file.resources, ...file.modules]) for (const dec of d.decorators) roots.push(...dec.args);
  for (const v of file.vars) roots.push(v.value);
  for (const o of file.outputs) roots.push(o.value);
  for (const r of [...file.resources.filter((x) => !x.parentSymbol), ...file.modules]) {
    roots.push(r.body);
    if (r.condition) roots.push(r.condition);
    if (r.loop) roots.push(r.loop.source);
  }
  return roots.flatMap(walk);
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

/** A value the evaluator could not compute, with the expression's source (resolved parts substituted in templates). */
export class Unresolved {
  constructor(readonly text: string) {}
  toString(): string {
    return `<unresolved ${this.text}>`;
  }
}

/** What an expression evaluates to. */
export type BicepValue = string | number | boolean | null | Unresolved | BicepValue[] | { [key: string]: BicepValue };

/** What a name is bound to: a value, or an expression to evaluate in another scope. */
export type Binding = { value: BicepValue } | { expr: Expr; scope: Scope };

/** Names visible to an expression, and the directory `load*Content` paths are relative to. */
export interface Scope {
  lookup(name: string): Binding | undefined;
  baseDir?: string;
}

/** An empty scope (every identifier is unresolved). */
export const EMPTY_SCOPE: Scope = { lookup: () => undefined };

/** Options of {@link fileScope}. */
export interface FileScopeOptions {
  /** The file's directory, for `loadTextContent`/`loadJsonContent`. */
  baseDir?: string;
  /** Parameter values (a module's arguments); other parameters take their defaults, if any. */
  params?: Record<string, Binding>;
}

/** The scope of a file: its variables, its parameters (given, else defaulted), nothing else. */
export function fileScope(file: BicepFile, options: FileScopeOptions = {}): Scope {
  const scope: Scope = {
    lookup(name) {
      const given = options.params?.[name];
      if (given) return given;
      const v = file.vars.find((x) => x.name === name);
      if (v) return { expr: v.value, scope };
      const p = file.params.find((x) => x.name === name);
      if (p?.defaultValue) return { expr: p.defaultValue, scope };
      return undefined;
    },
  };
  if (options.baseDir) scope.baseDir = options.baseDir;
  return scope;
}

/** A module's arguments (`params: {...}` of its body) as bindings evaluated in the caller's scope. */
export function moduleArguments(module: ModuleDecl, callerScope: Scope): Record<string, Binding> {
  const args = prop(module.body, 'params');
  const out: Record<string, Binding> = {};
  if (args?.kind !== 'object') return out;
  for (const p of args.properties) if (!p.spread) out[p.key] = { expr: p.value, scope: callerScope };
  return out;
}

function withBinding(scope: Scope, name: string, value: BicepValue): Scope {
  const child: Scope = { lookup: (n) => (n === name ? { value } : scope.lookup(n)) };
  if (scope.baseDir) child.baseDir = scope.baseDir;
  return child;
}

function isPlainObject(v: BicepValue): v is { [key: string]: BicepValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unresolved);
}

/** True when the value (deeply) holds no {@link Unresolved}. */
export function isResolved(v: BicepValue): boolean {
  if (v instanceof Unresolved) return false;
  if (Array.isArray(v)) return v.every(isResolved);
  if (isPlainObject(v)) return Object.values(v).every(isResolved);
  return true;
}

function fromJson(v: unknown): BicepValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x)]));
  return new Unresolved(String(v));
}

/**
 * Evaluates an expression: literals, objects, arrays, `[for]` over a known array, templates, ternaries
 * and boolean/equality operators over known values, names through `scope`, member and index access,
 * and the functions `concat`, `union`, `string` (of strings and numbers only: ARM writes `True` for a
 * boolean), `toLower`, `toUpper`, `empty`, `length`, `loadTextContent` and `loadJsonContent`. Anything
 * else is {@link Unresolved}.
 */
export function evaluate(expr: Expr, scope: Scope = EMPTY_SCOPE, depth = 0): BicepValue {
  if (depth > 200) return new Unresolved(expr.raw);
  const ev = (e: Expr, s: Scope = scope): BicepValue => evaluate(e, s, depth + 1);
  switch (expr.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return expr.value;
    case 'null':
      return null;
    case 'template': {
      let out = expr.segments[0] ?? '';
      let resolved = true;
      expr.expressions.forEach((e, i) => {
        const v = ev(e);
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out += String(v);
        else {
          resolved = false;
          out += '${' + e.raw + '}';
        }
        out += expr.segments[i + 1] ?? '';
      });
      return resolved ? out : new Unresolved(`'${out}'`);
    }
    case 'identifier': {
      const binding = scope.lookup(expr.name);
      if (!binding) return new Unresolved(expr.raw);
      return 'value' in binding ? binding.value : evaluate(binding.expr, binding.scope, depth + 1);
    }
    case 'member': {
      const object = ev(expr.object);
      if (isPlainObject(object) && expr.property in object) return object[expr.property] as BicepValue;
      if (isPlainObject(object) && expr.safe) return null;
      return new Unresolved(expr.raw);
    }
    case 'index': {
      const object = ev(expr.object);
      const index = ev(expr.index);
      if (Array.isArray(object) && typeof index === 'number' && index >= 0 && index < object.length) return object[index] as BicepValue;
      if (isPlainObject(object) && typeof index === 'string' && index in object) return object[index] as BicepValue;
      return new Unresolved(expr.raw);
    }
    case 'object': {
      const out: { [key: string]: BicepValue } = {};
      for (const p of expr.properties) {
        if (p.spread) {
          const v = ev(p.value);
          if (!isPlainObject(v)) return new Unresolved(expr.raw);
          Object.assign(out, v);
          continue;
        }
        let key = p.key;
        if (p.keyExpr) {
          const k = ev(p.keyExpr);
          key = typeof k === 'string' ? k : p.key;
        }
        out[key] = ev(p.value);
      }
      return out;
    }
    case 'array':
      return expr.items.map((e) => ev(e));
    case 'for': {
      const source = ev(expr.source);
      if (!Array.isArray(source)) return new Unresolved(expr.raw);
      const out: BicepValue[] = [];
      source.forEach((item, i) => {
        let s = withBinding(scope, expr.itemName, item);
        if (expr.indexName) s = withBinding(s, expr.indexName, i);
        if (expr.condition) {
          const keep = ev(expr.condition, s);
          if (keep === false) return;
          if (keep !== true) {
            out.push(new Unresolved(expr.raw));
            return;
          }
        }
        out.push(ev(expr.body, s));
      });
      return out;
    }
    case 'ternary': {
      const condition = ev(expr.condition);
      if (condition === true) return ev(expr.whenTrue);
      if (condition === false) return ev(expr.whenFalse);
      return new Unresolved(expr.raw);
    }
    case 'unary': {
      const v = ev(expr.operand);
      if (expr.operator === '!' && typeof v === 'boolean') return !v;
      if (expr.operator === '-' && typeof v === 'number') return -v;
      return new Unresolved(expr.raw);
    }
    case 'binary': {
      const left = ev(expr.left);
      const right = ev(expr.right);
      const primitive = (v: BicepValue): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);
      if (expr.operator === '&&' && (left === false || right === false)) return false;
      if (expr.operator === '||' && (left === true || right === true)) return true;
      if (!primitive(left) || !primitive(right)) return new Unresolved(expr.raw);
      switch (expr.operator) {
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case '=~':
          return typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : left === right;
        case '!~':
          return typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() !== right.toLowerCase() : left !== right;
        case '&&':
          return left === true && right === true;
        case '||':
          return left === true || right === true;
        case '??':
          return left ?? right;
        default:
          if (typeof left === 'number' && typeof right === 'number') {
            if (expr.operator === '+') return left + right;
            if (expr.operator === '-') return left - right;
            if (expr.operator === '*') return left * right;
            if (expr.operator === '<') return left < right;
            if (expr.operator === '>') return left > right;
            if (expr.operator === '<=') return left <= right;
            if (expr.operator === '>=') return left >= right;
          }
          return new Unresolved(expr.raw);
      }
    }
    case 'call':
      return callFunction(expr, scope, depth);
    default:
      return new Unresolved(expr.raw);
  }
}

function callFunction(expr: Extract<Expr, { kind: 'call' }>, scope: Scope, depth: number): BicepValue {
  if (expr.target && expr.namespace !== 'sys') return new Unresolved(expr.raw);
  const args = expr.args.map((a) => evaluate(a, scope, depth + 1));
  const unresolved = new Unresolved(expr.raw);
  const first: BicepValue = args[0] ?? null;
  switch (expr.name) {
    case 'concat':
      if (args.every(Array.isArray)) return (args as BicepValue[][]).flat(1);
      if (args.every((a) => typeof a === 'string' || typeof a === 'number')) return args.join('');
      return unresolved;
    case 'union':
      if (args.every(isPlainObject)) return Object.assign({}, ...args) as { [key: string]: BicepValue };
      return unresolved;
    case 'string':
      return typeof first === 'string' || typeof first === 'number' ? String(first) : unresolved;
    case 'toLower':
      return typeof first === 'string' ? first.toLowerCase() : unresolved;
    case 'toUpper':
      return typeof first === 'string' ? first.toUpperCase() : unresolved;
    case 'empty':
      if (typeof first === 'string' || Array.isArray(first)) return first.length === 0;
      if (isPlainObject(first)) return Object.keys(first).length === 0;
      return first === null ? true : unresolved;
    case 'length':
      if (typeof first === 'string' || Array.isArray(first)) return first.length;
      return isPlainObject(first) ? Object.keys(first).length : unresolved;
    case 'loadTextContent':
    case 'loadJsonContent': {
      if (typeof first !== 'string' || !scope.baseDir) return unresolved;
      const text = readFileSync(resolve(scope.baseDir, first), 'utf8');
      return expr.name === 'loadTextContent' ? text : fromJson(JSON.parse(text));
    }
    default:
      return unresolved;
  }
}

/** Reads and parses a `.bicep` file. */
export function readBicep(path: string): BicepFile {
  return parseBicep(readFileSync(path, 'utf8'));
}

/** The directory of a path (for {@link fileScope}'s `baseDir`). */
export function dirOf(path: string): string {
  return dirname(path);
}
