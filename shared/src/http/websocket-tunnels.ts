import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { FloodgateError } from '../errors/floodgate-error.js';
import type { Logger } from '../logger/create-logger.js';
import { refuseUpgrade } from './upgrade-error.js';

export interface WebSocketTunnelsOptions {
  logger: Logger;
  /** Let http-proxy append the client address to X-Forwarded-For (false: the caller sets it). */
  xfwd: boolean;
}

export interface TunnelOptions {
  /** Where the upgrade goes: an origin, with a base path if any. */
  target: string;
  requestId: string;
  /** Fields for the log line written when the upstream fails (which backend, say). */
  logFields?: Record<string, unknown>;
  /** Called once, when the client socket closes. */
  onClose?: () => void;
}

interface Tunnel {
  /** The upstream side, once the upgrade succeeded. */
  upstream: Socket | null;
}

const BAD_GATEWAY = new FloodgateError('BAD_GATEWAY');

/**
 * The open WebSocket tunnels of one server, proxied with http-proxy. A tunnel pairs the client
 * socket with the upstream one once the upgrade succeeded, and a client that leaves takes its
 * upstream with it. An upstream that fails before the upgrade gets the client a 502 envelope (it
 * still expects an HTTP answer); after it, the connection is closed. Tunnels are not in-flight
 * requests (they may live for hours): `closeAll()` ends them at shutdown.
 */
export class WebSocketTunnels {
  readonly #logger: Logger;
  readonly #proxy: httpProxy;
  readonly #tunnels = new Map<Duplex, Tunnel>();

  constructor(options: WebSocketTunnelsOptions) {
    this.#logger = options.logger;
    this.#proxy = httpProxy.createProxyServer({ ws: true, xfwd: options.xfwd, changeOrigin: true });
    this.#proxy.on('error', (err) => this.#logger.debug({ err: err.message }, 'websocket proxy error'));
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

  /** Tunnels the upgrade request `req` (its headers and URL as they should reach `target`). */
  open(req: IncomingMessage, socket: Duplex, head: Buffer, options: TunnelOptions): void {
    const tunnel: Tunnel = { upstream: null };
    this.#tunnels.set(socket, tunnel);
    socket.once('close', () => {
      this.#tunnels.delete(socket);
      tunnel.upstream?.destroy();
      options.onClose?.();
    });
    this.#proxy.ws(req, socket, head, { target: options.target }, (err) => {
      this.#logger.warn(
        {
          reqId: options.requestId,
          ...options.logFields,
          err: (err as { code?: string }).code ?? err.message,
        },
        'websocket upstream failed',
      );
      if (tunnel.upstream === null && socket.writable) refuseUpgrade(socket, BAD_GATEWAY, options.requestId);
      else socket.destroy();
    });
  }

  /** Ends every tunnel, both sides (shutdown). */
  closeAll(): void {
    for (const [socket, tunnel] of this.#tunnels) {
      tunnel.upstream?.destroy();
      socket.destroy();
    }
  }
}
