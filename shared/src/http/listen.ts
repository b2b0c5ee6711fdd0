import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trackConnections } from './drain-server.js';

/**
 * Listens and resolves with the bound port (useful with port 0). Connections are tracked from here
 * on, so a later `drainServer`/`shutdownServer` can mark the responses in flight `Connection: close`.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  trackConnections(server);
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
