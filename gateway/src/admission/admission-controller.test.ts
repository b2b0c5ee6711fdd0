import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { AdmissionController, type ShedReason } from './admission-controller.js';

function setup(maxInFlight: number, queueSize: number) {
  const clock = new FakeClock();
  const shed: [number, ShedReason][] = [];
  const c = new AdmissionController({
    maxInFlight,
    queueSize,
    queueTimeoutMs: 100,
    ranks: 4,
    clock,
    onShed: (rank, reason) => shed.push([rank, reason]),
  });
  return { c, clock, shed };
}

const settled = async (p: boolean | Promise<boolean>) => {
  let value: boolean | 'pending' = 'pending';
  if (typeof p === 'boolean') return p;
  p.then((v) => {
    value = v;
  });
  await new Promise((r) => setImmediate(r));
  return value;
};

describe('AdmissionController', () => {
  it('admits up to the cap at once, then queues, then sheds newcomers of the same rank', async () => {
    const { c, shed } = setup(2, 1);
    assert.equal(c.acquire(0), true);
    assert.equal(c.acquire(0), true);
    const queued = c.acquire(0);
    assert.ok(queued instanceof Promise);
    assert.equal(c.acquire(0), false, 'queue full, nothing lower to evict');
    assert.deepEqual(shed, [[0, 'queue_full']]);
    c.release();
    assert.equal(await settled(queued), true, 'a freed slot goes to the waiter');
    assert.equal(c.inFlight, 2);
    c.release();
    c.release();
    assert.equal(c.inFlight, 0);
  });

  it('a higher tier evicts the oldest lower-tier waiter; freed slots go to the highest tier first', async () => {
    const { c, shed } = setup(1, 2);
    assert.equal(c.acquire(0), true);
    const anon1 = c.acquire(0);
    const anon2 = c.acquire(1);
    const ent = c.acquire(3);
    assert.equal(await settled(anon1), false, 'evicted');
    assert.deepEqual(shed, [[0, 'evicted']]);
    assert.equal(c.acquire(1), false, 'free cannot evict free, and anonymous is gone');
    c.release();
    assert.equal(await settled(ent), true, 'enterprise first');
    assert.equal(await settled(anon2), 'pending');
    c.release();
    assert.equal(await settled(anon2), true);
  });

  it('a waiter is shed after the queue timeout', async () => {
    const { c, clock, shed } = setup(1, 4);
    c.acquire(2);
    const waiting = c.acquire(2);
    clock.advance(99);
    assert.equal(await settled(waiting), 'pending');
    clock.advance(1);
    assert.equal(await settled(waiting), false);
    assert.deepEqual(shed, [[2, 'timeout']]);
    assert.equal(c.queued, 0);
  });

  it('with no queue sheds at once', () => {
    const { c } = setup(1, 0);
    assert.equal(c.acquire(3), true);
    assert.equal(c.acquire(3), false);
  });
});
