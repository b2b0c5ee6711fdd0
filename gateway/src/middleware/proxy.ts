import type { Readable } from 'node:stream';
import { FloodgateError } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { ClientIpResolver } from '../auth/client-ip.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { DONE, type Stage } from '../pipeline/stage.js';
import { BodyLimitStream } from '../proxy/body-limit-stream.js';
import { ProxyHandler, type ProxyShared } from '../proxy/proxy-handler.js';
import { buildUpstreamHeaders } from '../proxy/upstream-headers.js';
import { isSafeUpstreamPath } from '../proxy/upstream-path.js';

/** The route whose successful answer ends a session; the gateway then forgets the token at once. */
const LOGOUT_PATH = '/api/v1/auth/logout';

export interface ProxyConfig {
  bodyLimitBytes: number;
}

export interface ProxyDeps extends ProxyShared {
  /** The keep-alive pool to the load balancer. */
  upstream: Pick<Dispatcher, 'dispatch'>;
  /** Path part of LB_URL prefixed to every upstream path ('' normally). */
  basePath: string;
  clientIp: ClientIpResolver;
}

/**
 * The terminal stage for API routes: forwards the request to the load balancer through
 * `pool.dispatch` with a ProxyHandler, streaming the body both ways. The upstream path is the
 * client's own path and query (never an absolute-form host), refused with 400 INVALID_PATH when it
 * could be normalised into another route.
 */
export function createProxyStage(config: ProxyConfig, deps: ProxyDeps): Stage {
  const { upstream, basePath, clientIp } = deps;
  const shared: ProxyShared = { respond: deps.respond, onLogout: deps.onLogout };
  const bodyLimitBytes = config.bodyLimitBytes;
  return {
    name: 'proxy',
    handle(ctx: RequestContext) {
      if (!isSafeUpstreamPath(ctx.path)) throw new FloodgateError('INVALID_PATH');
      const req = ctx.req;
      const method = req.method as Dispatcher.HttpMethod;
      const isLogout = ctx.tokenHash !== null && method === 'POST' && ctx.path === LOGOUT_PATH;
      const handler = new ProxyHandler(ctx, shared, isLogout);
      ctx.upstream = handler;
      let body: Readable | Buffer | null = null;
      if (ctx.body !== null) body = ctx.body;
      else if (ctx.countBody) body = req.pipe(new BodyLimitStream(bodyLimitBytes));
      else if (hasDeclaredBody(req.headers['content-length'])) body = req;
      upstream.dispatch(
        {
          path: basePath === '' ? ctx.target : basePath + ctx.target,
          method,
          headers: buildUpstreamHeaders(ctx, clientIp),
          body,
        },
        handler,
      );
      return DONE;
    },
  };
}

function hasDeclaredBody(contentLength: string | undefined): boolean {
  return contentLength !== undefined && contentLength !== '0';
}
