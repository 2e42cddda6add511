/**
 * The infra templates as the tests see them, and the checks they share: role coverage, the api-version
 * floor, the secret scan and the documented built-in role ids.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  allExpressions, at, decorator, evaluate, fileScope, isResolved, moduleArguments, readBicep, Unresolved,
  type BicepFile, type Binding, type Expr, type ModuleDecl, type ResourceDecl, type Scope,
} from './bicep';

/** The repository root. */
export const ROOT = resolve(__dirname, '../..');
/** infra/. */
export const INFRA = join(ROOT, 'infra');

/** One parsed template; `path` is relative to the repository root, with forward slashes. */
export interface Template {
  path: string;
  abs: string;
  dir: string;
  file: BicepFile;
}

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listFiles(p, suffix);
    return p.endsWith(suffix) ? [p] : [];
  }).sort();
}

/** Every file under `dir` (absolute paths) ending with `suffix`. */
export function filesUnder(dir: string, suffix = ''): string[] {
  return listFiles(dir, suffix);
}

/** Repository-relative path with forward slashes. */
export function rel(abs: string): string {
  return relative(ROOT, abs).split('\\').join('/');
}

/** Every `.bicep` file under infra/ (repository-relative). */
export function bicepPaths(): string[] {
  return listFiles(INFRA, '.bicep').map(rel);
}

const cache = new Map<string, Template>();

/** The parsed template at a repository-relative path. */
export function template(path: string): Template {
  let t = cache.get(path);
  if (!t) {
    const abs = join(ROOT, path);
    t = { path, abs, dir: dirname(abs), file: readBicep(abs) };
    cache.set(path, t);
  }
  return t;
}

/** Every template under infra/. */
export function templates(): Template[] {
  return bicepPaths().map(template);
}

/** The template a module declaration of `caller` refers to. */
export function moduleTarget(caller: Template, module: ModuleDecl): Template {
  return template(rel(resolve(caller.dir, module.path)));
}

/** The scope of a template on its own: variables, and parameters at their defaults. */
export function defaultScope(t: Template, params?: Record<string, Binding>): Scope {
  return fileScope(t.file, params ? { baseDir: t.dir, params } : { baseDir: t.dir });
}

/** The scope of a module's template as `caller` calls it (its arguments evaluated in the caller's scope). */
export function calledScope(caller: Template, symbol: string, callerScope: Scope = defaultScope(caller)): { target: Template; scope: Scope } {
  const module = caller.file.modules.find((m) => m.symbol === symbol);
  if (!module) throw new Error(`${caller.path} has no module '${symbol}'`);
  const target = moduleTarget(caller, module);
  return { target, scope: defaultScope(target, moduleArguments(module, callerScope)) };
}

/** The one resource of `type` in a template (throws when there are none or several). */
export function onlyResource(t: Template, type: string, options: { existing?: boolean } = {}): ResourceDecl {
  const found = t.file.resources.filter((r) => r.type === type && (options.existing === undefined || r.existing === options.existing));
  if (found.length !== 1) throw new Error(`${t.path}: expected one ${type}, found ${found.length}`);
  return found[0] as ResourceDecl;
}

/** The resource with symbol `symbol`. */
export function resourceNamed(t: Template, symbol: string): ResourceDecl {
  const r = t.file.resources.find((x) => x.symbol === symbol);
  if (!r) throw new Error(`${t.path} has no resource '${symbol}'`);
  return r;
}

/** Evaluates `path` in a resource's body. */
export function valueAt(r: ResourceDecl | ModuleDecl, path: string, scope: Scope): ReturnType<typeof evaluate> {
  const e = at(r.body, path);
  if (!e) throw new Error(`no '${path}'`);
  return evaluate(e, scope);
}

/** The source text at `path` in a resource's body, or undefined. */
export function rawAt(r: ResourceDecl | ModuleDecl, path: string): string | undefined {
  return at(r.body, path)?.raw;
}

// --------------------------------------------------------------------------------------------------
// RBAC

/**
 * Whether an RBAC action pattern grants an operation: case-insensitive, `*` matching any run of
 * characters as in Azure RBAC (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions).
 */
