import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FakeClock, listen } from '@floodgate/shared';
import { call } from '@floodgate/shared/testing';
import type { Backend } from '../backends/backend.js';
import type { CircuitState } from '../breakers/backend-breaker.js';
import type { LoadBalancerEvents } from '../load-balancer.js';
import {
  type BackendHandler,
  echoHandler,
  startBackend,
  type TestBackend,
} from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

type HealthResult = LoadBalancerEvents['health:check'][0];

/** Default health interval; with jitter 0 every backend is probed at each multiple of it. */
const INTERVAL_MS = 2000;

/** Requests other than probes each test backend served, by id. */
const served: Record<string, number> = {};

/** `/health/ready` answers 200; everything else what `traffic` says (the echo by default), counted in `served`. */
function readyBackend(id: string, traffic: () => BackendHandler = () => echoHandler(id)): BackendHandler {
  served[id] = 0;
  return (req, res) => {
    if (req.url === '/health/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ready"}');
      return;
    }
    served[id] = (served[id] ?? 0) + 1;
    traffic()(req, res);
  };
}

const answer500: BackendHandler = (_req, res) => {
  res.writeHead(500, { 'content-length': '0' });
  res.end();
};

/**
 * Re-admission after an outage with the default settings (HEALTH_CHECK_INTERVAL_MS 2000, rise 2,
 * fall 2, CIRCUIT_RESET_TIMEOUT 30 s, CIRCUIT_FAILURE_THRESHOLD 5) on a FakeClock: real backends
 * and real probes, the clock only schedules the probes. Jitter 0 keeps probe rounds aligned.
 */
