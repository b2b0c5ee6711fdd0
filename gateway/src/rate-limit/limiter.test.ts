import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { createCaptureLogger } from '@floodgate/shared/testing';
import { Registry } from 'prom-client';
import { Limiter } from './limiter.js';
import { MemoryRateLimitStore } from './memory-store.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { createRateLimitPolicy, type RateLimitPolicy } from './rate-limit-policy.js';
import type { LeaseGrant, LeaseRequest, RateLimitDecision, RateLimitStore } from './rate-limit-store.js';

/** A "Redis" whose faults the test switches on and off (the real ones are in gateway-degraded.test.ts). */
class SwitchableStore implements RateLimitStore {
  failing = false;
  calls = 0;
  readonly #inner: MemoryRateLimitStore;
  constructor(clock: FakeClock) {
    this.#inner = new MemoryRateLimitStore({ clock });
  }
  async consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    this.calls++;
    if (this.failing) throw new Error('Command timed out');
    return this.#inner.consume(key, policy);
  }
  async lease(key: string, policy: RateLimitPolicy, request: LeaseRequest): Promise<LeaseGrant> {
    this.calls++;
    if (this.failing) throw new Error('Command timed out');
    return this.#inner.lease(key, policy, request);
  }
}

function setup(options: { gateways?: number } = {}) {
  const clock = new FakeClock();
  const remote = new SwitchableStore(clock);
  const registry = new Registry();
  const capture = createCaptureLogger('limiter');
  let probes = 0;
  const limiter = new Limiter({
    remote,
    local: new MemoryRateLimitStore({ clock }),
    probe: async () => {
      probes++;
      if (remote.failing) throw new Error('still down');
    },
    probeIntervalMs: 500,
    liveGateways: () => options.gateways ?? 1,
    clock,
    logger: capture.logger,
    metrics: new RateLimitMetrics(registry),
  });
  return { clock, remote, limiter, registry, capture, probes: () => probes };
}

const tier = (max: number, failMode: 'local' | 'open' | 'closed' = 'local') =>
  createRateLimitPolicy('free', max, 60_000, { buckets: 100, failMode });

async function run(limiter: Limiter, key: string, policy: RateLimitPolicy, n: number) {
  const out: RateLimitDecision[] = [];
  for (let i = 0; i < n; i++) out.push(await limiter.consume(key, policy));
  return out;
}

describe('Limiter', () => {
  it('decides in the shared store while it answers', async () => {
    const { limiter, remote } = setup();
    const ds = await run(limiter, 'k', tier(3), 4);
    assert.deepEqual(
      ds.map((d) => d.allowed),
      [true, true, true, false],
    );
    assert.ok(ds.every((d) => !d.degraded));
    assert.equal(remote.calls, 4);
    assert.equal(limiter.mode, 'shared');
  });

  it('on a fault: answers locally at max ÷ live gateways, stops asking Redis, logs once, heals after a probe', async () => {
    const { limiter, remote, clock, capture, registry, probes } = setup({ gateways: 4 });
    remote.failing = true;
    const ds = await run(limiter, 'k', tier(40), 15);
    assert.equal(remote.calls, 1, 'only the first decision paid for the fault');
    assert.ok(ds.every((d) => d.degraded));
    assert.equal(ds.filter((d) => d.allowed).length, 10, '40 / 4 gateways');
    assert.equal(ds[0]?.limit, 10);
    assert.equal(limiter.mode, 'degraded');
    assert.match(await registry.metrics(), /floodgate_ratelimit_degraded 1/);
    const warnings = () => capture.lines().filter((l) => l.level === 40);
    assert.equal(warnings().length, 1);

    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    assert.equal(probes(), 1);
    assert.equal(limiter.degraded, true, 'the probe failed: still degraded');
    assert.equal(warnings().length, 1, 'logged once');

    remote.failing = false;
    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    assert.equal(limiter.degraded, false);
    assert.match(await registry.metrics(), /floodgate_ratelimit_degraded 0/);
    await new Promise((r) => setImmediate(r));
    assert.equal(remote.calls, 2, 'on healing, the 10 local admissions were replayed into Redis');
    const d = await limiter.consume('k', tier(40));
    assert.equal(d.degraded, false);
    assert.equal(d.remaining, 40 - 10 - 1, 'Redis counts what was admitted while it was away');
    limiter.close();
  });

  it('a degraded gateway starts from its part of the usage Redis last reported', async () => {
    const { limiter, remote } = setup({ gateways: 4 });
    const p = tier(40);
    assert.equal((await run(limiter, 'k', p, 20)).filter((d) => d.allowed).length, 20, 'half used in Redis');
    remote.failing = true;
    const local = await run(limiter, 'k', p, 20);
    // This gateway's share is 40 / 4 = 10, of which 20 / 4 = 5 count as already used.
    assert.equal(local.filter((d) => d.allowed).length, 5);
    assert.ok(local.every((d) => d.degraded));
    limiter.close();
  });

  it('fail-open admits and fail-closed refuses (with a Retry-After) while degraded', async () => {
    const { limiter, remote } = setup();
    remote.failing = true;
    const open = await run(limiter, 'a', tier(1, 'open'), 5);
    assert.ok(open.every((d) => d.allowed && d.degraded));
    const closed = await run(limiter, 'b', tier(100, 'closed'), 2);
    assert.ok(closed.every((d) => !d.allowed && d.degraded && d.retryAfterMs === 500));
    limiter.close();
  });

  it('without Redis decides locally at full limits, not degraded', async () => {
    const clock = new FakeClock();
    const limiter = new Limiter({ remote: null, local: new MemoryRateLimitStore({ clock }), clock });
    const ds = await run(limiter, 'k', tier(2), 3);
    assert.deepEqual(
      ds.map((d) => [d.allowed, d.degraded]),
      [
        [true, false],
        [true, false],
        [false, false],
      ],
    );
    assert.equal(limiter.mode, 'local');
  });

  it('counts decisions per policy and outcome', async () => {
    const { limiter, registry } = setup();
    await run(limiter, 'k', tier(2), 3);
    const text = await registry.metrics();
    assert.match(text, /floodgate_ratelimit_decisions_total\{tier="free",decision="allowed"\} 2/);
    assert.match(text, /floodgate_ratelimit_decisions_total\{tier="free",decision="rejected"\} 1/);
    assert.match(text, /floodgate_ratelimit_decision_duration_seconds_count\{store="redis"\} 3/);
  });
});

