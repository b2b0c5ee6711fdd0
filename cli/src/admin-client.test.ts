import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isFloodgateError } from '@floodgate/shared';
import { getFreePort } from '@floodgate/shared/testing';
import { AdminClient } from './admin-client.js';

let server: Server;
let baseUrl: string;
const received: { method?: string; url?: string; auth?: string; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/api/v1/admin/keys' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ id: 7, echo: JSON.parse(body) }));
      }
      if (req.url === '/teapot') {
        res.writeHead(418);
        return res.end('short and stout');
      }
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'FORBIDDEN', message: 'Insufficient permissions', requestId: 'rq-1' },
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('AdminClient', () => {
  it('sends JSON with the Bearer token and returns the parsed 2xx body', async () => {
    const client = new AdminClient({ baseUrl, token: 'tok' });
    assert.equal(client.baseUrl, baseUrl.replace(/\/$/, ''));
    const out = await client.request('POST', '/api/v1/admin/keys', { tier: 'pro' });
    assert.deepEqual(out, { id: 7, echo: { tier: 'pro' } });
    assert.deepEqual(received.at(-1), {
      method: 'POST',
      url: '/api/v1/admin/keys',
      auth: 'Bearer tok',
      body: '{"tier":"pro"}',
    });
  });

  it("turns an error envelope into FloodgateError with the server's code, status and request id", async () => {
    const client = new AdminClient({ baseUrl, token: 'tok' });
    await assert.rejects(client.request('GET', '/api/v1/admin/backends'), (err: unknown) => {
      assert.ok(isFloodgateError(err));
      assert.equal(err.code, 'FORBIDDEN');
      assert.equal(err.message, 'Insufficient permissions');
      assert.deepEqual(err.details, { status: 403, requestId: 'rq-1' });
      return true;
    });
    await assert.rejects(client.request('GET', '/teapot'), { code: 'BAD_REQUEST', message: 'HTTP 418' });
  });

  it('reports an unreachable gateway as BAD_GATEWAY and a silent one as UPSTREAM_TIMEOUT', async () => {
    const dead = await getFreePort();
    await assert.rejects(new AdminClient({ baseUrl: `http://127.0.0.1:${dead}` }).request('GET', '/x'), {
      code: 'BAD_GATEWAY',
      message: new RegExp(`cannot reach http://127.0.0.1:${dead}: ECONNREFUSED`),
    });
    const client = new AdminClient({ baseUrl, timeoutMs: 150 });
    await assert.rejects(client.request('GET', '/hang'), { code: 'UPSTREAM_TIMEOUT' });
    const health = await new AdminClient({ baseUrl: `http://127.0.0.1:${dead}` }).health();
    assert.equal(health.reachable, false);
  });

  it('rejects a base URL that is not http(s)', () => {
    assert.throws(() => new AdminClient({ baseUrl: 'localhost:8080' }), { code: 'VALIDATION_FAILED' });
  });
});
