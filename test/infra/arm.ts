/**
 * The templates as the Bicep compiler builds them: finds the Bicep CLI, compiles each template to ARM JSON
 * (`bicep build --stdout`), walks the nested deployments that modules become, and evaluates the small part of
 * the ARM template language the assertions need (parameters, variables, if, string, concat, format, ...), leaving
 * everything that depends on a deployment (reference(), resourceId(), subscription(), ...) as {@link Unresolved}.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BICEP_VERSION, findBicep, ROOT } from './tools';

export { ROOT };

/** The infra folder's templates, relative to the repository (main, modules and targets), sorted. */
export function bicepFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['infra', 'infra/modules', 'infra/targets'])
    for (const f of readdirSync(join(ROOT, dir)).sort()) if (f.endsWith('.bicep')) out.push(`${dir}/${f}`);
  return out;
}

/** An ARM template as compiled. */
export interface ArmTemplate {
  $schema: string;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}
/** A parameter declaration. */
export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minValue?: number;
  maxValue?: number;
  metadata?: { description?: string };
}
/** A resource declaration. */
export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  existing?: boolean;
  [key: string]: unknown;
}

/** What one run of `bicep build` or `bicep lint` over every template reported. */
export interface BicepRun {
  status: number | null;
  /** Every diagnostic line (errors and warnings alike). */
  lines: string[];
}

/** The compiled templates of infra/ and the diagnostics of compiling and linting them. */
export interface CompiledInfra {
  /** Where `bicep build` wrote the ARM JSON, mirroring infra/ (infra/main.bicep -> main.json). */
  dir: string;
  build: BicepRun;
  lint: BicepRun;
}

let built: CompiledInfra | undefined;

function infraHash(): string {
  const hash = createHash('sha256').update(BICEP_VERSION);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else hash.update(rel).update(readFileSync(join(ROOT, rel)));
    }
  };
  walk('infra');
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds and lints every template of infra/ with the Bicep CLI (`--pattern`, one process each), once per content of
 * infra/: the result is kept in the system temp folder, so the test files of one run share it.
 */
export function compiledInfra(): CompiledInfra {
  if (built) return built;
  const bicep = findBicep();
  if (!bicep) throw new Error('no Bicep CLI found');
  const cache = join(tmpdir(), `backup-warden-bicep-${infraHash()}`);
  const result = join(cache, 'result.json');
  if (!existsSync(result)) {
    const work = mkdtempSync(join(tmpdir(), 'backup-warden-bicep-'));
    const run = (args: string[]): BicepRun => {
      const r = spawnSync(bicep, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.error) throw r.error;
      return { status: r.status, lines: r.stderr.split('\n').filter((l) => l.trim() !== '') };
    };
    const build = run(['build', '--pattern', 'infra/**/*.bicep', '--outdir', join(work, 'json')]);
    const lint = run(['lint', '--pattern', 'infra/**/*.bicep']);
    writeFileSync(join(work, 'result.json'), JSON.stringify({ build, lint }));
    try {
      renameSync(work, cache);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another test file built it first
    }
  }
  const { build, lint } = JSON.parse(readFileSync(result, 'utf8')) as { build: BicepRun; lint: BicepRun };
  built = { dir: join(cache, 'json'), build, lint };
  return built;
}

