import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadLoadBalancerConfig } from '@floodgate/shared';
import { call } from '@floodgate/shared/testing';
import { type EchoBody, startBackend } from './test-support/start-backend.js';
import { startTestLoadBalancer } from './test-support/start-test-load-balancer.js';

describe('load-balancer config', () => {
  it('has the documented defaults for health checks, breakers, retries and timeouts', () => {
    const c = loadLoadBalancerConfig({});
    assert.equal(c.algorithm, 'round-robin');
    assert.deepEqual(c.healthCheck, {
      path: '/health/ready',
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 2,
      jitter: 0.2,
    });
    assert.deepEqual(c.circuit, {
      failureThreshold: 5,
      resetTimeoutMs: 30_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 20,
      rollingWindowMs: 10_000,
      halfOpenRequests: 1,
    });
    assert.deepEqual(c.retry, { maxRetries: 1, budgetRatio: 0.2, budgetMin: 3, bodyLimitBytes: 65_536 });
    assert.deepEqual(c.timeouts, { tryMs: 10_000, requestMs: 30_000 });
    assert.equal(c.adminToken, null);
  });

  it('reads weights written url|w=N in API_SERVERS, keeping `backends` the plain URLs', () => {
    const c = loadLoadBalancerConfig({
      API_SERVERS: 'http://a:3001|w=3, http://b:3002/ ,http://c:3003|w=1000',
      LB_ALGORITHM: 'weighted-round-robin',
      LB_ADMIN_TOKEN: 't0ken',
    });
    assert.deepEqual(c.backends, ['http://a:3001', 'http://b:3002', 'http://c:3003']);
    assert.deepEqual(c.backendSpecs, [
      { url: 'http://a:3001', weight: 3 },
      { url: 'http://b:3002', weight: 1 },
      { url: 'http://c:3003', weight: 1000 },
    ]);
    assert.equal(c.algorithm, 'weighted-round-robin');
    assert.equal(c.adminToken, 't0ken');
  });

  it('names the variable for a bad weight, algorithm or number', () => {
    for (const [env, name] of [
      [{ API_SERVERS: 'http://a:1|w=0' }, 'API_SERVERS'],
      [{ API_SERVERS: 'http://a:1|weight=2' }, 'API_SERVERS'],
      [{ API_SERVERS: 'http://a:1|w=1001' }, 'API_SERVERS'],
      [{ LB_ALGORITHM: 'random' }, 'LB_ALGORITHM'],
      [{ HEALTH_CHECK_FALL: '0' }, 'HEALTH_CHECK_FALL'],
      [{ HEALTH_CHECK_PATH: 'health' }, 'HEALTH_CHECK_PATH'],
      [{ LB_RETRIES: '9' }, 'LB_RETRIES'],
      [{ LB_RETRY_BUDGET_RATIO: '1.5' }, 'LB_RETRY_BUDGET_RATIO'],
      [{ CIRCUIT_ERROR_THRESHOLD_PERCENTAGE: '0' }, 'CIRCUIT_ERROR_THRESHOLD_PERCENTAGE'],
    ] as const) {
      assert.throws(() => loadLoadBalancerConfig(env), new RegExp(`${name}: `), JSON.stringify(env));
    }
  });

  it('weights reach the balancer: weighted-round-robin with a|w=3,b sends 3 of 4 requests to a', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const lb = await startTestLoadBalancer([`${a.url}|w=3`, b.url], { LB_ALGORITHM: 'weighted-round-robin' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await call(`${lb.url}/w`)).json<EchoBody>().id);
      assert.equal(ids.join(''), 'aabaaaba');
      assert.equal(
        (await call(`${lb.url}/lb/status`)).json<{ data: { algorithm: string } }>().data.algorithm,
        'weighted-round-robin',
      );
    } finally {
      await lb.close();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
