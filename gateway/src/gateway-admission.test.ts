import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiKeyRepository, createApiKeyHasher } from '@floodgate/database';
import { type CallResult, call } from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from './test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from './test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const SECRET = 'admission-test-secret-at-least-32-chars!';
const opts = { timeout: 15_000 };
type Envelope = { error: { code: string } };

describe('admission control sheds by tier (real PostgreSQL, fake balancer)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let enterpriseKey: string;
  const held: ServerResponse[] = [];
  const hash = createApiKeyHasher(SECRET);

  before(async () => {
    fx = await createSessionFixture('gw_admission');
    enterpriseKey = (await new ApiKeyRepository(fx.pool).create({ name: 'bigco', tier: 'enterprise' }, hash))
      .key;
    lb = await startFakeBalancer();
    lb.routes.set('/api/v1/held', (req, res) => {
      req.resume();
      held.push(res);
    });
    lb.routes.set('/api/v1/slow', (req, res) => {
      req.resume();
      setTimeout(() => res.end('ok'), 40);
    });
  });
  after(async () => {
    await lb.close();
    await fx.close();
  });

  const start = (env: Record<string, string>) =>
    startTestGateway(
      {
        LB_URL: lb.url,
        API_KEY_SECRET: SECRET,
        RATE_LIMIT_MAX_REQUESTS: '100000',
        TRUST_PROXY: '127.0.0.1',
        ...env,
      },
      { pool: fx.pool },
    );
  const anonymous = (gw: TestGateway, path: string, i = 0) =>
    call(gw.port, { path, headers: { 'x-forwarded-for': `198.51.100.${i % 250}` } });
  const enterprise = (gw: TestGateway, path: string) =>
    call(gw.port, { path, headers: { 'x-api-key': enterpriseKey } });
  const settledSoon = async (p: Promise<CallResult>) =>
    Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 150))]);

  it(
    'queued anonymous requests are evicted by enterprise ones and shed at once with 503 + Retry-After',
    opts,
    async () => {
      const gw = await start({
        ADMISSION_MAX_IN_FLIGHT: '2',
        ADMISSION_QUEUE_SIZE: '2',
        ADMISSION_QUEUE_TIMEOUT_MS: '5000',
      });
      try {
        const inFlight = [anonymous(gw, '/api/v1/held', 1), anonymous(gw, '/api/v1/held', 2)];
        while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
        const queuedAnon = [anonymous(gw, '/api/v1/held', 3), anonymous(gw, '/api/v1/held', 4)];
        while (gw.gateway.admission.queued < 2) await new Promise((r) => setTimeout(r, 5));
        assert.equal(
          await settledSoon(queuedAnon[0] as Promise<CallResult>),
          'pending',
          'queued, not refused',
        );

        const queuedEnterprise = [enterprise(gw, '/api/v1/x'), enterprise(gw, '/api/v1/x')];
        for (const p of queuedAnon) {
          const res = await p;
          assert.equal(res.status, 503);
          assert.equal(res.json<Envelope>().error.code, 'OVERLOADED');
          assert.equal(res.headers['retry-after'], '1');
        }
        const lateAnon = await anonymous(gw, '/api/v1/held', 5);
        assert.equal(lateAnon.status, 503, 'the queue holds higher tiers now');
        const lateEnterprise = await enterprise(gw, '/api/v1/x');
        assert.equal(lateEnterprise.status, 503, 'equal rank never evicts: the queue is bounded');

        for (const res of held.splice(0)) res.end('done');
        for (const p of inFlight) assert.equal((await p).status, 200);
        for (const p of queuedEnterprise) assert.equal((await p).status, 200);
        const metrics = (await call(gw.port, { path: '/metrics' })).body.toString();
        assert.match(metrics, /floodgate_admission_shed_total\{tier="anonymous",reason="evicted"[^}]*\} 2/);
        assert.match(
          metrics,
          /floodgate_admission_shed_total\{tier="anonymous",reason="queue_full"[^}]*\} 1/,
        );
        assert.match(
          metrics,
          /floodgate_admission_shed_total\{tier="enterprise",reason="queue_full"[^}]*\} 1/,
        );
        assert.equal(gw.gateway.admission.inFlight, 0, 'every slot released');
      } finally {
        await gw.close();
      }
    },
  );

  it(
    'under mixed overload every enterprise request succeeds while most anonymous ones are shed',
    opts,
    async () => {
      const gw = await start({
        ADMISSION_MAX_IN_FLIGHT: '4',
        ADMISSION_QUEUE_SIZE: '12',
        ADMISSION_QUEUE_TIMEOUT_MS: '2000',
      });
      try {
        const calls: { tier: string; p: Promise<CallResult> }[] = [];
        for (let i = 0; i < 60; i++) {
          if (i % 6 === 5) calls.push({ tier: 'enterprise', p: enterprise(gw, '/api/v1/slow') });
          else calls.push({ tier: 'anonymous', p: anonymous(gw, '/api/v1/slow', i) });
        }
        const results = await Promise.all(
          calls.map(async (c) => ({ tier: c.tier, status: (await c.p).status })),
        );
        const ent = results.filter((r) => r.tier === 'enterprise');
        const anon = results.filter((r) => r.tier === 'anonymous');
        assert.deepEqual(
          ent.map((r) => r.status),
          Array(10).fill(200),
        );
        const shed = anon.filter((r) => r.status === 503).length;
        assert.ok(shed >= anon.length / 2, `${shed} of ${anon.length} anonymous shed`);
        assert.ok(anon.every((r) => r.status === 200 || r.status === 503));
      } finally {
        await gw.close();
      }
    },
  );
});
