import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, getFreePort, rawExchange } from '@floodgate/shared/testing';
import { type FakeBalancer, type RecordedRequest, startFakeBalancer } from './test-support/fake-balancer.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const BODY_LIMIT = 64 * 1024;
const opts = { timeout: 5000 };

describe('gateway proxy (anonymous traffic, fake balancer)', () => {
  let lb: FakeBalancer;
  let gw: TestGateway;
  before(async () => {
    lb = await startFakeBalancer();
    gw = await startTestGateway({
      LB_URL: lb.url,
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      UPSTREAM_HEADERS_TIMEOUT_MS: '400',
    });
  });
  after(async () => {
    await gw.close();
    await lb.close();
  });

  const echo = async (path: string, headers: Record<string, string> = {}) => {
    const res = await call(gw.port, { path, headers });
    assert.equal(res.status, 200, res.body.toString());
    return { res, seen: res.json<RecordedRequest>() };
  };

  it(
    'keeps a valid request id, generates one otherwise, echoes it and forwards it upstream',
    opts,
    async () => {
      const kept = await echo('/api/v1/echo', { 'x-request-id': 'client-req-1' });
      assert.equal(kept.res.headers['x-request-id'], 'client-req-1');
      assert.equal(kept.seen.headers['x-request-id'], 'client-req-1');
      const generated = await echo('/api/v1/echo', { 'x-request-id': 'not valid!' });
      const id = generated.res.headers['x-request-id'];
      assert.match(String(id), /^[0-9a-f-]{36}$/);
      assert.equal(generated.seen.headers['x-request-id'], id);
    },
  );

  it(
    'forwards end-to-end headers (traceparent untouched), sets X-Forwarded-*, drops hop-by-hop and client identity headers',
    opts,
    async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const { seen } = await echo('/api/v1/echo?q=1', {
        traceparent,
        connection: 'keep-alive, x-hop-private',
        'x-hop-private': 'secret',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        te: 'trailers',
        'x-user-id': '1',
        'x-user-role': 'admin',
        'x-consumer-id': 'someone',
        'x-consumer-tier': 'enterprise',
        'x-forwarded-for': '203.0.113.9',
        'x-custom': 'kept',
      });
      assert.equal(seen.url, '/api/v1/echo?q=1');
      assert.equal(seen.headers.traceparent, traceparent);
      assert.equal(seen.headers['x-custom'], 'kept');
      for (const h of [
        'x-hop-private',
        'proxy-authorization',
        'te',
        'x-user-id',
        'x-user-role',
        'x-consumer-id',
      ]) {
        assert.equal(seen.headers[h], undefined, h);
      }
      assert.equal(seen.headers['x-consumer-tier'], 'anonymous');
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-proto'], 'http');
      assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${gw.port}`);
      assert.equal(seen.headers.host, `127.0.0.1:${lb.port}`);
    },
  );

  it(
    'drops hop-by-hop response headers, keeps repeated Set-Cookie, and passes redirects through',
    opts,
    async () => {
      lb.routes.set('/api/v1/hop', (_req, res) => {
        res.setHeader('connection', 'x-upstream-private');
        res.setHeader('x-upstream-private', 'secret');
        res.setHeader('proxy-authenticate', 'Basic');
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-request-id', 'upstream-would-duplicate');
        res.end('ok');
      });
      const res = await call(gw.port, { path: '/api/v1/hop', headers: { 'x-request-id': 'hop-1' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'ok');
      assert.equal(res.headers['x-upstream-private'], undefined);
      assert.equal(res.headers['proxy-authenticate'], undefined);
      assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
      assert.equal(res.headers['x-request-id'], 'hop-1');

      lb.routes.set('/api/v1/old', (_req, res) => {
        res.writeHead(302, { location: '/api/v1/new' }).end();
      });
      const redirect = await call(gw.port, { path: '/api/v1/old' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.location, '/api/v1/new');
    },
  );

  it('streams the request body up and the response body down without buffering', opts, async () => {
    const body = Buffer.alloc(20_000, 7);
    const { seen } = await (async () => {
      const res = await call(gw.port, {
        method: 'POST',
        path: '/api/v1/upload',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
        body,
      });
      return { seen: res.json<RecordedRequest>() };
    })();
    assert.equal(seen.method, 'POST');
    assert.equal(seen.bodyBytes, body.length);

    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    lb.routes.set('/api/v1/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      released.then(() => res.end('last'));
    });
    const req = request({ host: '127.0.0.1', port: gw.port, path: '/api/v1/stream', agent: false });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    const [first] = (await once(res, 'data')) as [Buffer];
    assert.equal(first.toString(), 'first;', 'the first chunk arrives while the upstream is still sending');
    release();
    let rest = '';
    for await (const chunk of res) rest += String(chunk);
    assert.equal(rest, 'last');
  });

  it('413 for a declared body over the limit, before anything is proxied', opts, async () => {
    const before = lb.requests.length;
    const res = await call(gw.port, {
      method: 'POST',
      path: '/api/v1/upload',
      headers: { 'content-length': String(BODY_LIMIT + 1), 'x-request-id': 'big-1' },
      body: Buffer.alloc(BODY_LIMIT + 1),
    }).catch((err: Error) => err);
    assert.ok(!(res instanceof Error), String(res));
    assert.equal(res.status, 413);
    assert.deepEqual(res.json(), {
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `Request body exceeds ${BODY_LIMIT} bytes`,
        requestId: 'big-1',
      },
    });
    assert.equal(res.headers.connection, 'close');
    assert.equal(lb.requests.length, before);
  });

  it(
    '413 for a chunked body that grows past the limit while streaming; the upstream request is aborted',
    opts,
    async () => {
      const upstreamArrived = lb.nextRequest();
      const req = request({
        host: '127.0.0.1',
        port: gw.port,
        method: 'POST',
        path: '/api/v1/upload',
        headers: { 'transfer-encoding': 'chunked', 'x-request-id': 'chunked-1' },
        agent: false,
      });
      req.on('error', () => {}); // the gateway may close while we are still writing
      const response = once(req, 'response') as Promise<[import('node:http').IncomingMessage]>;
      const upstreamReq = await (async () => {
        req.write(Buffer.alloc(1024));
        return upstreamArrived;
      })();
      const upstreamClosed = new Promise((r) => upstreamReq.socket.once('close', r));
      let answered = false;
      response.then(() => {
        answered = true;
      });
      const chunk = Buffer.alloc(16 * 1024, 1);
      for (let i = 0; i < 40 && !answered; i++) {
        if (!req.write(chunk)) await Promise.race([once(req, 'drain'), response]);
      }
      const [res] = await response;
      let text = '';
      for await (const c of res) text += String(c);
      assert.equal(res.statusCode, 413);
      assert.equal(JSON.parse(text).error.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(JSON.parse(text).error.requestId, 'chunked-1');
      await upstreamClosed;
      assert.equal(upstreamReq.complete, false, 'the balancer never received the whole body');
      req.destroy();
    },
  );

  it('414 for a target over 8 KiB; 431 (from Node) for oversized headers', opts, async () => {
    const long = await call(gw.port, {
      path: `/api/v1/${'a'.repeat(9000)}`,
      headers: { 'x-request-id': 'long-1' },
    });
    assert.equal(long.status, 414);
    assert.equal(long.json<{ error: { code: string } }>().error.code, 'URI_TOO_LONG');
    assert.equal(long.headers['x-request-id'], 'long-1');

    const raw = await rawExchange(
      gw.port,
      `GET /api/v1/echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 431 /);
  });

  it(
    'refuses path traversal with 400 INVALID_PATH and never forwards /lb/ or non-API paths',
    opts,
    async () => {
      const before = lb.requests.length;
      for (const path of [
        '/api/../lb/status',
        '/api/v1/%2e%2e/%2e%2e/lb/status',
        '/api/v1/..%2f..%2flb/status',
        '/api/v1\\..\\..\\lb',
      ]) {
        const res = await call(gw.port, { path });
        assert.equal(res.status, 400, path);
        assert.equal(res.json<{ error: { code: string } }>().error.code, 'INVALID_PATH', path);
      }
      for (const path of ['/lb/status', '/lb/admin/backends', '//api/v1/echo', '/favicon.ico']) {
        const res = await call(gw.port, { path });
        assert.equal(res.status, 404, path);
        assert.equal(res.json<{ error: { code: string } }>().error.code, 'NOT_FOUND');
      }
      const admin = await call(gw.port, { path: '/api/v1/admin/dashboard' });
      assert.equal(admin.status, 401, 'admin routes are answered by the gateway, never proxied');
      assert.equal(lb.requests.length, before);
    },
  );

  it('uses only the path of an absolute-form target, never its host', opts, async () => {
    const res = await call(gw.port, { path: 'http://evil.example/api/v1/abs?x=1' });
    assert.equal(res.status, 200);
    const seen = res.json<RecordedRequest>();
    assert.equal(seen.url, '/api/v1/abs?x=1');
    assert.equal(seen.headers.host, `127.0.0.1:${lb.port}`);
  });

  it('504 when the balancer does not answer within the upstream headers timeout', opts, async () => {
    lb.routes.set('/api/v1/slow', () => {});
    const res = await call(gw.port, { path: '/api/v1/slow' });
    assert.equal(res.status, 504);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'UPSTREAM_TIMEOUT');
  });

  it('aborts the upstream request when the client goes away', opts, async () => {
    lb.routes.set('/api/v1/hang', () => {});
    const arrived = lb.nextRequest();
    const req = request({
      host: '127.0.0.1',
      port: gw.port,
      path: '/api/v1/hang',
      headers: { 'x-request-id': 'abort-1' },
      agent: false,
    });
    req.on('error', () => {});
    req.end();
    const upstreamReq = await arrived;
    const upstreamClosed = new Promise((r) => upstreamReq.socket.once('close', r));
    req.destroy();
    await upstreamClosed;
    const line = await waitForLog(gw, (l) => l.reqId === 'abort-1');
    assert.equal(line.status, 499);
  });

  it(
    'serves /health and /metrics locally with bounded route labels and the in-flight gauge',
    opts,
    async () => {
      const health = await call(gw.port, { path: '/health' });
      assert.equal(health.status, 200);
      const h = health.json<{ status: string; uptimeSeconds: number }>();
      assert.equal(h.status, 'ok');
      assert.equal(typeof h.uptimeSeconds, 'number');

      await echo('/api/v1/resources/12345');
      const metrics = await call(gw.port, { path: '/metrics' });
      assert.equal(metrics.status, 200);
      const text = metrics.body.toString();
      // At least the scrape itself; an earlier test's response may still be closing.
      const inFlight = /floodgate_gateway_in_flight\{component="gateway"\} (\d+)/.exec(text);
      assert.ok(inFlight && Number(inFlight[1]) >= 1, 'in-flight gauge present and counting');
      assert.match(
        text,
        /http_requests_total\{route="\/api\/v1\/resources\/:id",method="GET",status_class="2xx",tier="anonymous"/,
      );
      assert.doesNotMatch(text, /12345/);
    },
  );

  it('writes one access-log line per request with id, route, status, latency and tier', opts, async () => {
    await echo('/api/v1/logged/77', { 'x-request-id': 'log-1' });
    const line = await waitForLog(gw, (l) => l.reqId === 'log-1');
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/api/v1/logged/:id');
    assert.equal(line.status, 200);
    assert.equal(line.tier, 'anonymous');
    assert.equal(typeof line.ms, 'number');
    assert.equal(gw.logs().filter((l) => l.reqId === 'log-1').length, 1);
  });
});

