import { FloodgateError, isFloodgateError } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { GatewayResponse } from '../http/gateway-response.js';
import type { ErrorResponder } from '../pipeline/pipeline.js';
import type { RequestContext, UpstreamExchange } from '../pipeline/request-context.js';
import { copyResponseHeaders } from './response-headers.js';

/** What every proxied exchange shares; built once at startup. */
export interface ProxyShared {
  respond: ErrorResponder;
  /** Called with the token hash when a proxied logout succeeded. */
  onLogout(tokenHash: string): void;
}

// Exchange states.
const WAITING = 0;
const STREAMING = 1;
const DONE = 2;

/** Raised into undici when the client went away, so the upstream request is torn down. */
class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

function onResponseDrain(this: GatewayResponse): void {
  this.context?.upstream?.resume();
}

/**
 * One proxied exchange, driven by undici's dispatch callbacks: the upstream response is streamed
 * to the client with backpressure (the upstream is paused while the client socket is full),
 * hop-by-hop headers are dropped, and failures before the response started become envelopes
 * (unreachable → 502, headers timeout → 504, body over the limit → 413). Once the response has
 * started the only honest signal left is to abort the client connection.
 */
export class ProxyHandler implements Dispatcher.DispatchHandler, UpstreamExchange {
  readonly #ctx: RequestContext;
  readonly #shared: ProxyShared;
  readonly #isLogout: boolean;
  #controller: Dispatcher.DispatchController | null = null;
  #state = WAITING;
  #abortRequested = false;

  constructor(ctx: RequestContext, shared: ProxyShared, isLogout: boolean) {
    this.#ctx = ctx;
    this.#shared = shared;
    this.#isLogout = isLogout;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortRequested) controller.abort(new ClientGoneError());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    const ctx = this.#ctx;
    if (ctx.closed) {
      controller.abort(new ClientGoneError());
      return;
    }
    this.#state = STREAMING;
    if (this.#isLogout && statusCode >= 200 && statusCode < 300)
      this.#shared.onLogout(ctx.tokenHash as string);
    const res = ctx.res;
    copyResponseHeaders(res, headers);
    res.writeHead(statusCode);
    res.on('drain', onResponseDrain);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#ctx.res.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#state = DONE;
    this.#ctx.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const started = this.#state === STREAMING;
    this.#state = DONE;
    const ctx = this.#ctx;
    if (ctx.closed || err instanceof ClientGoneError) return;
    ctx.upstreamError = errorCode(err);
    if (started) {
      ctx.res.destroy();
      return;
    }
    this.#shared.respond(ctx, toGatewayError(err));
  }

  abortIfPending(): void {
    if (this.#state === DONE) return;
    this.#state = DONE;
    if (this.#controller === null) this.#abortRequested = true;
    else this.#controller.abort(new ClientGoneError());
  }

  resume(): void {
    this.#controller?.resume();
  }
}

function errorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

/** The envelope error for an upstream failure that happened before the response started. */
function toGatewayError(err: Error): FloodgateError {
  if (isFloodgateError(err)) return err;
  switch ((err as { code?: unknown }).code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new FloodgateError('UPSTREAM_TIMEOUT', undefined, { cause: err });
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_INVALID_ARG':
      return new FloodgateError('BAD_REQUEST', undefined, { cause: err });
    default:
      return new FloodgateError('BAD_GATEWAY', undefined, { cause: err });
  }
}
