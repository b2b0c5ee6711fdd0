import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { createCaptureLogger, fetchJson, login, waitUntil } from '@floodgate/shared/testing';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';
import { IdempotencyPurger } from './idempotency-purger.js';

let api: TestApi;
let userToken: string;
let adminToken: string;
let userId: number;

before(async () => {
  api = await startTestApi();
  userToken = await login(api.baseUrl);
  adminToken = await login(api.baseUrl, 'admin@example.com', 'admin123');
  userId = (await fetchJson(`${api.baseUrl}/api/v1/me`, { token: userToken })).body.user.id;
});
after(() => api.close());

const post = (key: string | null, body: unknown, token = userToken) =>
  fetchJson(`${api.baseUrl}/api/v1/resources`, {
    method: 'POST',
    token,
    body,
    headers: key === null ? {} : { 'idempotency-key': key },
  });
const rowsNamed = async (name: string) =>
  Number(
    (await api.pool.query('SELECT count(*)::int AS n FROM resources WHERE name = $1', [name])).rows[0].n,
  );

describe('Idempotency-Key on POST /api/v1/resources', () => {
  test('a repeat gets the stored response (same status, body, location), marked as a replay; one row', async () => {
    const body = { name: 'idem-repeat', type: 'idem', data: { n: 1 } };
    const first = await post('"key-repeat-1"', body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await post('"key-repeat-1"', body);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await rowsNamed('idem-repeat'), 1);
    // A bare token is the same key as its quoted form.
    assert.equal((await post('key-repeat-1', body)).headers.get('idempotent-replayed'), 'true');
  });

  test('20 concurrent identical POSTs with one key create one row; every 2xx carries its id', async () => {
    const body = { name: 'idem-concurrent', type: 'idem' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('"key-concurrent"', body)));
    const ok = answers.filter((a) => a.status === 201);
    assert.ok(ok.length >= 1);
    assert.equal(new Set(ok.map((a) => a.body.id)).size, 1, 'one id in every 2xx');
    for (const a of answers.filter((x) => x.status !== 201)) {
      assert.equal(a.status, 409, JSON.stringify(a.body));
      assert.equal(a.body.error.code, 'IDEMPOTENCY_IN_FLIGHT');
    }
    assert.equal(await rowsNamed('idem-concurrent'), 1);
  });

  test('a repeat while the first is in flight gets 409; once it is done, the key works', async () => {
    const client = await api.pool.connect();
    try {
      await client.query('BEGIN');
      // What a request holding the key does first (IdempotencyRepository.tryLock).
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `idempotency\nuser:${userId}\nkey-in-flight`,
      ]);
      const res = await post('key-in-flight', { name: 'idem-in-flight', type: 'idem' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'IDEMPOTENCY_IN_FLIGHT');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.equal((await post('key-in-flight', { name: 'idem-in-flight', type: 'idem' })).status, 201);
    assert.equal(await rowsNamed('idem-in-flight'), 1);
  });

  test('the same key with another body or path is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const created = await post('key-reused', { name: 'idem-reused', type: 'idem' });
    assert.equal(created.status, 201);
    const other = await post('key-reused', { name: 'idem-reused-2', type: 'idem' });
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    const patch = await fetchJson(`${api.baseUrl}/api/v1/resources/${created.body.id}`, {
      method: 'PATCH',
      token: userToken,
      body: { name: 'idem-reused' },
      headers: { 'idempotency-key': 'key-reused' },
    });
    assert.equal(patch.status, 422);
    assert.equal(await rowsNamed('idem-reused-2'), 0);
  });

  test('keys are scoped per user: the same key from another user is a new request', async () => {
    const body = { name: 'idem-scoped', type: 'idem' };
    const mine = await post('key-scoped', body);
    const theirs = await post('key-scoped', body, adminToken);
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201);
    assert.notEqual(theirs.body.id, mine.body.id);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.equal(await rowsNamed('idem-scoped'), 2);
  });

  test('a refused request does not use up its key', async () => {
    const bad = await post('key-after-400', { name: '', type: 'idem' });
    assert.equal(bad.status, 400);
    const good = await post('key-after-400', { name: 'idem-after-400', type: 'idem' });
    assert.equal(good.status, 201);
    assert.equal(good.headers.get('idempotent-replayed'), null);
  });

  test('an expired key is a new request', async () => {
    const body = { name: 'idem-expired', type: 'idem' };
    const first = await post('key-expired', body);
    await api.pool.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-expired'",
    );
    const second = await post('key-expired', body);
    assert.equal(second.status, 201);
    assert.notEqual(second.body.id, first.body.id);
    assert.equal(second.headers.get('idempotent-replayed'), null);
  });

  test('a malformed key is 400 VALIDATION_FAILED, and nothing is written', async () => {
    for (const key of ['""', '"', `"${'k'.repeat(256)}"`, 'two words', '"a", "b"', '"tab\there"']) {
      const res = await post(key, { name: 'idem-malformed', type: 'idem' });
      assert.equal(res.status, 400, key);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.equal(res.body.error.details.issues[0].path, 'Idempotency-Key');
    }
    assert.equal(await rowsNamed('idem-malformed'), 0);
  });
});

describe('Idempotency-Key on PATCH /api/v1/resources/:id', () => {
  test('a repeated PATCH is applied once (the version moves by one) and replayed', async () => {
    const created = await post(null, { name: 'idem-patch', type: 'idem' });
    const path = `/api/v1/resources/${created.body.id}`;
    const patch = () =>
      fetchJson(`${api.baseUrl}${path}`, {
        method: 'PATCH',
        token: userToken,
        body: { data: { step: 1 } },
        headers: { 'idempotency-key': '"patch-once"' },
      });
    const first = await patch();
    const again = await patch();
    assert.equal(first.status, 200);
    assert.equal(first.body.version, 2);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await fetchJson(`${api.baseUrl}${path}`)).body.version, 2);
  });

  test('a PATCH of a missing resource is 404 and leaves the key unused', async () => {
    const res = await fetchJson(`${api.baseUrl}/api/v1/resources/999999`, {
      method: 'PATCH',
      token: userToken,
      body: { name: 'x' },
      headers: { 'idempotency-key': 'patch-missing' },
    });
    assert.equal(res.status, 404);
    const { rowCount } = await api.pool.query("SELECT 1 FROM idempotency_keys WHERE key = 'patch-missing'");
    assert.equal(rowCount, 0);
  });
});

test('IdempotencyPurger deletes expired records on its interval', async () => {
  await post('key-purge', { name: 'idem-purge', type: 'idem' });
  await api.pool.query(
    "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-purge'",
  );
  const clock = new FakeClock();
  const purger = new IdempotencyPurger({
    pool: api.pool,
    clock,
    logger: createCaptureLogger().logger,
    intervalMs: 1000,
  });
  purger.start();
  try {
    const left = async () =>
      (await api.pool.query("SELECT 1 FROM idempotency_keys WHERE key = 'key-purge'")).rowCount ?? 0;
    assert.equal(await left(), 1);
    clock.advance(1000);
    await waitUntil('the expired record purged', async () => (await left()) === 0);
    assert.ok(
      (await api.pool.query('SELECT count(*)::int AS n FROM idempotency_keys')).rows[0].n > 0,
      'live ones kept',
    );
  } finally {
    purger.stop();
  }
});