describe('Limiter leases', () => {
  const big = (max = 1000) => createRateLimitPolicy('enterprise', max, 1000, { buckets: 10 });

  it('a busy key takes growing leases: few store calls, every unit accounted for', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const remote = new SwitchableStore(clock);
    const limiter = new Limiter({ remote, local: new MemoryRateLimitStore({ clock }), clock });
    const p = big();
    assert.equal(p.leaseCap, 100);
    const ds = await run(limiter, 'k', p, 60);
    assert.ok(ds.every((d) => d.allowed));
    assert.ok(remote.calls <= 7, `${remote.calls} store calls for 60 requests`);
    assert.ok(ds.every((d, i) => i === 0 || d.remaining < (ds[i - 1] as RateLimitDecision).remaining));
  });

  it('unused units are refunded once their bucket ends, so the store counts exactly what was admitted', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new MemoryRateLimitStore({ clock });
    const limiter = new Limiter({ remote: inner, local: new MemoryRateLimitStore({ clock }), clock });
    const p = big();
    await run(limiter, 'k', p, 40); // leases of 1, 2, 4, 8, 16, 32: 63 units counted, 40 used
    clock.advance(100); // their bucket ended: the 23 unused units are void
    const d = await limiter.consume('k', p);
    assert.equal(d.allowed, true);
    assert.equal(d.remaining, 1000 - 41, 'the decision counts exactly what was admitted');
    // The renewal refunded 23 and leased 9 (what the last lease used): 63 - 23 + 9 counted.
    assert.equal(inner.lease('k', p, { want: 0, refundBucket: 0, refundCount: 0 }).remaining, 1000 - 49);
  });

  it('never admits more than max in any window, with three gateways leasing from one store', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const shared = new MemoryRateLimitStore({ clock });
    const max = 300;
    const p = createRateLimitPolicy('pro', max, 1000, { buckets: 10 });
    const gateways = [1, 2, 3].map(
      () => new Limiter({ remote: shared, local: new MemoryRateLimitStore({ clock }), clock }),
    );
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const admitted: number[] = [];
    const start = clock.now();
    while (clock.now() - start < 5000) {
      clock.advance(Math.floor(random() * 3));
      const g = gateways[Math.floor(random() * 3)] as Limiter;
      if ((await g.consume('hot', p)).allowed) admitted.push(clock.now());
    }
    let lo = 0;
    for (let hi = 0; hi < admitted.length; hi++) {
      while ((admitted[lo] as number) <= (admitted[hi] as number) - 1000) lo++;
      assert.ok(hi - lo + 1 <= max, `${hi - lo + 1} admitted within one window`);
    }
    assert.ok(admitted.length >= 4 * max * 0.9, `admitted ${admitted.length} in 5 windows`);
  });

  it('a refusal stands until its bucket ends: a flood against an exhausted key costs no store calls', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const remote = new SwitchableStore(clock);
    const limiter = new Limiter({ remote, local: new MemoryRateLimitStore({ clock }), clock });
    const p = createRateLimitPolicy('free', 3, 1000, { buckets: 10 });
    await run(limiter, 'k', p, 3);
    const calls = remote.calls;
    const refused = await run(limiter, 'k', p, 50);
    assert.ok(refused.every((d) => !d.allowed && d.retryAfterMs > 0));
    assert.equal(remote.calls, calls + 1, 'one call learned the refusal');
    clock.advance(1100);
    assert.equal((await limiter.consume('k', p)).allowed, true);
  });
});
