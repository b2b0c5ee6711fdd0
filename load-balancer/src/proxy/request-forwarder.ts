import type { IncomingMessage, ServerResponse } from 'node:http';
import { FloodgateError, REQUEST_ID_HEADER, resolveRequestId, sendError } from '@floodgate/shared';
import type { BackendPool } from '../backends/backend-pool.js';
import type { ProxyDeps } from './proxy-deps.js';
import { recordProxied } from './record-proxied.js';
import { UpstreamExchange } from './upstream-exchange.js';

const NO_BACKEND = new FloodgateError('NO_BACKEND_AVAILABLE');
const NOT_ORIGIN_FORM = new FloodgateError('INVALID_PATH', 'Request target must be a path starting with "/"');

/**
 * Forwards a client request to the backend the balancer picks. The request id is kept when the client
 * sent a valid one, otherwise generated, and is sent upstream and echoed on every response.
 */
export class RequestForwarder {
  readonly #pool: BackendPool;
  readonly #deps: ProxyDeps;

  constructor(pool: BackendPool, deps: ProxyDeps) {
    this.#pool = pool;
    this.#deps = deps;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const startMs = this.#deps.clock.monotonic();
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    const url = req.url as string;
    // Absolute-form ("GET http://host/ ...") and "*" targets are for forward proxies, not for us.
    if (url.charCodeAt(0) !== 47 /* '/' */) {
      this.#reject(req, res, NOT_ORIGIN_FORM, requestId, startMs);
      return;
    }
    const backend = this.#pool.pick();
    if (backend === undefined) {
      res.setHeader('retry-after', '1');
      this.#reject(req, res, NO_BACKEND, requestId, startMs);
      return;
    }
    new UpstreamExchange(this.#deps, req, res, backend, requestId, startMs).start();
  }

  #reject(
    req: IncomingMessage,
    res: ServerResponse,
    error: FloodgateError,
    requestId: string,
    startMs: number,
  ): void {
    res.setHeader(REQUEST_ID_HEADER, requestId);
    sendError(res, error, requestId);
    recordProxied(
      this.#deps,
      requestId,
      req.method as string,
      req.url as string,
      error.status,
      startMs,
      null,
    );
  }
}
