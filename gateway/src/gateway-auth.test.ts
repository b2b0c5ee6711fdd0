import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  Channels,
  createLogger,
  createRedisClient,
  loadGatewayConfig,
  RedisEventBus,
} from '@floodgate/shared';
import { DashboardAnswer } from '@floodgate/shared/admin-api';
import {
  call,
  deleteRedisPrefix,
  getFreePort,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import {
  FAKE_LB_STATUS,
  type FakeBalancer,
  type RecordedRequest,
  startFakeBalancer,
} from './test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from './test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const opts = { timeout: 8000 };
const silent = createLogger({ name: 'test', level: 'silent' });
type Envelope = { error: { code: string; requestId: string } };

describe('gateway session auth and admin (real PostgreSQL and Redis, fake balancer)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let gw: TestGateway;
  const prefix = uniqueRedisPrefix('gw_auth');

  before(async () => {
    fx = await createSessionFixture('gw_auth');
    lb = await startFakeBalancer();
    lb.routes.set('/api/v1/auth/logout', (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    gw = await startTestGateway(
      { LB_URL: lb.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
      { pool: fx.pool },
    );
  });
  after(async () => {
    await gw.close();
    await lb.close();
    await fx.close();
    await deleteRedisPrefix(prefix);
  });

  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    call(gw.port, { path, headers: token ? { authorization: `Bearer ${token}`, ...headers } : headers });

  it('forwards the verified identity and replaces client-sent identity headers', opts, async () => {
    const { token, userId } = await fx.login('user', 'pro');
    const res = await get('/api/v1/me', token, {
      'x-user-id': '999',
      'x-user-role': 'admin',
      'x-consumer-tier': 'enterprise',
      'x-consumer-id': 'spoofed',
    });
    assert.equal(res.status, 200);
    const seen = res.json<RecordedRequest>();
    assert.equal(seen.headers['x-user-id'], String(userId));
    assert.equal(seen.headers['x-user-role'], 'user');
    assert.equal(seen.headers['x-consumer-tier'], 'pro');
    assert.equal(seen.headers['x-consumer-id'], undefined);
  });

  it('a known token costs one PostgreSQL query across many requests', opts, async () => {
    const { token } = await fx.login('user', 'free');
    const before = fx.queries();
    for (let i = 0; i < 25; i++) assert.equal((await get('/api/v1/resources', token)).status, 200);
    assert.equal(fx.queries() - before, 1);
  });

  it(
    'malformed, unknown, revoked and expired tokens are 401 INVALID_TOKEN, never anonymous',
    opts,
    async () => {
      const before = fx.queries();
      const malformed = await get('/api/v1/resources', 'not-a-token', { 'x-request-id': 'bad-tok-1' });
      assert.equal(malformed.status, 401);
      assert.deepEqual(malformed.json<Envelope>().error, {
        code: 'INVALID_TOKEN',
        message: 'Session token is invalid or expired',
        requestId: 'bad-tok-1',
      });
      assert.equal(fx.queries(), before, 'a malformed token costs no query');

      const unknown = await get('/api/v1/resources', 'Z'.repeat(43));
      assert.equal(unknown.status, 401);
      const revoked = await fx.login('user', 'free');
      await fx.revokeInDatabase(revoked.tokenHash);
      assert.equal((await get('/api/v1/resources', revoked.token)).status, 401);
      const expired = await fx.login('user', 'free', -5);
      assert.equal((await get('/api/v1/resources', expired.token)).status, 401);
    },
  );

  it('a successful proxied logout evicts the token at once (no Redis message needed)', opts, async () => {
    const { token, tokenHash } = await fx.login('user', 'free');
    assert.equal((await get('/api/v1/me', token)).status, 200);
    // The api-server revokes in PostgreSQL; the gateway's cache would still accept the token.
    await fx.revokeInDatabase(tokenHash);
    const logout = await call(gw.port, {
      method: 'POST',
      path: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(logout.status, 204);
    assert.equal((await get('/api/v1/me', token)).status, 401);
  });

  it('a revocation published on Redis is honoured within 1 s', opts, async () => {
    const { token, tokenHash } = await fx.login('user', 'free');
    assert.equal((await get('/api/v1/me', token)).status, 200);
    const config = loadGatewayConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    const redisConfig = { ...config.redis, url: TEST_REDIS_URL };
    const publisher = createRedisClient(redisConfig, silent, { name: 'test-pub' });
    const subscriber = createRedisClient(redisConfig, silent, { name: 'test-sub', subscriber: true });
    const bus = new RedisEventBus(publisher, subscriber, prefix);
    try {
      // A command connection has no offline queue: publish only once it is ready.
      if (publisher.status !== 'ready') await once(publisher, 'ready');
      await fx.revokeInDatabase(tokenHash);
      const published = performance.now();
      await bus.publish(Channels.sessionRevoked, tokenHash);
      let status = 200;
      while (status === 200 && performance.now() - published < 1000) {
        status = (await get('/api/v1/me', token)).status;
      }
      assert.equal(status, 401);
      assert.ok(performance.now() - published < 1000);
    } finally {
      await bus.close();
      publisher.disconnect();
    }
  });

  it('admin routes: anonymous 401, non-admin 403, unknown route 404, never proxied', opts, async () => {
    const before = lb.requests.length;
    const anonymous = await get('/api/v1/admin/dashboard');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json<Envelope>().error.code, 'UNAUTHORIZED');
    const user = await fx.login('user', 'enterprise');
    const forbidden = await get('/api/v1/admin/dashboard', user.token);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json<Envelope>().error.code, 'FORBIDDEN');
    const admin = await fx.login('admin', 'enterprise');
    const unknown = await get('/api/v1/admin/nothing-here', admin.token);
    assert.equal(unknown.status, 404);
    const wrongMethod = await call(gw.port, {
      method: 'DELETE',
      path: '/api/v1/admin/dashboard',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'GET, HEAD', 'HEAD is served wherever GET is');
    assert.equal(lb.requests.length, before);
  });

  it('admin dashboard summarises the gateway and includes the balancer status', opts, async () => {
    const admin = await fx.login('admin', 'enterprise');
    const res = await get('/api/v1/admin/dashboard', admin.token);
    assert.equal(res.status, 200);
    const body = DashboardAnswer.parse(res.json()).data;
    assert.deepEqual(body.balancer, { reachable: true, status: FAKE_LB_STATUS.data, error: null });
    assert.ok(body.gateway.inFlight >= 1, 'counts at least the dashboard request itself');
    assert.ok(body.gateway.requests.total > 0);
    assert.ok((body.gateway.requests.byStatusClass['2xx'] ?? 0) > 0);
    assert.ok((body.gateway.requests.byStatusClass['4xx'] ?? 0) > 0);
    assert.ok(body.gateway.sessionCache.size >= 1);
    assert.ok(body.gateway.uptimeMs >= 0);
    assert.ok(Math.abs(Date.parse(body.gateway.startedAt) + body.gateway.uptimeMs - Date.now()) < 60_000);
  });

  it('access-log lines carry user id and tier but never the token', opts, async () => {
    const { token, userId } = await fx.login('user', 'pro');
    await get('/api/v1/me', token, { 'x-request-id': 'logged-user-1' });
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      line = gw.logs().find((l) => l.reqId === 'logged-user-1');
      if (!line) await new Promise((r) => setImmediate(r));
    }
    assert.ok(line);
    assert.equal(line.userId, userId);
    assert.equal(line.tier, 'pro');
    assert.ok(!gw.rawLogs().includes(token));
    assert.ok(!/authorization/i.test(gw.rawLogs()));
  });
});

describe('gateway with dependencies down', () => {
  it(
    'PostgreSQL unreachable on a cache miss → 503 DEPENDENCY_UNAVAILABLE; anonymous traffic unaffected',
    opts,
    async () => {
      const lb = await startFakeBalancer();
      const gw = await startTestGateway({
        LB_URL: lb.url,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await getFreePort()}/none`,
        PG_CONNECT_TIMEOUT_MS: '500',
      });
      try {
        const res = await call(gw.port, {
          path: '/api/v1/me',
          headers: { authorization: `Bearer ${'A'.repeat(43)}` },
        });
        assert.equal(res.status, 503);
        assert.equal(res.json<Envelope>().error.code, 'DEPENDENCY_UNAVAILABLE');
        assert.equal((await call(gw.port, { path: '/api/v1/status' })).status, 200);
      } finally {
        await gw.close();
        await lb.close();
      }
    },
  );

  it('balancer unreachable: the dashboard still answers 200 with reachable:false', opts, async () => {
    const fx = await createSessionFixture('gw_lbdown');
    const gw = await startTestGateway(
      { LB_URL: `http://127.0.0.1:${await getFreePort()}` },
      { pool: fx.pool },
    );
    try {
      const admin = await fx.login('admin', 'enterprise');
      const res = await call(gw.port, {
        path: '/api/v1/admin/dashboard',
        headers: { authorization: `Bearer ${admin.token}` },
      });
      assert.equal(res.status, 200);
      const body = DashboardAnswer.parse(res.json()).data;
      assert.equal(body.balancer.reachable, false);
      assert.equal(body.balancer.status, null);
      assert.equal(typeof body.balancer.error, 'string');
    } finally {
      await gw.close();
      await fx.close();
    }
  });
});
