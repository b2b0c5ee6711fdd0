import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { RetryBudget } from './retry-budget.js';
import { mayRetryAfterSent } from './retry-policy.js';

describe('RetryBudget', () => {
  /** Retries the budget allows right now (each allowed one is counted). */
  const drain = (budget: RetryBudget, max = 10_000) => {
    let n = 0;
    while (n < max && budget.tryAcquire()) n++;
    return n;
  };
  const requests = (budget: RetryBudget, n: number) => {
    for (let i = 0; i < n; i++) budget.recordRequest();
  };

  it('allows retries up to 20 % of the requests of the last 10 s plus the minimum', () => {
    for (const [sent, expected] of [
      [0, 3],
      [10, 5],
      [15, 6],
      [20, 7],
      [50, 13],
      [1000, 203],
    ] as const) {
      const budget = new RetryBudget(0.2, 3, new FakeClock());
      requests(budget, sent);
      assert.equal(drain(budget), expected, `${sent} requests`);
    }
  });

  it('lets a burst of failures retry at once when the window has room (a frozen backend timing out together)', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(0.2, 3, clock);
    for (let s = 0; s < 5; s++) {
      requests(budget, 200); // 200 requests per second
      clock.advance(1000);
    }
    assert.equal(drain(budget, 150), 150, '150 retries in one instant: 15 % of the last 1000 requests');
    assert.equal(drain(budget), 53, 'the rest of the 20 %, plus the minimum');
    assert.equal(budget.tryAcquire(), false);
  });

  it('forgets what left the 10 s window', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(0.2, 3, clock);
    requests(budget, 100);
    assert.equal(drain(budget), 23);
    clock.advance(5000);
    assert.equal(drain(budget), 0, 'still inside the window');
    assert.deepEqual(budget.window, { requests: 100, retries: 23 });
    clock.advance(5000);
    assert.deepEqual(budget.window, { requests: 0, retries: 0 });
    clock.advance(60_000);
    requests(budget, 10);
    assert.equal(drain(budget), 5);
  });

  it('with ratio 0 allows exactly the minimum per window (a retry storm is held)', () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(0, 3, clock);
    requests(budget, 1000);
    assert.equal(drain(budget), 3);
    clock.advance(9000);
    assert.equal(drain(budget), 0);
    clock.advance(1000);
    assert.equal(drain(budget), 3);
  });
});

describe('mayRetryAfterSent', () => {
  it('allows idempotent methods and requests with an Idempotency-Key, nothing else', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
      assert.equal(mayRetryAfterSent(m, {}), true, m);
    for (const m of ['POST', 'PATCH', 'CONNECT', 'PURGE']) assert.equal(mayRetryAfterSent(m, {}), false, m);
    assert.equal(mayRetryAfterSent('POST', { 'idempotency-key': 'abc' }), true);
    assert.equal(mayRetryAfterSent('PATCH', { 'idempotency-key': '' }), false, 'an empty key is no key');
  });
});
