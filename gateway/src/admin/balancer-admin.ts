import { FloodgateError, REQUEST_ID_HEADER, readJsonBody, sendJson } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminRoute } from './admin-stage.js';

export interface BalancerAdminDeps {
  /** The pool to the load balancer. */
  upstream: Pick<Dispatcher, 'request'>;
  basePath: string;
  /** The balancer's LB_ADMIN_TOKEN; null: none sent (a balancer without a token answers loopback peers). */
  token: string | null;
  /** Per call. @default 5000 */
  timeoutMs?: number;
}

const ADMIN = '/api/v1/admin/';
const LB_ADMIN = '/lb/admin/';
/** Backend ids the balancer gives (`api-3`); anything else cannot name one. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const BODY_LIMIT_BYTES = 16 * 1024;

/** Gateway template → the balancer's, in the order `floodgate backends|breakers` use them. */
const ROUTES: readonly (readonly [method: string, path: string])[] = [
  ['GET', '/api/v1/admin/backends'],
  ['POST', '/api/v1/admin/backends'],
  ['GET', '/api/v1/admin/backends/:id'],
  ['DELETE', '/api/v1/admin/backends/:id'],
  ['POST', '/api/v1/admin/backends/:id/drain'],
  ['POST', '/api/v1/admin/backends/:id/enable'],
  ['GET', '/api/v1/admin/circuit-breakers'],
  ['POST', '/api/v1/admin/circuit-breakers/:id/open'],
  ['POST', '/api/v1/admin/circuit-breakers/:id/close'],
  ['POST', '/api/v1/admin/circuit-breakers/:id/reset'],
];

/**
 * Control of the balancer through the gateway (admin role, like every `/api/v1/admin/*` route):
 * `/api/v1/admin/backends[...]` and `/api/v1/admin/circuit-breakers[...]` are forwarded to the
 * balancer's `/lb/admin/*` with the balancer's admin token (a list's `?limit&cursor` too), and its
 * answer (wire shapes: `@floodgate/shared/admin-api`, or its error envelope) is relayed as is. The balancer's own `/lb/*` stays unreachable through
 * the gateway: only these routes reach it. A balancer that refuses the gateway's token, cannot be
 * reached or does not answer in time is 502/504 here, never the caller's 401.
 */
export function createBalancerAdminRoutes(deps: BalancerAdminDeps): AdminRoute[] {
  const timeoutMs = deps.timeoutMs ?? 5000;
  const auth = deps.token === null ? null : `Bearer ${deps.token}`;

  async function forward(ctx: RequestContext): Promise<void> {
    const method = ctx.req.method as 'GET' | 'POST' | 'DELETE';
    const rest = ctx.path.slice(ADMIN.length); // "backends/api-2/drain"
    const id = rest.split('/')[1];
    if (id !== undefined && !ID.test(id)) {
      ctx.req.resume();
      throw new FloodgateError('NOT_FOUND', `No backend ${JSON.stringify(id.slice(0, 64))}`);
    }
    const headers: Record<string, string> = {
      [REQUEST_ID_HEADER]: ctx.requestId,
      accept: 'application/json',
    };
    if (auth !== null) headers.authorization = auth;
    let body: string | undefined;
    if (method === 'POST') {
      const parsed = await readJsonBody(ctx.req, BODY_LIMIT_BYTES);
      if (parsed !== undefined) {
        body = JSON.stringify(parsed);
        headers['content-type'] = 'application/json';
      }
    } else ctx.req.resume();

    // A list's ?limit&cursor, re-encoded (the balancer validates them).
    const q = method === 'GET' ? ctx.target.indexOf('?') : -1;
    const query = q === -1 ? '' : new URLSearchParams(ctx.target.slice(q + 1)).toString();
    let status: number;
    let answer: unknown;
    try {
      const res = await deps.upstream.request({
        path: `${deps.basePath}${LB_ADMIN}${rest}${query ? `?${query}` : ''}`,
        method,
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      const text = await res.body.text();
      answer = text === '' ? {} : JSON.parse(text);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new FloodgateError('UPSTREAM_TIMEOUT', 'The load balancer did not answer in time');
      }
      throw new FloodgateError('BAD_GATEWAY', `Load balancer admin API unreachable: ${String(code ?? err)}`);
    }
    if (status === 401 || status === 403) {
      throw new FloodgateError(
        'BAD_GATEWAY',
        'The load balancer refused the gateway (set the same LB_ADMIN_TOKEN on both)',
      );
    }
    ctx.res.setHeader('cache-control', 'no-store');
    sendJson(ctx.res, status, answer);
  }

  return ROUTES.map(([method, path]) => ({ method, path, handler: forward }));
}
