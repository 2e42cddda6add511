/**
 * The HTTPS front: request ids, authentication, routing, api-version checks, caller scopes, ARM
 * throttling and the Resource Graph quota, fault injection, then the route handler. Every answer
 * carries `x-ms-request-id` and `x-ms-correlation-request-id`; ARM answers carry
 * `x-ms-ratelimit-remaining-subscription-reads|writes`, Resource Graph answers `x-ms-user-quota-*`.
 * Conditional writes follow the ARM resource-provider contract: `If-None-Match: *` on a resource that
 * exists and `If-Match` that does not match its etag answer 412 PreconditionFailed (docs/azure-facts.md).
 * `/__emulator/faults` switches faults on and off while the emulator runs, keeping its estate.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiVersionError } from './arm';
import { allows, type Principal } from './auth';
import type { Engine } from './engine';
import { ArmError, invalidRequestContent } from './errors';
import { formatFaultSpec, parseFaultSpec, type FaultSpec, type RequestFault } from './faults';
import type { HandlerResult, Method, RequestContext, Route, Router } from './router';
import { supportMessage } from './routes/resourceGraph';
import { formatHms } from './throttle';
import { asString, isRecord, normId, parseArmId } from './util';

const METHODS: readonly Method[] = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];
const MAX_BODY = 8 * 1024 * 1024;
/** The read-only state endpoint for tests. */
export const STATE_PATH = '/__emulator/state';
/** The fault control endpoint: GET the active spec, PUT `{"spec": "..."}` to replace it, DELETE to clear it. */
export const FAULTS_PATH = '/__emulator/faults';

/** Replaces the active fault spec; operations held by `lro-stuck` are released once no rule holds them. */
export function applyFaultSpec(engine: Engine, spec: FaultSpec | undefined): void {
  engine.faults.set(spec);
  if (!engine.faults.holdsLros()) engine.ops.release();
}

/** What the fault control endpoint answers: the active spec and the faults injected so far. */
export function faultsDocument(engine: Engine) {
  return { spec: formatFaultSpec(engine.faults.current()), injected: engine.faults.counts() };
}

function controlFaults(engine: Engine, method: string, body: string): { status: number; body: unknown } {
  if (method === 'GET') return { status: 200, body: faultsDocument(engine) };
  if (method === 'DELETE') {
    applyFaultSpec(engine, undefined);
    return { status: 200, body: faultsDocument(engine) };
  }
  if (method !== 'PUT' && method !== 'POST')
    throw new ArmError(405, 'MethodNotAllowed', 'The faults endpoint takes GET, PUT, POST or DELETE.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw invalidRequestContent(err instanceof Error ? err.message : String(err));
  }
  const spec = isRecord(parsed) ? parsed['spec'] : undefined;
  if (typeof spec !== 'string')
    throw new ArmError(400, 'InvalidRequestContent', 'The faults endpoint expects {"spec": "<fault spec>"}.');
  try {
    applyFaultSpec(engine, spec.trim() ? parseFaultSpec(spec) : undefined);
  } catch (err) {
    throw new ArmError(400, 'InvalidFaultSpec', err instanceof Error ? err.message : String(err));
  }
  return { status: 200, body: faultsDocument(engine) };
}

/** `12/8/2026 5:20:07 AM`, the way ARM's ExpiredAuthenticationToken message writes times. */
function armClock(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hh = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hh}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** The etag of the resource a PUT addresses, read through the route's own GET; `exists: false` on 404. */
async function currentEtag(
  router: Router,
  ctx: Omit<RequestContext, 'params' | 'method'>,
): Promise<{ exists: boolean; etag?: string }> {
  const get = router.match('GET', ctx.path);
  if (!get.route) return { exists: false };
  try {
    const r = await get.route.handler({ ...ctx, method: 'GET', params: get.params, body: undefined });
    if (r.status === 404) return { exists: false };
    const body = isRecord(r.body) ? r.body : {};
    const etag = asString(body['etag']) ?? asString(body['eTag']);
    return { exists: true, ...(etag !== undefined ? { etag } : {}) };
  } catch (err) {
    if (err instanceof ArmError && err.status === 404) return { exists: false };
    throw err;
  }
}

