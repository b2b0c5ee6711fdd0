import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { createCaptureLogger } from '@floodgate/shared/testing/index';
import { Registry } from 'prom-client';
import { Limiter } from './limiter.js';
import { MemoryRateLimitStore } from './memory-store.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { createRateLimitPolicy, type RateLimitPolicy } from './rate-limit-policy.js';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store.js';

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
    const d = await limiter.consume('k', tier(40));
    assert.equal(d.degraded, false);
    assert.equal(remote.calls, 2);
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
