import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import {
  AzureOperationError,
  isInProgressError,
  isRetryable,
  parseArmErrorBody,
  toAzureErrorInfo,
} from '../../../src/adapters/azure/errors';

/** A RestError as a core-client (classic) SDK throws it: status, code and the raw body text. */
function restError(statusCode: number, body?: unknown, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/subscriptions/s1?api-version=x' });
  const bodyAsText = body === undefined ? undefined : JSON.stringify(body);
  const parsed = parseArmErrorBody(body);
  return new RestError(parsed?.message ?? `Unexpected status code: ${statusCode}`, {
    statusCode,
    ...(parsed?.code ? { code: parsed.code } : {}),
    request,
    response: {
      status: statusCode,
      headers: createHttpHeaders(headers),
      request,
      ...(bodyAsText ? { bodyAsText } : {}),
    },
  });
}

/** A RestError as a modular (TypeSpec) SDK throws it: the body only in `details`, unknown fields in additionalProperties. */
function modularRestError(
  statusCode: number,
  body: { error: { code: string; message: string; details?: Record<string, unknown>[] } },
): RestError {
  const request = createPipelineRequest({
    url: 'https://management.azure.com/providers/Microsoft.ResourceGraph/resources',
  });
  const e = new RestError(body.error.message, {
    statusCode,
    code: body.error.code,
    request,
    response: { status: statusCode, headers: createHttpHeaders({}), request },
  });
  e.details = {
    error: {
      code: body.error.code,
      message: body.error.message,
      details: body.error.details?.map(({ code, message, ...rest }) => ({ code, message, additionalProperties: rest })),
    },
  };
  return e;
}

const invalidQueryBody = {
  error: {
    code: 'BadRequest',
    message: 'Please provide below info when asking for support: timestamp = 2024-01-01T00:00:00Z, correlationId = x.',
    details: [
      {
        code: 'InvalidQuery',
        message:
          'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.',
      },
      { code: 'ParserFailure', message: 'ParserFailure', line: 1, characterPositionInLine: 22, token: '|' },
    ],
  },
};