function etagList(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function sameEtag(a: string, b: string): boolean {
  const strip = (t: string) => t.replace(/^W\//, '');
  return strip(a) === strip(b);
}

/** 412 PreconditionFailed when `If-None-Match` / `If-Match` does not hold for the resource as it is now. */
async function checkPreconditions(
  req: IncomingMessage,
  router: Router,
  ctx: Omit<RequestContext, 'params' | 'method'>,
): Promise<void> {
  const ifNoneMatch = req.headers['if-none-match'];
  const ifMatch = req.headers['if-match'];
  if (typeof ifNoneMatch !== 'string' && typeof ifMatch !== 'string') return;
  const now = await currentEtag(router, ctx);
  if (typeof ifNoneMatch === 'string') {
    const tags = etagList(ifNoneMatch);
    const hit =
      now.exists && (tags.includes('*') || (now.etag !== undefined && tags.some((t) => sameEtag(t, now.etag ?? ''))));
    if (hit) {
      throw new ArmError(
        412,
        'PreconditionFailed',
        `The condition specified by the If-None-Match header ('${ifNoneMatch}') was not met: the resource '${ctx.path}' already exists.`,
      );
    }
  }
  if (typeof ifMatch === 'string') {
    const tags = etagList(ifMatch);
    const ok =
      now.exists && (tags.includes('*') || (now.etag !== undefined && tags.some((t) => sameEtag(t, now.etag ?? ''))));
    if (!ok) {
      throw new ArmError(
        412,
        'PreconditionFailed',
        now.exists
          ? `The condition specified by the If-Match header ('${ifMatch}') was not met: the resource '${ctx.path}' has etag '${now.etag ?? ''}'.`
          : `The condition specified by the If-Match header ('${ifMatch}') was not met: the resource '${ctx.path}' does not exist.`,
      );
    }
  }
}

/** 404 for a resource whose creation Resource Manager has not finished indexing (the `index-lag` fault). */
function lagNotFound(path: string): ArmError {
  const parts = parseArmId(path);
  if (parts.types.length > 1) return new ArmError(404, 'NotFound', `Resource ${path} not found.`);
  const [type, name] = parts.types[0] ?? ['', ''];
  if (!parts.provider)
    return new ArmError(
      404,
      'ResourceGroupNotFound',
      `Resource group '${parts.resourceGroup ?? ''}' could not be found.`,
    );
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${parts.provider}/${type}/${name}' under resource group '${parts.resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

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

function faultError(
  fault: RequestFault,
  route: Route,
  ctxPath: string,
  correlationId: string,
  engine: Engine,
): ArmError {
  const retryAfter = String(engine.faults.retryAfterSeconds() ?? 1);
  switch (fault) {
    case 'expired': {
      const now = engine.now();
      return new ArmError(
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${armClock(now - 60_000)}' is earlier than current UTC time '${armClock(now)}'.`,
        undefined,
        { 'x-ms-failure-cause': 'gateway' },
      );
    }
    case '429':
      return route.family === 'graph'
        ? graphThrottled(correlationId, engine.isoNow(), retryAfter)
        : new ArmError(
            429,
            'TooManyRequests',
            `The request is being throttled as the limit has been reached for operation type. Please retry after ${retryAfter} seconds.`,
            undefined,
            { 'Retry-After': retryAfter },
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
        { 'Retry-After': retryAfter },
      );
    case 'conflict':
      return new ArmError(
        409,
        'AnotherOperationInProgress',
        `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${engine.endpoint}${ctxPath}. Retry the operation later.`,
      );
    default:
      // Connection-level faults never become an answer; handle() acts them out.
      return new ArmError(500, 'InternalServerError', `The emulator cannot answer with fault '${fault}'.`);
  }
}

/** Faults acted out on the connection rather than answered. */
type ConnectionFault = 'reset-before' | 'reset-after' | 'hang' | 'truncated' | 'malformed';

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
  let connectionFault: ConnectionFault | undefined;
  const isControl = url.pathname === STATE_PATH || url.pathname === FAULTS_PATH;

  engine.counters.requests += 1;
  engine.ops.settle();
  try {
    const raw = await readBody(req);
    const auth = authFailure(req, engine);

    if (isControl) {
      if (auth instanceof ArmError) throw auth;
      if (auth.scopes) throw new ArmError(403, 'AuthorizationFailed', 'The state endpoint needs a full-access token.');
      if (url.pathname === FAULTS_PATH) {
        ({ status, body } = controlFaults(engine, method, raw));
        return;
      }
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
        throw graphThrottled(correlationId, engine.isoNow(), String(Math.max(1, Math.ceil(q.resetsAfterMs / 1000))));
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
      throw apiVersionError(apiVersion, route.apiVersions, url.pathname);
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
    const decision = engine.faults.decide({ method, path: url.pathname, conflictEligible });
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const fault = decision.fault;
    if (fault) engine.counters.faultsInjected += 1;
    if (fault === 'reset-before' || fault === 'hang') {
      connectionFault = fault;
      return;
    }
    if (fault === 'reset-after' || fault === 'truncated' || fault === 'malformed') connectionFault = fault;
    else if (fault) throw faultError(fault, route, url.pathname, correlationId, engine);

    // Index lag: a resource created moments ago is not found yet.
    if (method === 'GET' && engine.lagging.size > 0) {
      const until = engine.lagging.get(normId(url.pathname));
      if (until !== undefined) {
        if (engine.now() < until) {
          engine.faults.record('index-lag');
          throw lagNotFound(url.pathname);
        }
        engine.lagging.delete(normId(url.pathname));
      }
    }

    let parsed: unknown;
    if (raw.trim().length > 0) {
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        throw invalidRequestContent(err instanceof Error ? err.message : String(err));
      }
    }
    const base = {
      path: url.pathname,
      query: url.searchParams,
      body: parsed,
      apiVersion,
      principal,
      engine,
      correlationId,
    };
    if (method === 'PUT' || method === 'PATCH' || method === 'DELETE') await checkPreconditions(req, router, base);
    const ctx: RequestContext = { ...base, method: method as Method, params: match.params };
    engine.currentRequest = { method, path: url.pathname };
    let result: HandlerResult;
    try {
      result = await route.handler(ctx);
    } finally {
      engine.currentRequest = undefined;
    }
    status = result.status;
    body = result.body;
    Object.assign(headers, result.headers ?? {});
    if (method === 'PUT' && status === 201) {
      const lag = engine.faults.indexLagMs(method, url.pathname);
      if (lag > 0) engine.lagging.set(normId(url.pathname), engine.now() + lag);
    }
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
    if (!isControl) {
      engine.log.push({
        method,
        path: url.pathname + url.search,
        status:
          connectionFault === 'reset-before' || connectionFault === 'hang' || connectionFault === 'reset-after'
            ? 0
            : status,
        ...(connectionFault ? { code: connectionFault } : code ? { code } : {}),
        at: engine.isoNow(),
      });
    }
    respond(engine, req, res, method, status, headers, body, connectionFault);
  }
}

function respond(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  fault: ConnectionFault | undefined,
): void {
  if (fault === 'reset-before' || fault === 'reset-after') {
    req.socket.destroy();
    return;
  }
  if (fault === 'hang') {
    // Never answered: the connection stays open until the client gives up or the emulator stops.
    const release = () => {
      engine.faults.parked.delete(release);
      req.socket.destroy();
    };
    engine.faults.parked.add(release);
    req.socket.once('close', () => engine.faults.parked.delete(release));
    return;
  }
  engine.counters.byStatus[String(status)] = (engine.counters.byStatus[String(status)] ?? 0) + 1;
  let text = body === undefined || status === 204 || method === 'HEAD' ? '' : JSON.stringify(body);
  if (fault === 'truncated' && text.length === 0) text = '{}';
  if (fault === 'malformed')
    text = `${text.slice(0, Math.floor(text.length / 2))}<html><body>Bad gateway</body></html>`;
  if (text.length > 0 || fault === 'malformed') headers['Content-Type'] = 'application/json; charset=utf-8';
  const bytes = Buffer.from(text, 'utf8');
  headers['Content-Length'] = String(bytes.length);
  res.writeHead(status, headers);
  if (fault === 'truncated') {
    // The headers promise the whole body; half of it arrives, then the connection drops.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
    return;
  }
  res.end(bytes);
}

/** Every vault's backup policies, keyed by lower-case policy id (they are not Resource Graph rows). */
function backupPolicies(engine: Engine): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of engine.store.all('Resources')) {
    if (row['type'] !== 'microsoft.recoveryservices/vaults') continue;
    const vaultId = String(row['id']);
    for (const [name, policy] of engine.store.vaultBackup(vaultId).policies)
      out[`${normId(vaultId)}/backuppolicies/${name}`] = structuredClone(policy);
  }
  return out;
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
    faults: faultsDocument(engine),
    backupPolicies: backupPolicies(engine),
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

/** Resource Graph's answer to a caller over its quota: 429 RateLimiting with the service's own wording. */
function graphThrottled(correlationId: string, now: string, retryAfter: string): ArmError {
  return new ArmError(
    429,
    'RateLimiting',
    supportMessage(correlationId, now),
    [
      {
        code: 'RateLimiting',
        message:
          'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
      },
    ],
    { 'Retry-After': retryAfter },
  );
}
