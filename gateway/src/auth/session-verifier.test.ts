import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSessionToken, SessionRepository } from '@floodgate/database';
import {
  Channels,
  createLogger,
  createPgPool,
  FakeClock,
  FloodgateError,
  LocalEventBus,
} from '@floodgate/shared';
import { getFreePort } from '@floodgate/shared/testing';
import { createSessionFixture, type SessionFixture } from '../test-support/session-fixture.js';
import { SessionVerifier } from './session-verifier.js';

const silent = createLogger({ name: 'test', level: 'silent' });

describe('SessionVerifier (real PostgreSQL)', () => {
  let fx: SessionFixture;
  before(async () => {
    fx = await createSessionFixture('gw_verifier');
  });
  after(async () => {
    await fx.close();
  });

  const verifier = (clock = new FakeClock(Date.now())) =>
    new SessionVerifier(new SessionRepository(fx.pool), { cacheSize: 100, cacheTtlMs: 60_000, clock });

  it('a known token costs one PostgreSQL query however often it is verified', async () => {
    const { token, userId } = await fx.login('user', 'pro');
    const v = verifier();
    const before = fx.queries();
    const first = await v.verify(token);
    assert.ok(first);
    assert.deepEqual(first.identity, {
      kind: 'user',
      userId,
      role: 'user',
      tier: 'pro',
      email: first.identity.email,
      subject: `u:${userId}`,
    });
    for (let i = 0; i < 200; i++) {
      const again = v.verify(token);
      assert.equal(again, first, 'a cache hit is synchronous and returns the cached session');
    }
    assert.equal(fx.queries() - before, 1);
    assert.equal(v.size, 1);
  });

  it('concurrent misses for one token share a single query', async () => {
    const { token } = await fx.login('admin', 'enterprise');
    const v = verifier();
    const before = fx.queries();
    const results = await Promise.all(Array.from({ length: 20 }, () => v.verify(token)));
    assert.equal(fx.queries() - before, 1);
    for (const r of results) assert.equal(r?.identity.role, 'admin');
  });

  it('refuses malformed tokens without any query, and remembers unknown ones', async () => {
    const v = verifier();
    const before = fx.queries();
    for (const bad of ['', 'short', 'x'.repeat(44), `${'a'.repeat(42)}!`, "' OR 1=1 --"]) {
      assert.equal(v.verify(bad), null, bad);
    }
    assert.equal(fx.queries() - before, 0);
    const unknown = 'U'.repeat(43);
    assert.equal(await v.verify(unknown), null);
    for (let i = 0; i < 50; i++) assert.equal(v.verify(unknown), null);
    assert.equal(fx.queries() - before, 1, 'a flood of one unknown token costs one query');
  });

  it('refuses revoked and expired sessions', async () => {
    const revoked = await fx.login('user', 'free');
    await fx.revokeInDatabase(revoked.tokenHash);
    const v = verifier();
    assert.equal(await v.verify(revoked.token), null);
    const expired = await fx.login('user', 'free', -1);
    assert.equal(await v.verify(expired.token), null);
  });

  it('caches a session no longer than its remaining lifetime', async () => {
    const clock = new FakeClock(Date.now());
    const v = verifier(clock);
    const { token } = await fx.login('user', 'free', 30);
    await v.verify(token);
    const before = fx.queries();
    clock.advance(29_000);
    assert.ok(
      v.verify(token) !== null && !(v.verify(token) instanceof Promise),
      'still cached before expiry',
    );
    clock.advance(2_000);
    const after = v.verify(token);
    assert.ok(after instanceof Promise, 'expired cache entry goes back to PostgreSQL');
    await after;
    assert.equal(fx.queries() - before, 1);
  });

  it('a revocation on the event bus evicts the session at once, even mid-lookup', async () => {
    const bus = new LocalEventBus();
    const v = verifier();
    await v.subscribe(bus);
    const { token, tokenHash } = await fx.login('user', 'free');
    assert.ok(await v.verify(token));
    await bus.publish(Channels.sessionRevoked, tokenHash);
    assert.equal(v.verify(token), null, 'refused without a query once revoked');

    const other = await fx.login('user', 'free');
    const pending = v.verify(other.token);
    assert.ok(pending instanceof Promise);
    v.revoke(other.tokenHash);
    await pending;
    assert.equal(v.size, 0, 'an answer read before the revocation is not cached');
    assert.equal(v.verify(other.token), null);
    await bus.close();
  });

  it('PostgreSQL unreachable → DEPENDENCY_UNAVAILABLE, not a hang', async () => {
    const port = await getFreePort();
    const pool = createPgPool(
      {
        url: `postgres://postgres@127.0.0.1:${port}/none`,
        poolMax: 1,
        connectTimeoutMs: 500,
        statementTimeoutMs: 1000,
      },
      silent,
      { applicationName: 'gateway-test-down' },
    );
    const v = new SessionVerifier(new SessionRepository(pool), { cacheSize: 10, cacheTtlMs: 1000 });
    await assert.rejects(
      async () => v.verify('A'.repeat(43)),
      (err: unknown) => err instanceof FloodgateError && err.code === 'DEPENDENCY_UNAVAILABLE',
    );
    // A failure is not remembered as "unknown": the next attempt asks again.
    await assert.rejects(async () => v.verify('A'.repeat(43)));
    await pool.end();
    assert.equal(hashSessionToken('A'.repeat(43)).length, 64);
  });
});