describe('re-admission after an outage (default settings)', { timeout: 20_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  async function setup(handlers: BackendHandler[]) {
    const backends: TestBackend[] = [];
    for (const [i, handler] of handlers.entries()) {
      const b = await startBackend(`b${i + 1}`, handler);
      stops.push(() => b.close());
      backends.push(b);
    }
    const clock = new FakeClock();
    const lb = await startTestLoadBalancer(
      backends.map((b) => b.url),
      { HEALTH_CHECK_JITTER: '0' },
      { clock, probe: 'http' },
    );
    stops.push(() => lb.close());
    const breakerChanges: CircuitState[] = [];
    lb.lb.events.on('breaker:state', (c) => {
      if (c.backend === 'api-1') breakerChanges.push(c.state);
    });
    const first = lb.lb.pool.backends[0] as Backend;
    assert.equal(first.breaker.options.resetTimeoutMs, 30_000);
    await probeRound(lb, clock, 0);
    return { backends, lb, clock, first, breakerChanges };
  }

  /** Advances the clock by `ms` and waits for the probe of every backend it makes due. */
  async function probeRound(
    lb: TestLoadBalancer,
    clock: FakeClock,
    ms = INTERVAL_MS,
  ): Promise<HealthResult[]> {
    const expected = lb.lb.pool.backends.length;
    const results: HealthResult[] = [];
    const done = new Promise<void>((resolve) => {
      const listener = (r: HealthResult) => {
        results.push(r);
        if (results.length < expected) return;
        lb.lb.events.off('health:check', listener);
        resolve();
      };
      lb.lb.events.on('health:check', listener);
    });
    clock.advance(ms);
    await done;
    return results;
  }

  /** Client requests until `done()` (at most `max`), e.g. until a breaker opened or a backend got a trial. */
  async function requestUntil(lb: TestLoadBalancer, done: () => boolean, max = 40): Promise<void> {
    for (let i = 0; i < max && !done(); i++) await call(`${lb.url}/work/${i}`);
    assert.ok(done(), `not reached after ${max} requests`);
  }

  /** Waits until backend `id` has served one more request than now (a trial), sending traffic. */
  async function untilServed(lb: TestLoadBalancer, id: string): Promise<void> {
    const before = served[id] ?? 0;
    await requestUntil(lb, () => (served[id] ?? 0) > before);
  }

  const stop = (b: TestBackend) =>
    new Promise<void>((resolve) => {
      b.server.close(() => resolve());
      b.server.closeAllConnections();
    });
  const restart = (b: TestBackend) => listen(b.server, b.port, '127.0.0.1');

  it('a backend restarted between two checks is back on the first passing check, not after 30 s', async () => {
    const { backends, lb, clock, first, breakerChanges } = await setup([
      readyBackend('restart-1'),
      readyBackend('restart-2'),
    ]);
    const [b1] = backends as [TestBackend];
    await stop(b1);
    await requestUntil(lb, () => first.breaker.state === 'open'); // refused tries (retried on the other)
    await restart(b1);
    assert.equal(first.healthy, true, 'no check ran during the outage');
    assert.equal(first.isAvailable(), false, 'the open breaker keeps it out');

    const [result] = (await probeRound(lb, clock)).filter((r) => r.backendId === 'api-1');
    assert.equal(result?.verdict, 'pass');
    assert.equal(first.breaker.state, 'half_open');
    assert.equal(first.isAvailable(), true, 'back in rotation one health interval after the restart');

    await untilServed(lb, 'restart-1');
    assert.equal(first.breaker.state, 'closed', 'the trial succeeded');
    assert.deepEqual(breakerChanges, ['open', 'half_open', 'closed']);
  });

  it('a backend its checks marked down is back on the second passing check (rise 2)', async () => {
    const { backends, lb, clock, first } = await setup([readyBackend('down-1'), readyBackend('down-2')]);
    const [b1] = backends as [TestBackend];
    await stop(b1);
    await requestUntil(lb, () => first.breaker.state === 'open');
    await probeRound(lb, clock);
    await probeRound(lb, clock);
    assert.equal(first.healthy, false, 'two failed checks (fall 2)');
    await restart(b1);

    await probeRound(lb, clock);
    assert.equal(first.isAvailable(), false, 'one pass is not enough (rise 2)');
    assert.equal(first.breaker.state, 'open', 'no trial before the checker counts it healthy');
    await probeRound(lb, clock);
    assert.equal(first.healthy, true);
    assert.equal(first.isAvailable(), true, 'back in rotation two health intervals after the restart');
    await untilServed(lb, 'down-1');
    assert.equal(first.breaker.state, 'closed');
  });

  it('a backend failing real traffic while /health/ready passes is never closed by its checks: each pass lets one trial decide', async () => {
    let failing = true;
    const { lb, clock, first, breakerChanges } = await setup([
      readyBackend('failing-1', () => (failing ? answer500 : echoHandler('failing-1'))),
      readyBackend('failing-2'),
    ]);
    await requestUntil(lb, () => first.breaker.state === 'open');
    const servedWhenOpened = served['failing-1'];

    for (let round = 1; round <= 3; round++) {
      await probeRound(lb, clock);
      assert.equal(first.breaker.state, 'half_open', `round ${round}: half-open, not closed`);
      await untilServed(lb, 'failing-1');
      assert.equal(first.breaker.state, 'open', 'the failed trial reopened it');
      for (let i = 0; i < 4; i++) await call(`${lb.url}/more`);
    }
    assert.equal(
      served['failing-1'],
      (servedWhenOpened ?? 0) + 3,
      'one trial per passing check, nothing else',
    );
    assert.ok(!breakerChanges.includes('closed'));

    failing = false;
    await probeRound(lb, clock);
    await untilServed(lb, 'failing-1');
    assert.equal(first.breaker.state, 'closed', 'healed: the trial closed it');
  });

  it('a breaker an operator opened stays open through passing checks until the operator closes it', async () => {
    const { lb, clock, first } = await setup([readyBackend('forced-1'), readyBackend('forced-2')]);
    const forced = await call(`${lb.url}/lb/admin/circuit-breakers/api-1/open`, { method: 'POST' });
    assert.equal(forced.status, 200);
    for (let round = 0; round < 3; round++) {
      await probeRound(lb, clock);
      assert.equal(first.breaker.state, 'open');
      for (let i = 0; i < 4; i++) await call(`${lb.url}/work`);
    }
    assert.equal(served['forced-1'], 0, 'no request, not even a trial');
    const closed = await call(`${lb.url}/lb/admin/circuit-breakers/api-1/close`, { method: 'POST' });
    assert.equal(closed.status, 200);
    assert.equal(first.isAvailable(), true);
  });
});
