import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backend } from '../backends/backend.js';
import { runBalancerContract } from './balancer.contract.js';
import { createBalancer } from './create-balancer.js';
import { LeastConnectionsBalancer } from './least-connections-balancer.js';

runBalancerContract('LeastConnectionsBalancer', () => new LeastConnectionsBalancer());

describe('LeastConnectionsBalancer', () => {
  const upstream = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };
  const made: Backend[] = [];
  const make = (weights: number[]) =>
    weights.map((weight, i) => {
      const b = new Backend({ id: `b${i + 1}`, url: `http://127.0.0.1:${i + 1}`, weight }, upstream);
      made.push(b);
      return b;
    });
  after(() => Promise.all(made.map((b) => b.destroy())));

  it('picks the backend with the fewest requests in flight', () => {
    const list = make([1, 1, 1]);
    const [b1, b2, b3] = list as [Backend, Backend, Backend];
    b1.inFlight = 5;
    b2.inFlight = 2;
    b3.inFlight = 7;
    const balancer = new LeastConnectionsBalancer();
    for (let i = 0; i < 5; i++) assert.equal(balancer.pick(list), b2);
    b2.inFlight = 9;
    assert.equal(balancer.pick(list), b1);
  });

  it('counts in-flight requests per unit of weight', () => {
    const list = make([3, 1]);
    const [heavy, light] = list as [Backend, Backend];
    heavy.inFlight = 5; // 5/3 < 2/1
    light.inFlight = 2;
    assert.equal(new LeastConnectionsBalancer().pick(list), heavy);
    heavy.inFlight = 7; // 7/3 > 2/1
    assert.equal(new LeastConnectionsBalancer().pick(list), light);
  });

  it('is what createBalancer returns for "least-connections"', () => {
    assert.ok(createBalancer('least-connections') instanceof LeastConnectionsBalancer);
  });
});
