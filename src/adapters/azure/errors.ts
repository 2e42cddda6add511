/**
 * One place that turns whatever an SDK call threw into an {@link AzureErrorInfo}, and decides whether a
 * retry can help. ARM errors arrive in three shapes:
 * - a `RestError` from a core-client (classic) SDK: `statusCode`, `code`, and the body in
 *   `response.bodyAsText` / `response.parsedBody`;
 * - a `RestError` from a modular (TypeSpec) SDK: the body is only in `details` (`{error:{code,message,details}}`,
 *   unknown fields of a detail moved into `additionalProperties`);
 * - a plain `Error` from core-lro when a long-running operation ends `Failed`:
 *   `The long-running operation has failed. {code}. {message}`.
 * The ARM error body is `{error:{code, message, details?:[...], innererror?}}`
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/common-deployment-errors).
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import type { AzureErrorInfo } from '../../ports';

/** An ARM error object (`error` of an error response, or one of its `details`). Unknown fields are kept. */
export interface ArmError {
  code?: string | undefined;
  message?: string | undefined;
  details?: ArmError[] | undefined;
  [field: string]: unknown;
}

const armErrorSchema: z.ZodType<ArmError> = z.lazy(() =>
  z.looseObject({
    code: z.string().optional(),
    message: z.string().optional(),
    details: z.array(armErrorSchema).optional(),
  }),
);

/** Error codes that mean "someone else is changing this resource right now"; waiting helps. */
export const IN_PROGRESS_CODES: ReadonlySet<string> = new Set(
  [
    'AnotherOperationInProgress',
    'RetryableErrorDueToAnotherOperation',
    'OperationInProgress',
    'ConflictingOperationInProgress',
    'BMSUserErrorConcurrentOperation',
    'BMSUserErrorOperationAlreadyInProgress',
    'BMSUserErrorConflictingProtectionOperation',
    'UserErrorBackupOperationInProgress',
    'UserErrorAnotherOperationInProgress',
  ].map((c) => c.toLowerCase()),
);

/** Codes ARM puts on the outer error when the useful code is in `details`. */
const GENERIC_CODES: ReadonlySet<string> = new Set(
  ['BadRequest', 'Conflict', 'InternalServerError', 'OperationFailed', 'DeploymentFailed', 'Failed'].map((c) =>
    c.toLowerCase(),
  ),
);

/** Codes that are never worth a retry, whatever the status says. */
const PERMANENT_CODES: ReadonlySet<string> = new Set(
  [
    'InvalidQuery',
    'InvalidQueryLanguage',
    'ParserFailure',
    'AuthorizationFailed',
    'InvalidAuthenticationToken',
    'LinkedAuthorizationFailed',
    'ResourceNotFound',
    'ResourceGroupNotFound',
    // 409s that no wait fixes:
    'InvalidResourceGroupLocation',
    'MissingSubscriptionRegistration',
  ].map((c) => c.toLowerCase()),
);

/** The ARM code for a status whose response had no body (HEAD requests, some gateways). */
const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const LRO_FAILED = /^The long-running operation has failed\.\s*(?:([^.\s][^.]*?)\.\s*)?([\s\S]*)$/;

/** An error this adapter raises itself, with an Azure-style code (e.g. `ProtectableItemNotFound`). */
export class AzureOperationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode?: number,
    readonly armError?: ArmError,
  ) {
    super(message);
    this.name = 'AzureOperationError';
  }
}

