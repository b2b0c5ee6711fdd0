import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiKeyRepository, createApiKeyHasher } from '@floodgate/database';
import { call, deleteRedisPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from './test-support/fake-balancer.js';
import { type GatewayProcess, startGatewayProcess } from './test-support/gateway-process.js';
import { createSessionFixture, type SessionFixture } from './test-support/session-fixture.js';

const SECRET = 'distributed-test-secret-at-least-32-chars';
const WINDOW_MS = 2000;
const LIMIT = 50;
/** A pro key's limit: 400 / 100 buckets lets each gateway lease up to 4 units per Redis call. */
const PRO_LIMIT = 400;
const opts = { timeout: 30_000 };

interface Shot {
  gateway: number;
  status: number;
  /** Wall-clock ms when the request was sent and when its answer arrived (Redis runs on this host's clock). */
  sent: number;
  received: number;
  retryAfter: string | undefined;
  degraded: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function shoot(gateways: GatewayProcess[], g: number, key: string): Promise<Shot> {
  const sent = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: (gateways[g] as GatewayProcess).port,
        path: '/api/v1/resources',
        agent,
        headers: { 'x-api-key': key },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            gateway: g,
            status: res.statusCode as number,
            sent,
            received: Date.now(),
            retryAfter: res.headers['retry-after'] as string | undefined,
            degraded: res.headers['ratelimit-degraded'] === 'true',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * The most admitted requests provably decided inside one window: a request sent at or after `s` and
 * answered by `s + W` was decided in [s, s + W], whatever the latency. Checked from every send time.
 */
function maxProvablyInOneWindow(admitted: Shot[]): number {
  const bySent = [...admitted].sort((a, b) => a.sent - b.sent);
  let max = 0;
  for (let i = 0; i < bySent.length; i++) {
    const start = (bySent[i] as Shot).sent;
    let n = 0;
    for (let j = i; j < bySent.length && (bySent[j] as Shot).sent <= start + WINDOW_MS; j++) {
      if ((bySent[j] as Shot).received <= start + WINDOW_MS) n++;
    }
    max = Math.max(max, n);
  }
  return max;
}

/** Sends from `connections` loops spread over the gateways until `ms` has passed. */
async function hammer(
  gateways: GatewayProcess[],
  key: string,
  ms: number,
  connections: number,
): Promise<Shot[]> {
  const shots: Shot[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, async (_, w) => {
      while (Date.now() < until) shots.push(await shoot(gateways, w % 3, key));
    }),
  );
  return shots;
}

describe('three gateway processes sharing Redis (real PostgreSQL and Redis)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let gateways: GatewayProcess[] = [];
  const prefix = uniqueRedisPrefix('gw_dist');
  let keys: ApiKeyRepository;
  const hash = createApiKeyHasher(SECRET);

  before(async () => {
    fx = await createSessionFixture('gw_dist');
    keys = new ApiKeyRepository(fx.pool);
    lb = await startFakeBalancer();
    const env = {
      LB_URL: lb.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_URL: fx.db.url,
      API_KEY_SECRET: SECRET,
      RATE_LIMIT_TIERS: `free=${LIMIT}/${WINDOW_MS},pro=${PRO_LIMIT}/${WINDOW_MS}`,
      // The contract is for a reachable Redis; a loaded 2-core CI box can stall it past 50 ms, which
      // would (correctly) switch a gateway to its local fallback. gateway-degraded.test.ts covers that.
      RATE_LIMIT_REDIS_TIMEOUT_MS: '2000',
    };
    gateways = await Promise.all([
      startGatewayProcess(env),
      startGatewayProcess(env),
      startGatewayProcess(env),
    ]);
  });
  after(async () => {
    agent.destroy();
    await Promise.all(gateways.map((g) => g.stop()));
    await lb.close();
    await fx.close();
    await deleteRedisPrefix(prefix);
  });

  it(
    `a free key (${LIMIT} per ${WINDOW_MS} ms) hammered through all three for 5 s: admitted ≤ limit × 1.01 in every window`,
    opts,
    async () => {
      const { key } = await keys.create({ name: 'hammer', tier: 'free' }, hash);
      const shots = await hammer(gateways, key, 5000, 9);
      assert.deepEqual(
        shots.filter((s) => s.degraded),
        [],
        'every decision was made in Redis',
      );
      const admitted = shots.filter((s) => s.status === 200);
      const refused = shots.filter((s) => s.status === 429);
      assert.equal(admitted.length + refused.length, shots.length, 'only 200 or 429, never a 5xx');
      assert.ok(refused.length > admitted.length, `the key was hammered (${shots.length} requests)`);
      assert.ok(refused.every((s) => Number(s.retryAfter) >= 1));
      for (let g = 0; g < 3; g++)
        assert.ok(
          admitted.some((s) => s.gateway === g),
          `gateway ${g} admitted some`,
        );
      const worst = maxProvablyInOneWindow(admitted);
      assert.ok(worst <= Math.floor(LIMIT * 1.01), `${worst} admitted within one ${WINDOW_MS} ms window`);
      // 5 s is 2.5 windows: a limiter that under-admits badly (or only counts one gateway) fails here.
      assert.ok(admitted.length >= 2 * LIMIT, `admitted ${admitted.length} in 5 s`);
      assert.ok(admitted.length <= 3 * LIMIT, `admitted ${admitted.length} in 5 s`);
    },
  );

  it(
    `with leases (a pro key, ${PRO_LIMIT} per ${WINDOW_MS} ms, up to 4 units per Redis call): still ≤ limit × 1.01 in every window`,
    opts,
    async () => {
      const { key } = await keys.create({ name: 'hammer-pro', tier: 'pro' }, hash);
      const shots = await hammer(gateways, key, 4500, 24);
      assert.deepEqual(
        shots.filter((s) => s.degraded || s.status >= 500),
        [],
        'decided in Redis, never a 5xx',
      );
      const admitted = shots.filter((s) => s.status === 200);
      assert.ok(shots.length > admitted.length * 1.2, `the key was hammered (${shots.length} requests)`);
      const worst = maxProvablyInOneWindow(admitted);
      assert.ok(worst <= Math.floor(PRO_LIMIT * 1.01), `${worst} admitted within one ${WINDOW_MS} ms window`);
      assert.ok(admitted.length >= 1.5 * PRO_LIMIT, `admitted ${admitted.length} in 4.5 s`);
    },
  );

  it(
    'slides: a burst at the end of one fixed window and the start of the next admits the limit once',
    opts,
    async () => {
      const { key } = await keys.create({ name: 'boundary', tier: 'free' }, hash);
      const burst = async () => {
        const shots = await Promise.all(Array.from({ length: LIMIT }, (_, i) => shoot(gateways, i % 3, key)));
        return shots.filter((s) => s.status === 200).length;
      };
      // Align with a fixed-window boundary (epoch multiple of the window), as a fixed-window limiter would.
      const untilPhase = async (phaseMs: number) => {
        const wait = (phaseMs - (Date.now() % WINDOW_MS) + WINDOW_MS) % WINDOW_MS;
        await new Promise((r) => setTimeout(r, wait));
      };
      await untilPhase(WINDOW_MS - 350);
      const firstAt = Date.now();
      assert.equal(await burst(), LIMIT, 'the end of window n admits the limit');
      await untilPhase(150);
      assert.ok(Date.now() - firstAt < WINDOW_MS - 200, 'still within one window of the first burst');
      assert.equal(await burst(), 0, 'the start of window n+1: a fixed window would admit the limit again');
      await new Promise((r) => setTimeout(r, firstAt + WINDOW_MS + 400 - Date.now()));
      assert.ok((await burst()) >= LIMIT - 2, 'a window after the first burst the quota is back');
    },
  );

  it('a revoked key is refused by all three processes within 1 s', opts, async () => {
    const created = await keys.create({ name: 'revoked', tier: 'pro' }, hash);
    for (const g of gateways) {
      const res = await call(g.port, { path: '/api/v1/x', headers: { 'x-api-key': created.key } });
      assert.equal(res.status, 200, g.output());
    }
    const admin = await fx.login('admin', 'enterprise');
    const revoked = await call((gateways[0] as GatewayProcess).port, {
      method: 'DELETE',
      path: `/api/v1/admin/keys/${created.id}`,
      headers: { authorization: `Bearer ${admin.token}` },
    });
    assert.equal(revoked.status, 200);
    const started = performance.now();
    for (const g of gateways) {
      for (;;) {
        const res = await call(g.port, { path: '/api/v1/x', headers: { 'x-api-key': created.key } });
        if (res.status === 401) break;
        assert.ok(performance.now() - started < 1000, `gateway :${g.port} still accepts the key after 1 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  });
});
