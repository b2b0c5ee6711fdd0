import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKeyChangeAnswer,
  ApiKeyPage,
  CreatedApiKeyAnswer,
  RateLimitOverviewAnswer,
} from '@floodgate/shared/admin-api';
import {
  type CallResult,
  call,
  deleteRedisPrefix,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { type FakeBalancer, type RecordedRequest, startFakeBalancer } from './test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from './test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const opts = { timeout: 10_000 };
const SECRET = 'gateway-keys-test-secret-at-least-32-chars';
type Envelope = { error: { code: string; message: string; requestId: string } };
interface Created {
  id: number;
  key: string;
  prefix: string;
  tier: string;
  name: string;
}

/** Polls until `check` holds; returns the elapsed milliseconds. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not within ${ms} ms`);
}

describe('API keys across two gateways (real PostgreSQL and Redis)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let a: TestGateway;
  let b: TestGateway;
  let adminToken: string;
  const prefix = uniqueRedisPrefix('gw_keys');

  before(async () => {
    fx = await createSessionFixture('gw_keys');
    lb = await startFakeBalancer();
    const env = {
      LB_URL: lb.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      API_KEY_SECRET: SECRET,
      DATABASE_URL: fx.db.url,
    };
    a = await startTestGateway(env, { pool: fx.pool });
    b = await startTestGateway(env, { pool: fx.pool });
    adminToken = (await fx.login('admin', 'enterprise')).token;
  });
  after(async () => {
    await a.close();
    await b.close();
    await lb.close();
    await fx.close();
    await deleteRedisPrefix(prefix);
  });

  const admin = (gw: TestGateway, method: string, path: string, body?: unknown) =>
    call(gw.port, {
      method,
      path,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const withKey = (gw: TestGateway, key: string, path = '/api/v1/resources'): Promise<CallResult> =>
    call(gw.port, { path, headers: { 'x-api-key': key } });
  const create = async (name: string, tier: string) => {
    const res = await admin(a, 'POST', '/api/v1/admin/keys', { name, tier });
    assert.equal(res.status, 201, res.body.toString());
    return CreatedApiKeyAnswer.parse(res.json()).data;
  };

  it('creates a key shown once, lists keys without secrets, and validates input', opts, async () => {
    const created = await create('acme', 'pro');
    assert.match(created.key, /^fg_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.key.slice(3, 11), created.prefix);
    assert.equal(created.tier, 'pro');
    const list = await admin(b, 'GET', '/api/v1/admin/keys');
    assert.equal(list.status, 200);
    assert.ok(ApiKeyPage.parse(list.json()).data.some((k) => k.id === created.id));
    const text = list.body.toString();
    assert.ok(text.includes(created.prefix));
    assert.ok(!text.includes(created.key.slice(12)), 'never the secret');
    assert.ok(!/hash/i.test(text), 'never a hash');

    const bad = await admin(a, 'POST', '/api/v1/admin/keys', { name: '', tier: 'platinum' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json<Envelope>().error.code, 'VALIDATION_FAILED');
    assert.match(bad.json<Envelope>().error.message, /^Invalid request body: name: .+; tier: /);
    const conflict = await admin(a, 'POST', '/api/v1/admin/keys', { name: 'acme', tier: 'free' });
    assert.equal(conflict.status, 409);
    const user = await fx.login('user', 'enterprise');
    const forbidden = await call(a.port, {
      method: 'POST',
      path: '/api/v1/admin/keys',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: '{"name":"x","tier":"enterprise"}',
    });
    assert.equal(forbidden.status, 403);
    const byKey = await call(a.port, { path: '/api/v1/admin/keys', headers: { 'x-api-key': created.key } });
    assert.equal(byKey.status, 403, 'an API key never administers');
  });

  it(
    'a key gets its tier and consumer upstream (never the key itself), with no PostgreSQL query per request',
    opts,
    async () => {
      const created = await create('globex', 'pro');
      const first = await withKey(b, created.key);
      assert.equal(first.status, 200, first.body.toString());
      const before = fx.queries();
      for (let i = 0; i < 30; i++) {
        const res = await withKey(b, created.key);
        assert.equal(res.status, 200);
        assert.equal(res.headers['ratelimit-policy'], '"pro";q=10000;w=60');
      }
      assert.equal(fx.queries() - before, 0, 'answered from the key cache');
      const viaAuthorization = await call(a.port, {
        path: '/api/v1/me',
        headers: {
          authorization: `ApiKey ${created.key}`,
          'x-consumer-id': '1',
          'x-consumer-tier': 'enterprise',
        },
      });
      assert.equal(viaAuthorization.status, 200);
      const seen = viaAuthorization.json<RecordedRequest>();
      assert.equal(seen.headers['x-consumer-tier'], 'pro');
      assert.match(String(seen.headers['x-consumer-id']), /^\d+$/);
      assert.notEqual(seen.headers['x-consumer-id'], '1');
      assert.equal(seen.headers['x-user-id'], undefined);
      assert.equal(seen.headers['x-api-key'], undefined);
      assert.equal(seen.headers.authorization, undefined, 'the key is the gateway credential, not forwarded');
      assert.ok(!JSON.stringify(seen).includes(created.key.slice(12)));

      await b.gateway.apiKeys.flushLastUsed();
      const { rows } = await fx.pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [created.id]);
      assert.ok(rows[0]?.last_used_at, 'last_used_at written in a batch');
    },
  );

  it(
    'GET /api/v1/admin/rate-limits: tiers, routes, mode, live gateways and the top consumers',
    opts,
    async () => {
      const created = await create('topco', 'free');
      for (let i = 0; i < 5; i++) assert.equal((await withKey(a, created.key)).status, 200);
      // Gateway a's first heartbeat ran before b existed; a later one (every second) sees both.
      const liveGateways = async () =>
        RateLimitOverviewAnswer.parse((await admin(a, 'GET', '/api/v1/admin/rate-limits')).json()).data
          .liveGateways;
      await within(2500, async () => (await liveGateways()) === 2);
      const res = await admin(a, 'GET', '/api/v1/admin/rate-limits');
      assert.equal(res.status, 200);
      const body = RateLimitOverviewAnswer.parse(res.json()).data;
      assert.equal(body.mode, 'shared');
      assert.equal(body.liveGateways, 2);
      assert.deepEqual(
        body.tiers.map((t) => [t.tier, t.limit, t.failMode]),
        [
          ['anonymous', 100, 'local'],
          ['free', 1000, 'local'],
          ['pro', 10000, 'local'],
          ['enterprise', 100000, 'local'],
        ],
      );
      assert.deepEqual(
        body.routes.map((r) => [r.policy, r.path, r.limit]),
        [['login', '/api/v1/auth/login', 5]],
      );
      const mine = body.topConsumers.find((c) => c.subject.startsWith('free:c:'));
      assert.ok(mine, JSON.stringify(body.topConsumers));
      assert.equal(mine.used, 5);
      assert.ok(body.topConsumers.length <= 20);
    },
  );

  it('lists every key, past 1,000, by cursor: no duplicates, no gaps', opts, async () => {
    // 1,005 keys of one consumer, inserted in one statement (hashes are random, never used).
    await fx.pool.query(
      `WITH c AS (INSERT INTO consumers (name, tier) VALUES ('bulk', 'free') RETURNING id)
       INSERT INTO api_keys (consumer_id, prefix, key_hash)
       SELECT c.id, 'bulk' || lpad(g::text, 5, '0'), encode(sha256(('bulk' || g)::bytea), 'hex')
         FROM c, generate_series(1, 1005) g`,
    );
    const { rows } = await fx.pool.query<{ id: number }>('SELECT id FROM api_keys ORDER BY id');
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await admin(b, 'GET', `/api/v1/admin/keys${cursor ? `?cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, res.body.toString());
      const body = ApiKeyPage.parse(res.json());
      assert.ok(body.data.length <= 100, 'pages of the default limit');
      seen.push(...body.data.map((k) => k.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(
      seen,
      rows.map((r) => r.id),
    );
  });

  it('forged, malformed and unknown keys are 401 INVALID_API_KEY, never anonymous', opts, async () => {
    const created = await create('initech', 'free');
    const forged = `${created.key.slice(0, 12)}${'A'.repeat(43)}`;
    const unknownPrefix = `fg_zzzzzzzz_${created.key.slice(12)}`;
    for (const key of [forged, unknownPrefix, 'fg_short', 'not-a-key', `${created.key}x`, '']) {
      const res = await withKey(a, key);
      assert.equal(res.status, 401, key);
      assert.equal(res.json<Envelope>().error.code, 'INVALID_API_KEY', key);
    }
    const garbageBearer = await call(a.port, { path: '/api/v1/x', headers: { authorization: 'Bearer x' } });
    assert.equal(garbageBearer.json<Envelope>().error.code, 'INVALID_TOKEN');
    assert.equal((await withKey(a, created.key)).status, 200, 'the real key still works');
  });

  it('a revoked key is refused by every gateway within 1 s', opts, async () => {
    const created = await create('umbrella', 'enterprise');
    assert.equal((await withKey(a, created.key)).status, 200);
    assert.equal((await withKey(b, created.key)).status, 200, 'cached on both gateways');
    const revoked = await admin(a, 'DELETE', `/api/v1/admin/keys/${created.id}`);
    assert.equal(revoked.status, 200);
    const change = ApiKeyChangeAnswer.parse(revoked.json()).data;
    assert.ok(change.revokedAt);
    assert.equal(change.propagated, true);
    assert.equal((await withKey(a, created.key)).status, 401, 'at once on the gateway that revoked it');
    const elapsed = await within(1000, async () => (await withKey(b, created.key)).status === 401);
    assert.ok(elapsed < 1000);
    assert.equal((await withKey(b, created.key)).json<Envelope>().error.code, 'INVALID_API_KEY');
    assert.equal((await admin(a, 'DELETE', '/api/v1/admin/keys/999999')).status, 404);
  });

  it('a tier change reaches every gateway within 1 s', opts, async () => {
    const created = await create('hooli', 'free');
    assert.equal((await withKey(b, created.key)).headers['x-ratelimit-limit'], '1000');
    const patched = await admin(a, 'PATCH', `/api/v1/admin/keys/${created.id}`, { tier: 'enterprise' });
    assert.equal(patched.status, 200);
    assert.equal(ApiKeyChangeAnswer.parse(patched.json()).data.tier, 'enterprise');
    await within(1000, async () => (await withKey(b, created.key)).headers['x-ratelimit-limit'] === '100000');
  });
});

describe('API keys without Redis', () => {
  it('revocation on the only gateway is immediate (in-process bus)', opts, async () => {
    const fx = await createSessionFixture('gw_keys_local');
    const lb = await startFakeBalancer();
    const gw = await startTestGateway({ LB_URL: lb.url, API_KEY_SECRET: SECRET }, { pool: fx.pool });
    try {
      const { token } = await fx.login('admin', 'enterprise');
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = (
        await call(gw.port, {
          method: 'POST',
          path: '/api/v1/admin/keys',
          headers: auth,
          body: JSON.stringify({ name: 'solo', tier: 'pro' }),
        })
      ).json<{ data: Created }>().data;
      const use = () => call(gw.port, { path: '/api/v1/x', headers: { 'x-api-key': created.key } });
      assert.equal((await use()).status, 200);
      const revoked = await call(gw.port, {
        method: 'DELETE',
        path: `/api/v1/admin/keys/${created.id}`,
        headers: auth,
      });
      assert.equal(revoked.status, 200);
      assert.equal((await use()).status, 401);
    } finally {
      await gw.close();
      await lb.close();
      await fx.close();
    }
  });
});
