import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  FloodgateError,
  type Logger,
  REQUEST_ID_HEADER,
  refuseUpgrade,
  resolveRequestId,
  WebSocketTunnels,
} from '@floodgate/shared';
import type { BackendPool } from '../backends/backend-pool.js';
import type { Lifecycle } from '../proxy/proxy-deps.js';
import { pickSticky, stickyClientKey } from './sticky-pick.js';

export interface WebSocketProxyDeps {
  logger: Logger;
  lifecycle: Lifecycle;
}

const NO_BACKEND = new FloodgateError('NO_BACKEND_AVAILABLE');
const SHUTTING_DOWN = new FloodgateError('SHUTTING_DOWN');

function ignoreError(): void {}

/**
 * WebSocket upgrades, proxied with http-proxy (`ws: true`) to a backend chosen by rendezvous hashing
 * of the client (sticky while that backend stays available). Failures end the client socket cleanly:
 * before the upgrade with an HTTP error envelope (503 no backend, 502 backend unreachable), after it
 * by closing the connection; a socket error never reaches the process.
 *
 * Tunnels do not count as in-flight requests (they may live for hours), are not fed to the breaker,
 * and survive a drain; `closeAll()` ends them at shutdown.
 */
export class WebSocketProxy {
  readonly #pool: BackendPool;
  readonly #deps: WebSocketProxyDeps;
  readonly #tunnels: WebSocketTunnels;

  constructor(pool: BackendPool, deps: WebSocketProxyDeps) {
    this.#pool = pool;
    this.#deps = deps;
    this.#tunnels = new WebSocketTunnels({ logger: deps.logger, xfwd: true });
  }

  /** Open tunnels. */
  get size(): number {
    return this.#tunnels.size;
  }

  /** The server's 'upgrade' listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignoreError);
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    req.headers[REQUEST_ID_HEADER] = requestId;
    if (this.#deps.lifecycle.closing) {
      refuseUpgrade(socket, SHUTTING_DOWN, requestId);
      return;
    }
    const backend = pickSticky(this.#pool.backends, stickyClientKey(req));
    if (backend === undefined) {
      refuseUpgrade(socket, NO_BACKEND, requestId, { 'retry-after': 1 });
      return;
    }
    backend.webSockets++;
    this.#tunnels.open(req, socket, head, {
      target: backend.url,
      requestId,
      logFields: { backend: backend.id },
      onClose: () => {
        backend.webSockets--;
      },
    });
  }

  /** Ends every tunnel (shutdown). */
  closeAll(): void {
    this.#tunnels.closeAll();
  }
}
