import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, FakeClock } from '@floodgate/shared';
import { fetchJson } from '@floodgate/shared/testing';
import { Registry } from 'prom-client';
import { startTestApi } from '../testing/start-test-api.js';
import { ExternalBreaker } from './external-breaker.js';
import { createFlakyDependency } from './flaky-dependency.js';

const logger = createLogger({ name: 'breaker-test', level: 'silent' });

describe('createFlakyDependency', () => {
  test('fails when random() < failureRate, after latencyMs on the clock', async () => {
    const clock = new FakeClock();
    let r = 0.2;
    const dep = createFlakyDependency({ failureRate: 0.3, latencyMs: 50, random: () => r, clock });
    const failing = dep();
    let settled = false;
    failing.then(
      () => {},
      () => {
        settled = true;
      },
    );
    clock.advance(49);
    await Promise.resolve();
    assert.equal(settled, false, 'not before the latency elapsed');
    clock.advance(1);
    await assert.rejects(failing, /simulated dependency failure/);

    r = 0.5;
    const ok = dep();
    clock.advance(50);
    const data = await ok;
    assert.equal(data.value, 500_000);
    assert.equal(data.fetchedAt, new Date(clock.now()).toISOString());
  });
});

describe('ExternalBreaker', () => {
  test(`opens after failureThreshold consecutive failures, then answers with the fallback`, async () => {
    let fail = true;
    const registry = new Registry();
    const breaker = new ExternalBreaker(
      async () => {
        if (fail) throw new Error('down');
        return { value: 1, fetchedAt: 'now' };
      },
      { timeoutMs: 1000, failureThreshold: 3, resetTimeoutMs: 30 },
      { logger, registry },
    );
    try {
      assert.deepEqual(await breaker.call(), { source: 'fallback', data: null, reason: 'error' });
      assert.deepEqual(await breaker.call(), { source: 'fallback', data: null, reason: 'error' });
      assert.equal(
        breaker.state,
        'closed',
        'two failures are below the threshold (and below opossum volume)',
      );
      await breaker.call();
      assert.equal(breaker.state, 'open');
      fail = false;
      assert.deepEqual(await breaker.call(), { source: 'fallback', data: null, reason: 'circuit_open' });

      const metrics = await registry.metrics();
      assert.match(metrics, /floodgate_external_circuit_state\{state="open"\} 1/);
      assert.match(metrics, /floodgate_external_circuit_state\{state="closed"\} 0/);
      assert.match(metrics, /floodgate_external_fallbacks_total\{reason="circuit_open"\} 1/);

      // After resetTimeout one trial goes through; its success closes the breaker.
      // opossum's reset timer is unref'd; a ref'd guard keeps the loop alive while we wait for the event.
      const guard = setTimeout(() => assert.fail('no halfOpen within 5 s'), 5000);
      await new Promise<void>((resolve) => breaker.on('halfOpen', resolve));
      clearTimeout(guard);
      assert.equal(breaker.state, 'half_open');
      assert.deepEqual(await breaker.call(), { source: 'live', data: { value: 1, fetchedAt: 'now' } });
      assert.equal(breaker.state, 'closed');
    } finally {
      breaker.shutdown();
    }
  });

  test('a success resets the consecutive count', async () => {
    const outcomes = [false, false, true, false, false];
    const breaker = new ExternalBreaker(
      async () => {
        if (!outcomes.shift()) throw new Error('down');
        return { value: 1, fetchedAt: 'now' };
      },
      { timeoutMs: 1000, failureThreshold: 3, resetTimeoutMs: 10_000 },
      { logger },
    );
    try {
      for (let i = 0; i < 5; i++) await breaker.call();
      assert.equal(breaker.state, 'closed');
    } finally {
      breaker.shutdown();
    }
  });

  test('a call slower than timeoutMs is a failure with reason "timeout"', async () => {
    const breaker = new ExternalBreaker(
      () => new Promise(() => {}),
      { timeoutMs: 20, failureThreshold: 1, resetTimeoutMs: 10_000 },
      { logger },
    );
    try {
      assert.deepEqual(await breaker.call(), { source: 'fallback', data: null, reason: 'timeout' });
      assert.equal(breaker.state, 'open', 'timeouts count toward the threshold');
    } finally {
      breaker.shutdown();
    }
  });
});

describe('GET /api/v1/external', () => {
  test('live answers, then the fallback with x-fallback once the breaker opens, visible in /metrics', async () => {
    let random = 0.99;
    const api = await startTestApi({
      database: false,
      env: { EXTERNAL_FAILURE_RATE: '0.5', EXTERNAL_LATENCY_MS: '0', CIRCUIT_FAILURE_THRESHOLD: '2' },
      deps: { random: () => random },
    });
    try {
      const live = await fetchJson(`${api.baseUrl}/api/v1/external`);
      assert.equal(live.status, 200);
      assert.equal(live.body.source, 'live');
      assert.equal(live.headers.get('x-fallback'), null);

      random = 0; // every call fails from now on
      for (const expected of ['error', 'error', 'circuit_open']) {
        const res = await fetchJson(`${api.baseUrl}/api/v1/external`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { data: null, source: 'fallback', reason: expected });
        assert.equal(res.headers.get('x-fallback'), 'true');
      }
      const metrics = await fetch(`${api.baseUrl}/metrics`).then((r) => r.text());
      assert.match(metrics, /floodgate_external_circuit_state\{state="open",component="api-server"\} 1/);
    } finally {
      await api.close();
    }
  });
});
