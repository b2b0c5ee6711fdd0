import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FetchJsonOptions, fetchJson, login } from '@floodgate/shared/testing';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';

let api: TestApi;
let token: string;
const call = (method: string, path: string, options?: FetchJsonOptions) =>
  fetchJson(`${api.baseUrl}${path}`, { method, ...options });

before(async () => {
  api = await startTestApi({ env: { BODY_LIMIT_BYTES: '2048' } });
  token = await login(api.baseUrl);
});
after(() => api.close());

describe('reading resources', () => {
  test('list defaults to 20 per page and returns the seeded resources', async () => {
    const res = await call('GET', '/api/v1/resources');
    assert.equal(res.status, 200);
    assert.equal(res.body.data.length, 5);
    assert.equal(res.body.nextCursor, null);
    const first = res.body.data[0];
    assert.deepEqual(Object.keys(first).sort(), [
      'createdAt',
      'data',
      'id',
      'name',
      'ownerId',
      'type',
      'updatedAt',
      'version',
    ]);
  });

  test('a 25-item cursor walk sees every resource once, in order', async () => {
    const created: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await call('POST', '/api/v1/resources', {
        token,
        body: { name: `walk-${i}`, type: 'walk' },
      });
      assert.equal(res.status, 201);
      created.push(res.body.id);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await call('GET', `/api/v1/resources?limit=7${q}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length <= 7);
      seen.push(
        ...res.body.data.filter((r: { type: string }) => r.type === 'walk').map((r: { id: number }) => r.id),
      );
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    assert.deepEqual(seen, created, 'no duplicates, no gaps');
    assert.equal(pages, 5, '30 rows at 7 per page');
  });

  test('bad limit or cursor is 400 VALIDATION_FAILED with issues', async () => {
    for (const qs of ['limit=0', 'limit=101', 'limit=abc', 'limit=', 'limit=1.5', 'cursor=not-a-cursor']) {
      const res = await call('GET', `/api/v1/resources?${qs}`);
      assert.equal(res.status, 400, qs);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', qs);
      assert.ok(Array.isArray(res.body.error.details.issues), qs);
      assert.equal(typeof res.body.error.requestId, 'string');
    }
    const ok = await call('GET', '/api/v1/resources?limit=100');
    assert.equal(ok.status, 200);
  });

  test('get by id; non-integer ids are 400, missing ones 404', async () => {
    const res = await call('GET', '/api/v1/resources/1');
    assert.equal(res.status, 200);
    assert.equal(res.body.id, 1);
    assert.equal(res.body.name, 'Getting started');
    for (const bad of ['abc', '0', '-1', '1.5', '01', '1e3', '%E0%A4%A']) {
      const r = await call('GET', `/api/v1/resources/${bad}`);
      assert.equal(r.status, 400, bad);
      assert.deepEqual(r.body.error.details.issues, [{ path: 'id', message: 'must be a positive integer' }]);
    }
    for (const missing of ['999999', '99999999999']) {
      const r = await call('GET', `/api/v1/resources/${missing}`);
      assert.equal(r.status, 404, missing);
      assert.equal(r.body.error.code, 'NOT_FOUND');
    }
  });
});

describe('writing resources', () => {
  test('create → 201 with the resource, owned by the caller, with a location', async () => {
    const res = await call('POST', '/api/v1/resources', {
      token,
      body: { name: 'Thing', type: 'gadget', data: { color: 'red', sizes: [1, 2] } },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/api/v1/resources/${res.body.id}`);
    assert.deepEqual(
      { name: res.body.name, type: res.body.type, data: res.body.data, version: res.body.version },
      { name: 'Thing', type: 'gadget', data: { color: 'red', sizes: [1, 2] }, version: 1 },
    );
    const me = await call('GET', '/api/v1/me', { token });
    assert.equal(res.body.ownerId, me.body.user.id);
    assert.deepEqual((await call('GET', `/api/v1/resources/${res.body.id}`)).body, res.body);
  });

  test('PUT replaces, PATCH changes only given fields, DELETE removes', async () => {
    const { body: r } = await call('POST', '/api/v1/resources', {
      token,
      body: { name: 'a', type: 't', data: { k: 1 } },
    });
    const put = await call('PUT', `/api/v1/resources/${r.id}`, { token, body: { name: 'b', type: 'u' } });
    assert.equal(put.status, 200);
    assert.deepEqual([put.body.name, put.body.type, put.body.data, put.body.version], ['b', 'u', {}, 2]);

    const patch = await call('PATCH', `/api/v1/resources/${r.id}`, { token, body: { data: { k: 2 } } });
    assert.equal(patch.status, 200);
    assert.deepEqual([patch.body.name, patch.body.data, patch.body.version], ['b', { k: 2 }, 3]);

    const del = await call('DELETE', `/api/v1/resources/${r.id}`, { token });
    assert.equal(del.status, 204);
    assert.equal(del.body, null);
    assert.equal((await call('GET', `/api/v1/resources/${r.id}`)).status, 404);
    assert.equal((await call('DELETE', `/api/v1/resources/${r.id}`, { token })).status, 404);
    assert.equal(
      (await call('PUT', `/api/v1/resources/${r.id}`, { token, body: { name: 'c', type: 'v' } })).status,
      404,
    );
    assert.equal(
      (await call('PATCH', `/api/v1/resources/${r.id}`, { token, body: { name: 'c' } })).status,
      404,
    );
  });

  test('bodies are validated strictly', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/resources', { name: 'x', type: 't', owner: 1 }, 'owner'],
      ['POST', '/api/v1/resources', { type: 't' }, 'name'],
      ['POST', '/api/v1/resources', { name: '', type: 't' }, 'name'],
      ['POST', '/api/v1/resources', { name: 'x'.repeat(201), type: 't' }, 'name'],
      ['POST', '/api/v1/resources', { name: 'x', type: 't', data: [1] }, 'data'],
      ['POST', '/api/v1/resources', { name: 'x', type: 't', data: 'str' }, 'data'],
      ['PUT', '/api/v1/resources/1', { name: 'x' }, 'type'],
      ['PATCH', '/api/v1/resources/1', {}, ''],
      ['PATCH', '/api/v1/resources/1', { version: 9 }, 'version'],
    ];
    for (const [method, path, body, issuePath] of cases) {
      const res = await call(method, path, { token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.ok(
        res.body.error.details.issues.some((i: { path: string }) => i.path === issuePath),
        `${JSON.stringify(body)} → ${JSON.stringify(res.body.error.details.issues)}`,
      );
    }
    const empty = await call('POST', '/api/v1/resources', { token });
    assert.equal(empty.status, 400);
  });

  test('malformed JSON is 400 INVALID_JSON; a body over the limit is 413; non-JSON is 415', async () => {
    const bad = await call('POST', '/api/v1/resources', { token, rawBody: '{"name": "x",' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_JSON');

    const big = await call('POST', '/api/v1/resources', {
      token,
      body: { name: 'x', type: 't', data: { blob: 'x'.repeat(4096) } },
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'PAYLOAD_TOO_LARGE');

    const text = await call('POST', '/api/v1/resources', {
      token,
      rawBody: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 415);
  });

  test('a NUL character the database cannot store is a 400, not a 500', async () => {
    const res = await call('POST', '/api/v1/resources', {
      token,
      body: { name: 'x', type: 't', data: { s: '\u0000' } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
  });

  test('writes need a valid session; client-sent identity headers are ignored', async () => {
    const spoof = { 'x-user-id': '1', 'x-user-role': 'admin' };
    const cases: [string, string][] = [
      ['POST', '/api/v1/resources'],
      ['PUT', '/api/v1/resources/1'],
      ['PATCH', '/api/v1/resources/1'],
      ['DELETE', '/api/v1/resources/1'],
    ];
    for (const [method, path] of cases) {
      const res = await call(method, path, { headers: spoof, body: { name: 'x', type: 't' } });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.body.error.code, 'UNAUTHORIZED');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const forged = await call('POST', '/api/v1/resources', {
      token: 'A'.repeat(43),
      body: { name: 'x', type: 't' },
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'INVALID_TOKEN');
    assert.equal((await call('GET', '/api/v1/resources/1')).body.name, 'Getting started', 'nothing changed');
  });
});

describe('resource data is stored exactly as sent', () => {
  test('keys such as __proto__ are kept, at any depth, in the 201 and in later reads', async () => {
    const data = '{"__proto__":{"polluted":true},"nested":{"__proto__":[1,2],"constructor":"c"}}';
    const res = await call('POST', '/api/v1/resources', {
      token,
      rawBody: `{"name":"proto","type":"edge","data":${data}}`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // Same keys and values (jsonb does not keep key order).
    assert.deepStrictEqual(res.body.data, JSON.parse(data));
    assert.ok(Object.hasOwn(res.body.data, '__proto__'));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(res.body.data, '__proto__')?.value, {
      polluted: true,
    });
    const read = await call('GET', `/api/v1/resources/${res.body.id}`);
    assert.deepStrictEqual(read.body.data, JSON.parse(data));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('data nested deeper than 64 levels is 400 VALIDATION_FAILED', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const body = (n: number) => `{"name":"deep","type":"edge","data":{"a":${deep(n)}}}`;
    const ok = await call('POST', '/api/v1/resources', { token, rawBody: body(62) });
    assert.equal(ok.status, 201, '64 levels in all');
    const res = await call('POST', '/api/v1/resources', { token, rawBody: body(63) });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.match(res.body.error.message, /nested deeper than 64 levels/);
  });
});