/** The compiled ARM JSON of a template (path relative to the repository, e.g. `infra/main.bicep`). */
export function compile(path: string): ArmTemplate {
  const { dir } = compiledInfra();
  const file = join(dir, path.replace(/^infra\//, '').replace(/\.bicep$/, '.json'));
  if (!existsSync(file)) throw new Error(`${path} did not compile (see the build diagnostics)`);
  return JSON.parse(readFileSync(file, 'utf8')) as ArmTemplate;
}

/** The resources of a template as a list (symbolic-name templates hold an object). */
export function resourcesOf(t: ArmTemplate): ArmResource[] {
  return Array.isArray(t.resources) ? t.resources : Object.values(t.resources);
}

/** A value the template leaves to the deployment (a reference, a resource id, ...): its ARM expression text. */
export class Unresolved {
  constructor(readonly text: string) {}
}

/** Where an expression is evaluated: the template, its parameter values and its variables. */
export interface Scope {
  template: ArmTemplate;
  parameters: Record<string, unknown>;
}

/** The scope of an entry-point template: given parameter values, defaults for the rest. */
export function scopeOf(template: ArmTemplate, given: Record<string, unknown> = {}): Scope {
  const scope: Scope = { template, parameters: { ...given } };
  for (const [name, p] of Object.entries(template.parameters ?? {}))
    if (!(name in scope.parameters) && 'defaultValue' in p) scope.parameters[name] = evaluate(p.defaultValue, scope);
  return scope;
}

/** A module (a nested deployment) of a template: its resource, its template and its scope as the parent calls it. */
export function module(parent: Scope, name: string): { deployment: ArmResource; template: ArmTemplate; scope: Scope } {
  const deployment = resourcesOf(parent.template).find(
    (r) => r.type === 'Microsoft.Resources/deployments' && (r.name === name || evaluate(r.name, parent) === name),
  );
  if (!deployment) throw new Error(`no module ${name}`);
  const props = deployment['properties'] as {
    template: ArmTemplate;
    parameters?: Record<string, { value: unknown }>;
  };
  const given = Object.fromEntries(
    Object.entries(props.parameters ?? {}).map(([k, v]) => [k, evaluate(v.value, parent)]),
  );
  return { deployment, template: props.template, scope: scopeOf(props.template, given) };
}

/** The one resource of a type in a template (throws when there is none or more than one). */
export function only(t: ArmTemplate, type: string): ArmResource {
  const found = resourcesOf(t).filter((r) => r.type.toLowerCase() === type.toLowerCase());
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as ArmResource;
}

/** Every resource of a compiled template and its modules, with the module path it sits in. */
export function allResources(t: ArmTemplate, path = ''): { path: string; resource: ArmResource }[] {
  const out: { path: string; resource: ArmResource }[] = [];
  for (const r of resourcesOf(t)) {
    out.push({ path, resource: r });
    if (r.type === 'Microsoft.Resources/deployments') {
      const inner = (r['properties'] as { template?: ArmTemplate }).template;
      if (inner) out.push(...allResources(inner, `${path}/${r.name}`));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// A small evaluator of ARM template expressions.

type Token = { kind: 'id' | 'str' | 'num' | 'punct'; text: string; start: number; end: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      const start = i;
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else s += src[i++];
      }
      out.push({ kind: 'str', text: s, start, end: i });
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+/.exec(src.slice(i));
      if (!m) throw new Error(`unexpected '${c}' in ${src}`);
      out.push({ kind: 'num', text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ kind: 'id', text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if ('(),.[]'.includes(c)) {
      out.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    } else throw new Error(`unexpected '${c}' in ${src}`);
  }
  return out;
}

type Node = { text: string } & (
  | { kind: 'lit'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'prop'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node }
);

function parse(src: string): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (text?: string): Token => {
    const t = tokens[pos++];
    if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? 'a token'} in ${src}`);
    return t;
  };
  const primary = (): Node => {
    const t = take();
    const from = t.start;
    const span = (): string => src.slice(from, tokens[pos - 1]?.end ?? src.length);
    let node: Node;
    if (t.kind === 'str') node = { kind: 'lit', value: t.text, text: span() };
    else if (t.kind === 'num') node = { kind: 'lit', value: Number(t.text), text: span() };
    else if (t.kind === 'id') {
      take('(');
      const args: Node[] = [];
      while (peek()?.text !== ')') {
        args.push(primary());
        if (peek()?.text === ',') take(',');
      }
      take(')');
      node = { kind: 'call', name: t.text, args, text: span() };
    } else throw new Error(`unexpected '${t.text}' in ${src}`);
    for (;;) {
      if (peek()?.text === '.') {
        take('.');
        const name = take().text;
        node = { kind: 'prop', target: node, name, text: span() };
      } else if (peek()?.text === '[') {
        take('[');
        const index = primary();
        take(']');
        node = { kind: 'index', target: node, index, text: span() };
      } else return node;
    }
  };
  const node = primary();
  if (pos !== tokens.length) throw new Error(`trailing tokens in ${src}`);
  return node;
}

const isUnresolved = (v: unknown): v is Unresolved => v instanceof Unresolved;

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function call(name: string, args: unknown[], raw: string, scope: Scope): unknown {
  const lower = name.toLowerCase();
  if (lower === 'if') return isUnresolved(args[0]) ? new Unresolved(raw) : args[0] ? args[1] : args[2];
  // Objects and arrays keep their shape around a value left to the deployment.
  if (lower === 'createobject')
    return Object.fromEntries(Array.from({ length: args.length / 2 }, (_v, i) => [String(args[2 * i]), args[2 * i + 1]]));
  if (lower === 'createarray') return args;
  if (lower === 'concat' && args.length > 0 && args.every(Array.isArray)) return (args as unknown[][]).flat();
  if (args.some(isUnresolved)) return new Unresolved(raw);
  switch (lower) {
    case 'parameters': {
      const n = String(args[0]);
      if (!(n in scope.parameters)) return new Unresolved(raw);
      return scope.parameters[n];
    }
    case 'variables': {
      const vars = scope.template.variables ?? {};
      const n = String(args[0]);
      if (!(n in vars)) throw new Error(`no variable ${n}`);
      return evaluate(vars[n], scope);
    }
    case 'string':
      return typeof args[0] === 'string' ? args[0] : text(args[0]);
    case 'concat':
      return args.map(text).join('');
    case 'format':
      return String(args[0]).replace(/\{(\d+)\}/g, (_m, i: string) => text(args[Number(i) + 1]));
    case 'tolower':
      return String(args[0]).toLowerCase();
    case 'toupper':
      return String(args[0]).toUpperCase();
    case 'empty':
      return args[0] === '' || (Array.isArray(args[0]) && args[0].length === 0) || args[0] === null;
    case 'equals':
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case 'not':
      return !args[0];
    case 'and':
      return args.every(Boolean);
    case 'or':
      return args.some(Boolean);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'length':
      return Array.isArray(args[0]) ? args[0].length : String(args[0]).length;
    case 'union':
      return Object.assign({}, ...(args as object[]));
    default:
      return new Unresolved(raw);
  }
}

function run(node: Node, scope: Scope): unknown {
  switch (node.kind) {
    case 'lit':
      return node.value;
    case 'call':
      return call(
        node.name,
        node.args.map((a) => run(a, scope)),
        node.text,
        scope,
      );
    case 'prop': {
      const target = run(node.target, scope);
      if (isUnresolved(target) || target === null || typeof target !== 'object') return new Unresolved(node.text);
      return (target as Record<string, unknown>)[node.name];
    }
    case 'index': {
      const target = run(node.target, scope);
      const index = run(node.index, scope);
      if (isUnresolved(target) || isUnresolved(index) || target === null || typeof target !== 'object')
        return new Unresolved(node.text);
      return (target as Record<string, unknown>)[String(index)];
    }
  }
}

/**
 * Evaluates a template value in a scope: `"[expr]"` strings are expressions (`"[[` escapes a literal bracket),
 * objects and arrays are evaluated member by member, anything deployment-dependent stays {@link Unresolved}.
 */
export function evaluate(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    if (value.startsWith('[') && value.endsWith(']')) {
      return run(parse(value.slice(1, -1)), scope);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, scope)]));
  return value;
}
