import assert from 'node:assert/strict';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { CacheClearResultAnswer, CacheInstanceStats } from '@floodgate/shared/admin-api';
import {
  deleteRedisPrefix,
  fetchJson,
  login,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { createInternalAuth } from '../http/internal-auth.js';
import { cacheStats, waitCoherent } from '../testing/cache-cluster.js';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';
import { negotiateEncoding } from './compression.js';

// Two in-process api-servers on one database and the shared Redis (own key prefix): what a client
// sees (X-Cache, compression), what operators see (stats, metrics) and control (clear).

const prefix = uniqueRedisPrefix('cache_routes');
let one: TestApi;
let two: TestApi;
let token: string;

before(async () => {
  // A long lease and L2 timeout: this file asserts exact X-Cache answers, which on a loaded machine
  // a lease gap (a heartbeat slower than 3/4 of the lease) or a slow Redis reply would turn into
  // correct but different answers (MISS instead of a hit).
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CACHE_L1_MAX_ENTRIES: '50',
    CACHE_LEASE_MS: '4000',
    CACHE_L2_TIMEOUT_MS: '2000',
  };
  one = await startTestApi({ env: { ...env, INSTANCE_ID: 'one' } });
  two = await startTestApi({
    database: false,
    env: { ...env, INSTANCE_ID: 'two', DATABASE_URL: one.db?.url as string },
  });
  token = await login(one.baseUrl);
  await waitCoherent([one.baseUrl, two.baseUrl], { l2: true });
});

after(async () => {
  await two?.close();
  await one?.close();
  await deleteRedisPrefix(prefix);
});

const get = (api: TestApi, path: string, headers?: Record<string, string>) =>
  fetchJson(`${api.baseUrl}${path}`, { headers });

describe('X-Cache', () => {
  test('MISS, then HIT-L1 here, HIT-L2 on the other instance; list pages too', async () => {
    for (const path of ['/api/v1/resources/4', '/api/v1/resources?limit=3']) {
      const first = await get(one, path);
      assert.equal(first.headers.get('x-cache'), 'MISS', path);
      const again = await get(one, path);
      assert.equal(again.headers.get('x-cache'), 'HIT-L1', path);
      assert.deepEqual(again.body, first.body);
      const other = await get(two, path);
      assert.equal(other.headers.get('x-cache'), 'HIT-L2', path);
      assert.deepEqual(other.body, first.body);
      assert.equal((await get(two, path)).headers.get('x-cache'), 'HIT-L1', path);
    }
  });

  test('a missing resource is a 404 envelope marked MISS (not cached)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await get(one, '/api/v1/resources/987654');
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'NOT_FOUND');
      assert.equal(res.headers.get('x-cache'), 'MISS');
    }
  });
});

