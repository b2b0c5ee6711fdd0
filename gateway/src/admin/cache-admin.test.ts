import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CacheClearOverviewAnswer,
  type CacheInstanceStats,
  CacheOverviewAnswer,
} from '@floodgate/shared/admin-api';
import { exampleBackend, exampleCacheStats, exampleLbStatus } from '@floodgate/shared/admin-api/examples';
import { call, getFreePort } from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from '../test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from '../test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from '../test-support/start-test-gateway.js';
import { sumStats } from './cache-admin.js';

/** A stand-in api-server: answers /internal/cache with `stats`, records what it was asked. */
async function fakeInstance(stats: CacheInstanceStats) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method as string, url: req.url as string, headers: req.headers, body });
      const out =
        req.url === '/internal/cache'
          ? { data: stats }
          : {
              data: {
                instanceId: stats.instanceId,
                scope: JSON.parse(body || '{}'),
                cleared: { l1Entries: 2, l2: { result: 'new_namespace', namespace: 7 } },
              },
            };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const stats = (id: string, hits: number, misses: number, l2Hits: number) =>
  exampleCacheStats(id, { l1Hits: hits, l1Misses: misses, l2Hits, l2Misses: misses - l2Hits });

describe('gateway cache admin API (fan-out to the api-servers the balancer lists)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let gw: TestGateway;
  let one: Awaited<ReturnType<typeof fakeInstance>>;
  let two: Awaited<ReturnType<typeof fakeInstance>>;
  let admin: string;
  let user: string;
  let lbUp = true;

  before(async () => {
    fx = await createSessionFixture('gw_cache_admin');
    one = await fakeInstance(stats('api-1', 90, 10, 6));
    two = await fakeInstance(stats('api-2', 80, 20, 10));
    const dead = `http://127.0.0.1:${await getFreePort()}`;
    lb = await startFakeBalancer();
    lb.routes.set('/lb/status', (_req, res) => {
      if (!lbUp) {
        res.statusCode = 503;
        res.end('{}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          data: exampleLbStatus([
            exampleBackend({ id: 'api-1', url: one.url }),
            exampleBackend({ id: 'api-2', url: two.url }),
            exampleBackend({ id: 'api-3', url: dead }),
          ]),
        }),
      );
    });
    gw = await startTestGateway(
      {
        LB_URL: lb.url,
        DATABASE_URL: fx.db.url,
        INTERNAL_TOKEN: 'internal-secret',
        RATE_LIMIT_ENABLED: 'false',
      },
      { pool: fx.pool },
    );
    admin = (await fx.login('admin', 'enterprise')).token;
    user = (await fx.login('user', 'free')).token;
  });

  after(async () => {
    await gw.close();
    await lb.close();
    await one.close();
    await two.close();
    await fx.close();
  });

  const as = (token: string | null, method: string, path: string, body?: unknown) =>
    call(gw.port, {
      method,
      path,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('GET /api/v1/admin/cache sums every instance, computes hit ratios, reports the unreachable one', async () => {
    const res = await as(admin, 'GET', '/api/v1/admin/cache');
    assert.equal(res.status, 200);
    const body = CacheOverviewAnswer.parse(res.json()).data;
    assert.equal(body.ok, false);
    assert.deepEqual(
      body.instances.map((i) => [i.id, i.ok, i.status, i.error]),
      [
        ['api-1', true, 200, null],
        ['api-2', true, 200, null],
        ['api-3', false, null, 'ECONNREFUSED'],
      ],
    );
    assert.equal(body.totals.l1.hits, 170);
    assert.equal(body.totals.l1.entries, 6);
    assert.equal(body.totals.loads.ok, 14);
    assert.deepEqual(body.hitRatio, { l1: 0.85, l2: 0.08, combined: 0.93 });
    assert.equal(body.instances[0]?.stats?.instanceId, 'api-1');
    assert.equal(body.instances[2]?.stats, null);
    const asked = one.seen.at(-1);
    assert.equal(asked?.headers.authorization, 'Bearer internal-secret');
    assert.equal(asked?.headers['x-request-id'], res.headers['x-request-id']);
  });

  it('clear everything, one key, or a prefix on every instance', async () => {
    const all = await as(admin, 'POST', '/api/v1/admin/cache/clear', {});
    assert.equal(all.status, 200);
    const allBody = CacheClearOverviewAnswer.parse(all.json()).data;
    assert.equal(allBody.ok, false, 'one instance could not be reached');
    assert.deepEqual(
      allBody.instances.map((i) => [i.id, i.ok]),
      [
        ['api-1', true],
        ['api-2', true],
        ['api-3', false],
      ],
    );
    assert.deepEqual(allBody.instances[0]?.cleared, {
      l1Entries: 2,
      l2: { result: 'new_namespace', namespace: 7 },
    });
    for (const inst of [one, two]) {
      const last = inst.seen.at(-1);
      assert.deepEqual([last?.method, last?.url, last?.body], ['POST', '/internal/cache/clear', '{}']);
    }
    assert.equal((await as(admin, 'DELETE', '/api/v1/admin/cache/keys/resource%3A5')).status, 200);
    assert.equal(one.seen.at(-1)?.body, '{"key":"resource:5"}');
    assert.equal((await as(admin, 'DELETE', '/api/v1/admin/cache/keys?prefix=list:')).status, 200);
    assert.equal(two.seen.at(-1)?.body, '{"prefix":"list:"}');
    const noBody = await call(gw.port, {
      method: 'POST',
      path: '/api/v1/admin/cache/clear',
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(noBody.status, 200, 'no body means everything');
  });

  it('rejects bad scopes (400), non-admins (403), anonymous callers (401); never proxies /internal', async () => {
    const before = one.seen.length;
    for (const [method, path, body] of [
      ['POST', '/api/v1/admin/cache/clear', { key: 'a b' }],
      ['POST', '/api/v1/admin/cache/clear', { key: 'a', prefix: 'b' }],
      ['POST', '/api/v1/admin/cache/clear', { all: true }],
      ['DELETE', '/api/v1/admin/cache/keys', undefined],
    ] as const) {
      const res = await as(admin, method, path, body);
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED');
    }
    assert.equal((await as(user, 'GET', '/api/v1/admin/cache')).status, 403);
    assert.equal((await as(null, 'POST', '/api/v1/admin/cache/clear', {})).status, 401);
    assert.equal((await as(admin, 'GET', '/internal/cache')).status, 404, 'the gateway serves only /api/*');
    assert.equal(one.seen.length, before, 'nothing reached the instances');
  });

  it('a balancer that cannot list the instances is a 502 envelope', async () => {
    lbUp = false;
    try {
      const res = await as(admin, 'GET', '/api/v1/admin/cache');
      assert.equal(res.status, 502);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'BAD_GATEWAY');
    } finally {
      lbUp = true;
    }
  });

  it('an instance answering another shape is reported, not summed', async () => {
    const odd = await fakeInstance(stats('api-1', 1, 1, 0));
    const oldShape = { ...stats('api-2', 1, 1, 0), instanceId: undefined };
    const drifted = await fakeInstance(oldShape as unknown as CacheInstanceStats);
    lb.routes.set('/lb/status', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          data: exampleLbStatus([
            exampleBackend({ id: 'api-1', url: odd.url }),
            exampleBackend({ id: 'api-2', url: drifted.url }),
          ]),
        }),
      );
    });
    try {
      const body = CacheOverviewAnswer.parse((await as(admin, 'GET', '/api/v1/admin/cache')).json()).data;
      assert.deepEqual(
        body.instances.map((i) => [i.ok, i.error]),
        [
          [true, null],
          [false, 'unexpected answer from /internal/cache'],
        ],
      );
      assert.equal(body.totals.l1.hits, 1);
    } finally {
      await odd.close();
      await drifted.close();
    }
  });

  it('sumStats adds every counter and leaves sizes of limits and connection state out', () => {
    const t = sumStats([stats('a', 90, 10, 6), stats('b', 80, 20, 10)]);
    assert.deepEqual(t.l1, { entries: 6, bytes: 200, hits: 170, misses: 30, bypasses: 0, evictions: 0 });
    assert.deepEqual(t.l2, { hits: 16, misses: 14, bypasses: 0, errors: 0 });
    assert.deepEqual(t.loads, { ok: 14, error: 0 });
    assert.deepEqual(sumStats([]).l1.hits, 0);
  });
});