describe('toAzureErrorInfo', () => {
  it('reads code and message from the ARM error body of a classic RestError', () => {
    const e = restError(403, {
      error: {
        code: 'AuthorizationFailed',
        message:
          "The client 'x' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write'.",
      },
    });
    expect(toAzureErrorInfo(e)).toEqual({
      code: 'AuthorizationFailed',
      message: expect.stringContaining('does not have authorization'),
      statusCode: 403,
      retryable: false,
    });
  });

  it('prefers the first detail code when the outer code is the generic BadRequest', () => {
    expect(toAzureErrorInfo(restError(400, invalidQueryBody))).toMatchObject({ code: 'InvalidQuery', statusCode: 400 });
  });

  it('reads nested details of a modular SDK RestError (body only in `details`)', () => {
    const info = toAzureErrorInfo(modularRestError(400, invalidQueryBody));
    expect(info.code).toBe('InvalidQuery');
    expect(info.message).toContain('Query is invalid');
  });

  it('keeps a specific outer code even when there are details', () => {
    const e = restError(409, {
      error: {
        code: 'AnotherOperationInProgress',
        message: 'Another operation on this or dependent resource is in progress.',
        details: [{ code: 'Inner', message: 'x' }],
      },
    });
    expect(toAzureErrorInfo(e).code).toBe('AnotherOperationInProgress');
  });

  it('names a bodiless 403 (a HEAD request) AuthorizationFailed', () => {
    expect(toAzureErrorInfo(restError(403))).toMatchObject({ code: 'AuthorizationFailed', statusCode: 403 });
  });

  it("extracts the code of a failed long-running operation from core-lro's message", () => {
    const e = new Error('The long-running operation has failed. InternalServerError. An internal error occurred.');
    expect(toAzureErrorInfo(e)).toEqual({
      code: 'InternalServerError',
      message: 'An internal error occurred.',
      retryable: true,
    });
  });

  it('maps a plain Error, a socket error, a string and anything else', () => {
    expect(toAzureErrorInfo(new TypeError('boom'))).toEqual({ code: 'TypeError', message: 'boom', retryable: false });
    expect(toAzureErrorInfo(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toEqual({
      code: 'ECONNRESET',
      message: 'reset',
      retryable: true,
    });
    expect(toAzureErrorInfo('text')).toEqual({ code: 'UnexpectedError', message: 'text', retryable: false });
    expect(toAzureErrorInfo({ a: 1 })).toEqual({ code: 'UnexpectedError', message: '{"a":1}', retryable: false });
    expect(toAzureErrorInfo(undefined)).toEqual({ code: 'UnexpectedError', message: 'undefined', retryable: false });
  });

  it('passes an AzureOperationError through', () => {
    expect(toAzureErrorInfo(new AzureOperationError('ProtectableItemNotFound', 'not found'))).toEqual({
      code: 'ProtectableItemNotFound',
      message: 'not found',
      retryable: false,
    });
  });

  it('says whether the error is retryable, with the one classifier the queue workers read too (issue 9 item 6)', () => {
    // The app's old list retried every 409 and 5xx; the adapters' classifier did not: now there is one judgement.
    expect(toAzureErrorInfo(restError(501, { error: { code: 'NotImplemented', message: 'm' } })).retryable).toBe(false);
    expect(
      toAzureErrorInfo(restError(409, { error: { code: 'InvalidResourceGroupLocation', message: 'm' } })).retryable,
    ).toBe(false);
    expect(toAzureErrorInfo(restError(503, { error: { code: 'ServiceUnavailable', message: 'm' } })).retryable).toBe(
      true,
    );
    expect(toAzureErrorInfo(new AzureOperationError('OperationTimedOut', 'late')).retryable).toBe(true);
  });
});

describe('isRetryable', () => {
  it.each([429, 500, 502, 503, 504, 408, 409])('retries HTTP %i', (status) => {
    expect(isRetryable(restError(status, { error: { code: 'Whatever', message: 'm' } }))).toBe(true);
  });

  it.each([400, 401, 403, 404, 501])('does not retry HTTP %i', (status) => {
    expect(isRetryable(restError(status, { error: { code: 'Whatever', message: 'm' } }))).toBe(false);
  });

  it('never retries an invalid query, whatever the status', () => {
    expect(isRetryable(restError(400, invalidQueryBody))).toBe(false);
    expect(isRetryable(modularRestError(400, invalidQueryBody))).toBe(false);
    expect(
      isRetryable(
        restError(400, {
          error: { code: 'BadRequest', message: 'x', details: [{ code: 'InvalidQueryLanguage', message: 'y' }] },
        }),
      ),
    ).toBe(false);
  });

  it('retries "another operation in progress" codes even on 400', () => {
    expect(isRetryable(restError(400, { error: { code: 'AnotherOperationInProgress', message: 'm' } }))).toBe(true);
    expect(isRetryable(restError(429, { error: { code: 'RetryableErrorDueToAnotherOperation', message: 'm' } }))).toBe(
      true,
    );
    expect(isRetryable(new Error('The long-running operation has failed. AnotherOperationInProgress. busy'))).toBe(
      true,
    );
  });

  it('retries socket errors but not other plain errors', () => {
    expect(isRetryable(new RestError('socket hang up', { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new Error('nope'))).toBe(false);
    expect(isRetryable(new Error('The long-running operation has failed. InternalServerError. x'))).toBe(false);
  });
});

describe('isInProgressError', () => {
  it('recognises the codes and the wording of a concurrent operation', () => {
    expect(isInProgressError(restError(409, { error: { code: 'AnotherOperationInProgress', message: 'm' } }))).toBe(
      true,
    );
    expect(
      isInProgressError(
        restError(400, { error: { code: 'UserError', message: 'Another operation is in progress on this item.' } }),
      ),
    ).toBe(true);
    expect(
      isInProgressError(
        restError(400, { error: { code: 'BMSUserErrorInvalidPolicyInput', message: 'Invalid policy.' } }),
      ),
    ).toBe(false);
  });
});

describe('parseArmErrorBody', () => {
  it('accepts the wrapped body, a bare error, JSON text, and rejects the rest', () => {
    expect(parseArmErrorBody({ error: { code: 'A', message: 'm' } })).toEqual({ code: 'A', message: 'm' });
    expect(parseArmErrorBody({ code: 'B', message: 'm' })).toEqual({ code: 'B', message: 'm' });
    expect(parseArmErrorBody('{"error":{"code":"C"}}')).toEqual({ code: 'C' });
    expect(parseArmErrorBody('not json')).toBeUndefined();
    expect(parseArmErrorBody(42)).toBeUndefined();
    expect(parseArmErrorBody({ status: 'Failed' })).toBeUndefined();
  });
});

describe('isRetryable for conflicts no wait fixes', () => {
  it('does not retry a 409 InvalidResourceGroupLocation', () => {
    const request = createPipelineRequest({ url: 'https://management.azure.com/x' });
    const body = JSON.stringify({ error: { code: 'InvalidResourceGroupLocation', message: 'exists in westus' } });
    const e = new RestError('x', {
      statusCode: 409,
      request,
      response: { status: 409, headers: createHttpHeaders({}), request, bodyAsText: body },
    });
    expect(isRetryable(e)).toBe(false);
  });
});
