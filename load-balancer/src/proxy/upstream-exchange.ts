import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { FloodgateError, REQUEST_ID_HEADER, sendError } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backends/backend.js';
import {
  CLIENT_GONE_ERROR,
  classifyUpstreamError,
  type UpstreamErrorKind,
} from './classify-upstream-error.js';
import type { ProxyDeps } from './proxy-deps.js';
import { recordProxied } from './record-proxied.js';
import { buildUpstreamHeaders, clientAddress, stripHopByHop } from './upstream-headers.js';

export const BACKEND_ID_HEADER = 'x-backend-id';

/** Status logged for a request whose client went away before the response was complete (nginx's 499). */
const CLIENT_CLOSED_STATUS = 499;

// Built once: a failure storm must not also become an allocation storm.
const ERRORS: Record<Exclude<UpstreamErrorKind, 'client-gone'>, FloodgateError> = {
  timeout: new FloodgateError('UPSTREAM_TIMEOUT'),
  unreachable: new FloodgateError('BAD_GATEWAY'),
  'invalid-request': new FloodgateError('BAD_REQUEST', 'Request cannot be forwarded as sent'),
};

const kExchange = Symbol('floodgate.exchange');
type ExchangeResponse = ServerResponse & { [kExchange]?: UpstreamExchange };

// Module-level listeners (`this` is the response): no closure is allocated per request.
function onResponseClose(this: ServerResponse): void {
  (this as ExchangeResponse)[kExchange]?.onClientClose();
}
function onResponseDrain(this: ServerResponse): void {
  (this as ExchangeResponse)[kExchange]?.onClientDrain();
}

/**
 * One client request forwarded to one backend, as an undici dispatch handler: the request body is the
 * client's stream (never buffered), the response is written to the client chunk by chunk with
 * backpressure both ways. The upstream request is aborted when the client goes away; transport
 * failures become 502/504 envelopes (or a cut connection once the response has started).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly #deps: ProxyDeps;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #backend: Backend;
  readonly #requestId: string;
  readonly #startMs: number;
  #controller: Dispatcher.DispatchController | null = null;
  #upstreamDone = false;
  #clientGone = false;
  #drainListening = false;
  /** Status to log when this side cut the response short (the upstream failed mid-body). */
  #cutStatus = 0;

  constructor(
    deps: ProxyDeps,
    req: IncomingMessage,
    res: ServerResponse,
    backend: Backend,
    requestId: string,
    startMs: number,
  ) {
    this.#deps = deps;
    this.#req = req;
    this.#res = res;
    this.#backend = backend;
    this.#requestId = requestId;
    this.#startMs = startMs;
  }

  /** Dispatches the upstream request. Everything after this is driven by undici and the client. */
  start(): void {
    const req = this.#req;
    const res = this.#res as ExchangeResponse;
    res[kExchange] = this;
    res.on('close', onResponseClose);
    const headers = req.headers;
    const contentLength = headers['content-length'];
    const hasBody =
      contentLength !== undefined ? contentLength !== '0' : headers['transfer-encoding'] !== undefined;
    this.#backend.dispatch(
      {
        path: req.url as string,
        method: req.method as Dispatcher.HttpMethod,
        headers: buildUpstreamHeaders(req, this.#requestId, clientAddress(req)),
        body: hasBody ? req : null,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // The client left while the request waited for a free connection.
    if (this.#clientGone) controller.abort(CLIENT_GONE_ERROR);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200 || this.#clientGone) return; // 1xx are not forwarded; a gone client is being aborted
    const backend = this.#backend;
    backend.recordResponse(statusCode, this.#deps.clock.monotonic() - this.#startMs);
    this.#deps.metrics.recordUpstream(backend, statusCode);
    stripHopByHop(headers);
    headers[REQUEST_ID_HEADER] = this.#requestId;
    headers[BACKEND_ID_HEADER] = backend.id;
    try {
      this.#res.writeHead(statusCode, headers);
    } catch (err) {
      // A header Node refuses to send (invalid characters): the backend's answer is unusable.
      controller.abort(err as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#clientGone) return;
    if (!this.#res.write(chunk)) {
      controller.pause();
      if (!this.#drainListening) {
        this.#drainListening = true;
        this.#res.on('drain', onResponseDrain);
      }
    }
  }

  onResponseEnd(): void {
    this.#finishUpstream();
    if (!this.#clientGone) this.#res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finishUpstream();
    const res = this.#res;
    const kind = this.#clientGone || res.destroyed ? 'client-gone' : classifyUpstreamError(err);
    if (kind === 'client-gone') {
      // Normally the client is already gone; if not, cutting the connection is the only honest answer.
      if (!res.destroyed) res.destroy();
      return;
    }
    const backend = this.#backend;
    if (kind !== 'invalid-request') {
      backend.recordFailure();
      if (!res.headersSent) this.#deps.metrics.recordUpstreamError(backend);
    }
    const error = ERRORS[kind];
    if (res.headersSent) {
      this.#cutStatus = error.status;
      res.destroy();
      return;
    }
    res.setHeader(REQUEST_ID_HEADER, this.#requestId);
    res.setHeader(BACKEND_ID_HEADER, backend.id);
    sendError(res, error, this.#requestId);
  }

  /** The response stream closed: finished, or the client went away (then abort the upstream). */
  onClientClose(): void {
    const res = this.#res;
    const finished = res.writableFinished;
    if (!finished) {
      this.#clientGone = true;
      if (!this.#upstreamDone && this.#controller !== null) this.#controller.abort(CLIENT_GONE_ERROR);
    }
    const status = finished ? res.statusCode : this.#cutStatus || CLIENT_CLOSED_STATUS;
    recordProxied(
      this.#deps,
      this.#requestId,
      this.#req.method as string,
      this.#req.url as string,
      status,
      this.#startMs,
      this.#backend.id,
    );
  }

  onClientDrain(): void {
    this.#controller?.resume();
  }

  #finishUpstream(): void {
    if (this.#upstreamDone) return;
    this.#upstreamDone = true;
    this.#backend.finish();
  }
}
