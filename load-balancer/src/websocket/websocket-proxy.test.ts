import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, getFreePort } from '@floodgate/shared/testing';
import { WebSocket, WebSocketServer } from 'ws';
import { Backend } from '../backends/backend.js';
import { startBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';
import { pickSticky, stickyClientKey } from './sticky-pick.js';

/** A backend that echoes WebSocket messages prefixed with its id, and tells who it sees as the client. */
async function wsBackend(id: string) {
  const backend = await startBackend(id);
  const wss = new WebSocketServer({ server: backend.server });
  wss.on('connection', (ws, req) => {
    ws.send(`${id}:hello:${req.headers['x-forwarded-for'] ?? ''}:${req.headers['x-request-id'] ?? ''}`);
    ws.on('message', (data) => ws.send(`${id}:${String(data)}`));
  });
  return { backend, wss };
}

/** Opens a WebSocket; resolves with it and its first message (the backend's greeting). */
function open(url: string, clientIp?: string): Promise<{ ws: WebSocket; greeting: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, clientIp ? { headers: { 'x-forwarded-for': clientIp } } : {});
    ws.once('message', (data) => resolve({ ws, greeting: String(data) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Resolves with the HTTP answer to an upgrade the balancer refused. */
function refusedUpgrade(url: string): Promise<IncomingMessage & { body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error('upgrade unexpectedly succeeded')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve(Object.assign(res, { body })));
    });
    ws.once('error', () => {});
  });
}

const backendOf = (greeting: string) => greeting.split(':')[0];

describe('WebSocket proxying', { timeout: 20_000 }, () => {
  let servers: Awaited<ReturnType<typeof wsBackend>>[];
  let lb: TestLoadBalancer;
  let wsUrl: string;
  const sockets: WebSocket[] = [];
  before(async () => {
    servers = await Promise.all(['A', 'B', 'C'].map((id) => wsBackend(id)));
    lb = await startTestLoadBalancer(servers.map((s) => s.backend.url));
    wsUrl = `ws://127.0.0.1:${lb.port}/ws`;
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await lb.close();
    for (const s of servers) {
      for (const client of s.wss.clients) client.terminate();
      s.wss.close();
      await s.backend.close();
    }
  });
  const connect = async (clientIp?: string) => {
    const c = await open(wsUrl, clientIp);
    sockets.push(c.ws);
    return c;
  };

  it('echoes through the balancer, forwarding the client address and a request id', async () => {
    const { ws, greeting } = await connect('203.0.113.7');
    const [, , forwardedFor, requestId] = greeting.split(':');
    assert.match(String(forwardedFor), /^203\.0\.113\.7,/, 'x-forwarded-for keeps the original client first');
    assert.match(String(requestId), /^[0-9a-f-]{36}$/);
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('ping');
    assert.equal(await reply, `${backendOf(greeting)}:ping`);
    ws.close();
  });

  it('keeps a client on one backend, and spreads different clients', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { ws, greeting } = await connect('198.51.100.23');
      seen.add(String(backendOf(greeting)));
      ws.close();
    }
    assert.equal(seen.size, 1, 'the same client always lands on the same backend');
    const clients = new Set<string>();
    for (let i = 1; i <= 12; i++) {
      const { ws, greeting } = await connect(`198.51.100.${i}`);
      clients.add(String(backendOf(greeting)));
      ws.close();
    }
    assert.ok(clients.size > 1, `12 clients all went to ${[...clients].join(',')}`);
  });

  it('moves only when its backend becomes unavailable, and comes back when it returns', async () => {
    const first = await connect('192.0.2.50');
    const home = backendOf(first.greeting);
    const index = ['A', 'B', 'C'].indexOf(String(home));
    const pool = lb.lb.pool;
    const id = pool.backends[index]?.id as string;
    const status = (await call(`${lb.url}/lb/status`)).json<{
      data: { backends: { id: string; webSockets: number }[] };
    }>().data;
    assert.equal(status.backends.find((b) => b.id === id)?.webSockets, 1);
    pool.setDraining(id, true);
    try {
      const moved = await connect('192.0.2.50');
      assert.notEqual(backendOf(moved.greeting), home);
      first.ws.send('still here');
      const reply = await new Promise<string>((r) => first.ws.once('message', (d) => r(String(d))));
      assert.equal(reply, `${home}:still here`, 'an open tunnel survives the drain');
    } finally {
      pool.setDraining(id, false);
    }
    assert.equal(backendOf((await connect('192.0.2.50')).greeting), home);
  });

  it('closes the client cleanly when its backend goes down, and keeps serving', async () => {
    const { ws, greeting } = await connect('192.0.2.77');
    const server = servers[['A', 'B', 'C'].indexOf(String(backendOf(greeting)))];
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    for (const client of server?.wss.clients ?? []) client.terminate(); // the backend drops the connection
    // The tunnel is ended at TCP level (no WebSocket close frame came from the backend): 1006.
    assert.equal(await closed, 1006);
    assert.equal((await call(`${lb.url}/lb/status`)).status, 200, 'the balancer is still up');
    const again = await connect('192.0.2.77');
    assert.equal(backendOf(again.greeting), backendOf(greeting));
  });
});