export function actionMatches(pattern: string, operation: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`, 'i').test(operation);
}

/** The operations no action grants. */
export function missingOperations(actions: readonly string[], operations: readonly string[]): string[] {
  return operations.filter((op) => !actions.some((a) => actionMatches(a, op)));
}

/** The actions that grant no needed operation (beyond least privilege). */
export function unneededActions(actions: readonly string[], operations: readonly string[]): string[] {
  return actions.filter((a) => !operations.some((op) => actionMatches(a, op)));
}

/**
 * Built-in role definition ids used here, by name, as documented in
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
};

/** The role a roleAssignment grants: a built-in role's GUID, or the source of a custom role reference. */
export function assignedRole(r: ResourceDecl, scope: Scope): { builtIn?: string; custom?: string } {
  const e = at(r.body, 'properties.roleDefinitionId');
  if (!e) throw new Error(`${r.symbol} has no roleDefinitionId`);
  if (e.kind === 'call' && ['subscriptionResourceId', 'tenantResourceId', 'managementGroupResourceId', 'resourceId'].includes(e.name)) {
    const typeArg = e.args[e.args.length - 2];
    const idArg = e.args[e.args.length - 1];
    if (typeArg && idArg && evaluate(typeArg, scope) === 'Microsoft.Authorization/roleDefinitions') {
      const id = evaluate(idArg, scope);
      if (typeof id === 'string') return { builtIn: id };
      return { custom: idArg.raw };
    }
  }
  return { custom: e.raw };
}

// --------------------------------------------------------------------------------------------------
// api-versions

/**
 * The oldest api-version accepted: the latest stable Microsoft.Authorization/roleAssignments and
 * roleDefinitions (2022-04-01); every other type here has a newer stable version.
 */
export const API_VERSION_FLOOR = '2022-04-01';

/** Types whose api-version may be older than the floor or a preview, and why. */
export const API_VERSION_EXCEPTIONS: Readonly<Record<string, { version: string; reason: string }>> = {
  'Microsoft.Insights/components': { version: '2020-02-02', reason: 'the latest stable api-version of Application Insights components; the newer ones are previews' },
};

/** Why an api-version is not acceptable for a type, or undefined. */
export function apiVersionProblem(type: string, version: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) return `${type}@${version}: not an api-version`;
  const exception = API_VERSION_EXCEPTIONS[type];
  if (exception) return exception.version === version ? undefined : `${type}@${version}: allowlisted for ${exception.version} only`;
  if (version.endsWith('-preview')) return `${type}@${version}: a preview`;
  if (version < API_VERSION_FLOOR) return `${type}@${version}: older than ${API_VERSION_FLOOR}`;
  return undefined;
}

// --------------------------------------------------------------------------------------------------
// secrets

const SECRET_PATTERNS: { pattern: RegExp; what: string }[] = [
  { pattern: /listKeys/i, what: 'listKeys' },
  { pattern: /\blist[A-Za-z]*(Keys|Secrets|Sas|Credentials?|ConnectionStrings)\s*\(/i, what: 'a list*() of secrets' },
  { pattern: /\b(primary|secondary)(Master)?Keys?\b/i, what: 'an account key' },
  { pattern: /AccountKey\s*=/i, what: 'AccountKey=' },
  { pattern: /SharedAccessSignature/i, what: 'a shared access signature' },
  { pattern: /SharedAccessKey/i, what: 'a shared access key' },
  { pattern: /DefaultEndpointsProtocol\s*=/i, what: 'a storage connection string' },
  { pattern: /InstrumentationKey\s*=/i, what: 'an instrumentation key' },
  { pattern: /\bsig=[A-Za-z0-9%]/, what: 'a SAS signature' },
];

/** The Application Insights connection string (identifies the resource; not a secret) is the one allowed. */
const ALLOWED_CONNECTION_STRING = /APPLICATIONINSIGHTS_CONNECTION_STRING|appInsights\.properties\.ConnectionString/g;

/** Secret-looking text in a file: one message per hit, with the line. */
export function secretFindings(text: string, name: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, what } of SECRET_PATTERNS) if (pattern.test(line)) out.push(`${name}:${i + 1}: ${what}`);
    if (/connection_?string/i.test(line.replace(ALLOWED_CONNECTION_STRING, ''))) out.push(`${name}:${i + 1}: a connection string`);
  });
  return out;
}

/** Parsed-template hits: calls of list*() and @secure() parameters with a non-empty literal default. */
export function secretDeclarations(file: BicepFile, name: string): string[] {
  const out: string[] = [];
  for (const e of allExpressions(file)) if (e.kind === 'call' && /^list/i.test(e.name)) out.push(`${name}: calls ${e.name}()`);
  for (const p of file.params) {
    if (!decorator(p, 'secure') || !p.defaultValue) continue;
    const v = evaluate(p.defaultValue);
    const empty = v === '' || v === null || (typeof v === 'object' && !(v instanceof Unresolved) && Object.keys(v).length === 0);
    if (isResolved(v) && !empty) out.push(`${name}: @secure() param ${p.name} has a literal default`);
  }
  return out;
}

/** The text of a repository file. */
export function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The expression at `path` of a resource (throws when missing). */
export function exprAt(r: ResourceDecl | ModuleDecl, path: string): Expr {
  const e = at(r.body, path);
  if (!e) throw new Error(`${r.symbol}: no '${path}'`);
  return e;
}

/** The value expression of variable `name` (throws when missing). */
export function varExpr(t: Template, name: string): Expr {
  const v = t.file.vars.find((x) => x.name === name);
  if (!v) throw new Error(`${t.path} has no var '${name}'`);
  return v.value;
}

/** The default value expression of parameter `name` (throws when missing or without default). */
export function paramDefault(t: Template, name: string): Expr {
  const p = t.file.params.find((x) => x.name === name);
  if (!p?.defaultValue) throw new Error(`${t.path} has no parameter '${name}' with a default`);
  return p.defaultValue;
}
