/**
 * The HTTPS front: request ids, authentication, routing, api-version checks, caller scopes, ARM
 * throttling and the Resource Graph quota, fault injection, then the route handler. Every answer
 * carries `x-ms-request-id` and `x-ms-correlation-request-id`; ARM answers carry
 * `x-ms-ratelimit-remaining-subscription-reads|writes`, Resource Graph answers `x-ms-user-quota-*`.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allows, type Principal } from './auth';
import type { Engine } from './engine';
import { ArmError, invalidRequestContent } from './errors';
import type { ErrorFault } from './faults';
import type { HandlerResult, Method, RequestContext, Route, Router } from './router';
import { supportMessage } from './routes/resourceGraph';
import { formatHms } from './throttle';
import { parseArmId } from './util';

const METHODS: readonly Method[] = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];
const MAX_BODY = 8 * 1024 * 1024;
/** The read-only state endpoint for tests. */
export const STATE_PATH = '/__emulator/state';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ArmError(413, 'RequestEntityTooLarge', 'The request content is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function authFailure(req: IncomingMessage, engine: Engine): ArmError | Principal {
  const header = req.headers['authorization'];
  if (header === undefined) {
    return new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m || m[1] === undefined) {
    return new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    );
  }
  const principal = engine.tokens.lookup(m[1]);
  if (!principal) return new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  return principal;
}

function faultError(fault: ErrorFault, route: Route, ctxPath: string, correlationId: string, engine: Engine): ArmError {
  switch (fault) {
    case '429':
      return route.family === 'graph'
        ? new ArmError(
            429,
            'RateLimiting',
            supportMessage(correlationId, engine.isoNow()),
            [
              {
                code: 'RateLimiting',
                message:
                  'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
              },
            ],
            { 'Retry-After': '1' },
          )
        : new ArmError(
            429,
            'TooManyRequests',
            'The request is being throttled as the limit has been reached for operation type. Please retry after 1 seconds.',
            undefined,
            { 'Retry-After': '1' },
          );
    case '500':
      return new ArmError(
        500,
        'InternalServerError',
        `Encountered internal server error. Diagnostic information: timestamp '${engine.isoNow()}', correlationId '${correlationId}'.`,
      );
    case '503':
      return new ArmError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Please retry the request.',
        undefined,
        { 'Retry-After': '1' },
      );
    case 'conflict':
      return new ArmError(
        409,
        'AnotherOperationInProgress',
        `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${engine.endpoint}${ctxPath}. Retry the operation later.`,
      );
  }
}

