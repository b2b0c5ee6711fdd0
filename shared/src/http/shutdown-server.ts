import type { Server } from 'node:http';
import { drainServer } from './drain-server.js';

/**
 * Stops accepting connections, lets in-flight requests finish (answered with `Connection: close`),
 * and force-closes whatever is still open after `timeoutMs`: `drainServer` without a deadline hook.
 */
export function shutdownServer(server: Server, timeoutMs: number): Promise<void> {
  return drainServer(server, timeoutMs);
}
