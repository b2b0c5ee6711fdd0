import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import { PgliteSessionQueue } from './pglite-session-queue.js';

type HandlerQueue = ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'];

export interface PgliteWireServerOptions {
  db: PGlite;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Connections beyond this are closed at once. @default 100 */
  maxConnections?: number;
  /** See PgliteSessionQueueOptions.holdTimeoutMs. @default 15000 */
  holdTimeoutMs?: number;
}

/**
 * Serves one PGlite over the PostgreSQL wire protocol to many `pg` clients. Framing, SSLRequest and
 * CancelRequest handling come from pglite-socket's PGLiteSocketHandler; the order in which the
 * connections' messages reach the single PGlite session is ours (PgliteSessionQueue), because the
 * package's own queue lets extended-protocol messages of different connections interleave.
 */
export class PgliteWireServer {
  readonly #db: PGlite;
  readonly #host: string;
  readonly #requestedPort: number;
  readonly #maxConnections: number;
  readonly #queue: PgliteSessionQueue;
  readonly #sockets = new Map<number, Socket>();
  #server: Server | null = null;
  #port = 0;

  constructor(options: PgliteWireServerOptions) {
    this.#db = options.db;
    this.#host = options.host ?? '127.0.0.1';
    this.#requestedPort = options.port ?? 0;
    this.#maxConnections = options.maxConnections ?? 100;
    this.#queue = new PgliteSessionQueue(this.#db, {
      holdTimeoutMs: options.holdTimeoutMs,
      // Closing the socket makes the handler detach, which rolls the session back.
      onHoldTimeout: (handlerId) => this.#sockets.get(handlerId)?.destroy(),
    });
  }

  get host(): string {
    return this.#host;
  }

  /** The bound port (valid after start()). */
  get port(): number {
    return this.#port;
  }

  /** Open client connections, messages waiting for the session, and whether a connection holds it. */
  stats(): { connections: number; queuedMessages: number; sessionHeld: boolean } {
    return {
      connections: this.#sockets.size,
      queuedMessages: this.#queue.pendingCount,
      sessionHeld: this.#queue.owner !== null,
    };
  }

  async start(): Promise<void> {
    if (this.#server) throw new Error('PgliteWireServer already started');
    await this.#db.waitReady;
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#requestedPort, this.#host, () => {
        server.off('error', reject);
        const address = server.address();
        this.#port = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
  }

  /** Stops listening and closes every connection; afterwards PGlite is not touched again. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await this.#queue.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets.values()) socket.destroy();
    await closed;
  }

  #accept(socket: Socket): void {
    if (this.#sockets.size >= this.#maxConnections) {
      socket.destroy();
      return;
    }
    const handler = new PGLiteSocketHandler({
      queryQueue: this.#queue as unknown as HandlerQueue,
      closeOnDetach: true,
    });
    const id = handler.handlerId;
    this.#sockets.set(id, socket);
    socket.once('close', () => this.#sockets.delete(id));
    // The handler reports socket errors as events; without a listener they would be unhandled.
    handler.addEventListener('error', () => {});
    void handler.attach(socket);
  }
}
