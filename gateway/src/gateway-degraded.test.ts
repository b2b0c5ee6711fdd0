import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, startRedisServer, type TestRedisServer, waitUntil } from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from './test-support/fake-balancer.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const opts = { timeout: 25_000 };
/** A decision never waits for Redis longer than this (50 ms command timeout + scheduling on a busy box). */
const DECISION_BOUND_MS = 400;

interface Sample {
  status: number;
  ms: number;
  degraded: boolean;
  limit: string | undefined;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** One request as client `ip` (the test is a trusted proxy), timed. */
function hit(gw: TestGateway, ip: string): Promise<Sample> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gw.port, path: '/api/v1/status', agent, headers: { 'x-forwarded-for': ip } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode as number,
            ms: performance.now() - started,
            degraded: res.headers['ratelimit-degraded'] === 'true',
            limit: res.headers['x-ratelimit-limit'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function metric(gw: TestGateway, name: string): Promise<number> {
  const text = (await call(gw.port, { path: '/metrics' })).body.toString();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

describe('rate limits with Redis frozen or down (private redis-server)', () => {
  let redis: TestRedisServer;
  let lb: FakeBalancer;
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    redis = await startRedisServer();
    lb = await startFakeBalancer();
    const env = {
      LB_URL: lb.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'deg:',
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_MAX_REQUESTS: '20',
      RATE_LIMIT_REDIS_TIMEOUT_MS: '50',
      RATE_LIMIT_PROBE_INTERVAL_MS: '100',
      GATEWAY_HEARTBEAT_INTERVAL_MS: '100',
    };
    a = await startTestGateway(env);
    b = await startTestGateway(env);
    await waitUntil('heartbeat', async () => (await metric(a, 'floodgate_ratelimit_live_gateways')) === 2, {
      timeoutMs: 3000,
    });
  });
  after(async () => {
    agent.destroy();
    await a.close();
    await b.close();
    await lb.close();
    await redis.close();
  });

  it(
    'frozen mid-load: zero 5xx, decisions stay fast, limits hold at max ÷ live gateways, logged once, healed after',
    opts,
    async () => {
      assert.equal((await hit(a, '192.0.2.1')).degraded, false, 'healthy: shared limits');

      // Load from many clients on both gateways; freeze Redis in the middle of it.
      const samples: Sample[] = [];
      let stop = false;
      let n = 0;
      const load = Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          while (!stop) samples.push(await hit(w % 2 ? a : b, `198.51.100.${n++ % 200}`));
        }),
      );
      await new Promise((r) => setTimeout(r, 200));
      redis.freeze();
      await new Promise((r) => setTimeout(r, 600));
      stop = true;
      await load;

      assert.ok(samples.length > 50, `${samples.length} requests`);
      assert.deepEqual(
        samples.filter((s) => s.status >= 500),
        [],
        'never a 5xx because of Redis',
      );
      const slowest = Math.max(...samples.map((s) => s.ms));
      assert.ok(slowest < DECISION_BOUND_MS, `slowest ${slowest.toFixed(0)} ms`);
      assert.ok(
        samples.some((s) => s.degraded),
        'some answers were decided in process',
      );

      // Still frozen: one client gets exactly 20 / 2 gateways from gateway a, each answer fast.
      const burst: Sample[] = [];
      for (let i = 0; i < 15; i++) burst.push(await hit(a, '203.0.113.9'));
      assert.equal(burst.filter((s) => s.status === 200).length, 10);
      assert.equal(burst.filter((s) => s.status === 429).length, 5);
      assert.ok(burst.every((s) => s.degraded && s.limit === '10'));
      assert.ok(Math.max(...burst.map((s) => s.ms)) < 100, 'no Redis timeout paid per request');
      assert.equal(await metric(a, 'floodgate_ratelimit_degraded'), 1);
      const warnings = a.logs().filter((l) => String(l.msg).includes('Redis not answering'));
      assert.equal(warnings.length, 1, 'logged once');

      redis.thaw();
      await waitUntil('heal', async () => !(await hit(a, '192.0.2.77')).degraded, { timeoutMs: 3000 });
      assert.equal(await metric(a, 'floodgate_ratelimit_degraded'), 0);
      assert.ok(a.logs().some((l) => String(l.msg).includes('shared limits restored')));
    },
  );

  it('down (connection refused): fails over without waiting, heals when it restarts', opts, async () => {
    await redis.kill();
    const samples: Sample[] = [];
    for (let i = 0; i < 20; i++) samples.push(await hit(b, `198.51.100.${i}`));
    assert.deepEqual(
      samples.filter((s) => s.status !== 200),
      [],
    );
    assert.ok(samples.slice(1).every((s) => s.degraded));
    assert.ok(Math.max(...samples.map((s) => s.ms)) < DECISION_BOUND_MS);
    await redis.restart();
    await waitUntil('heal after restart', async () => !(await hit(b, '192.0.2.88')).degraded, {
      timeoutMs: 6000,
    });
    const after = await hit(b, '192.0.2.88');
    assert.equal(after.status, 200);
    assert.equal(after.limit, '20', 'shared limits again');
  });
});
