import { connect, createServer, type Socket } from 'node:net';

/**
 * pass: forward; refuse: close every open connection and each new one at once (the server seems
 * down); hang: keep the connections, forward nothing (the server seems frozen).
 */
export type ProxyMode = 'pass' | 'refuse' | 'hang';

/**
 * Where a cut falls: before the matching request reaches the server ('request'), after it, before
 * its reply comes back ('reply'), or before it with the server's side left open, as when the
 * network loses the close too ('silent').
 */
export type CutPoint = 'request' | 'reply' | 'silent';

export interface TcpProxy {
  port: number;
  readonly mode: ProxyMode;
  /** Connections accepted so far. */
  readonly accepted: number;
  setMode(mode: ProxyMode): void;
  /**
   * Arms a one-shot cut of the next connection whose client sends `match` (it must arrive in one
   * read, as a protocol message written at once does): at 'request' the chunk is dropped and both
   * sides closed; at 'silent' it is dropped and only the client's side is closed (the server's is
   * kept open until close()); at 'reply' it is forwarded and both sides are closed when the
   * server's first bytes after it arrive, which are dropped. Resolves when the cut happened.
   */
  cutOnce(match: string, at: CutPoint): Promise<void>;
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
 * A TCP proxy on 127.0.0.1:0 in front of `target` that a test can cut, refuse or stall, to take a
 * dependency (PostgreSQL, Redis, a backend) away from one process without touching the shared
 * server: all connections at once (`setMode`) or one at a precise point of its traffic
 * (`cutOnce`): a PostgreSQL COMMIT that never arrives, or one that commits and whose answer is
 * lost; an HTTP request the server handled whose response never reaches the client.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  /** Every open socket, both sides (a silenced server side stays here until close()). */
  const open = new Set<Socket>();
  let mode: ProxyMode = 'pass';
  let armed: Armed | null = null;
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (mode === 'refuse') {
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
    upstream.on('drain', () => {
      if (mode !== 'hang') client.resume();
    });
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
    client.on('drain', () => {
      if (mode !== 'hang') upstream.resume();
    });
    if (mode === 'hang') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cutAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    setMode(next) {
      mode = next;
      if (next === 'refuse') cutAll();
      for (const socket of open) {
        if (next === 'hang') socket.pause();
        else socket.resume();
      }
    },
    cutOnce(match, at) {
      return new Promise<void>((fired) => {
        armed = { match: Buffer.from(match), at, fired };
      });
    },
    cutAll,
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
