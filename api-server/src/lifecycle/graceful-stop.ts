import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  type Clock,
  drainServer,
  FloodgateError,
  type Logger,
  REQUEST_ID_HEADER,
  resolveRequestId,
  sendError,
} from '@floodgate/shared';

/** The readiness probe the balancers poll (HEALTH_CHECK_PATH). */
const READY_PATH = '/health/ready';
const SHUTTING_DOWN = new FloodgateError('SHUTTING_DOWN');

export interface GracefulStopOptions {
  /** Drain deadline (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  clock: Clock;
  /** Runs when the drain starts, e.g. to close WebSockets (upgraded sockets would hold the drain). */
  beforeDrain?: () => void;
}

/**
 * How an api-server leaves its balancers' rotation without failing a request. From `stop()` on,
 * `/health/ready` answers 503 `SHUTTING_DOWN` (a balancer marks the instance down on the first such
 * probe) and every response carries `Connection: close`; after `delayMs` — long enough for every
 * balancer to have probed once — the server stops accepting and drains what is in flight
 * (`drainServer`, cut at `timeoutMs`).
 */
export class GracefulStop {
  readonly #options: GracefulStopOptions;
  #stopping = false;

  constructor(options: GracefulStopOptions) {
    this.#options = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * The request hook, first in the server's listener: true when it answered the request itself (the
   * readiness probe while stopping). Until `stop()` it costs one boolean check.
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.#stopping) return false;
    res.setHeader('connection', 'close');
    const url = req.url ?? '';
    if (
      req.method === 'GET' &&
      url.startsWith(READY_PATH) &&
      (url.length === READY_PATH.length || url.charCodeAt(READY_PATH.length) === 63) /* ? */
    ) {
      const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
      res.setHeader(REQUEST_ID_HEADER, requestId);
      sendError(res, SHUTTING_DOWN, requestId);
      return true;
    }
    return false;
  }

  /** Readiness 503 now, the drain after `delayMs`; resolves once every connection is closed. */
  async stop(server: Server, delayMs: number): Promise<void> {
    const { logger, clock, timeoutMs } = this.#options;
    this.#stopping = true;
    if (delayMs > 0) {
      logger.info({ delayMs }, 'shutting down: readiness answers SHUTTING_DOWN before the drain');
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delayMs));
    }
    logger.info({ deadlineMs: timeoutMs }, 'draining: finishing in-flight requests');
    this.#options.beforeDrain?.();
    await drainServer(server, timeoutMs, () =>
      logger.warn('shutdown deadline reached: cutting the connections still open'),
    );
  }
}
