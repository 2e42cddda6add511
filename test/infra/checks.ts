/**
 * The checks the infra tests share: role coverage, the api-version floor, the secret scan and the documented
 * built-in role ids, plus file helpers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './tools';

export { ROOT };
/** infra/. */
export const INFRA = join(ROOT, 'infra');

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return listFiles(p, suffix);
      return p.endsWith(suffix) ? [p] : [];
    })
    .sort();
}

/** Every file under `dir` (absolute paths) ending with `suffix`. */
export function filesUnder(dir: string, suffix = ''): string[] {
  return listFiles(dir, suffix);
}

/** Repository-relative path with forward slashes. */
export function rel(abs: string): string {
  return relative(ROOT, abs).split('\\').join('/');
}

/** The text of a repository file. */
export function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}


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

/** The Application Insights connection string (identifies the resource; not a secret) is the one allowed, in Bicep and compiled. */
const ALLOWED_CONNECTION_STRING =
  /APPLICATIONINSIGHTS_CONNECTION_STRING|appInsights\.properties\.ConnectionString|reference\(resourceId\('Microsoft\.Insights\/components', parameters\('\w+'\)\), '[\d-]+'\)\.ConnectionString/g;

/** Secret-looking text in a file: one message per hit, with the line. */
export function secretFindings(text: string, name: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, what } of SECRET_PATTERNS) if (pattern.test(line)) out.push(`${name}:${i + 1}: ${what}`);
    if (/connection_?string/i.test(line.replace(ALLOWED_CONNECTION_STRING, ''))) out.push(`${name}:${i + 1}: a connection string`);
  });
  return out;
}

