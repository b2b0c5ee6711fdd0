import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backends/backend.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/**
 * One try of an exchange on one backend: the undici dispatch handler. It hands every event to its
 * exchange (which ignores events of a try it has already replaced by a retry), then keeps the
 * backend's in-flight count exact (finished exactly once) and releases the breaker trial slot of a
 * try that ended without an outcome (`recordOutcome`), so every try reports to its breaker once.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  readonly exchange: UpstreamExchange;
  readonly backend: Backend;
  /** Monotonic ms when the try was sent. */
  readonly startMs: number;
  /** The breaker's trial token, handed back with the outcome. */
  token = 0;
  controller: Dispatcher.DispatchController | null = null;
  /** Its outcome was reported (`recordOutcome`); one per try at most. */
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
    try {
      this.exchange.onAttemptEnd(this);
    } finally {
      this.#finish();
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    // The exchange first: it records a failure before the neutral release below could.
    try {
      this.exchange.onAttemptError(this, err);
    } finally {
      this.#finish();
    }
  }

  #finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.backend.finish();
    if (!this.recorded) this.backend.breaker.recordNeutral(this.token);
  }
}