describe('gateway proxy with the balancer down', () => {
  it('answers 502 BAD_GATEWAY with the envelope, quickly', opts, async () => {
    const gw = await startTestGateway({ LB_URL: `http://127.0.0.1:${await getFreePort()}` });
    try {
      const started = performance.now();
      const res = await call(gw.port, { path: '/api/v1/status', headers: { 'x-request-id': 'down-1' } });
      assert.ok(performance.now() - started < 1000);
      assert.equal(res.status, 502);
      assert.deepEqual(res.json(), {
        error: { code: 'BAD_GATEWAY', message: 'Upstream could not be reached', requestId: 'down-1' },
      });
      assert.equal(res.headers['x-request-id'], 'down-1');
    } finally {
      await gw.close();
    }
  });
});

/** The access-log line is written on the response's 'close', which can trail the client's view. */
async function waitForLog(
  gw: TestGateway,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const line = gw.logs().find(match);
    if (line) return line;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('access-log line not written');
}

describe('gateway server limits from config', () => {
  it(
    'a client that never finishes its headers gets 408 after HEADERS_TIMEOUT_MS (slowloris guard)',
    opts,
    async () => {
      const gw = await startTestGateway({
        LB_URL: 'http://127.0.0.1:9',
        HEADERS_TIMEOUT_MS: '600',
        REQUEST_TIMEOUT_MS: '1200',
        KEEP_ALIVE_TIMEOUT_MS: '700',
      });
      try {
        assert.equal(gw.gateway.server.keepAliveTimeout, 700);
        const started = performance.now();
        const raw = await rawExchange(gw.port, 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
        assert.match(raw, /^HTTP\/1\.1 408 /);
        assert.ok(performance.now() - started < 3000);
      } finally {
        await gw.close();
      }
    },
  );
});
