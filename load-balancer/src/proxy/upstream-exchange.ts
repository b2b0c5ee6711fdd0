import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  CLIENT_CLOSED_REQUEST,
  FloodgateError,
  REQUEST_ID_HEADER,
  sendError,
  stripHopByHop,
} from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backends/backend.js';
import { NO_RESPONSE } from '../backends/try-outcome.js';
import type { RetryReason } from '../metrics/load-balancer-metrics.js';
import { bufferRequestBody } from './buffer-request-body.js';
import {
  CLIENT_GONE_ERROR,
  classifyUpstreamError,
  type UpstreamErrorKind,
} from './classify-upstream-error.js';
import type { ProxyDeps } from './proxy-deps.js';
import { recordOutcome } from './record-outcome.js';
import { recordProxied } from './record-proxied.js';
import { mayRetryAfterSent } from './retry-policy.js';
import { UpstreamAttempt } from './upstream-attempt.js';
import { buildUpstreamHeaders, clientAddress } from './upstream-headers.js';

const BACKEND_ID_HEADER = 'x-backend-id';

// Built once: a failure storm must not also become an allocation storm.
const ERRORS: Record<Exclude<UpstreamErrorKind, 'client-gone'>, FloodgateError> = {
  connect: new FloodgateError('BAD_GATEWAY'),
  reset: new FloodgateError('BAD_GATEWAY'),
  unreachable: new FloodgateError('BAD_GATEWAY'),
  timeout: new FloodgateError('UPSTREAM_TIMEOUT'),
  'invalid-request': new FloodgateError('BAD_REQUEST', 'Request cannot be forwarded as sent'),
};
const NO_BACKEND = new FloodgateError('NO_BACKEND_AVAILABLE');
/** Abort reason of a try whose answer (502/503/504) was replaced by a retry. */
const SUPERSEDED = new Error('try superseded by a retry on another backend');

