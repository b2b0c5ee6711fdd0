import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from '@floodgate/shared/testing';
import { type FakeBalancer, type RecordedRequest, startFakeBalancer } from './test-support/fake-balancer.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const opts = { timeout: 10_000 };

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses every HTTP/1.1 response in `raw` (Content-Length framed, as the gateway's answers are). */
function parseResponses(raw: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const lines = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    out.push({ status: Number(lines[0]?.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

async function exchange(port: number, payload: string): Promise<RawResponse> {
  const raw = await rawExchange(port, payload);
  const [res] = parseResponses(raw);
  assert.ok(
    res,
    `no response to ${JSON.stringify(payload.slice(0, 60))}: ${JSON.stringify(raw.slice(0, 200))}`,
  );
  return res;
}

/** Asserts the JSON error envelope with `code` and a request id matching X-Request-Id. */
function assertEnvelope(res: RawResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  const body = JSON.parse(res.body) as { error: { code: string; message: string; requestId: string } };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(body.error.requestId, res.headers['x-request-id']);
}

const get = (target: string, headers = '') =>
  `GET ${target} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n${headers}\r\n`;

describe('gateway hardening, raw sockets (fake balancer)', () => {
  let lb: FakeBalancer;
  let gw: TestGateway;
  before(async () => {
    lb = await startFakeBalancer();
    gw = await startTestGateway({
      LB_URL: lb.url,
      BODY_LIMIT_BYTES: '1024',
      MAX_HEADER_BYTES: '4096',
      MAX_HEADER_COUNT: '20',
      HEADERS_TIMEOUT_MS: '500',
      REQUEST_TIMEOUT_MS: '1000',
      MAX_REQUESTS_PER_SOCKET: '2',
    });
  });
  after(async () => {
    await gw.close();
    await lb.close();
  });

  it(
    '431 envelope for header bytes over MAX_HEADER_BYTES (Node parser) and for too many header fields',
    opts,
    async () => {
      const before = lb.requests.length;
      assertEnvelope(
        await exchange(gw.port, get('/api/v1/echo', `X-Big: ${'b'.repeat(5000)}\r\n`)),
        431,
        'HEADERS_TOO_LARGE',
      );
      let many = '';
      for (let i = 0; i < 25; i++) many += `X-H${i}: v\r\n`;
      assertEnvelope(await exchange(gw.port, get('/api/v1/echo', many)), 431, 'HEADERS_TOO_LARGE');
      assert.equal(lb.requests.length, before);
    },
  );

  it(
    '414 envelope for a target too long for the parser (the limits stage covers 8 KiB under it)',
    opts,
    async () => {
      for (const length of [5000, 9000, 20_000]) {
        assertEnvelope(await exchange(gw.port, get(`/api/v1/${'a'.repeat(length)}`)), 414, 'URI_TOO_LONG');
      }
    },
  );

  it('413 envelope for a declared body over BODY_LIMIT_BYTES, never forwarded', opts, async () => {
    const before = lb.requests.length;
    const res = await exchange(
      gw.port,
      `POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(100)}`,
    );
    assertEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
    assert.equal(res.headers.connection, 'close');
    assert.equal(lb.requests.length, before);
  });

  it('400 envelope for unparsable requests (method, header syntax, bare LF games)', opts, async () => {
    for (const payload of [
      'BLAH\r\n\r\n',
      'GET /api/v1/echo HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n',
      'GET /api/v1/echo HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ]) {
      assertEnvelope(await exchange(gw.port, payload), 400, 'BAD_REQUEST');
    }
  });

  it(
    'Transfer-Encoding other than plain chunked, or chunked with Content-Length, is 400 and never forwarded',
    opts,
    async () => {
      const before = lb.requests.length;
      for (const te of ['gzip', 'gzip, chunked', 'chunked, chunked', 'chunked\r\nContent-Length: 5']) {
        const res = await exchange(
          gw.port,
          `POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\n\r\n0\r\n\r\n`,
        );
        assertEnvelope(res, 400, 'BAD_REQUEST');
      }
      assert.equal(lb.requests.length, before);
      const chunked = await exchange(
        gw.port,
        'POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      );
      assert.equal(chunked.status, 200, 'plain chunked is fine');
      assert.equal(JSON.parse(chunked.body).bodyBytes, 3);
    },
  );

  it('408 envelope when headers (slowloris) or the body do not arrive in time', opts, async () => {
    const started = performance.now();
    assertEnvelope(
      await exchange(gw.port, 'GET /api/v1/echo HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'),
      408,
      'REQUEST_TIMEOUT',
    );
    const slowBody = await exchange(
      gw.port,
      'POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
    );
    assertEnvelope(slowBody, 408, 'REQUEST_TIMEOUT');
    assert.ok(performance.now() - started < 5000);
  });

  it('closes a keep-alive connection after MAX_REQUESTS_PER_SOCKET requests', opts, async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(gw.port, '127.0.0.1');
      let data = '';
      socket.on('data', (c: Buffer) => {
        data += c.toString('latin1');
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
      socket.on('connect', () =>
        socket.write(
          'GET /api/v1/echo HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/echo HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/echo HTTP/1.1\r\nHost: x\r\n\r\n',
        ),
      );
    });
    const responses = parseResponses(raw);
    assert.equal(
      responses.length,
      2,
      'the connection closed after two answers (the third request is dropped)',
    );
    assert.equal(responses[0]?.status, 200);
    assert.equal(responses[0]?.headers.connection, 'keep-alive');
    assert.equal(responses[1]?.status, 200);
    assert.equal(responses[1]?.headers.connection, 'close');
  });

  it(
    'the upstream URL is built from the path only: absolute-form, //host and backslashes never change the host',
    opts,
    async () => {
      const abs = await exchange(gw.port, get('http://evil.example:6666/api/v1/abs?q=1'));
      assert.equal(abs.status, 200);
      const seen = JSON.parse(abs.body) as RecordedRequest;
      assert.equal(seen.url, '/api/v1/abs?q=1');
      assert.equal(seen.headers.host, `127.0.0.1:${lb.port}`);
      const doubleSlash = await exchange(gw.port, get('/api//evil.example/x'));
      assert.equal(doubleSlash.status, 200);
      assert.equal((JSON.parse(doubleSlash.body) as RecordedRequest).headers.host, `127.0.0.1:${lb.port}`);
      assertEnvelope(await exchange(gw.port, get('//evil.example/api/v1/x')), 404, 'NOT_FOUND');
      assertEnvelope(await exchange(gw.port, get('http://evil.example/lb/status')), 404, 'NOT_FOUND');
    },
  );

  it(
    'traversal (.., %2e%2e, backslashes, encoded slashes) is 400 INVALID_PATH and never forwarded',
    opts,
    async () => {
      const before = lb.requests.length;
      for (const target of [
        '/api/../lb/status',
        '/api/v1/%2e%2e/%2e%2e/lb/status',
        '/api/v1/%2E%2e/x',
        '/api/v1/.%2e/x',
        '/api/v1/..%2f..%2flb/status',
        '/api/v1\\..\\..\\lb/status',
        '/api/v1/%5c..%5c..%5clb',
        '/api/v1/x%00y',
      ]) {
        assertEnvelope(await exchange(gw.port, get(target)), 400, 'INVALID_PATH');
      }
      assert.equal(lb.requests.length, before);
    },
  );

  it('strips hop-by-hop headers in both directions', opts, async () => {
    lb.routes.set('/api/v1/hop', (req, res) => {
      res.setHeader('connection', 'x-up-private');
      res.setHeader('x-up-private', 'upstream-secret');
      res.setHeader('keep-alive', 'timeout=99');
      res.setHeader('proxy-authenticate', 'Basic');
      res.setHeader('x-end-to-end', 'kept');
      res.end(JSON.stringify(req.headers));
    });
    const res = await exchange(
      gw.port,
      get(
        '/api/v1/hop',
        'Keep-Alive: timeout=1\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nUpgrade: h2c\r\nX-Client-Private: s\r\nConnection: x-client-private\r\n',
      ),
    );
    assert.equal(res.status, 200);
    const upstreamSaw = JSON.parse(res.body) as Record<string, string>;
    for (const h of ['keep-alive', 'te', 'proxy-authorization', 'upgrade', 'x-client-private']) {
      assert.equal(upstreamSaw[h], undefined, `request ${h}`);
    }
    assert.equal(res.headers['x-up-private'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=99');
    assert.equal(res.headers['x-end-to-end'], 'kept');
  });

  it('passes upstream redirects to the client and never follows them', opts, async () => {
    let hits = 0;
    lb.routes.set('/api/v1/moved', (_req, res) => {
      hits++;
      res.writeHead(301, { location: 'http://127.0.0.1:9/elsewhere' }).end();
    });
    const res = await exchange(gw.port, get('/api/v1/moved'));
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, 'http://127.0.0.1:9/elsewhere');
    assert.equal(hits, 1);
  });

  it(
    'admin endpoints are answered by the gateway only; the balancer admin API is unreachable',
    opts,
    async () => {
      const before = lb.requests.length;
      assertEnvelope(await exchange(gw.port, get('/api/v1/admin/keys')), 401, 'UNAUTHORIZED');
      assertEnvelope(await exchange(gw.port, get('/api/v1/%61dmin/rate-limits')), 401, 'UNAUTHORIZED');
      assertEnvelope(await exchange(gw.port, get('/api/v1/ADMIN/../admin/keys')), 400, 'INVALID_PATH');
      for (const target of ['/lb/status', '/lb/admin/backends', '/lb/admin/breakers/x/open']) {
        assertEnvelope(await exchange(gw.port, get(target)), 404, 'NOT_FOUND');
      }
      assertEnvelope(
        await exchange(
          gw.port,
          'POST /lb/admin/backends HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        ),
        404,
        'NOT_FOUND',
      );
      assert.equal(lb.requests.length, before);
    },
  );
});
