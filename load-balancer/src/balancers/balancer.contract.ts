import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Backend, type UpstreamOptions } from '../backends/backend.js';
import type { Balancer } from './balancer.js';

// Pools connect lazily: these backends never open a socket.
const UPSTREAM: UpstreamOptions = {
  connections: 1,
  connectTimeoutMs: 100,
  headersTimeoutMs: 100,
  bodyTimeoutMs: 100,
};

/**
 * What every Balancer must do. Each implementation's test calls this with a factory returning a fresh
 * balancer per case.
 */
export function runBalancerContract(name: string, factory: () => Balancer): void {
  describe(`${name}: Balancer contract`, () => {
    const created: Backend[] = [];
    const backends = (n: number): Backend[] =>
      Array.from({ length: n }, (_, i) => {
        const b = new Backend({ id: `b${i + 1}`, url: `http://127.0.0.1:${i + 1}` }, UPSTREAM);
        created.push(b);
        return b;
      });
    const countPicks = (balancer: Balancer, list: readonly Backend[], picks: number) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < picks; i++) {
        const b = balancer.pick(list);
        const key = b === undefined ? 'none' : b.id;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    after(() => Promise.all(created.map((b) => b.destroy())));

    it('has a non-empty name', () => {
      assert.ok(factory().name.length > 0);
    });

    it('returns undefined for an empty pool', () => {
      assert.equal(factory().pick([]), undefined);
    });

    it('returns undefined when no backend is available (unhealthy, draining or breaker open)', () => {
      const list = backends(3);
      (list[0] as Backend).healthy = false;
      (list[1] as Backend).draining = true;
      (list[2] as Backend).breaker.forceOpen();
      const balancer = factory();
      for (let i = 0; i < 10; i++) assert.equal(balancer.pick(list), undefined);
    });

    it('never picks an unavailable backend', () => {
      const list = backends(6);
      (list[1] as Backend).healthy = false;
      (list[3] as Backend).draining = true;
      (list[5] as Backend).breaker.forceOpen();
      const counts = countPicks(factory(), list, 500);
      assert.deepEqual([...counts.keys()].sort(), ['b1', 'b3', 'b5']);
    });

    it('never picks an excluded backend (one a retry already tried)', () => {
      const list = backends(4);
      const balancer = factory();
      const exclude = [list[0] as Backend, list[2] as Backend];
      const counts = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        const id = balancer.pick(list, exclude)?.id ?? 'none';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      assert.deepEqual([...counts.keys()].sort(), ['b2', 'b4']);
      assert.equal(balancer.pick(list, list), undefined, 'everything excluded: nothing to pick');
    });

    it('always picks the only available backend', () => {
      const list = backends(3);
      (list[0] as Backend).healthy = false;
      (list[2] as Backend).healthy = false;
      const counts = countPicks(factory(), list, 50);
      assert.deepEqual([...counts], [['b2', 50]]);
    });

    it('spreads load evenly over available backends', () => {
      const list = backends(4);
      const counts = countPicks(factory(), list, 4000);
      assert.equal(counts.size, 4);
      for (const [id, n] of counts) assert.ok(n >= 900 && n <= 1100, `${id} got ${n} of 4000 picks`);
    });

    it('follows availability changes between picks', () => {
      const list = backends(3);
      const balancer = factory();
      const b2 = list[1] as Backend;
      b2.healthy = false;
      assert.ok(![...countPicks(balancer, list, 30).keys()].includes('b2'));
      b2.healthy = true;
      assert.ok(
        (countPicks(balancer, list, 30).get('b2') ?? 0) > 0,
        'a recovered backend gets traffic again',
      );
    });

    it('keeps working when the snapshot shrinks or grows between picks', () => {
      const list = backends(4);
      const balancer = factory();
      countPicks(balancer, list, 3);
      const shrunk = list.slice(0, 2);
      const counts = countPicks(balancer, shrunk, 100);
      assert.deepEqual([...counts.keys()].sort(), ['b1', 'b2']);
      assert.equal(countPicks(balancer, list, 100).size, 4);
    });
  });
}
