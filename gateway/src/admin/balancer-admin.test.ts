import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, getFreePort } from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from '../test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from '../test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from '../test-support/start-test-gateway.js';

const LB_TOKEN = 'lb-admin-secret-0123456789';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('gateway → balancer admin API (backends and circuit breakers)', { timeout: 20_000 }, () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let gw: TestGateway;
  let admin: string;
  let user: string;
  const seen: Seen[] = [];

  /** The balancer's admin API as a stand-in: checks the token like the real one, answers `{seen}`. */
  const lbAdmin =
    (status = 200) =>
    (req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const entry = { method: req.method as string, url: req.url as string, headers: req.headers, body };
        seen.push(entry);
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== `Bearer ${LB_TOKEN}`) {
          res.statusCode = 401;
          res.end(
            '{"error":{"code":"UNAUTHORIZED","message":"A valid admin bearer token is required","requestId":"x"}}',
          );
          return;
        }
        res.statusCode = status;
        res.end(JSON.stringify({ backend: { id: 'api-2', draining: true }, seen: { url: entry.url } }));
      });
    };

  before(async () => {
    fx = await createSessionFixture('gw_lb_admin');
    lb = await startFakeBalancer();
    for (const path of [
      '/lb/admin/backends',
      '/lb/admin/backends/api-2',
      '/lb/admin/backends/api-2/drain',
      '/lb/admin/backends/api-2/enable',
      '/lb/admin/circuit-breakers',
      '/lb/admin/circuit-breakers/api-2/open',
      '/lb/admin/circuit-breakers/api-2/close',
      '/lb/admin/circuit-breakers/api-2/reset',
    ]) {
      lb.routes.set(path, lbAdmin());
    }
    lb.routes.set('/lb/admin/backends/api-404', (req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"NOT_FOUND","message":"No backend api-404","requestId":"x"}}');
    });
    gw = await startTestGateway(
      { LB_URL: lb.url, DATABASE_URL: fx.db.url, LB_ADMIN_TOKEN: LB_TOKEN, RATE_LIMIT_ENABLED: 'false' },
      { pool: fx.pool },
    );
    admin = (await fx.login('admin', 'enterprise')).token;
    user = (await fx.login('user', 'free')).token;
  });

  after(async () => {
    await gw.close();
    await lb.close();
    await fx.close();
  });

  const as = (port: number, token: string | null, method: string, path: string, body?: string) =>
    call(port, {
      method,
      path,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-request-id': 'admin-req-1',
      },
      body,
    });

  it('forwards every backend and breaker route to /lb/admin/* with the balancer token, relaying its answer', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/api/v1/admin/backends', '/lb/admin/backends'],
      ['GET', '/api/v1/admin/backends/api-2', '/lb/admin/backends/api-2'],
      ['DELETE', '/api/v1/admin/backends/api-2', '/lb/admin/backends/api-2'],
      ['POST', '/api/v1/admin/backends/api-2/drain', '/lb/admin/backends/api-2/drain'],
      ['POST', '/api/v1/admin/backends/api-2/enable', '/lb/admin/backends/api-2/enable'],
      ['GET', '/api/v1/admin/circuit-breakers', '/lb/admin/circuit-breakers'],
      ['POST', '/api/v1/admin/circuit-breakers/api-2/open', '/lb/admin/circuit-breakers/api-2/open'],
      ['POST', '/api/v1/admin/circuit-breakers/api-2/close', '/lb/admin/circuit-breakers/api-2/close'],
      ['POST', '/api/v1/admin/circuit-breakers/api-2/reset', '/lb/admin/circuit-breakers/api-2/reset'],
    ];
    for (const [method, path, lbPath] of cases) {
      seen.length = 0;
      const res = await as(gw.port, admin, method, path);
      assert.equal(res.status, 200, `${method} ${path}: ${res.body.toString()}`);
      assert.deepEqual(res.json<{ seen: { url: string } }>().seen, { url: lbPath });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.method, method);
      assert.equal(
        seen[0]?.headers.authorization,
        `Bearer ${LB_TOKEN}`,
        'the balancer token, not the caller’s',
      );
      assert.equal(seen[0]?.headers['x-request-id'], 'admin-req-1');
    }
  });

  it('forwards a list’s ?limit&cursor to the balancer, re-encoded; never a POST’s', async () => {
    seen.length = 0;
    assert.equal((await as(gw.port, admin, 'GET', '/api/v1/admin/backends?limit=1&cursor=cDox')).status, 200);
    assert.equal((await as(gw.port, admin, 'GET', '/api/v1/admin/circuit-breakers?limit=2')).status, 200);
    assert.equal((await as(gw.port, admin, 'POST', '/api/v1/admin/backends/api-2/drain?x=1')).status, 200);
    assert.deepEqual(
      seen.map((s) => s.url),
      [
        '/lb/admin/backends?limit=1&cursor=cDox',
        '/lb/admin/circuit-breakers?limit=2',
        '/lb/admin/backends/api-2/drain',
      ],
    );
  });

  it('serves the OpenAPI document of the admin API to admins', async () => {
    const res = await as(gw.port, admin, 'GET', '/api/v1/admin/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.json<{ openapi: string; info: { version: string }; paths: Record<string, unknown> }>();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/v1/admin/keys'] && doc.paths['/lb/status']);
    assert.equal((await as(gw.port, user, 'GET', '/api/v1/admin/openapi.json')).status, 403);
  });

  it('forwards the JSON body of POST /api/v1/admin/backends and relays 201 / the balancer’s errors', async () => {
    lb.routes.set('/lb/admin/backends', lbAdmin(201));
    seen.length = 0;
    const res = await as(
      gw.port,
      admin,
      'POST',
      '/api/v1/admin/backends',
      '{"url":"http://127.0.0.1:4999","weight":2}',
    );
    assert.equal(res.status, 201);
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { url: 'http://127.0.0.1:4999', weight: 2 });
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    const missing = await as(gw.port, admin, 'GET', '/api/v1/admin/backends/api-404');
    assert.equal(missing.status, 404);
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'NOT_FOUND');
    const notJson = await as(gw.port, admin, 'POST', '/api/v1/admin/backends', '{"url":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json<{ error: { code: string } }>().error.code, 'INVALID_JSON');
    lb.routes.set('/lb/admin/backends', lbAdmin());
  });

  it('needs the admin role and never reaches the balancer otherwise', async () => {
    seen.length = 0;
    assert.equal((await as(gw.port, null, 'GET', '/api/v1/admin/backends')).status, 401);
    assert.equal((await as(gw.port, user, 'POST', '/api/v1/admin/backends/api-2/drain')).status, 403);
    assert.equal((await as(gw.port, user, 'POST', '/api/v1/admin/circuit-breakers/api-2/open')).status, 403);
    assert.equal(seen.length, 0);
  });

  it('refuses ids that are no backend id and keeps the balancer’s own /lb/* unreachable', async () => {
    seen.length = 0;
    const odd = await as(gw.port, admin, 'POST', '/api/v1/admin/backends/..%2F..%2Fstatus/drain');
    assert.equal(odd.status, 404);
    for (const path of [
      '/lb/status',
      '/lb/admin/backends',
      '/api/../lb/admin/backends',
      '/api/v1/%2e%2e/%2e%2e/lb/status',
    ]) {
      const res = await as(gw.port, admin, 'GET', path);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
    }
    assert.equal(seen.length, 0, 'nothing reached /lb/admin/*');
    assert.ok(!lb.requests.some((r) => r.url.startsWith('/lb/')), 'nothing reached /lb/*');
  });

  it('a balancer refusing the gateway’s token or unreachable is 502, never the caller’s 401', async () => {
    const wrong = await startTestGateway(
      {
        LB_URL: lb.url,
        DATABASE_URL: fx.db.url,
        LB_ADMIN_TOKEN: 'not-the-token',
        RATE_LIMIT_ENABLED: 'false',
      },
      { pool: fx.pool },
    );
    const down = await startTestGateway(
      {
        LB_URL: `http://127.0.0.1:${await getFreePort()}`,
        DATABASE_URL: fx.db.url,
        RATE_LIMIT_ENABLED: 'false',
      },
      { pool: fx.pool },
    );
    try {
      const refused = await as(wrong.port, admin, 'GET', '/api/v1/admin/backends');
      assert.equal(refused.status, 502);
      assert.match(refused.json<{ error: { message: string } }>().error.message, /LB_ADMIN_TOKEN/);
      const unreachable = await as(down.port, admin, 'POST', '/api/v1/admin/circuit-breakers/api-2/reset');
      assert.equal(unreachable.status, 502);
      assert.equal(unreachable.json<{ error: { code: string } }>().error.code, 'BAD_GATEWAY');
    } finally {
      await wrong.close();
      await down.close();
    }
  });
});
