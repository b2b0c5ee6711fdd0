import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayRetryAfterSent } from './retry-policy.js';

describe('mayRetryAfterSent', () => {
  it('repeats idempotent methods, with or without a key', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) {
      assert.equal(mayRetryAfterSent(method, {}), true, method);
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'not a key' }), true, method);
    }
  });

  it('repeats POST and PATCH only with a valid Idempotency-Key', () => {
    for (const method of ['POST', 'PATCH']) {
      assert.equal(mayRetryAfterSent(method, {}), false, `${method} without a key`);
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'order-42' }), true, `${method} token`);
      assert.equal(
        mayRetryAfterSent(method, { 'idempotency-key': '"8e03978e-40d5-43e8-bc93-6894a57f9324"' }),
        true,
        `${method} quoted`,
      );
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'two words' }), false, `${method} invalid`);
    }
  });

  it('never repeats other methods, whatever they carry', () => {
    for (const method of ['PROPFIND', 'LOCK', 'TRACE', 'CONNECT', 'BREW']) {
      assert.equal(mayRetryAfterSent(method, { 'idempotency-key': 'order-42' }), false, method);
    }
  });
});
