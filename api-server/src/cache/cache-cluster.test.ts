import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTestDatabase,
  fetchJson,
  getFreePort,
  login,
  runNodeProcess,
  startNodeProcess,
  startRedisServer,
  type TestDatabase,
  type TestProcess,
  type TestRedisServer,
  waitUntil,
} from '@floodgate/shared/testing';
import { cacheStats, readYourWritesRounds, waitCoherent } from '../testing/cache-cluster.js';
import { type ApiProcess, startApiProcess } from '../testing/start-api-process.js';

// Three api-server processes on one database and one Redis of our own (so that it can be frozen
// and killed): single flight across the cluster, read-your-writes with Redis up, frozen and gone,
// and clearing through the real balancer, gateway and CLI.

const INTERNAL_TOKEN = 'cluster-internal-token';
let db: TestDatabase;
let redis: TestRedisServer;
let apis: ApiProcess[] = [];
const services: TestProcess[] = [];
let urls: string[];
let token: string;

before(async () => {
  [db, redis] = await Promise.all([createTestDatabase('cache_cluster'), startRedisServer()]);
  apis = await Promise.all(
    ['api-a', 'api-b', 'api-c'].map((id) =>
      startApiProcess(id, {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        INTERNAL_TOKEN,
        PG_POOL_MAX: '6',
      }),
    ),
  );
  urls = apis.map((a) => a.baseUrl);
  token = await login(urls[0] as string);
  await waitCoherent(urls, { l2: true, token: INTERNAL_TOKEN });
});

after(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(apis.map((a) => a.stop()));
  await redis?.close();
  await db?.drop();
});

const A = () => urls[0] as string;
const B = () => urls[1] as string;
const C = () => urls[2] as string;
const stats = (u: string) => cacheStats(u, INTERNAL_TOKEN);
const totalLoads = async () => {
  const all = await Promise.all(urls.map(stats));
  return all.reduce((n, s) => n + s.loads.ok + s.loads.error, 0);
};

async function createResource(name: string): Promise<number> {
  const res = await fetchJson(`${A()}/api/v1/resources`, {
    method: 'POST',
    token,
    body: { name, type: 'cache-test' },
  });
  assert.equal(res.status, 201);
  return res.body.id as number;
}

