import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FloodgateError } from '@floodgate/shared';
import { ANONYMOUS, type ConsumerIdentity, type UserIdentity } from '../auth/identity.js';
import type { VerifiedSession } from '../auth/session-verifier.js';
import { NEXT } from '../pipeline/stage.js';
import { fakeContext } from '../test-support/fake-context.js';
import { bearerToken, createAuthenticateStage } from './authenticate.js';
import { createLimitsStage, MAX_URL_BYTES } from './limits.js';
import { createRequestIdStage } from './request-id.js';
import { createRequireAdminStage } from './require-admin.js';

const isCode = (code: string) => (err: unknown) => err instanceof FloodgateError && err.code === code;

const user: UserIdentity = {
  kind: 'user',
  userId: 7,
  role: 'user',
  tier: 'pro',
  email: 'u@example.test',
  subject: 'u:7',
};
const consumer: ConsumerIdentity = {
  kind: 'consumer',
  consumerId: 3,
  name: 'acme',
  tier: 'enterprise',
  keyId: 9,
  keyPrefix: 'abcd1234',
  subject: 'c:3',
};
const GOOD_KEY = `fg_abcd1234_${'k'.repeat(43)}`;
const session: VerifiedSession = { tokenHash: 'h'.repeat(64), identity: user };

describe('requestId stage', () => {
  const stage = createRequestIdStage();
  it('keeps a valid incoming id and sets it on the response', () => {
    const ctx = fakeContext('GET', '/', { 'x-request-id': 'client-id.1' });
    assert.equal(stage.handle(ctx), NEXT);
    assert.equal(ctx.requestId, 'client-id.1');
    assert.equal(ctx.res.getHeader('x-request-id'), 'client-id.1');
  });
  it('replaces a missing or unsafe id with a generated one', () => {
    const cases: Record<string, string>[] = [
      {},
      { 'x-request-id': 'bad id\r\nx: y' },
      { 'x-request-id': 'a'.repeat(200) },
    ];
    for (const headers of cases) {
      const ctx = fakeContext('GET', '/', headers);
      stage.handle(ctx);
      assert.match(ctx.requestId, /^[0-9a-f-]{36}$/);
      assert.equal(ctx.res.getHeader('x-request-id'), ctx.requestId);
    }
  });
});

describe('limits stage', () => {
  const stage = createLimitsStage({ bodyLimitBytes: 100 });
  it('refuses a target longer than 8 KiB with 414', () => {
    assert.throws(
      () => stage.handle(fakeContext('GET', `/api/${'a'.repeat(MAX_URL_BYTES)}`)),
      isCode('URI_TOO_LONG'),
    );
    assert.equal(stage.handle(fakeContext('GET', `/api/${'a'.repeat(MAX_URL_BYTES - 10)}`)), NEXT);
  });
  it('refuses a declared body over the limit with 413 and passes one at the limit', () => {
    assert.throws(
      () => stage.handle(fakeContext('POST', '/api/x', { 'content-length': '101' })),
      isCode('PAYLOAD_TOO_LARGE'),
    );
    const ok = fakeContext('POST', '/api/x', { 'content-length': '100' });
    assert.equal(stage.handle(ok), NEXT);
    assert.equal(ok.countBody, false);
  });
  it('marks a chunked body for counting while it streams', () => {
    const ctx = fakeContext('POST', '/api/x', { 'transfer-encoding': 'chunked' });
    assert.equal(stage.handle(ctx), NEXT);
    assert.equal(ctx.countBody, true);
  });
  it('refuses other transfer codings and chunked with a Content-Length (smuggling) with 400', () => {
    const cases: Record<string, string>[] = [
      { 'transfer-encoding': 'gzip, chunked' },
      { 'transfer-encoding': 'chunked, chunked' },
      { 'transfer-encoding': 'chunked', 'content-length': '5' },
    ];
    for (const headers of cases) {
      const ctx = fakeContext('POST', '/api/x', headers);
      assert.throws(() => stage.handle(ctx), isCode('BAD_REQUEST'), JSON.stringify(headers));
      assert.equal(ctx.res.getHeader('connection'), 'close');
    }
  });
  it('refuses more than the configured number of header fields with 431', () => {
    const few = createLimitsStage({ bodyLimitBytes: 100, maxHeaderCount: 2 });
    const ctx = fakeContext('GET', '/api/x');
    ctx.req.rawHeaders = ['a', '1', 'b', '2', 'c', '3'];
    assert.throws(() => few.handle(ctx), isCode('HEADERS_TOO_LARGE'));
    ctx.req.rawHeaders = ['a', '1', 'b', '2'];
    assert.equal(few.handle(ctx), NEXT);
  });
});

