import type { Server } from 'node:http';

/** How often idle keep-alive connections are closed while draining. */
const SWEEP_MS = 25;

/**
 * Stops accepting connections and resolves once every connection is closed, within `timeoutMs`.
 * `server.close()` alone keeps serving keep-alive connections that were busy when it was called, so
 * until they are gone idle connections are closed every few ms (responses written meanwhile carry
 * `Connection: close`, set by the caller). At the deadline every remaining connection is cut.
 */
export function drainServer(server: Server, timeoutMs: number, onDeadline?: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
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
      resolve();
    });
    server.closeIdleConnections();
  });
}
