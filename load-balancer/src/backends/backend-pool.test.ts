import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isFloodgateError } from '@floodgate/shared';
import { RoundRobinBalancer } from '../balancers/round-robin-balancer.js';
import { BackendPool } from './backend-pool.js';

const UPSTREAM = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };

describe('BackendPool', () => {
  let pool: BackendPool;
  afterEach(() => pool.close());

  it('names backends api-1..N in configuration order and picks through the balancer', () => {
    pool = new BackendPool(new RoundRobinBalancer(), UPSTREAM, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    assert.deepEqual(
      pool.backends.map((b) => [b.id, b.url, b.weight]),
      [
        ['api-1', 'http://127.0.0.1:1', 1],
        ['api-2', 'http://127.0.0.1:2', 1],
      ],
    );
    assert.equal(pool.pick()?.id, 'api-1');
    assert.equal(pool.pick()?.id, 'api-2');
  });

  it('replaces its frozen snapshot on change instead of mutating it', async () => {
    pool = new BackendPool(new RoundRobinBalancer(), UPSTREAM, ['http://127.0.0.1:1']);
    const before = pool.backends;
    assert.ok(Object.isFrozen(before));
    const added = pool.add('http://127.0.0.1:2');
    assert.equal(added.id, 'api-2');
    assert.equal(before.length, 1, 'a snapshot already handed out never changes');
    assert.equal(pool.backends.length, 2);
    const removed = pool.remove('api-1');
    assert.equal(removed?.backend.id, 'api-1');
    assert.deepEqual(
      pool.backends.map((b) => b.id),
      ['api-2'],
      'out of rotation at once, before its connections are closed',
    );
    await removed?.closed;
    assert.equal(pool.remove('api-1'), undefined);
    assert.equal(pool.add('http://127.0.0.1:3').id, 'api-3', 'ids are never reused');
  });

  it('refuses a duplicate URL with CONFLICT', () => {
    pool = new BackendPool(new RoundRobinBalancer(), UPSTREAM, ['http://127.0.0.1:1']);
    assert.throws(
      () => pool.add('http://127.0.0.1:1'),
      (err) => isFloodgateError(err) && err.code === 'CONFLICT',
    );
  });

  it('takes health and drain verdicts by id and counts available backends', () => {
    pool = new BackendPool(new RoundRobinBalancer(), UPSTREAM, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    assert.equal(pool.availableCount(), 2);
    assert.equal(pool.setHealthy('api-1', false), true);
    assert.equal(pool.setDraining('api-2', true), true);
    assert.equal(pool.setHealthy('api-9', false), false);
    assert.equal(pool.availableCount(), 0);
    assert.equal(pool.pick(), undefined);
    pool.setDraining('api-2', false);
    assert.equal(pool.pick()?.id, 'api-2');
  });
});
