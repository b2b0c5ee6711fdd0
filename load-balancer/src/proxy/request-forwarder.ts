import type { IncomingMessage, ServerResponse } from 'node:http';
import { FloodgateError, REQUEST_ID_HEADER, resolveRequestId, sendError } from '@floodgate/shared';
import type { ProxyDeps } from './proxy-deps.js';
import { recordProxied } from './record-proxied.js';
import { UpstreamExchange } from './upstream-exchange.js';

const NO_BACKEND = new FloodgateError('NO_BACKEND_AVAILABLE');
const NOT_ORIGIN_FORM = new FloodgateError('INVALID_PATH', 'Request target must be a path starting with "/"');

/**
 * Forwards a client request to the backend the balancer picks. The request id is kept when the client
 * sent a valid one, otherwise generated, and is sent upstream and echoed on every response.
 * With no available backend the answer is an immediate 503 NO_BACKEND_AVAILABLE with Retry-After.
 */
export class RequestForwarder {
  readonly #deps: ProxyDeps;

  constructor(deps: ProxyDeps) {
    this.#deps = deps;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const deps = this.#deps;
    const startMs = deps.clock.monotonic();
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    const url = req.url as string;
    // Absolute-form ("GET http://host/ ...") and "*" targets are for forward proxies, not for us.
    if (url.charCodeAt(0) !== 47 /* '/' */) {
      this.#reject(req, res, NOT_ORIGIN_FORM, requestId, startMs);
      return;
    }
    const backend = deps.pool.pick();
    if (backend === undefined) {
      res.setHeader('retry-after', '1');
      this.#reject(req, res, NO_BACKEND, requestId, startMs);
      return;
    }
    new UpstreamExchange(deps, req, res, requestId, startMs).start(backend);
  }

  #reject(
    req: IncomingMessage,
    res: ServerResponse,
    error: FloodgateError,
    requestId: string,
    startMs: number,
  ): void {
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (this.#deps.lifecycle.closing) res.setHeader('connection', 'close');
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