/** Answers one request. */
export async function handle(engine: Engine, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const clientCorrelation = req.headers['x-ms-correlation-request-id'];
  const correlationId =
    typeof clientCorrelation === 'string' && clientCorrelation.length > 0 ? clientCorrelation : requestId;
  const headers: Record<string, string> = {
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': correlationId,
    'Cache-Control': 'no-cache',
  };
  const clientRequestId = req.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string') headers['x-ms-client-request-id'] = clientRequestId;
  const url = new URL(req.url ?? '/', 'https://emulator.local');
  const method = (req.method ?? 'GET').toUpperCase();
  let status = 500;
  let code: string | undefined;
  let body: unknown;

  engine.counters.requests += 1;
  engine.ops.settle();
  try {
    const raw = await readBody(req);
    const auth = authFailure(req, engine);

    if (url.pathname === STATE_PATH) {
      if (auth instanceof ArmError) throw auth;
      if (auth.scopes) throw new ArmError(403, 'AuthorizationFailed', 'The state endpoint needs a full-access token.');
      if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', 'The state endpoint is read-only.');
      status = 200;
      body = stateDocument(engine);
      return;
    }

    if (auth instanceof ArmError) throw auth;
    const principal = auth;
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported.`);
    }
    const match = router.match(method, url.pathname);
    const route = match.route;
    if (!route) {
      if (match.pathKnown)
        throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
      const parts = parseArmId(url.pathname);
      if (parts.provider) {
        const type = [parts.provider, ...parts.types.map(([t]) => t)].join('/');
        throw new ArmError(
          404,
          'InvalidResourceType',
          `The resource type '${type}' could not be found in the namespace '${parts.provider}' for api version '${url.searchParams.get('api-version') ?? ''}'.`,
        );
      }
      throw new ArmError(404, 'NotFound', `The requested path '${url.pathname}' is not served by the emulator.`);
    }

    // Limits first: they are reported on every answer, including errors.
    const isWrite = method !== 'GET' && method !== 'HEAD';
    const now = engine.now();
    if (route.family === 'graph') {
      const q = engine.graphQuota.take(principal.token, now);
      headers['x-ms-user-quota-remaining'] = String(q.remaining);
      headers['x-ms-user-quota-resets-after'] = formatHms(q.resetsAfterMs);
      if (!q.ok) {
        engine.counters.throttled += 1;
        throw new ArmError(
          429,
          'RateLimiting',
          supportMessage(correlationId, engine.isoNow()),
          [
            {
              code: 'RateLimiting',
              message:
                'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
            },
          ],
          { 'Retry-After': String(Math.max(1, Math.ceil(q.resetsAfterMs / 1000))) },
        );
      }
    } else {
      const sub = parseArmId(url.pathname).subscriptionId;
      if (sub) {
        const kind = isWrite ? 'write' : 'read';
        const t = engine.armThrottle.take(sub, principal.objectId, kind, now);
        headers[`x-ms-ratelimit-remaining-subscription-${kind}s`] = String(t.remaining);
        if (!t.ok) {
          engine.counters.throttled += 1;
          throw new ArmError(
            429,
            'SubscriptionRequestsThrottled',
            `Number of '${kind}' requests for subscription '${sub}' actor '${principal.objectId}' exceeded. Please try again after '${t.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
            undefined,
            { 'Retry-After': String(t.retryAfterSeconds) },
          );
        }
      }
    }

    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      throw new ArmError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }
    if (!route.apiVersions.includes(apiVersion)) {
      throw new ArmError(
        400,
        'InvalidApiVersionParameter',
        `The api-version '${apiVersion}' is invalid. The supported versions are '${route.apiVersions.join(',')}'.`,
      );
    }
    if (!route.tenantLevel && !allows(principal, url.pathname)) {
      const action = route.action;
      throw new ArmError(
        403,
        'AuthorizationFailed',
        `The client '${principal.clientId}' with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }

    // A conflict (AnotherOperationInProgress) only meets writes that change a resource: not a Resource
    // Graph query, and not backupStatus, which are POSTs that only read.
    const conflictEligible =
      isWrite && route.family !== 'graph' && !route.action.toLowerCase().endsWith('/backupstatus/action');
    const decision = engine.faults.decide(conflictEligible);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.fault) {
      engine.counters.faultsInjected += 1;
      throw faultError(decision.fault, route, url.pathname, correlationId, engine);
    }

    let parsed: unknown;
    if (raw.trim().length > 0) {
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        throw invalidRequestContent(err instanceof Error ? err.message : String(err));
      }
    }
    const ctx: RequestContext = {
      method: method as Method,
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      body: parsed,
      apiVersion,
      principal,
      engine,
      correlationId,
    };
    const result: HandlerResult = await route.handler(ctx);
    status = result.status;
    body = result.body;
    Object.assign(headers, result.headers ?? {});
  } catch (err) {
    if (err instanceof ArmError) {
      status = err.status;
      code = err.code;
      body = err.body();
      Object.assign(headers, err.headers);
    } else {
      status = 500;
      code = 'InternalServerError';
      body = { error: { code, message: `The emulator failed: ${err instanceof Error ? err.message : String(err)}` } };
    }
  } finally {
    engine.counters.byStatus[String(status)] = (engine.counters.byStatus[String(status)] ?? 0) + 1;
    if (url.pathname !== STATE_PATH) {
      engine.log.push({
        method,
        path: url.pathname + url.search,
        status,
        ...(code ? { code } : {}),
        at: engine.isoNow(),
      });
    }
    const text = body === undefined || status === 204 || method === 'HEAD' ? '' : JSON.stringify(body);
    if (text.length > 0) headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(text));
    res.writeHead(status, headers);
    res.end(text);
  }
}

/** The document the state endpoint answers with. */
export function stateDocument(engine: Engine) {
  const snap = engine.store.snapshot();
  return {
    resources: snap.Resources,
    recoveryServicesResources: snap.RecoveryServicesResources,
    resourceContainers: snap.ResourceContainers,
    operations: engine.log.map((e) => ({ ...e })),
    asyncOperations: engine.ops.list(),
    counters: structuredClone(engine.counters),
  };
}

/** Starts the HTTPS server on host:port (0 = a free port). */
export function listen(
  engine: Engine,
  router: Router,
  tls: { cert: string; key: string },
  host: string,
  port: number,
): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void handle(engine, router, req, res);
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
