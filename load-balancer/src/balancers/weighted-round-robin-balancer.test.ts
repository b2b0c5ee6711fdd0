import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backend } from '../backends/backend.js';
import { runBalancerContract } from './balancer.contract.js';
import { createBalancer } from './create-balancer.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin-balancer.js';

runBalancerContract('WeightedRoundRobinBalancer', () => new WeightedRoundRobinBalancer());

describe('WeightedRoundRobinBalancer', () => {
  const upstream = { connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100 };
  const made: Backend[] = [];
  const weighted = (...weights: number[]) =>
    weights.map((weight, i) => {
      const b = new Backend(
        { id: String.fromCharCode(97 + i), url: `http://127.0.0.1:${i + 1}`, weight },
        upstream,
      );
      made.push(b);
      return b;
    });
  after(() => Promise.all(made.map((b) => b.destroy())));
  const sequence = (balancer: WeightedRoundRobinBalancer, list: readonly Backend[], n: number) =>
    Array.from({ length: n }, () => balancer.pick(list)?.id ?? '-').join('');

  it('interleaves smoothly like nginx: weights 5,1,1 → a a b a c a a', () => {
    const list = weighted(5, 1, 1);
    const balancer = new WeightedRoundRobinBalancer();
    assert.equal(sequence(balancer, list, 7), 'aabacaa');
    assert.equal(sequence(balancer, list, 7), 'aabacaa', 'the cycle repeats');
  });

  it('honours weights exactly over whole cycles: 3,1,1 over 500 picks → 300,100,100', () => {
    const list = weighted(3, 1, 1);
    const balancer = new WeightedRoundRobinBalancer();
    const picks = sequence(balancer, list, 500);
    const count = (c: string) => picks.split('').filter((x) => x === c).length;
    assert.deepEqual([count('a'), count('b'), count('c')], [300, 100, 100]);
    assert.doesNotMatch(picks, /aaaa/, 'never four in a row for weight 3 of 5');
  });

  it('shares an unavailable backend’s turns among the others by weight', () => {
    const list = weighted(2, 1, 1);
    const balancer = new WeightedRoundRobinBalancer();
    (list[0] as Backend).draining = true;
    const picks = sequence(balancer, list, 100);
    assert.equal(picks.replaceAll('b', '').replaceAll('c', ''), '');
    assert.equal(picks.split('b').length - 1, 50);
    (list[0] as Backend).draining = false;
    const after = sequence(balancer, list, 400);
    assert.equal(after.split('a').length - 1, 200, 'back to half the picks once available again');
  });

  it('keeps scores by backend when the snapshot is replaced', () => {
    const [a, b, c] = weighted(1, 1, 1) as [Backend, Backend, Backend];
    const balancer = new WeightedRoundRobinBalancer();
    const first = [a, b, c];
    assert.equal(sequence(balancer, first, 2), 'ab');
    // b removed. Scores after 'ab' are a=-1, c=+2: c has credit and takes the next two turns. A
    // balancer that started the new snapshot from zero would answer 'acac'.
    assert.equal(sequence(balancer, [a, c], 4), 'ccac');
  });

  it('is what createBalancer returns for "weighted-round-robin"', () => {
    assert.ok(createBalancer('weighted-round-robin') instanceof WeightedRoundRobinBalancer);
  });
});
