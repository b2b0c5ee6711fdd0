import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backend } from '../backends/backend.js';
import { runBalancerContract } from './balancer.contract.js';
import { createBalancer } from './create-balancer.js';
import { PowerOfTwoChoicesBalancer } from './power-of-two-choices-balancer.js';

/** A small deterministic PRNG (mulberry32), so the contract's spread check cannot flake. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

runBalancerContract('PowerOfTwoChoicesBalancer', () => new PowerOfTwoChoicesBalancer(seeded(42)));

describe('PowerOfTwoChoicesBalancer', () => {
  const upstream = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };
  const list = [1, 2, 3].map((i) => new Backend({ id: `b${i}`, url: `http://127.0.0.1:${i}` }, upstream));
  const [b1, b2, b3] = list as [Backend, Backend, Backend];
  after(() => Promise.all(list.map((b) => b.destroy())));

  it('of the two sampled backends, takes the less loaded one', () => {
    // random() = 0 samples the 1st eligible, then the 2nd (index 0 is skipped for the second draw).
    const balancer = new PowerOfTwoChoicesBalancer(() => 0);
    b1.inFlight = 4;
    b2.inFlight = 1;
    b3.inFlight = 0;
    assert.equal(balancer.pick(list), b2, 'b3 was not sampled, so the least loaded overall is not picked');
    b2.inFlight = 6;
    assert.equal(balancer.pick(list), b1);
  });

  it('never picks the most loaded of three: it loses every comparison', () => {
    b1.inFlight = 0;
    b2.inFlight = 0;
    b3.inFlight = 50;
    const balancer = new PowerOfTwoChoicesBalancer(seeded(7));
    for (let i = 0; i < 300; i++) assert.notEqual(balancer.pick(list), b3);
    b3.inFlight = 0;
  });

  it('is what createBalancer returns for "power-of-two-choices"', () => {
    assert.ok(createBalancer('power-of-two-choices') instanceof PowerOfTwoChoicesBalancer);
  });
});
