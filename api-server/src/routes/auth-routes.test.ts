import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword, hashSessionToken, UserRepository } from '@floodgate/database';
import { Channels, createLogger, createRedisClient, RedisEventBus } from '@floodgate/shared';
import {
  deleteRedisPrefix,
  type FetchJsonOptions,
  fetchJson,
  login,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
  waitUntil,
} from '@floodgate/shared/testing';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';

const prefix = uniqueRedisPrefix('api-auth');
let api: TestApi;
const call = (method: string, path: string, options?: FetchJsonOptions) =>
  fetchJson(`${api.baseUrl}${path}`, { method: method, ...options });

before(async () => {
  api = await startTestApi({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix } });
});
after(async () => {
  await api.close();
  await deleteRedisPrefix(prefix);
});

describe('login', () => {
  test('valid credentials → token and user (email matched case-insensitively)', async () => {
    const res = await call('POST', '/api/v1/auth/login', {
      body: { email: 'Admin@Example.com', password: 'admin123' },
    });
    assert.equal(res.status, 200);
    assert.match(res.body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      { ...res.body.user, id: typeof res.body.user.id },
      { id: 'number', email: 'admin@example.com', name: 'Admin', role: 'admin', tier: 'enterprise' },
    );
    assert.ok(Date.parse(res.body.expiresAt) > Date.now());
  });

  test('wrong password and unknown email are the same 401 INVALID_CREDENTIALS', async () => {
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { email: 'user@example.com', password: 'nope' },
    });
    const unknown = await call('POST', '/api/v1/auth/login', {
      body: { email: 'ghost@example.com', password: 'user123' },
    });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'INVALID_CREDENTIALS');
    }
    assert.equal(wrong.body.error.message, unknown.body.error.message);
  });

  test('a malformed login body is 400', async () => {
    for (const body of [
      { email: 'a@b.c' },
      { email: 1, password: 'x' },
      { email: 'a', password: 'b', x: 1 },
      [],
    ]) {
      const res = await call('POST', '/api/v1/auth/login', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
  });

  test('passwords and tokens never reach the logs', async () => {
    const token = await login(api.baseUrl, 'user@example.com', 'user123');
    await call('GET', '/api/v1/me', { token });
    const raw = api.raw();
    assert.ok(raw.includes('"route":"/api/v1/auth/login"'), 'requests are logged');
    assert.equal(raw.includes('user123'), false);
    assert.equal(raw.includes(token), false);
    assert.equal(raw.includes('Bearer'), false);
  });
});

