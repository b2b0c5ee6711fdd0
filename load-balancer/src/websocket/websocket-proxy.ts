import type { ClientRequest, IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  FloodgateError,
  type Logger,
  REQUEST_ID_HEADER,
  resolveRequestId,
  toErrorEnvelope,
} from '@floodgate/shared';
import httpProxy from 'http-proxy';
import type { Backend } from '../backends/backend.js';
import type { BackendPool } from '../backends/backend-pool.js';
import type { Lifecycle } from '../proxy/proxy-deps.js';
import { pickSticky, stickyClientKey } from './sticky-pick.js';

interface Tunnel {
  backend: Backend;
  requestId: string;
  /** The backend side, once the upgrade succeeded. */
  upstream: Socket | null;
}

export interface WebSocketProxyDeps {
  logger: Logger;
  lifecycle: Lifecycle;
}

const NO_BACKEND = new FloodgateError('NO_BACKEND_AVAILABLE');
const BAD_GATEWAY = new FloodgateError('BAD_GATEWAY');
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
  readonly #proxy: httpProxy;
  readonly #tunnels = new Map<Duplex, Tunnel>();

  constructor(pool: BackendPool, deps: WebSocketProxyDeps) {
    this.#pool = pool;
    this.#deps = deps;
    this.#proxy = httpProxy.createProxyServer({ ws: true, xfwd: true, changeOrigin: true });
    this.#proxy.on('error', (err) => deps.logger.debug({ err }, 'websocket proxy error'));
    this.#proxy.on('proxyReqWs', (proxyReq: ClientRequest, _req, socket) => {
      const tunnel = this.#tunnels.get(socket);
      proxyReq.on('upgrade', (_res, upstream: Socket) => {
        if (tunnel === undefined || socket.destroyed) {
          upstream.destroy();
          return;
        }
        tunnel.upstream = upstream;
      });
    });
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
      endWithError(socket, SHUTTING_DOWN, requestId);
      return;
    }
    const backend = pickSticky(this.#pool.backends, stickyClientKey(req));
    if (backend === undefined) {
      endWithError(socket, NO_BACKEND, requestId, 'Retry-After: 1\r\n');
      return;
    }
    const tunnel: Tunnel = { backend, requestId, upstream: null };
    this.#tunnels.set(socket, tunnel);
    backend.webSockets++;
    socket.once('close', () => {
      this.#tunnels.delete(socket);
      backend.webSockets--;
      tunnel.upstream?.destroy();
    });
    this.#proxy.ws(req, socket, head, { target: backend.url }, (err) => {
      this.#deps.logger.warn(
        { reqId: requestId, backend: backend.id, err: (err as { code?: string }).code ?? err.message },
        'websocket upstream failed',
      );
      // Before the upgrade the client still expects an HTTP answer; http-proxy ends the socket next.
      if (tunnel.upstream === null && socket.writable) writeError(socket, BAD_GATEWAY, requestId, '');
    });
  }

  /** Ends every tunnel (shutdown). */
  closeAll(): void {
    for (const [socket, tunnel] of this.#tunnels) {
      tunnel.upstream?.destroy();
      socket.destroy();
    }
  }
}

function writeError(socket: Duplex, error: FloodgateError, requestId: string, extraHeaders: string): void {
  const payload = JSON.stringify(toErrorEnvelope(error, requestId).body);
  socket.write(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      extraHeaders +
      'Connection: close\r\n\r\n' +
      payload,
  );
}

function endWithError(socket: Duplex, error: FloodgateError, requestId: string, extraHeaders = ''): void {
  writeError(socket, error, requestId, extraHeaders);
  socket.end();
}
