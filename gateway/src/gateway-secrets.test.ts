import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CallResult,
  call,
  deleteRedisPrefix,
  rawExchange,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { type FakeBalancer, startFakeBalancer } from './test-support/fake-balancer.js';
import { createSessionFixture, type SessionFixture } from './test-support/session-fixture.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

const SECRET = 'secrets-test-hmac-secret-at-least-32-chars';
const PASSWORD = 'correct-horse-battery-staple-7731';
const opts = { timeout: 10_000 };

describe('secrets never reach logs or error bodies (captured logs, real PostgreSQL and Redis)', () => {
  let fx: SessionFixture;
  let lb: FakeBalancer;
  let gw: TestGateway;
  const prefix = uniqueRedisPrefix('gw_secrets');

  before(async () => {
    fx = await createSessionFixture('gw_secrets');
    lb = await startFakeBalancer();
    lb.routes.set('/api/v1/auth/login', (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{}}'));
    });
    gw = await startTestGateway(
      {
        LB_URL: lb.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        API_KEY_SECRET: SECRET,
        LOG_LEVEL: 'trace',
      },
      { pool: fx.pool },
    );
  });
  after(async () => {
    await gw.close();
    await lb.close();
    await fx.close();
    await deleteRedisPrefix(prefix);
  });

  it(
    'API keys, bearer tokens, passwords and the HMAC secret appear in no log line and no error body',
    opts,
    async () => {
      const admin = await fx.login('admin', 'enterprise');
      const user = await fx.login('user', 'free');
      const created = await call(gw.port, {
        method: 'POST',
        path: '/api/v1/admin/keys',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'leaky', tier: 'pro' }),
      });
      assert.equal(created.status, 201);
      const key = created.json<{ data: { key: string } }>().data.key;
      const forged = `${key.slice(0, 12)}${'Z'.repeat(43)}`;
      const revokedKey = await call(gw.port, {
        method: 'POST',
        path: '/api/v1/admin/keys',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'leaky-2', tier: 'free' }),
      });
      const revoked = revokedKey.json<{ data: { id: number; key: string } }>().data;
      await call(gw.port, {
        method: 'DELETE',
        path: `/api/v1/admin/keys/${revoked.id}`,
        headers: { authorization: `Bearer ${admin.token}` },
      });

      const answers: CallResult[] = [];
      const send = async (path: string, headers: Record<string, string>, method = 'GET', body?: string) => {
        answers.push(await call(gw.port, { method, path, headers, ...(body === undefined ? {} : { body }) }));
      };
      await send('/api/v1/resources', { 'x-api-key': key });
      await send('/api/v1/resources', { authorization: `ApiKey ${key}` });
      await send('/api/v1/resources', { 'x-api-key': forged });
      await send('/api/v1/resources', { 'x-api-key': revoked.key });
      await send('/api/v1/me', { authorization: `Bearer ${user.token}` });
      await send('/api/v1/me', { authorization: `Bearer ${user.token.slice(0, 42)}x` });
      await send('/api/v1/admin/keys', { 'x-api-key': key });
      for (let i = 0; i < 7; i++) {
        await send(
          '/api/v1/auth/login',
          { 'content-type': 'application/json' },
          'POST',
          JSON.stringify({ email: 'user@example.com', password: PASSWORD }),
        );
      }
      assert.equal(answers.at(-1)?.status, 429, 'the login policy was exercised');
      assert.deepEqual(
        answers.slice(2, 4).map((a) => a.status),
        [401, 401],
      );
      // An unparsable request carrying a key: the raw bytes are never logged.
      await rawExchange(
        gw.port,
        `GET /api/v1/x HTTP/1.1\r\nX-Api-Key: ${key}\r\nBad Header: ${PASSWORD}\r\n\r\n`,
      );

      await gw.gateway.apiKeys.flushLastUsed();
      const logs = gw.rawLogs();
      assert.ok(logs.includes('"status":429'), 'access lines were captured');
      const secrets = [
        key,
        key.slice(12),
        forged.slice(12),
        revoked.key.slice(12),
        user.token,
        user.token.slice(0, 42),
        admin.token,
        PASSWORD,
        SECRET,
      ];
      for (const secret of secrets) {
        assert.ok(!logs.includes(secret), `a log line contains ${secret.slice(0, 6)}…`);
        // Error answers are the gateway's own (the fake upstream's 2xx echoes what it was sent).
        for (const a of answers.filter((x) => x.status >= 400)) {
          assert.ok(!a.body.toString().includes(secret), `an error body contains ${secret.slice(0, 6)}…`);
        }
      }
      assert.ok(!/authorization/i.test(logs));
      assert.ok(!/x-api-key/i.test(logs));
    },
  );
});
