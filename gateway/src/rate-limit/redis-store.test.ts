import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock, type Redis } from '@floodgate/shared';
import {
  connectTestRedis,
  deleteRedisPrefix,
  startRedisServer,
  TEST_REDIS_URL,
  type TestRedisServer,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { createRateLimitPolicy } from './rate-limit-policy.js';
import { rateLimitStoreContract } from './rate-limit-store.contract.js';
import { RedisRateLimitStore } from './redis-store.js';

const prefix = uniqueRedisPrefix('rl_store');
let redis: Redis;
before(async () => {
  redis = await connectTestRedis(TEST_REDIS_URL);
});
after(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

rateLimitStoreContract('redis', () => {
  const clock = new FakeClock(1_700_000_000_000);
  // The factory runs inside each test, after `before` connected.
  return { store: new RedisRateLimitStore(redis, { keyPrefix: prefix, now: () => clock.now() }), clock };
});

describe('RedisRateLimitStore', () => {
  it('uses Redis TIME as its clock when none is injected', async () => {
    const store = new RedisRateLimitStore(redis, { keyPrefix: prefix });
    const p = createRateLimitPolicy('time', 5, 60_000, { buckets: 100 });
    const results = [];
    for (let i = 0; i < 7; i++) results.push((await store.consume('time-key', p)).allowed);
    assert.deepEqual(results, [true, true, true, true, true, false, false]);
  });

  it('keeps at most buckets + 4 fields per key and lets idle keys expire', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const store = new RedisRateLimitStore(redis, { keyPrefix: prefix, now: () => clock.now() });
    const p = createRateLimitPolicy('mem', 1_000_000, 2000, { buckets: 20 });
    for (let i = 0; i < 600; i++) {
      await store.consume('mem-key', p);
      clock.advance(37);
    }
    const key = store.redisKey('mem-key');
    const fields = await redis.hlen(key);
    assert.ok(fields <= 20 + 4 && fields >= 20, `${fields} fields`);
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= (20 + 2) * 100, `pttl ${ttl}`);
  });

  describe('NOSCRIPT fallback (private redis-server)', () => {
    let server: TestRedisServer;
    let client: Redis;
    before(async () => {
      server = await startRedisServer();
      client = await server.client();
    });
    after(async () => {
      client.disconnect();
      await server.close();
    });

    it('sends the script with EVAL when Redis does not know it, then uses EVALSHA again', async () => {
      const store = new RedisRateLimitStore(client, { keyPrefix: 'x:' });
      const p = createRateLimitPolicy('ns', 3, 60_000, { buckets: 100 });
      const evalCalls = async () => {
        const info = await client.info('commandstats');
        return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
      };
      assert.equal((await store.consume('a', p)).remaining, 2);
      assert.equal(await evalCalls(), 1, 'fresh server: one EVAL');
      assert.equal((await store.consume('a', p)).remaining, 1);
      assert.equal(await evalCalls(), 1, 'then EVALSHA');
      await client.script('FLUSH');
      assert.equal((await store.consume('a', p)).remaining, 0, 'counters survive; the script is resent');
      assert.equal(await evalCalls(), 2);
    });
  });
});
