import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryBudget } from './retry-budget.js';
import { mayRetryAfterSent } from './retry-policy.js';

describe('RetryBudget', () => {
  const capacity = (budget: RetryBudget) => {
    let n = 0;
    while (budget.allows()) {
      budget.retrying++;
      n++;
    }
    budget.retrying -= n;
    return n;
  };

  it('allows retries up to 20 % of active requests, and at least the minimum', () => {
    const budget = new RetryBudget(0.2, 3);
    for (const [active, expected] of [
      [0, 3],
      [10, 3],
      [19, 3],
      [20, 4],
      [50, 10],
      [1000, 200],
    ] as const) {
      budget.active = active;
      assert.equal(capacity(budget), expected, `${active} active`);
    }
  });

  it('counts requests already retrying against the budget', () => {
    const budget = new RetryBudget(0.2, 3);
    budget.active = 50;
    budget.retrying = 9;
    assert.equal(budget.allows(), true);
    budget.retrying = 10;
    assert.equal(budget.allows(), false);
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
