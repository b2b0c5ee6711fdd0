import { CLIENT_CLOSED_REQUEST, type Clock, type Logger } from '@floodgate/shared';
import { tierOf } from '../auth/identity.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayStats } from './gateway-stats.js';

/**
 * Records each finished request once: counters, the HTTP metrics (route template, method, status
 * class, tier) and one access-log line. Credentials never reach the line: only ids and the tier.
 */
export class RequestObserver {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #stats: GatewayStats;
  readonly #metrics: GatewayMetrics;

  constructor(deps: { clock: Clock; logger: Logger; stats: GatewayStats; metrics: GatewayMetrics }) {
    this.#clock = deps.clock;
    // The access line has a fixed set of credential-free fields, so it skips the logger's redaction
    // pass (about 4 µs a line, the largest single cost of logging on the hot path).
    this.#logger = deps.logger.child({}, { redact: [] });
    this.#stats = deps.stats;
    this.#metrics = deps.metrics;
  }

  started(): void {
    this.#stats.started();
  }

  finished(ctx: RequestContext): void {
    const res = ctx.res;
    const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
    const ms = this.#clock.monotonic() - ctx.startMs;
    const method = ctx.req.method as string;
    const identity = ctx.identity;
    const tier = tierOf(identity);
    this.#stats.finished(status);
    this.#metrics.http.observe(ctx.route, method, status, ms / 1000, tier);
    this.#logger.info(
      {
        reqId: ctx.requestId,
        method,
        route: ctx.route,
        status,
        ms: Math.round(ms * 100) / 100,
        tier,
        userId: identity.kind === 'user' ? identity.userId : undefined,
        consumerId: identity.kind === 'consumer' ? identity.consumerId : undefined,
        upstreamError: ctx.upstreamError ?? undefined,
      },
      'request',
    );
  }
}
