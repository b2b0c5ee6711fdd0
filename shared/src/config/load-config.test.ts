import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadApiServerConfig } from './api-server-config.js';
import { ConfigError } from './config-error.js';
import { loadGatewayConfig } from './gateway-config.js';
import { loadLoadBalancerConfig } from './load-balancer-config.js';
import { envNames } from './parse-env.js';
import { PostgresEnv } from './postgres-config.js';

describe('component config', () => {
  it('applies the documented defaults', () => {
    const gw = loadGatewayConfig({});
    assert.equal(gw.port, 8080);
    assert.equal(gw.lbUrl, 'http://localhost:3000');
    assert.equal(gw.bodyLimitBytes, 1024 * 1024);
    assert.deepEqual(gw.rateLimit, { windowMs: 60_000, anonymousMax: 100 });
    assert.equal(gw.redis.url, null, 'no Redis unless configured');
    const lb = loadLoadBalancerConfig({});
    assert.equal(lb.port, 3000);
    assert.deepEqual(lb.backends, [
      'http://localhost:3001',
      'http://localhost:3002',
      'http://localhost:3003',
    ]);
    const api = loadApiServerConfig({ PORT: '3002' });
    assert.equal(api.instanceId, 'api-3002');
    assert.equal(api.cacheTtlSeconds, 300);
    assert.deepEqual(api.circuit, { failureThreshold: 5, resetTimeoutMs: 30_000 });
  });

  it('reads the seed env names', () => {
    const api = loadApiServerConfig({
      PORT: '3005',
      INSTANCE_ID: 'api-9',
      POSTGRES_HOST: 'db',
      POSTGRES_PORT: '6543',
      POSTGRES_DB: 'x',
      POSTGRES_USER: 'u',
      POSTGRES_PASSWORD: 'p@ss',
      REDIS_HOST: 'cache',
      REDIS_PORT: '6380',
      CACHE_TTL: '60',
      CIRCUIT_FAILURE_THRESHOLD: '3',
      CIRCUIT_RESET_TIMEOUT: '1000',
    });
    assert.equal(api.port, 3005);
    assert.equal(api.instanceId, 'api-9');
    assert.equal(api.postgres.url, 'postgres://u:p%40ss@db:6543/x');
    assert.equal(api.redis.url, 'redis://cache:6380');
    assert.equal(api.cacheTtlSeconds, 60);
    assert.deepEqual(api.circuit, { failureThreshold: 3, resetTimeoutMs: 1000 });
    const gw = loadGatewayConfig({ RATE_LIMIT_WINDOW_MS: '1000', RATE_LIMIT_MAX_REQUESTS: '5' });
    assert.deepEqual(gw.rateLimit, { windowMs: 1000, anonymousMax: 5 });
    const lb = loadLoadBalancerConfig({ API_SERVERS: 'http://a:1/, http://b:2' });
    assert.deepEqual(lb.backends, ['http://a:1', 'http://b:2']);
  });

  it('prefers DATABASE_URL and REDIS_URL over the split variables', () => {
    const gw = loadGatewayConfig({
      DATABASE_URL: 'postgres://x@h/db',
      POSTGRES_HOST: 'ignored',
      REDIS_URL: 'redis://r:1',
      REDIS_HOST: 'ignored',
    });
    assert.equal(gw.postgres.url, 'postgres://x@h/db');
    assert.equal(gw.redis.url, 'redis://r:1');
  });

  it('names every bad variable and the value it got', () => {
    assert.throws(
      () => loadGatewayConfig({ GATEWAY_PORT: 'eighty', LB_URL: 'ftp://x', RATE_LIMIT_MAX_REQUESTS: '0' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /gateway/);
        assert.match(err.message, /GATEWAY_PORT: .*\(got "eighty"\)/);
        assert.match(err.message, /LB_URL: /);
        assert.match(err.message, /RATE_LIMIT_MAX_REQUESTS: /);
        assert.equal(err.issues.length, 3);
        return true;
      },
    );
    assert.throws(() => loadLoadBalancerConfig({ API_SERVERS: 'not a url' }), /API_SERVERS/);
    assert.throws(() => loadApiServerConfig({ INSTANCE_ID: 'bad id with spaces' }), /INSTANCE_ID/);
    assert.throws(() => loadApiServerConfig({ RUN_MIGRATIONS: 'maybe' }), /RUN_MIGRATIONS/);
  });

  it('never seeds dev data in production', () => {
    assert.equal(loadApiServerConfig({ NODE_ENV: 'production', SEED_DEV_DATA: 'true' }).seedDevData, false);
    assert.equal(loadApiServerConfig({ NODE_ENV: 'development' }).seedDevData, true);
  });

  it('returns frozen config objects', () => {
    const gw = loadGatewayConfig({});
    assert.ok(Object.isFrozen(gw));
  });

  it('lists the env names a schema reads', () => {
    assert.deepEqual(envNames(PostgresEnv).slice(0, 6), [
      'DATABASE_URL',
      'POSTGRES_HOST',
      'POSTGRES_PORT',
      'POSTGRES_DB',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
    ]);
  });
});
