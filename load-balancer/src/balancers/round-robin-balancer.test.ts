import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backend } from '../backends/backend.js';
import { runBalancerContract } from './balancer.contract.js';
import { createBalancer } from './create-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

runBalancerContract('RoundRobinBalancer', () => new RoundRobinBalancer());

describe('RoundRobinBalancer', () => {
  const upstream = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };
  const list = [1, 2, 3].map((i) => new Backend({ id: `b${i}`, url: `http://127.0.0.1:${i}` }, upstream));
  const [, b2, b3] = list as [Backend, Backend, Backend];
  after(() => Promise.all(list.map((b) => b.destroy())));
  const picks = (balancer: RoundRobinBalancer, n: number) =>
    Array.from({ length: n }, () => balancer.pick(list)?.id ?? 'none').join(',');

  it('rotates strictly in order: 1,2,3,1,2,3', () => {
    assert.equal(picks(new RoundRobinBalancer(), 7), 'b1,b2,b3,b1,b2,b3,b1');
  });

  it('skips an unavailable backend and lets it rejoin at its own position', () => {
    const balancer = new RoundRobinBalancer();
    b2.healthy = false;
    assert.equal(picks(balancer, 4), 'b1,b3,b1,b3');
    b2.healthy = true;
    assert.equal(picks(balancer, 4), 'b1,b2,b3,b1');
    b3.draining = true;
    assert.equal(picks(balancer, 3), 'b2,b1,b2');
    b3.draining = false;
  });

  it('is what createBalancer returns for "round-robin"', () => {
    const balancer = createBalancer('round-robin');
    assert.ok(balancer instanceof RoundRobinBalancer);
    assert.equal(balancer.name, 'round-robin');
  });
});
