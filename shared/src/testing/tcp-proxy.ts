import { connect, createServer, type Server, type Socket } from 'node:net';

/** pass: forward; refuse: close every connection (new ones at once); hang: keep connections, forward nothing. */
export type ProxyMode = 'pass' | 'refuse' | 'hang';

export interface TcpProxy {
  port: number;
  mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1:0 in front of `target` that a test can cut (refuse) or stall (hang), to
 * take a dependency (PostgreSQL, say) away from one process without touching the shared server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let mode: ProxyMode = 'pass';
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'hang') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxy: TcpProxy = {
    port,
    get mode() {
      return mode;
    },
    setMode(next) {
      const previous = mode;
      mode = next;
      if (previous === next) return;
      for (const [client, upstream] of [...pairs]) {
        if (next === 'refuse') {
          client.destroy();
          upstream.destroy();
        } else if (next === 'hang') {
          client.unpipe(upstream);
          upstream.unpipe(client);
          client.pause();
          upstream.pause();
        } else if (previous === 'hang') {
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
          upstream.resume();
        }
      }
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
