import { connect, createServer, type Socket } from 'node:net';

/**
 * Where a cut falls: before the matching request reaches the server ('request'), after it, before
 * its reply comes back ('reply'), or before it with the server's side left open, as when the
 * network loses the close too ('silent').
 */
export type CutPoint = 'request' | 'reply' | 'silent';

export interface CuttingProxy {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /**
   * Arms a one-shot cut of the next connection whose client sends `match` (it must arrive in one
   * read, as a protocol message written at once does): at 'request' the chunk is dropped and both
   * sides closed; at 'silent' it is dropped and only the client's side is closed (the server's is
   * kept open until close()); at 'reply' it is forwarded and both sides are closed when the
   * server's first bytes after it arrive, which are dropped. Resolves when the cut happened.
   */
  cutOnce(match: string, at: CutPoint): Promise<void>;
  /** While on, new connections are closed at once (the server seems down). */
  refuse(on: boolean): void;
  /** Closes every open connection, both sides. */
  cutAll(): void;
  close(): Promise<void>;
}

interface Armed {
  match: Buffer;
  at: CutPoint;
  fired: () => void;
}

/**
 * A TCP proxy on 127.0.0.1:0 in front of `target` that cuts one connection at a precise point of
 * its traffic: e.g. a PostgreSQL COMMIT that never arrives, or one that commits and whose answer is
 * lost; or an HTTP request that the server handled and whose response never reaches the client.
 */
export async function startCuttingProxy(target: { host: string; port: number }): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  let armed: Armed | null = null;
  let refusing = false;
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    open.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    let silenced = false;
    client.on('close', () => {
      open.delete(client);
      if (!silenced) upstream.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    let cutOnReply: (() => void) | null = null;
    client.on('data', (chunk: Buffer) => {
      const a = armed;
      if (a !== null && chunk.includes(a.match)) {
        armed = null;
        if (a.at === 'request') {
          cut();
          a.fired();
          return;
        }
        if (a.at === 'silent') {
          silenced = true;
          upstream.removeAllListeners('data');
          client.destroy();
          a.fired();
          return;
        }
        cutOnReply = a.fired;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (cutOnReply !== null) {
        const fired = cutOnReply;
        cutOnReply = null;
        cut();
        fired();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get accepted() {
      return accepted;
    },
    cutOnce(match, at) {
      return new Promise<void>((fired) => {
        armed = { match: Buffer.from(match), at, fired };
      });
    },
    refuse(on) {
      refusing = on;
    },
    cutAll() {
      for (const socket of open) socket.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
