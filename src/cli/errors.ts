/** One-line errors for people: what failed and where, with a hint when the cause is a known one. */
import { describeError } from '../composition';

/** A failure as the CLI prints it: the message (Azure's details kept) and a hint. */
export interface FailureLine {
  message: string;
  hint?: string;
}

/** The error, its causes and the errors it aggregates, outermost first. */
export function errorChain(e: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [e];
  while (queue.length && seen.length < 20) {
    const x = queue.shift();
    if (x === undefined || x === null || seen.includes(x)) continue;
    seen.push(x);
    if (typeof x === 'object') {
      const o = x as { cause?: unknown; errors?: unknown };
      if (o.cause !== undefined) queue.push(o.cause);
      if (Array.isArray(o.errors)) queue.push(...(o.errors as unknown[]));
    }
  }
  return seen;
}

const AUTH_ERRORS = new Set([
  'AggregateAuthenticationError',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
  'AuthenticationError',
]);

function field(x: unknown, name: 'name' | 'code'): string | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const v = (x as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The one-line failure for any error: sign-in problems name `az login`, a refused connection names the
 * endpoint and WARDEN_ARM_ENDPOINT; everything else keeps the Azure error code and details as sent.
 */
export function failureLine(e: unknown, where: { command: string; armEndpoint?: string }): FailureLine {
  const chain = errorChain(e);
  if (chain.some((x) => AUTH_ERRORS.has(field(x, 'name') ?? ''))) {
    return {
      message: `${where.command}: no Azure credential is available (DefaultAzureCredential tried environment, workload identity, managed identity, Azure CLI, Azure PowerShell and Azure Developer CLI)`,
      hint: 'run `az login` (and `az account set --subscription ID`), or set WARDEN_ARM_TOKEN; in Azure, give the app a managed identity',
    };
  }
  const refused = chain.find((x) =>
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(field(x, 'code') ?? ''),
  );
  if (refused) {
    const code = field(refused, 'code') ?? 'ECONNREFUSED';
    const endpoint = where.armEndpoint ?? 'the ARM endpoint';
    return {
      message: `${where.command}: cannot connect to ${endpoint} (${code})`,
      hint:
        code === 'ECONNREFUSED'
          ? 'is WARDEN_ARM_ENDPOINT right, and is the emulator (`warden emulator`) or proxy running?'
          : 'check WARDEN_ARM_ENDPOINT and the DNS or proxy settings of this machine',
    };
  }
  const self = chain.find((x) =>
    ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'].includes(
      field(x, 'code') ?? '',
    ),
  );
  if (self) {
    return {
      message: `${where.command}: the TLS certificate of ${where.armEndpoint ?? 'the ARM endpoint'} is not trusted (${field(self, 'code') ?? ''})`,
      hint: 'set WARDEN_CA_CERT_PATH to the CA certificate (the emulator prints it as caCertPath)',
    };
  }
  const message = describeError(e);
  const hint = /AuthorizationFailed|InsufficientPermissions|\b403\b/i.test(message)
    ? 'the signed-in identity lacks a role at this scope: Reader for sweep, the backup-warden custom role for --apply (README: Use it on your tenant)'
    : /ManagementGroupNotFound/i.test(message)
      ? 'check the management group id (`az account management-group list`) and that you can read it'
      : undefined;
  return { message: `${where.command}: ${message}`, ...(hint ? { hint } : {}) };
}

interface QueryErrorShape {
  name: string;
  queryName?: string;
  info?: { code?: string; message?: string };
  details: { code?: string; message?: string; line?: number; characterPositionInLine?: number; token?: string }[];
}

function isQueryError(e: unknown): e is QueryErrorShape {
  return (
    e instanceof Error && e.name === 'ResourceGraphQueryError' && Array.isArray((e as { details?: unknown }).details)
  );
}

/**
 * The line for an input error. A rejected Resource Graph query names what Azure said in its details (e.g.
 * `ManagementGroupNotFound: Management group 'x' was not found…`, the KQL parser's `ParserFailure: Query operator
 * expected.` with line, position and token), then the correlation id Azure support asks for.
 */
export function inputErrorLine(e: unknown): string {
  if (!isQueryError(e)) return (e as Error).message;
  const details = e.details.filter((d) => d.code || d.message);
  const specific = details.length > 1 ? details.filter((d) => d.code !== e.info?.code) : details;
  const said = (specific.length ? specific : details)
    .map((d) => {
      const where =
        d.line !== undefined || d.token !== undefined
          ? ` (line ${d.line ?? '?'}, position ${d.characterPositionInLine ?? '?'}, token '${d.token ?? ''}')`
          : '';
      return `${d.code ?? ''}${d.message ? `: ${d.message}` : ''}${where}`;
    })
    .join('; ');
  const correlation = /correlationId = ([\w-]+)/.exec(e.info?.message ?? '')?.[1];
  return `Resource Graph rejected query '${e.queryName ?? ''}': ${said || (e.info?.code ?? 'BadRequest')}${correlation ? ` [correlationId ${correlation}]` : ''}`;
}