describe('a cluster of three api-servers with Redis', () => {
  test('stampede: 200 concurrent reads of a cold key across three instances → one PostgreSQL load', async () => {
    const id = await createResource('cold');
    const before = await totalLoads();
    const reads = await Promise.all(
      Array.from({ length: 200 }, (_, i) => fetchJson(`${urls[i % 3] as string}/api/v1/resources/${id}`)),
    );
    assert.ok(
      reads.every((r) => r.status === 200 && r.body.name === 'cold'),
      'every read answered with the resource',
    );
    const loads = (await totalLoads()) - before;
    const sources = new Set(reads.map((r) => r.headers.get('x-cache')));
    assert.ok(loads >= 1 && loads <= 3, `PostgreSQL loads: ${loads}`);
    assert.equal(loads, 1, `one load for the whole cluster (X-Cache seen: ${[...sources]})`);
  });

  test('read-your-writes: 500 updates through A, each read back through B and C → no stale read', async () => {
    const id = await createResource('ryw');
    const r = await readYourWritesRounds({
      writer: A(),
      readers: [B(), C()],
      token,
      id,
      rounds: 500,
      label: 'up',
    });
    assert.deepEqual(r.stale, []);
    // The warm reads before each write were served from caches, so the test exercised invalidation.
    assert.ok((r.warm['HIT-L1'] ?? 0) > 900, `warm reads: ${JSON.stringify(r.warm)}`);
  });

  test('creates and deletes are seen by every instance at once (resource and list pages)', async () => {
    for (let i = 0; i < 20; i++) {
      // Warm the list page and the (missing) id everywhere first.
      await Promise.all([B(), C()].map((u) => fetchJson(`${u}/api/v1/resources?limit=100`)));
      const id = await createResource(`made-${i}`);
      for (const u of [B(), C()]) {
        const list = await fetchJson(`${u}/api/v1/resources?limit=100`);
        assert.ok(
          list.body.data.some((x: { id: number }) => x.id === id),
          `list on ${u} includes ${id}`,
        );
        assert.equal((await fetchJson(`${u}/api/v1/resources/${id}`)).status, 200);
      }
      assert.equal(
        (await fetchJson(`${A()}/api/v1/resources/${id}`, { method: 'DELETE', token })).status,
        204,
      );
      for (const u of [B(), C()]) {
        assert.equal((await fetchJson(`${u}/api/v1/resources/${id}`)).status, 404);
        const list = await fetchJson(`${u}/api/v1/resources?limit=100`);
        assert.ok(!list.body.data.some((x: { id: number }) => x.id === id), `list on ${u} dropped ${id}`);
      }
    }
  });

  test('internal clear empties L1 and L2 on every instance', async () => {
    const id = await createResource('to-clear');
    for (const u of urls) await fetchJson(`${u}/api/v1/resources/${id}`);
    for (const u of urls) assert.ok((await stats(u)).l1.entries > 0);
    const denied = await fetchJson(`${A()}/internal/cache/clear`, { method: 'POST', body: {} });
    assert.equal(denied.status, 401, 'the internal token is required');
    for (const u of urls) {
      const res = await fetchJson(`${u}/internal/cache/clear`, {
        method: 'POST',
        token: INTERNAL_TOKEN,
        body: {},
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.cleared.l2.result, 'new_namespace');
    }
    for (const u of urls) assert.equal((await stats(u)).l1.entries, 0);
    await waitCoherent(urls, { l2: true, token: INTERNAL_TOKEN });
    const read = await fetchJson(`${B()}/api/v1/resources/${id}`);
    assert.equal(read.headers.get('x-cache'), 'MISS', 'nothing left in L2 either');
  });

  test('clear through the gateway admin API and the CLI empties L1 and L2 on every instance', async () => {
    const [lbPort, gwPort] = [await getFreePort(), await getFreePort()];
    const common = { NODE_ENV: 'test', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    const lb = startNodeProcess('load-balancer/src/main.ts', {
      env: { ...common, LB_PORT: String(lbPort), API_SERVERS: urls.join(',') },
    });
    services.push(lb);
    const gw = startNodeProcess('gateway/src/main.ts', {
      env: {
        ...common,
        GATEWAY_PORT: String(gwPort),
        LB_URL: `http://127.0.0.1:${lbPort}`,
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        INTERNAL_TOKEN,
      },
    });
    services.push(gw);
    const gateway = `http://127.0.0.1:${gwPort}`;
    await Promise.all([
      lb.waitForHttp(`http://127.0.0.1:${lbPort}/health`),
      gw.waitForHttp(`${gateway}/health`),
    ]);
    const adminToken = await login(gateway, 'admin@example.com', 'admin123');
    const id = await createResource('cleared-everywhere');
    const warm = async () => {
      for (const u of urls) {
        await fetchJson(`${u}/api/v1/resources/${id}`);
        assert.equal((await fetchJson(`${u}/api/v1/resources/${id}`)).headers.get('x-cache'), 'HIT-L1');
      }
    };
    const assertEmpty = async (how: string) => {
      for (const u of urls) assert.equal((await stats(u)).l1.entries, 0, `${how}: L1 of ${u}`);
      await waitCoherent(urls, { l2: true, token: INTERNAL_TOKEN });
      const read = await fetchJson(`${C()}/api/v1/resources/${id}`);
      assert.equal(read.headers.get('x-cache'), 'MISS', `${how}: nothing left in L2`);
    };

    await warm();
    const viaApi = await fetchJson(`${gateway}/api/v1/admin/cache/clear`, {
      method: 'POST',
      token: adminToken,
      body: {},
    });
    assert.equal(viaApi.status, 200);
    assert.equal(viaApi.body.data.ok, true);
    assert.deepEqual(
      viaApi.body.data.instances.map((i: { ok: boolean }) => i.ok),
      [true, true, true],
    );
    await assertEmpty('admin API');

    await warm();
    const cli = (args: string[]) => runNodeProcess('cli/src/main.ts', args);
    const viaCli = await cli(['cache', 'clear', '--url', gateway, '--token', adminToken]);
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.match(viaCli.stdout, /^cleared everything\n/);
    await assertEmpty('CLI');

    const cliStats = await cli(['cache', 'stats', '--url', gateway, '--token', adminToken, '--json']);
    assert.equal(cliStats.code, 0, cliStats.stderr);
    assert.deepEqual(
      JSON.parse(cliStats.stdout).instances.map((i: { ok: boolean }) => i.ok),
      [true, true, true],
    );
  });

  test('Redis frozen: no request slower than the bound, no errors, still coherent', async () => {
    const id = await createResource('frozen');
    const others = await Promise.all([createResource('f1'), createResource('f2'), createResource('f3')]);
    for (const u of urls) await fetchJson(`${u}/api/v1/resources/${id}`);
    redis.freeze();
    try {
      let slowest = 0;
      const seen: Record<string, number> = {};
      const timed = async (method: string, u: string, path: string, body?: unknown) => {
        const t0 = performance.now();
        const res = await fetchJson(`${u}${path}`, { method, ...(body ? { token, body } : {}) });
        slowest = Math.max(slowest, performance.now() - t0);
        const x = res.headers.get('x-cache');
        if (x) seen[x] = (seen[x] ?? 0) + 1;
        return res;
      };
      for (let i = 0; i < 10; i++) {
        const reads = await Promise.all(
          [id, ...others].flatMap((rid) => urls.map((u) => timed('GET', u, `/api/v1/resources/${rid}`))),
        );
        assert.ok(reads.every((r) => r.status === 200));
        const name = `frozen-${i}`;
        assert.equal((await timed('PATCH', A(), `/api/v1/resources/${id}`, { name })).status, 200);
        for (const u of [B(), C()]) {
          assert.equal((await timed('GET', u, `/api/v1/resources/${id}`)).body.name, name);
        }
      }
      assert.ok(slowest < 600, `slowest request ${Math.round(slowest)} ms`);
      assert.ok((seen.MISS ?? 0) > 0 && (seen['HIT-L1'] ?? 0) > 0, JSON.stringify(seen));
    } finally {
      redis.thaw();
    }
    await waitCoherent(urls, { l2: true, token: INTERNAL_TOKEN });
  });

  test('Redis gone: 500 read-your-writes rounds still see no stale read, L1 keeps serving', async () => {
    await redis.kill();
    await waitUntil('L2 unavailable everywhere', async () =>
      (await Promise.all(urls.map(stats))).every((s) => !s.l2.available),
    );
    const id = await createResource('no-redis');
    const r = await readYourWritesRounds({
      writer: A(),
      readers: [B(), C()],
      token,
      id,
      rounds: 500,
      label: 'down',
    });
    assert.deepEqual(r.stale, []);
    assert.ok((r.warm['HIT-L1'] ?? 0) > 900, `warm reads: ${JSON.stringify(r.warm)}`);
    for (const a of apis) assert.equal(a.hasExited(), false, 'no process exited');
  });

  test('an instance that stops gracefully announces it: writes elsewhere do not wait out its lease', async () => {
    const id = await createResource('before-stop');
    const waits = async () => (await stats(A())).writeWaits;
    const before = await waits();
    await apis[2]?.stop();
    const t0 = performance.now();
    const res = await fetchJson(`${A()}/api/v1/resources/${id}`, {
      method: 'PATCH',
      token,
      body: { name: 'after-stop' },
    });
    const ms = performance.now() - t0;
    assert.equal(res.status, 200);
    const after = await waits();
    assert.equal(after.acked, before.acked + 1, JSON.stringify({ before, after }));
    assert.equal(after.leaseExpired, before.leaseExpired);
    assert.ok(ms < 500, `write answered in ${Math.round(ms)} ms`);
  });
});