describe('WebSocket failures', { timeout: 10_000 }, () => {
  it('answers 503 with Retry-After when no backend is available, 502 when the backend is unreachable', async () => {
    const dead = `http://127.0.0.1:${await getFreePort()}`;
    const lb = await startTestLoadBalancer([dead]);
    try {
      const unreachable = await refusedUpgrade(`ws://127.0.0.1:${lb.port}/ws`);
      assert.equal(unreachable.statusCode, 502);
      assert.equal((JSON.parse(unreachable.body) as { error: { code: string } }).error.code, 'BAD_GATEWAY');
      lb.lb.pool.setHealthy('api-1', false);
      const none = await refusedUpgrade(`ws://127.0.0.1:${lb.port}/ws`);
      assert.equal(none.statusCode, 503);
      assert.equal(none.headers['retry-after'], '1');
      assert.equal((JSON.parse(none.body) as { error: { code: string } }).error.code, 'NO_BACKEND_AVAILABLE');
      assert.equal((await call(`${lb.url}/lb/status`)).status, 200);
    } finally {
      await lb.close();
    }
  });

  it('closes open tunnels when the balancer shuts down', async () => {
    const { backend, wss } = await wsBackend('solo');
    const lb = await startTestLoadBalancer([backend.url]);
    try {
      const { ws } = await open(`ws://127.0.0.1:${lb.port}/ws`);
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      await lb.close();
      await closed;
      assert.equal(lb.lb.webSockets.size, 0);
    } finally {
      wss.close();
      await backend.close();
    }
  });
});

describe('pickSticky / stickyClientKey', () => {
  const upstream = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };
  const list = [1, 2, 3, 4].map((i) => new Backend({ id: `b${i}`, url: `http://127.0.0.1:${i}` }, upstream));
  after(() => Promise.all(list.map((b) => b.destroy())));

  it('moves only the clients of an unavailable backend', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const before = keys.map((k) => pickSticky(list, k));
    (list[1] as Backend).healthy = false;
    const after = keys.map((k) => pickSticky(list, k));
    (list[1] as Backend).healthy = true;
    keys.forEach((_, i) => {
      if (before[i] !== list[1]) assert.equal(after[i], before[i], 'other clients stay put');
      else assert.notEqual(after[i], list[1]);
    });
    const perBackend = list.map((b) => before.filter((x) => x === b).length);
    for (const n of perBackend) assert.ok(n > 25, `uneven spread ${perBackend.join(',')}`);
  });

  it('uses the first X-Forwarded-For entry, else the socket address', () => {
    const req = (xff: string | undefined, remoteAddress: string) =>
      ({
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
        socket: { remoteAddress },
      }) as IncomingMessage;
    assert.equal(stickyClientKey(req(' 203.0.113.9 , 10.0.0.1', '127.0.0.1')), '203.0.113.9');
    assert.equal(stickyClientKey(req(undefined, '::ffff:10.1.2.3')), '10.1.2.3');
    assert.equal(stickyClientKey(req('', '10.9.9.9')), '10.9.9.9');
  });
});
