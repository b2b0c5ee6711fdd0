import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRedisClient, type Redis } from '@floodgate/shared';
import {
  createCaptureLogger,
  deleteRedisPrefix,
  fetchJson,
  startTcpProxy,
  type TcpProxy,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
  waitUntil,
} from '@floodgate/shared/testing';
import { cacheStats } from '../testing/cache-cluster.js';
import { type ApiProcess, startApiProcess } from '../testing/start-api-process.js';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';

// Instance A (its own process) takes the cluster load lock for a key and is killed while its
// PostgreSQL load hangs; instance B must not wait for the dead holder longer than the bound.

const LOCK_WAIT_MS = 250;
const prefix = uniqueRedisPrefix('cache_lock');
let b: TestApi;
let a: ApiProcess;
let proxy: TcpProxy;
let redis: Redis;

before(async () => {
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CACHE_LOCK_WAIT_MS: String(LOCK_WAIT_MS),
  };
  b = await startTestApi({ env });
  const target = new URL(b.db?.url as string);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  target.host = `127.0.0.1:${proxy.port}`;
  a = await startApiProcess('lock-holder', {
    ...env,
    DATABASE_URL: target.toString(),
    RUN_MIGRATIONS: 'false',
  });
  redis = createRedisClient(
    { url: TEST_REDIS_URL, keyPrefix: '', commandTimeoutMs: 1000, connectTimeoutMs: 1000 },
    createCaptureLogger().logger,
    {
      name: 'lock-test',
    },
  );
  const ready = async (u: string) => {
    const s = await cacheStats(u);
    return s.coherence.leaseValid && s.l2.trusted;
  };
  await waitUntil('both instances read L2', async () => (await ready(a.baseUrl)) && (await ready(b.baseUrl)));
});

after(async () => {
  await a?.kill();
  redis?.disconnect();
  await b?.close();
  await proxy?.close();
  await deleteRedisPrefix(prefix);
});

test('a lock holder killed mid-load: waiters load themselves within the lock-wait bound', async () => {
  const lockKey = `${prefix}cache:l:resource:3`;
  proxy.setMode('hang');
  // A's lease outlives the stall by up to a lease: it reads L2, misses, takes the lock, then hangs.
  const pending = fetchJson(`${a.baseUrl}/api/v1/resources/3`).catch(() => null);
  await waitUntil('A holds the load lock', async () => (await redis.exists(lockKey)) === 1, {
    timeoutMs: 2000,
  });
  await a.kill();
  void pending;
  assert.equal(await redis.exists(lockKey), 1, 'the dead holder left its lock behind');

  const t0 = performance.now();
  const res = await fetchJson(`${b.baseUrl}/api/v1/resources/3`);
  const ms = performance.now() - t0;
  assert.equal(res.status, 200);
  assert.equal(res.body.id, 3);
  assert.equal(res.headers.get('x-cache'), 'MISS');
  assert.ok(ms >= LOCK_WAIT_MS - 5, `B waited for the lock first (${Math.round(ms)} ms)`);
  assert.ok(ms < LOCK_WAIT_MS + 500, `and then stopped waiting (${Math.round(ms)} ms)`);
  const s = await cacheStats(b.baseUrl);
  assert.equal(s.lockWaits.timeout, 1);
  assert.equal(s.loads.ok, 1);
});