describe('sessions', () => {
  test('me returns the session user; missing or malformed tokens are 401', async () => {
    const token = await login(api.baseUrl);
    const me = await call('GET', '/api/v1/me', { token });
    assert.equal(me.status, 200);
    assert.deepEqual(
      { email: me.body.user.email, role: me.body.user.role, tier: me.body.user.tier },
      { email: 'user@example.com', role: 'user', tier: 'free' },
    );

    const missing = await call('GET', '/api/v1/me');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'UNAUTHORIZED');
    const otherScheme = await call('GET', '/api/v1/me', { headers: { authorization: `Basic ${token}` } });
    assert.equal(otherScheme.body.error.code, 'UNAUTHORIZED');
    for (const bad of ['Bearer', 'Bearer short', `Bearer ${token}x`, `Bearer ${'A'.repeat(43)}`]) {
      const res = await call('GET', '/api/v1/me', { headers: { authorization: bad } });
      assert.equal(res.status, 401, bad);
      assert.equal(res.body.error.code, 'INVALID_TOKEN', bad);
    }
  });

  test('an expired session is refused', async () => {
    const token = await login(api.baseUrl);
    await api.pool.query(
      "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [hashSessionToken(token)],
    );
    const res = await call('GET', '/api/v1/me', { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'INVALID_TOKEN');
  });

  test('logout → 204, the token is refused afterwards, and the revocation is published on Redis', async () => {
    const logger = createLogger({ name: 'subscriber', level: 'silent' });
    const redis = { url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000 };
    const pub = createRedisClient(redis, logger, { name: 'test-pub' });
    const sub = createRedisClient(redis, logger, { name: 'test-sub', subscriber: true });
    const bus = new RedisEventBus(pub, sub, prefix);
    try {
      const token = await login(api.baseUrl);
      const other = await login(api.baseUrl);
      let onMessage: (message: string) => void = () => {};
      const received = new Promise<string>((resolve) => {
        onMessage = resolve;
      });
      // Resolves once Redis confirmed the SUBSCRIBE, so the publish below cannot be missed.
      await bus.subscribe(Channels.sessionRevoked, (m) => onMessage(m));

      const res = await call('POST', '/api/v1/auth/logout', { token });
      assert.equal(res.status, 204);
      assert.equal(await received, hashSessionToken(token));

      const after = await call('GET', '/api/v1/me', { token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'INVALID_TOKEN');
      assert.equal((await call('POST', '/api/v1/auth/logout', { token })).status, 401);
      assert.equal((await call('GET', '/api/v1/me', { token: other })).status, 200, 'other sessions live on');
    } finally {
      await bus.close();
      pub.disconnect();
    }
  });
});

describe('passwords', () => {
  const loginAs = (email: string, password: string) =>
    call('POST', '/api/v1/auth/login', { body: { email, password } });
  const storedHash = async (email: string) =>
    (await api.pool.query<{ h: string }>('SELECT password_hash AS h FROM users WHERE email = $1', [email]))
      .rows[0]?.h;

  test('every byte of a password counts: the first 72 plus another suffix do not log in', async () => {
    const long = `${'0123456789'.repeat(7)}ab`;
    assert.equal(Buffer.byteLength(long), 72);
    await new UserRepository(api.pool).create({
      email: 'long@example.com',
      name: 'Long',
      passwordHash: await hashPassword(`${long}-the-real-suffix`),
    });
    assert.equal((await loginAs('long@example.com', `${long}-another-suffix`)).status, 401);
    assert.equal((await loginAs('long@example.com', long)).status, 401);
    assert.equal((await loginAs('long@example.com', `${long}-the-real-suffix`)).status, 200);
  });

  test('a legacy bcrypt hash still logs in and is replaced by scrypt at that login', async () => {
    // bcrypt of "legacy-pass-1" (cost 4), as stored before the move to scrypt.
    const legacy = '$2b$04$YZVpBdfosdqH64vDuRr1QeD5I/2y7G2sR4A9snY1L/3wksd9MV2Ea';
    await new UserRepository(api.pool).create({
      email: 'legacy@example.com',
      name: 'Legacy',
      passwordHash: legacy,
    });
    assert.equal((await loginAs('legacy@example.com', 'legacy-pass-2')).status, 401);
    assert.equal(await storedHash('legacy@example.com'), legacy, 'a failed login rehashes nothing');
    assert.equal((await loginAs('legacy@example.com', 'legacy-pass-1')).status, 200);
    await waitUntil(
      'the hash rewritten as scrypt',
      async () => (await storedHash('legacy@example.com'))?.startsWith('$scrypt$') === true,
    );
    assert.equal((await loginAs('legacy@example.com', 'legacy-pass-1')).status, 200);
    assert.equal((await loginAs('legacy@example.com', 'legacy-pass-2')).status, 401);
  });

  test('a login storm does not hold up other requests: /status is answered while logins are in progress', async () => {
    const logins = 8;
    let finished = 0;
    const storm = Array.from({ length: logins }, () =>
      loginAs('user@example.com', 'user123').then((res) => {
        finished++;
        return res.status;
      }),
    );
    const status = await call('GET', '/api/v1/status');
    const finishedWhenAnswered = finished;
    assert.equal(status.status, 200);
    assert.deepEqual(await Promise.all(storm), Array(logins).fill(200));
    assert.ok(
      finishedWhenAnswered < logins,
      `status answered after ${finishedWhenAnswered} of ${logins} logins`,
    );
  });
});
