import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backends/backend.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/**
 * One try of an exchange on one backend: the undici dispatch handler. It keeps the backend's
 * in-flight count exact (finished exactly once) and hands every event to its exchange, which ignores
 * events of a try it has already replaced by a retry.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  readonly exchange: UpstreamExchange;
  readonly backend: Backend;
  /** Monotonic ms when the try was sent. */
  readonly startMs: number;
  /** The breaker's trial token, handed back with the outcome. */
  token = 0;
  controller: Dispatcher.DispatchController | null = null;
  /** The outcome reached the breaker (it must get exactly one per try, or a neutral release). */
  recorded = false;
  finished = false;

  constructor(exchange: UpstreamExchange, backend: Backend, startMs: number) {
    this.exchange = exchange;
    this.backend = backend;
    this.startMs = startMs;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.exchange.onAttemptStart(controller);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.exchange.onAttemptResponse(this, controller, statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.exchange.onAttemptData(this, controller, chunk);
  }

  onResponseEnd(): void {
    this.#finish();
    this.exchange.onAttemptEnd(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish();
    this.exchange.onAttemptError(this, err);
  }

  #finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.backend.finish();
  }
}