/** Retry reason of a retryable transport failure (the others are not retried). */
const RETRY_REASON: Partial<Record<UpstreamErrorKind, RetryReason>> = {
  connect: 'connect',
  reset: 'reset',
  timeout: 'timeout',
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
 * One client request, forwarded to one backend or, after a retryable failure, to another.
 * The response is streamed to the client chunk by chunk with backpressure both ways, and the
 * upstream try is aborted when the client goes away.
 *
 * Retries never lose or duplicate work: a try is retried only before any response byte reached the
 * client; only on connect errors, resets, per-try timeouts and 502/503/504; on a backend not tried
 * yet; within `maxRetries` and the retry budget; and only when the request may be repeated —
 * after it was sent, idempotent methods, or POST/PATCH with a valid `Idempotency-Key`
 * (`retry-policy.ts`); any method when it provably never reached a backend (connect error). A
 * request body is retried only when it was small enough to be buffered (the same bytes are resent);
 * larger bodies are streamed straight through and never retried.
 *
 * Each try's outcome is reported exactly once, through `recordOutcome`.
 */
export class UpstreamExchange {
  readonly #deps: ProxyDeps;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #requestId: string;
  readonly #startMs: number;
  #headers: string[] = [];
  /** null: no body; a Buffer can be resent, the request stream cannot. */
  #body: Buffer | IncomingMessage | null = null;
  #attempt: UpstreamAttempt | null = null;
  /** Backends tried so far; allocated on the first retry. */
  #tried: Backend[] | null = null;
  #retries = 0;
  #clientGone = false;
  #drainListening = false;
  /** Status to log when this side cut the response short (the upstream failed mid-body). */
  #cutStatus = 0;

  constructor(
    deps: ProxyDeps,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    startMs: number,
  ) {
    this.#deps = deps;
    this.#req = req;
    this.#res = res;
    this.#requestId = requestId;
    this.#startMs = startMs;
  }

  /** Starts the exchange with the first try on `backend` (picked by the caller). */
  start(backend: Backend): void {
    const req = this.#req;
    const res = this.#res as ExchangeResponse;
    res[kExchange] = this;
    res.on('close', onResponseClose);
    this.#deps.budget.recordRequest();
    this.#headers = buildUpstreamHeaders(req, this.#requestId, clientAddress(req));
    const headers = req.headers;
    const contentLength = headers['content-length'];
    const hasBody =
      contentLength !== undefined ? contentLength !== '0' : headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      this.#send(backend);
      return;
    }
    const { maxRetries, retryBodyLimitBytes } = this.#deps.settings;
    if (maxRetries === 0 || (contentLength !== undefined && Number(contentLength) > retryBodyLimitBytes)) {
      this.#body = req;
      this.#send(backend);
      return;
    }
    bufferRequestBody(req, retryBodyLimitBytes, (body) => this.#onBodyBuffered(backend, body));
  }

  #onBodyBuffered(backend: Backend, body: Buffer | null): void {
    if (this.#clientGone) return;
    this.#body = body ?? this.#req;
    // The pick was made before the body arrived: pick again if that backend left rotation meanwhile.
    const target = backend.isAvailable() ? backend : this.#deps.pool.pick();
    if (target === undefined) {
      this.#res.setHeader('retry-after', '1');
      this.#sendError(NO_BACKEND, null);
      return;
    }
    this.#send(target);
  }

  /** Sends one try to `backend`; its timeout is the per-try one, cut to what the whole request has left. */
  #send(backend: Backend): void {
    const deps = this.#deps;
    const req = this.#req;
    const now = deps.clock.monotonic();
    const { tryTimeoutMs, requestTimeoutMs } = deps.settings;
    const remainingMs = this.#startMs + requestTimeoutMs - now;
    const attempt = new UpstreamAttempt(this, backend, now);
    this.#attempt = attempt;
    attempt.token = backend.breaker.onDispatch();
    backend.dispatch(
      {
        path: req.url as string,
        method: req.method as Dispatcher.HttpMethod,
        headers: this.#headers,
        body: this.#body,
        headersTimeout: remainingMs < tryTimeoutMs ? Math.max(1, remainingMs) : tryTimeoutMs,
      },
      attempt,
    );
  }

  /** @internal A try got its controller. */
  onAttemptStart(controller: Dispatcher.DispatchController): void {
    // The client left while the try waited for a free connection.
    if (this.#clientGone) controller.abort(CLIENT_GONE_ERROR);
  }

  /** @internal A try's response headers arrived. */
  onAttemptResponse(
    attempt: UpstreamAttempt,
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx are not forwarded; a gone client is being aborted; a superseded try is being discarded.
    if (statusCode < 200 || this.#clientGone || attempt !== this.#attempt) return;
    const deps = this.#deps;
    const backend = attempt.backend;
    const next = statusCode >= 502 && statusCode <= 504 ? this.#retryTarget(attempt, true) : undefined;
    recordOutcome(deps, attempt, statusCode, next === undefined ? null : (String(statusCode) as RetryReason));
    if (next !== undefined) {
      this.#send(next); // before the abort, so the error it raises belongs to a superseded try
      controller.abort(SUPERSEDED);
      return;
    }
    stripHopByHop(headers);
    headers[REQUEST_ID_HEADER] = this.#requestId;
    headers[BACKEND_ID_HEADER] = backend.id;
    if (deps.lifecycle.closing) headers.connection = 'close';
    try {
      this.#res.writeHead(statusCode, headers);
    } catch (err) {
      // A header Node refuses to send (invalid characters): the backend's answer is unusable.
      controller.abort(err as Error);
    }
  }

  /** @internal */
  onAttemptData(attempt: UpstreamAttempt, controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#clientGone || attempt !== this.#attempt) return;
    if (!this.#res.write(chunk)) {
      controller.pause();
      if (!this.#drainListening) {
        this.#drainListening = true;
        this.#res.on('drain', onResponseDrain);
      }
    }
  }

  /** @internal */
  onAttemptEnd(attempt: UpstreamAttempt): void {
    if (attempt !== this.#attempt || this.#clientGone) return;
    this.#res.end();
  }

  /** @internal A try failed: before its response started (maybe retried), or mid-body (connection cut). */
  onAttemptError(attempt: UpstreamAttempt, err: Error): void {
    if (attempt !== this.#attempt) return; // a superseded try: its outcome is recorded
    const res = this.#res;
    const kind = this.#clientGone || res.destroyed ? 'client-gone' : classifyUpstreamError(err);
    if (kind === 'client-gone') {
      // Says nothing about the backend. Normally the client is already gone; if not, cutting the
      // connection is the only honest answer.
      if (!res.destroyed) res.destroy();
      return;
    }
    // No answer yet: this failure is the try's outcome (an invalid request says nothing about the backend).
    if (!attempt.recorded && kind !== 'invalid-request') {
      const reason = RETRY_REASON[kind];
      const next =
        reason !== undefined && !res.headersSent ? this.#retryTarget(attempt, kind !== 'connect') : undefined;
      recordOutcome(this.#deps, attempt, NO_RESPONSE, next === undefined ? null : (reason ?? null));
      if (next !== undefined) {
        this.#send(next);
        return;
      }
    }
    const error = ERRORS[kind];
    if (res.headersSent) {
      this.#cutStatus = error.status;
      res.destroy();
      return;
    }
    this.#sendError(error, attempt.backend.id);
  }

  /**
   * The backend to retry on when every rule allows a retry (its budget is then taken), else undefined.
   * `reached`: the failed try may have reached its backend (anything but a connect error).
   */
  #retryTarget(failed: UpstreamAttempt, reached: boolean): Backend | undefined {
    const deps = this.#deps;
    const req = this.#req;
    if (this.#retries >= deps.settings.maxRetries) return undefined;
    if (this.#body === req) return undefined; // a streamed body cannot be sent again
    if (reached && !mayRetryAfterSent(req.method as string, req.headers)) return undefined;
    if (deps.clock.monotonic() - this.#startMs >= deps.settings.requestTimeoutMs) return undefined;
    if (this.#tried === null) this.#tried = [failed.backend];
    const next = deps.pool.pick(this.#tried);
    if (next === undefined) return undefined;
    if (!deps.budget.tryAcquire()) {
      deps.metrics.recordRetryBudgetExhausted();
      return undefined;
    }
    this.#tried.push(next);
    this.#retries++;
    return next;
  }

  #sendError(error: FloodgateError, backendId: string | null): void {
    const res = this.#res;
    res.setHeader(REQUEST_ID_HEADER, this.#requestId);
    if (backendId !== null) res.setHeader(BACKEND_ID_HEADER, backendId);
    if (this.#deps.lifecycle.closing) res.setHeader('connection', 'close');
    sendError(res, error, this.#requestId);
  }

  /** The response stream closed: finished, or the client went away (then abort the upstream try). */
  onClientClose(): void {
    const res = this.#res;
    const finished = res.writableFinished;
    const attempt = this.#attempt;
    if (!finished) {
      this.#clientGone = true;
      if (attempt !== null && !attempt.finished) attempt.controller?.abort(CLIENT_GONE_ERROR);
    }
    const status = finished ? res.statusCode : this.#cutStatus || CLIENT_CLOSED_REQUEST;
    recordProxied(
      this.#deps,
      this.#requestId,
      this.#req.method as string,
      this.#req.url as string,
      status,
      this.#startMs,
      attempt === null ? null : attempt.backend.id,
      this.#retries,
    );
  }

  onClientDrain(): void {
    this.#attempt?.controller?.resume();
  }
}
