import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config-error.js';
import { DEV_API_KEY_SECRET, loadGatewayConfig } from './gateway-config.js';

describe('gateway traffic-policy config', () => {
  it('defaults: the four tiers, the login policy, local fail mode, dev key secret outside production', () => {
    const c = loadGatewayConfig({});
    assert.deepEqual(c.tierLimits, {
      anonymous: { max: 100, windowMs: 60_000, failMode: 'local' },
      free: { max: 1000, windowMs: 60_000, failMode: 'local' },
      pro: { max: 10_000, windowMs: 60_000, failMode: 'local' },
      enterprise: { max: 100_000, windowMs: 60_000, failMode: 'local' },
    });
    assert.deepEqual(c.routeLimits, [
      { method: 'POST', path: '/api/v1/auth/login', max: 5, windowMs: 60_000, key: 'ip+email' },
    ]);
    assert.deepEqual(c.trustProxy, []);
    assert.equal(c.apiKeys.secret, DEV_API_KEY_SECRET);
    assert.equal(c.apiKeys.devSecret, true);
    assert.deepEqual(c.admission, { maxInFlight: 1024, queueSize: 128, queueTimeoutMs: 250 });
    assert.equal(c.limiter.leases, true);
  });

  it('reads tier tables, per-tier windows and fail modes, route policies and trusted proxies', () => {
    const c = loadGatewayConfig({
      RATE_LIMIT_WINDOW_MS: '2000',
      RATE_LIMIT_MAX_REQUESTS: '7',
      RATE_LIMIT_TIERS: 'free=50, pro=600/10000',
      RATE_LIMIT_FAIL_MODES: 'enterprise=open,anonymous=closed',
      RATE_LIMIT_ROUTES: 'POST /api/v1/auth/login=3/1000:ip+email; GET /api/v1/search=10/1000',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.7, ::1',
      API_KEY_SECRET: 'x'.repeat(32),
    });
    assert.deepEqual(c.tierLimits.anonymous, { max: 7, windowMs: 2000, failMode: 'closed' });
    assert.deepEqual(c.tierLimits.free, { max: 50, windowMs: 2000, failMode: 'local' });
    assert.deepEqual(c.tierLimits.pro, { max: 600, windowMs: 10_000, failMode: 'local' });
    assert.deepEqual(c.tierLimits.enterprise, { max: 100_000, windowMs: 2000, failMode: 'open' });
    assert.deepEqual(
      c.routeLimits.map((r) => [r.method, r.path, r.max, r.windowMs, r.key]),
      [
        ['POST', '/api/v1/auth/login', 3, 1000, 'ip+email'],
        ['GET', '/api/v1/search', 10, 1000, 'ip'],
      ],
    );
    assert.deepEqual(c.trustProxy, ['10.0.0.0/8', '192.168.1.7/32', '::1/128']);
    assert.equal(c.apiKeys.devSecret, false);
  });

  it('names each bad traffic-policy variable', () => {
    assert.throws(
      () =>
        loadGatewayConfig({
          TRUST_PROXY: '10.0.0.0/33',
          RATE_LIMIT_TIERS: 'anonymous=5,gold=9',
          RATE_LIMIT_FAIL_MODES: 'free=maybe',
          RATE_LIMIT_ROUTES: 'login=5',
          API_KEY_SECRET: 'short',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of [
          'TRUST_PROXY',
          'RATE_LIMIT_TIERS',
          'RATE_LIMIT_FAIL_MODES',
          'RATE_LIMIT_ROUTES',
          'API_KEY_SECRET',
        ]) {
          assert.match(err.message, new RegExp(`${name}: `), name);
        }
        return true;
      },
    );
  });

  it('refuses to start in production without a private API_KEY_SECRET', () => {
    for (const secret of [undefined, DEV_API_KEY_SECRET]) {
      assert.throws(
        () => loadGatewayConfig({ NODE_ENV: 'production', API_KEY_SECRET: secret }),
        /API_KEY_SECRET: required when NODE_ENV=production/,
      );
    }
    assert.equal(
      loadGatewayConfig({ NODE_ENV: 'production', API_KEY_SECRET: 'p'.repeat(40) }).apiKeys.secret,
      'p'.repeat(40),
    );
  });
});
