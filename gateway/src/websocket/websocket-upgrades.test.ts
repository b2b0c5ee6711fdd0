import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../test-support/start-test-gateway.js';

/** A stand-in balancer that accepts every upgrade on /api/* and echoes the tunnel's bytes. */
async function startUpgradeEcho() {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ url: req.url as string, headers: req.headers });
    if (req.url?.startsWith('/api/v1/refused')) {
      const body =
        '{"error":{"code":"NO_BACKEND_AVAILABLE","message":"No backend available","requestId":"r"}}';
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Sends an upgrade request over a raw socket; resolves with the response head and the socket. */
async function upgrade(port: number, path: string, headers: Record<string, string> = {}) {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
  );
  let data = '';
  let ended = false;
  socket.on('end', () => {
    ended = true;
  });
  for (;;) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    data += String(chunk);
    const end = data.indexOf('\r\n\r\n');
    if (end !== -1) {
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const head: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        head[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = data.slice(end + 4);
      const status = Number(statusLine?.split(' ')[1]);
      if (status !== 101) {
        while (!ended && body.length < Number(head['content-length'] ?? 0)) {
          const [more] = (await once(socket, 'data')) as [Buffer];
          body += String(more);
        }
      }
      return { status, head, body, socket };
    }
  }
}

describe('gateway WebSocket upgrades', { timeout: 15_000 }, () => {
  let lb: Awaited<ReturnType<typeof startUpgradeEcho>>;
  let gw: TestGateway;
  const sockets: Socket[] = [];
  before(async () => {
    lb = await startUpgradeEcho();
    gw = await startTestGateway({ LB_URL: lb.url, RATE_LIMIT_MAX_REQUESTS: '3' });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await gw.close();
    lb.close();
  });

  it('tunnels an upgrade to the balancer with the identity and the client address, both ways', async () => {
    const res = await upgrade(gw.port, '/api/v1/ws?room=a', {
      'x-forwarded-for': '198.51.100.7',
      'x-user-id': '1',
      'x-request-id': 'ws-req-1',
    });
    sockets.push(res.socket);
    assert.equal(res.status, 101);
    const seen = lb.seen.at(-1);
    assert.equal(seen?.url, '/api/v1/ws?room=a');
    assert.equal(seen?.headers['x-forwarded-for'], '127.0.0.1', 'the peer: stickiness is per client');
    assert.equal(seen?.headers['x-consumer-tier'], 'anonymous');
    assert.equal(seen?.headers['x-user-id'], undefined, 'client-sent identity headers are dropped');
    assert.equal(seen?.headers['x-request-id'], 'ws-req-1');
    assert.equal(seen?.headers.upgrade, 'websocket');
    assert.match(String(seen?.headers.connection), /upgrade/i);
    assert.equal(seen?.headers['sec-websocket-key'], 'dGhlIHNhbXBsZSBub25jZQ==');
    res.socket.write('ping');
    const [echo] = (await once(res.socket, 'data')) as [Buffer];
    assert.equal(String(echo), 'ping');
  });

  it('authenticates the upgrade like any request: a bad credential is a 401 envelope on the socket', async () => {
    const before = lb.seen.length;
    const res = await upgrade(gw.port, '/api/v1/ws?room=a', { authorization: 'Bearer x' });
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.body).error.code, 'INVALID_TOKEN');
    assert.equal(res.head['www-authenticate'], 'Bearer');
    assert.equal(res.head.connection, 'close');
    const key = await upgrade(gw.port, '/api/v1/ws?room=a', { 'x-api-key': 'fg_nope' });
    assert.equal(key.status, 401);
    assert.equal(JSON.parse(key.body).error.code, 'INVALID_API_KEY');
    assert.equal(lb.seen.length, before, 'the balancer never saw them');
  });

  it('rate-limits upgrades like requests: 429 with Retry-After and RateLimit headers', async () => {
    // The anonymous limit is 3 per window; the first test used one.
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof upgrade>> | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await upgrade(gw.port, '/api/v1/ws?room=b');
      sockets.push(res.socket);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    assert.deepEqual(statuses, [101, 101, 429, 429]);
    assert.equal(JSON.parse(refused?.body ?? '{}').error.code, 'RATE_LIMITED');
    assert.ok(Number(refused?.head['retry-after']) >= 1);
    assert.ok(refused?.head.ratelimit !== undefined);
  });
});

describe('gateway WebSocket upgrades: routing, balancer refusals, shutdown', { timeout: 15_000 }, () => {
  let lb: Awaited<ReturnType<typeof startUpgradeEcho>>;
  let gw: TestGateway;
  before(async () => {
    lb = await startUpgradeEcho();
    gw = await startTestGateway({ LB_URL: lb.url, RATE_LIMIT_ENABLED: 'false' });
  });
  after(async () => {
    await gw.close();
    lb.close();
  });

  it('never tunnels admin, balancer or non-API paths', async () => {
    for (const path of [
      '/api/v1/admin/backends',
      '/api/v1/%61dmin/x',
      '/lb/status',
      '/health',
      '/api/../lb/x',
    ]) {
      const res = await upgrade(gw.port, path);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      res.socket.destroy();
    }
    assert.equal(lb.seen.length, 0);
  });

  it('passes the balancer’s own refusal through (503 NO_BACKEND_AVAILABLE)', async () => {
    const res = await upgrade(gw.port, '/api/v1/refused');
    assert.equal(res.status, 503);
    assert.equal(res.head['retry-after'], '1');
    assert.equal(JSON.parse(res.body).error.code, 'NO_BACKEND_AVAILABLE');
    res.socket.destroy();
  });

  it('ends open tunnels when the gateway shuts down', async () => {
    const res = await upgrade(gw.port, '/api/v1/ws?room=c');
    assert.equal(res.status, 101);
    const closed = once(res.socket, 'close');
    const stopped = gw.close();
    await closed;
    await stopped;
  });
});