/** Parses an ARM error body (`{error:{...}}`, a bare `{code,message}`, or JSON text of either). */
export function parseArmErrorBody(body: unknown): ArmError | undefined {
  let value = body;
  if (typeof value === 'string') {
    if (!value.trim().startsWith('{')) return undefined;
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const wrapped = z.looseObject({ error: z.unknown() }).safeParse(value);
  const inner = wrapped.success && wrapped.data.error !== undefined ? wrapped.data.error : value;
  const parsed = armErrorSchema.safeParse(inner);
  if (!parsed.success) return undefined;
  const normalised = normaliseDetails(parsed.data);
  return normalised.code === undefined && normalised.message === undefined ? undefined : normalised;
}

/** Moves `additionalProperties` (where modular SDK deserialisers put unknown fields) back onto the detail. */
function normaliseDetails(e: ArmError): ArmError {
  const extra = e.additionalProperties;
  const out: ArmError = { ...e };
  if (typeof extra === 'object' && extra !== null) {
    delete out.additionalProperties;
    for (const [k, v] of Object.entries(extra)) if (!(k in out) || out[k] === undefined) out[k] = v;
  }
  if (e.details) out.details = e.details.map(normaliseDetails);
  return out;
}

const restErrorShape = z.looseObject({
  details: z.unknown().optional(),
  response: z.looseObject({ bodyAsText: z.unknown().optional(), parsedBody: z.unknown().optional() }).optional(),
});

/** The ARM error object carried by anything an SDK threw, when it has one. */
export function armErrorOf(err: unknown): ArmError | undefined {
  if (err instanceof AzureOperationError) return err.armError ?? { code: err.code, message: err.message };
  if (!isRestError(err)) return undefined;
  const shape = restErrorShape.safeParse(err);
  if (!shape.success) return undefined;
  const { details, response } = shape.data;
  return (
    parseArmErrorBody(response?.bodyAsText) ?? parseArmErrorBody(details) ?? parseArmErrorBody(response?.parsedBody)
  );
}

/** Every code in an ARM error tree, outer first. */
export function allCodes(e: ArmError | undefined): string[] {
  if (!e) return [];
  const out: string[] = [];
  const walk = (x: ArmError): void => {
    if (x.code) out.push(x.code);
    for (const d of x.details ?? []) walk(d);
    const inner = x.innererror;
    const parsedInner = armErrorSchema.safeParse(inner);
    if (parsedInner.success) walk(parsedInner.data);
  };
  walk(e);
  return out;
}

/** The HTTP status of an error, when it came from a response. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof AzureOperationError) return err.statusCode;
  if (isRestError(err))
    return err.statusCode ?? (err.response?.status && err.response.status > 0 ? err.response.status : undefined);
  return undefined;
}

/**
 * Maps anything thrown to `{code, message, statusCode, retryable}`. `retryable` is {@link isRetryableLater},
 * from the one retry classifier: the queue workers and the action results read it instead of classifying again.
 * Never throws.
 */
export function toAzureErrorInfo(err: unknown): AzureErrorInfo {
  return { ...infoOf(err), retryable: isRetryableLater(err) };
}

/** `{code, message, statusCode}` of anything thrown. */
function infoOf(err: unknown): AzureErrorInfo {
  const statusCode = statusCodeOf(err);
  const withStatus = (code: string, message: string): AzureErrorInfo =>
    statusCode === undefined ? { code, message } : { code, message, statusCode };

  if (err instanceof AzureOperationError) return withStatus(err.code, err.message);

  const arm = armErrorOf(err);
  if (arm) {
    const outer = arm.code;
    const firstDetail = arm.details?.find((d) => d.code);
    if ((!outer || GENERIC_CODES.has(outer.toLowerCase())) && firstDetail?.code) {
      const message = [arm.message, firstDetail.message].filter((m): m is string => !!m).join(': ');
      return withStatus(firstDetail.code, message || firstDetail.code);
    }
    if (outer) return withStatus(outer, arm.message ?? outer);
  }

  if (isRestError(err)) {
    const code =
      err.code ?? (statusCode !== undefined ? (STATUS_CODES[statusCode] ?? `Http${statusCode}`) : 'RestError');
    return withStatus(code, err.message || code);
  }

  if (err instanceof Error) {
    const lro = LRO_FAILED.exec(err.message);
    if (lro) {
      const parsed = lro[1]?.trim();
      const code = parsed && parsed !== 'undefined' ? parsed : 'LongRunningOperationFailed';
      return { code, message: lro[2]?.trim() || err.message };
    }
    const sysCode = (err as { code?: unknown }).code;
    const code =
      typeof sysCode === 'string' && sysCode
        ? sysCode
        : err.name && err.name !== 'Error'
          ? err.name
          : 'UnexpectedError';
    return { code, message: err.message || code };
  }

  if (typeof err === 'string') return { code: 'UnexpectedError', message: err };
  let text: string;
  try {
    text = JSON.stringify(err) ?? String(err);
  } catch {
    text = String(err);
  }
  return { code: 'UnexpectedError', message: text };
}

/** Alias of {@link toAzureErrorInfo}. */
export const toAzureError = toAzureErrorInfo;

/** Every code an error carries (ARM tree, SDK code, LRO code), for classification. */
export function codesOf(err: unknown): string[] {
  const codes = allCodes(armErrorOf(err));
  if (isRestError(err) && err.code) codes.push(err.code);
  codes.push(infoOf(err).code);
  return codes;
}

/** True when the error says another operation on the resource is still running. */
export function isInProgressError(err: unknown): boolean {
  if (codesOf(err).some((c) => IN_PROGRESS_CODES.has(c.toLowerCase()))) return true;
  const status = statusCodeOf(err);
  if (status === 409 || status === 400) {
    const message = infoOf(err).message;
    return /\b(another|concurrent|conflicting)\b.*\boperation\b|\boperation\b.*\bin progress\b/i.test(message);
  }
  return false;
}

/** Node socket errors and the pipeline's send error: the request may not have reached Azure. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * Codes without an HTTP status that a later attempt (the queue's retry, the next run) may get past, although
 * retrying at once does not: a failed long-running operation's server-side code, or an operation past its deadline.
 */
const LATER_CODES: ReadonlySet<string> = new Set([
  'operationtimedout',
  'internalservererror',
  'serviceunavailable',
  'gatewaytimeout',
  'servertimeout',
  'toomanyrequests',
  'subscriptionrequeststhrottled',
  'ratelimiting',
]);

/**
 * The one retry classifier's answer for a failure that has ended (an action result, a queue message): what
 * {@link isRetryable} retries at once, and also the codes a later attempt may get past.
 */
export function isRetryableLater(err: unknown): boolean {
  if (isRetryable(err)) return true;
  const codes = codesOf(err).map((c) => c.toLowerCase());
  if (codes.some((c) => PERMANENT_CODES.has(c))) return false;
  return statusCodeOf(err) === undefined && codes.some((c) => LATER_CODES.has(c));
}

/**
 * True when retrying the same request can succeed: 408, 429, 5xx (except 501/505), 409 conflicts,
 * "another operation in progress" codes and socket errors. 400 validation, 401, 403 and 404 are permanent.
 */
export function isRetryable(err: unknown): boolean {
  const codes = codesOf(err).map((c) => c.toLowerCase());
  if (codes.some((c) => PERMANENT_CODES.has(c))) return false;
  if (codes.some((c) => IN_PROGRESS_CODES.has(c))) return true;
  const status = statusCodeOf(err);
  if (status !== undefined) {
    if (status === 408 || status === 429 || status === 409) return true;
    if (status >= 500 && status !== 501 && status !== 505) return true;
    return false;
  }
  return codes.some((c) => TRANSIENT_NETWORK_CODES.has(c.toUpperCase()));
}