describe('authenticate stage', () => {
  const verified: string[] = [];
  const keysTried: string[] = [];
  const stage = createAuthenticateStage({
    apiKeys: {
      verify(key: string) {
        keysTried.push(key);
        if (key === GOOD_KEY) return { keyHash: 'h', identity: consumer };
        if (key === `${GOOD_KEY}async`) return Promise.resolve({ keyHash: 'h', identity: consumer });
        return null;
      },
    },
    sessions: {
      verify(token: string) {
        verified.push(token);
        if (token === 'sync-good') return session;
        if (token === 'async-good') return Promise.resolve(session);
        if (token === 'async-bad') return Promise.resolve(null);
        return null;
      },
    },
  });

  it('leaves a request without credentials anonymous', () => {
    const ctx = fakeContext('GET', '/api/x');
    assert.equal(stage.handle(ctx), NEXT);
    assert.equal(ctx.identity, ANONYMOUS);
  });
  it('sets the identity and token hash from a verified bearer token (cached or looked up)', async () => {
    const a = fakeContext('GET', '/api/x', { authorization: 'Bearer sync-good' });
    assert.equal(stage.handle(a), NEXT);
    assert.equal(a.identity, user);
    assert.equal(a.tokenHash, session.tokenHash);
    const b = fakeContext('GET', '/api/x', { authorization: 'bearer async-good' });
    assert.equal(await stage.handle(b), NEXT);
    assert.equal(b.identity, user);
  });
  it('refuses a bad token with 401 INVALID_TOKEN, never downgrading to anonymous', async () => {
    assert.throws(
      () => stage.handle(fakeContext('GET', '/api/x', { authorization: 'Bearer nope' })),
      isCode('INVALID_TOKEN'),
    );
    await assert.rejects(
      async () => stage.handle(fakeContext('GET', '/api/x', { authorization: 'Bearer async-bad' })),
      isCode('INVALID_TOKEN'),
    );
  });
  it('refuses other schemes without verifying anything', () => {
    verified.length = 0;
    keysTried.length = 0;
    assert.throws(
      () => stage.handle(fakeContext('GET', '/api/x', { authorization: 'Basic dTpw' })),
      isCode('UNAUTHORIZED'),
    );
    assert.deepEqual(verified, []);
    assert.deepEqual(keysTried, []);
  });
  it('takes an API key from X-API-Key or Authorization: ApiKey, before any bearer token', async () => {
    const a = fakeContext('GET', '/api/x', { 'x-api-key': GOOD_KEY, authorization: 'Bearer sync-good' });
    assert.equal(stage.handle(a), NEXT);
    assert.equal(a.identity, consumer);
    assert.equal(a.tokenHash, null);
    const b = fakeContext('GET', '/api/x', { authorization: `ApiKey ${GOOD_KEY}` });
    assert.equal(stage.handle(b), NEXT);
    assert.equal(b.identity, consumer);
    const c = fakeContext('GET', '/api/x', { 'x-api-key': `${GOOD_KEY}async` });
    assert.equal(await stage.handle(c), NEXT);
    assert.equal(c.identity, consumer);
  });
  it('refuses an unknown, revoked or malformed key with 401 INVALID_API_KEY, never anonymous', () => {
    const cases: Record<string, string>[] = [
      { 'x-api-key': 'fg_abc_def' },
      { 'x-api-key': '' },
      { authorization: 'ApiKey nope' },
      { authorization: 'apikey' },
    ];
    for (const headers of cases) {
      assert.throws(
        () => stage.handle(fakeContext('GET', '/api/x', headers)),
        isCode('INVALID_API_KEY'),
        JSON.stringify(headers),
      );
    }
    assert.throws(
      () => stage.handle(fakeContext('GET', '/api/x', { authorization: 'Bearer' })),
      isCode('INVALID_TOKEN'),
    );
  });
  it('parses the bearer scheme strictly', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('BEARER abc '), 'abc');
    assert.equal(bearerToken('Bearerabc'), null);
    assert.equal(bearerToken('Token abc'), null);
  });
});

describe('requireAdmin stage', () => {
  const stage = createRequireAdminStage();
  it('401 for anonymous, 403 for a non-admin, passes an admin', () => {
    assert.throws(() => stage.handle(fakeContext('GET', '/api/v1/admin/x')), isCode('UNAUTHORIZED'));
    const u = fakeContext('GET', '/api/v1/admin/x');
    u.identity = user;
    assert.throws(() => stage.handle(u), isCode('FORBIDDEN'));
    const a = fakeContext('GET', '/api/v1/admin/x');
    a.identity = { ...user, role: 'admin' };
    assert.equal(stage.handle(a), NEXT);
    const k = fakeContext('GET', '/api/v1/admin/x');
    k.identity = consumer;
    assert.throws(() => stage.handle(k), isCode('FORBIDDEN'), 'API keys never administer');
  });
});
