import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How often idle keep-alive connections are closed while draining. */
const SWEEP_MS = 25;

const connections = new WeakMap<Server, Set<Socket>>();

/**
 * Remembers `server`'s open connections so `drainServer` can mark the responses in flight on them
 * `Connection: close`. Costs one entry per connection, nothing per request. `listen()` calls it.
 */
export function trackConnections(server: Server): void {
  if (connections.has(server)) return;
  const open = new Set<Socket>();
  connections.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}

/** While draining, every response not started yet tells its keep-alive client to go elsewhere. */
function closeAfterResponse(_req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}

/**
 * Graceful stop of an HTTP server: stops accepting connections and resolves once every connection
 * is closed, within `timeoutMs`. `server.close()` alone keeps serving keep-alive connections that were
 * busy when it was called (for seconds, while requests keep coming on them), so: the responses in
 * flight (on connections seen by `trackConnections`) and every request arriving on a busy connection
 * meanwhile are answered with `Connection: close`, and idle connections are closed every few ms. At
 * the deadline `onDeadline` runs and every remaining connection is cut.
 */
export function drainServer(server: Server, timeoutMs: number, onDeadline?: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.prependListener('request', closeAfterResponse);
    for (const socket of connections.get(server) ?? []) {
      // Node's own handle on the response a connection is serving (what closeIdleConnections reads).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (res && !res.headersSent) res.setHeader('connection', 'close');
    }
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    sweep.unref();
    const deadline = setTimeout(() => {
      onDeadline?.();
      server.closeAllConnections();
    }, timeoutMs);
    deadline.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      server.off('request', closeAfterResponse);
      resolve();
    });
    server.closeIdleConnections();
  });
}
