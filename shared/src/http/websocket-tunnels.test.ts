import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../logger/create-logger.js';
import { getFreePort } from '../testing/free-port.js';
import { listen } from './listen.js';
import { WebSocketTunnels } from './websocket-tunnels.js';

const UPGRADE_REQUEST =
  'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Request-Id: t-1\r\n\r\n';

/** Connects, sends an upgrade request and resolves with the socket and the first bytes it reads. */
async function upgrade(port: number): Promise<{ socket: Socket; first: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.write(UPGRADE_REQUEST);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return { socket, first: chunk.toString('latin1') };
}

describe('WebSocketTunnels', { timeout: 5000 }, () => {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const upstreamSockets: Socket[] = [];
  let upstream: Server;
  let front: Server;
  let port: number;
  let tunnels: WebSocketTunnels;
  let target: string;
  /** Emits 'closed' for each onClose call. */
  const closes = new EventEmitter();

  before(async () => {
    // The upstream accepts every upgrade and echoes what it receives, upper-cased.
    upstream = createServer();
    upstream.on('upgrade', (_req, socket: Socket) => {
      upstreamSockets.push(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      socket.on('data', (c: Buffer) => socket.write(c.toString().toUpperCase()));
      socket.on('end', () => socket.end()); // an http.Server socket allows half-open connections
      socket.on('error', () => {});
    });
    target = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
    tunnels = new WebSocketTunnels({ logger, xfwd: false });
    front = createServer();
    front.on('upgrade', (req, socket, head) => {
      socket.on('error', () => {});
      const to = req.url === '/chat' ? target : (req.headers['x-target'] as string);
      tunnels.open(req, socket, head, { target: to, requestId: 't-1', onClose: () => closes.emit('closed') });
    });
    port = await listen(front, 0, '127.0.0.1');
  });
  after(async () => {
    tunnels.closeAll();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((r) => s.close(r))));
  });

  it('tunnels both ways and forgets a tunnel, upstream side included, when the client leaves', async () => {
    const { socket, first } = await upgrade(port);
    assert.match(first, /^HTTP\/1\.1 101 /);
    assert.equal(tunnels.size, 1);
    socket.write('hello');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'HELLO');
    const upstreamSide = upstreamSockets.at(-1) as Socket;
    const bothClosed = Promise.all([once(upstreamSide, 'close'), once(closes, 'closed')]);
    socket.destroy();
    await bothClosed;
    assert.equal(tunnels.size, 0);
  });

  it('answers 502 in the envelope when the upstream cannot be reached before the upgrade', async () => {
    const dead = await getFreePort();
    const forgotten = once(closes, 'closed');
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `GET /other HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Target: http://127.0.0.1:${dead}\r\n\r\n`,
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'close');
    const answer = Buffer.concat(chunks).toString();
    assert.match(answer, /^HTTP\/1\.1 502 /);
    assert.match(answer, /"code":"BAD_GATEWAY".*"requestId":"t-1"/);
    await forgotten;
    assert.equal(tunnels.size, 0);
  });

  it('closeAll() ends every open tunnel on both sides', async () => {
    const a = await upgrade(port);
    const b = await upgrade(port);
    assert.equal(tunnels.size, 2);
    const all = [a.socket, b.socket, ...upstreamSockets.slice(-2)].map((s) => once(s, 'close'));
    tunnels.closeAll();
    await Promise.all(all);
    assert.equal(tunnels.size, 0);
  });
});
