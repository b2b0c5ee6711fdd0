import type { Server } from 'node:http';

/**
 * Stops accepting connections, lets in-flight requests finish, and force-closes whatever is still
 * open after `timeoutMs`. Idle keep-alive sockets are closed at once so clients reconnect elsewhere.
 */
export function shutdownServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
