/**
 * Routes: ARM path templates matched case-insensitively (ARM paths are case-insensitive: the backup
 * SDK sends `/Subscriptions/...` for some operations and `/subscriptions/...` for others).
 */
import type { Principal } from './auth';
import type { Engine } from './engine';

/** HTTP methods the emulator serves. */
export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** What a handler sees of the request. */
export interface RequestContext {
  method: Method;
  /** The decoded path, as sent. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  apiVersion: string;
  principal: Principal;
  engine: Engine;
  /** The x-ms-correlation-request-id of this request. */
  correlationId: string;
}

/** What a handler answers. */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One served operation. */
export interface Route {
  method: Method;
  /** Path template with `{param}` segments, e.g. `/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}`. */
  pattern: string;
  apiVersions: readonly string[];
  /** The RBAC action, as AuthorizationFailed names it, e.g. `Microsoft.Network/networkSecurityGroups/securityRules/write`. */
  action: string;
  /** `graph` routes use the Resource Graph quota instead of ARM's buckets. */
  family?: 'arm' | 'graph';
  /** Skip the caller-scope check (tenant-level routes that filter by scope themselves). */
  tenantLevel?: boolean;
  handler: (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;
}

type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  route: Route;
  segments: Segment[];
}

/** Splits a URL path into decoded, non-empty segments. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** Matches requests to routes. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({
      route,
      segments: pathSegments(route.pattern).map((s): Segment => {
        const m = /^\{(.+)\}$/.exec(s);
        return m && m[1] !== undefined ? { param: m[1] } : { literal: s.toLowerCase() };
      }),
    }));
  }

  /** The route for this method and path, with its parameters; `pathKnown` tells 404 from 405. */
  match(method: string, pathname: string): { route?: Route; params: Record<string, string>; pathKnown: boolean } {
    const segs = pathSegments(pathname);
    let pathKnown = false;
    for (const c of this.compiled) {
      if (c.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const pat = c.segments[i];
        const seg = segs[i] ?? '';
        if (!pat) {
          ok = false;
          break;
        }
        if ('literal' in pat) {
          if (pat.literal !== seg.toLowerCase()) {
            ok = false;
            break;
          }
        } else {
          params[pat.param] = seg;
        }
      }
      if (!ok) continue;
      pathKnown = true;
      if (c.route.method === method) return { route: c.route, params, pathKnown };
    }
    return { params: {}, pathKnown };
  }
}