describe('compression', () => {
  test('a body of 1 KiB or more is brotli or gzip as accepted, with vary; identity otherwise', async () => {
    const big = await fetchJson(`${one.baseUrl}/api/v1/resources`, {
      method: 'POST',
      token,
      body: { name: 'big', type: 't', data: { text: 'lorem ipsum '.repeat(200) } },
    });
    assert.equal(big.status, 201);
    const path = `/api/v1/resources/${big.body.id}`;
    const raw = async (acceptEncoding?: string) => {
      const res = await fetch(one.baseUrl + path, {
        headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
      });
      // fetch would decode transparently; read the bytes as sent.
      return { res, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const plain = await raw('identity');
    assert.equal(plain.res.headers.get('content-encoding'), null);
    assert.equal(plain.res.headers.get('vary'), 'accept-encoding');
    const json = JSON.parse(plain.bytes.toString('utf8'));
    assert.equal(json.name, 'big');

    const viaUndici = await fetchJson(`${one.baseUrl}${path}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(viaUndici.headers.get('content-encoding'), 'br');
    assert.deepEqual(viaUndici.body, json, 'decodes to the same JSON');
    assert.ok(Number(viaUndici.headers.get('content-length')) < plain.bytes.length / 2, 'brotli shrinks it');

    for (const [accept, expected, decode] of [
      ['gzip', 'gzip', gunzipSync],
      ['gzip;q=1, br;q=0.5', 'gzip', gunzipSync],
      ['br, gzip', 'br', brotliDecompressSync],
    ] as const) {
      const res = await rawGet(one.baseUrl + path, accept);
      const body = res.body;
      assert.equal(res.headers['content-encoding'], expected, accept);
      assert.deepEqual(JSON.parse(decode(body).toString('utf8')), json, accept);
    }
    const small = await fetchJson(`${one.baseUrl}/api/v1/resources/1`, {
      headers: { 'accept-encoding': 'br' },
    });
    assert.equal(small.headers.get('content-encoding'), null, 'small bodies are sent as they are');
    assert.equal(small.headers.get('vary'), null);
  });

  test('Accept-Encoding negotiation', () => {
    const cases: [string | undefined, string | null][] = [
      [undefined, null],
      ['', null],
      ['identity', null],
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['br;q=0.2, gzip;q=0.8', 'gzip'],
      ['*', 'br'],
      ['*;q=0, gzip', 'gzip'],
      ['gzip;q=0, br;q=0', null],
      ['GZIP', 'gzip'],
      ['br;q=abc', null],
    ];
    for (const [header, expected] of cases) assert.equal(negotiateEncoding(header), expected, String(header));
  });
});

describe('stats, metrics and control', () => {
  test('stats count per level; metrics are exported under floodgate_cache_*', async () => {
    await get(one, '/api/v1/resources/5');
    await get(one, '/api/v1/resources/5');
    const s = CacheInstanceStats.parse(await cacheStats(one.baseUrl));
    assert.equal(s.instanceId, 'one');
    assert.ok(s.l1.hits >= 1 && s.l1.misses >= 1 && s.l1.entries >= 1 && s.l1.bytes > 0);
    assert.equal(s.l2.configured, true);
    assert.ok(s.loads.ok >= 1);
    const metrics = await fetch(`${one.baseUrl}/metrics`).then((r) => r.text());
    for (const line of [
      /^floodgate_cache_requests_total\{level="l1",result="hit",component="api-server"\} [1-9]/m,
      /^floodgate_cache_requests_total\{level="l1",result="miss",component="api-server"\} [1-9]/m,
      /^floodgate_cache_loads_total\{result="ok",component="api-server"\} [1-9]/m,
      /^floodgate_cache_l1_entries\{component="api-server"\} [1-9]/m,
      /^floodgate_cache_coherent\{component="api-server"\} 1/m,
      /^floodgate_cache_evictions_total\{component="api-server"\} \d/m,
      /^floodgate_cache_coalesced_total\{component="api-server"\} \d/m,
      /^floodgate_cache_stale_served_total\{component="api-server"\} 0/m,
    ]) {
      assert.match(metrics, line);
    }
  });

  test('L1 is bounded by entry count and counts evictions', async () => {
    for (let i = 0; i < 60; i++) await get(two, `/api/v1/resources?limit=${i + 1}`);
    const s = await cacheStats(two.baseUrl);
    assert.ok(s.l1.entries <= 50, `entries ${s.l1.entries}`);
    assert.ok(s.l1.evictions >= 10, `evictions ${s.l1.evictions}`);
  });

  test('clear one key, a prefix, or everything (L1 here and L2)', async () => {
    const clear = (body: unknown) =>
      fetchJson(`${one.baseUrl}/internal/cache/clear`, { method: 'POST', body });
    await clear({});
    for (const id of [1, 2]) {
      assert.equal((await get(one, `/api/v1/resources/${id}`)).headers.get('x-cache'), 'MISS');
      assert.equal((await get(two, `/api/v1/resources/${id}`)).headers.get('x-cache'), 'HIT-L2');
    }

    const byKey = await clear({ key: 'resource:1' });
    assert.equal(byKey.status, 200);
    assert.deepEqual(CacheClearResultAnswer.parse(byKey.body).data.cleared, {
      l1Entries: 1,
      l2: { result: 'deleted', deleted: 1 },
    });
    assert.equal((await get(one, '/api/v1/resources/1')).headers.get('x-cache'), 'MISS');
    assert.equal(
      (await get(one, '/api/v1/resources/2')).headers.get('x-cache'),
      'HIT-L1',
      'others untouched',
    );

    const byPrefix = await clear({ prefix: 'resource:' });
    assert.ok(byPrefix.body.data.cleared.l1Entries >= 2);
    assert.equal((await get(one, '/api/v1/resources/2')).headers.get('x-cache'), 'MISS');

    const all = await clear({});
    assert.equal(all.body.data.cleared.l2.result, 'new_namespace');
    assert.equal((await cacheStats(one.baseUrl)).l1.entries, 0);

    for (const bad of [{ key: 'a b' }, { key: 'x', prefix: 'y' }, { nope: 1 }]) {
      const res = await clear(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
  });

  test('internal endpoints: loopback only without a token; bearer token when set', () => {
    const req = (remoteAddress: string, authorization?: string) =>
      ({ socket: { remoteAddress }, headers: { authorization } }) as unknown as IncomingMessage;
    const open = createInternalAuth(null);
    assert.doesNotThrow(() => open(req('127.0.0.1')));
    assert.doesNotThrow(() => open(req('::1')));
    assert.doesNotThrow(() => open(req('127.0.0.2')), 'all of 127.0.0.0/8 is loopback');
    assert.doesNotThrow(() => open(req('::ffff:127.0.0.2')));
    assert.throws(() => open(req('10.0.0.7')), { code: 'FORBIDDEN' });
    const guarded = createInternalAuth('s3cret');
    assert.doesNotThrow(() => guarded(req('10.0.0.7', 'Bearer s3cret')));
    assert.throws(() => guarded(req('127.0.0.1')), { code: 'UNAUTHORIZED' });
    assert.throws(() => guarded(req('127.0.0.1', 'Bearer s3cre')), { code: 'UNAUTHORIZED' });
    assert.throws(() => guarded(req('127.0.0.1', 's3cret')), { code: 'UNAUTHORIZED' });
  });
});

/** GET with node:http: the body exactly as sent (no transparent decoding). */
function rawGet(
  url: string,
  acceptEncoding: string,
): Promise<{ headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
