import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMigrations, seedDevData } from '@floodgate/database';
import { createPgPool } from '@floodgate/shared';
import {
  createCaptureLogger,
  createTestDatabase,
  fetchJson,
  startTcpProxy,
  type TcpProxy,
  type TestDatabase,
  waitUntil,
} from '@floodgate/shared/testing';
import { cacheStats } from '../testing/cache-cluster.js';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';

// Stale-if-error: the api-server reaches PostgreSQL through a proxy this test cuts and stalls.

const L1_TTL_MS = 300;
const GRACE_MS = 1200;
const LOAD_TIMEOUT_MS = 150;
let db: TestDatabase;
let proxy: TcpProxy;
let api: TestApi;

before(async () => {
  db = await createTestDatabase('cache_stale');
  const { logger } = createCaptureLogger();
  const pool = createPgPool(
    { url: db.url, poolMax: 1, connectTimeoutMs: 2000, statementTimeoutMs: 5000 },
    logger,
    {
      applicationName: 'stale-setup',
    },
  );
  await runMigrations(pool, logger);
  await seedDevData(pool, logger);
  await pool.end();
  const target = new URL(db.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  target.host = `127.0.0.1:${proxy.port}`;
  api = await startTestApi({
    database: false,
    env: {
      DATABASE_URL: target.toString(),
      CACHE_L1_TTL_MS: String(L1_TTL_MS),
      CACHE_STALE_GRACE_MS: String(GRACE_MS),
      CACHE_LOAD_TIMEOUT_MS: String(LOAD_TIMEOUT_MS),
      PG_CONNECT_TIMEOUT_MS: '2000',
    },
  });
  await waitUntil('coherent', async () => (await cacheStats(api.baseUrl)).coherence.leaseValid);
});

after(async () => {
  proxy.setMode('pass');
  await api?.close();
  await proxy?.close();
  await db?.drop();
});

const get = (path: string) => fetchJson(`${api.baseUrl}${path}`);

test('PostgreSQL cut or stalled: stale copies within the grace, then 503s; service returns with PostgreSQL', async () => {
  const warm = await get('/api/v1/resources/1');
  assert.equal(warm.headers.get('x-cache'), 'MISS');
  assert.equal((await get('/api/v1/resources/1')).headers.get('x-cache'), 'HIT-L1');
  await get('/api/v1/resources?limit=5');
  const warmedAt = performance.now();

  proxy.setMode('refuse');
  await waitUntil('the bus noticed', async () => !(await cacheStats(api.baseUrl)).coherence.leaseValid);
  const stale = await get('/api/v1/resources/1');
  assert.equal(stale.status, 200);
  assert.equal(stale.headers.get('x-cache'), 'STALE');
  assert.deepEqual(stale.body, warm.body);
  const staleList = await get('/api/v1/resources?limit=5');
  assert.equal(staleList.status, 200);
  assert.equal(staleList.headers.get('x-cache'), 'STALE');

  const uncached = await get('/api/v1/resources/2');
  assert.equal(uncached.status, 503, 'nothing cached: the envelope, not a hang');
  assert.equal(uncached.body.error.code, 'DEPENDENCY_UNAVAILABLE');

  // Stalled rather than refused: the copy is served after the load timeout, not after the pool's.
  proxy.setMode('hang');
  const t0 = performance.now();
  const slow = await get('/api/v1/resources/1');
  const waited = performance.now() - t0;
  assert.equal(slow.headers.get('x-cache'), 'STALE');
  assert.ok(waited >= LOAD_TIMEOUT_MS - 5 && waited < 1000, `served stale after ${Math.round(waited)} ms`);

  proxy.setMode('refuse');
  const graceEnds = warmedAt + L1_TTL_MS + GRACE_MS;
  await new Promise((r) => setTimeout(r, Math.max(0, graceEnds - performance.now()) + 50));
  const expired = await get('/api/v1/resources/1');
  assert.equal(expired.status, 503, 'after the grace: 503');
  assert.equal(expired.body.error.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(typeof expired.body.error.requestId, 'string');
  assert.ok((await cacheStats(api.baseUrl)).staleServed >= 3);

  proxy.setMode('pass');
  await waitUntil('coherent again', async () => (await cacheStats(api.baseUrl)).coherence.leaseValid);
  const back = await get('/api/v1/resources/1');
  assert.equal(back.status, 200);
  assert.equal(back.headers.get('x-cache'), 'MISS');
  assert.equal((await get('/api/v1/resources/1')).headers.get('x-cache'), 'HIT-L1');
  assert.ok(api.app.server.listening, 'the process kept serving throughout');
});
