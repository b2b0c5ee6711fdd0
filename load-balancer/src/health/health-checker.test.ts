import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { getFreePort } from '@floodgate/shared/testing';
import { startBackend } from '../test-support/start-backend.js';
import { HealthChecker, type HealthCheckOptions, type HealthCheckResult } from './health-checker.js';

const OPTIONS: HealthCheckOptions = {
  path: '/health/ready',
  intervalMs: 2000,
  timeoutMs: 1000,
  rise: 2,
  fall: 2,
  jitter: 0,
};

/** A backend whose /health/ready answers what `answer` says at the time of the probe. */
async function probedBackend(id: string) {
  const probes: ServerResponse[] = [];
  let answer: 'ok' | 'fail' | 'shutting-down' | 'busy' | 'hang' = 'ok';
  const backend = await startBackend(id, (req, res) => {
    assert.equal(req.url, '/health/ready');
    probes.push(res);
    if (answer === 'hang') return;
    const body =
      answer === 'ok'
        ? { status: 'ready' }
        : {
            error: {
              code: answer === 'shutting-down' ? 'SHUTTING_DOWN' : 'DEPENDENCY_UNAVAILABLE',
              message: 'x',
              requestId: 'r',
            },
          };
    res.writeHead(answer === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return {
    backend,
    probes,
    set(next: typeof answer) {
      answer = next;
    },
  };
}

/**
 * A checker on a FakeClock writing into a recording setter. `tick()` advances one interval and
 * resolves with the probe result it caused (probes are real HTTP; the clock only schedules them).
 */
function checkerFor(options: Partial<HealthCheckOptions> = {}) {
  const clock = new FakeClock();
  const verdicts: [string, boolean][] = [];
  /** Backends reported by healthCheckPassed, in order. */
  const passed: string[] = [];
  const pending: ((r: HealthCheckResult) => void)[] = [];
  const results: HealthCheckResult[] = [];
  const checker = new HealthChecker(
    {
      setHealthy: (id, healthy) => verdicts.push([id, healthy]),
      healthCheckPassed: (id) => passed.push(id),
    },
    { ...OPTIONS, ...options },
    {
      clock,
      random: () => 0.5,
      onResult: (r) => {
        results.push(r);
        pending.shift()?.(r);
      },
    },
  );
  const next = () => new Promise<HealthCheckResult>((resolve) => pending.push(resolve));
  const tick = (ms = options.intervalMs ?? OPTIONS.intervalMs) => {
    const result = next();
    clock.advance(ms);
    return result;
  };
  return { checker, clock, verdicts, passed, results, next, tick };
}

describe('HealthChecker', { timeout: 15_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    cleanups.push(() => x.close());
    return x;
  };

  it('marks a backend unhealthy after 2 consecutive failures and healthy after 2 consecutive passes', async () => {
    const { backend, set } = await probedBackend('rise-fall');
    track(backend);
    const { checker, verdicts, tick } = checkerFor();
    track(checker);
    checker.add({ id: 'api-1', url: backend.url });
    checker.start();
    assert.equal((await tick(0)).verdict, 'pass', 'the first probe runs at once (jitter 0)');
    set('fail');
    const first = await tick();
    assert.deepEqual([first.verdict, first.status, first.healthy, first.changed], ['fail', 503, true, false]);
    assert.deepEqual(verdicts, [], 'one failure changes nothing');
    const second = await tick();
    assert.deepEqual([second.healthy, second.changed], [false, true]);
    assert.deepEqual(verdicts, [['api-1', false]]);
    await tick(); // still failing: no repeated verdict
    set('ok');
    assert.equal((await tick()).healthy, false, 'one pass is not enough');
    assert.equal((await tick()).healthy, true);
    assert.deepEqual(verdicts, [
      ['api-1', false],
      ['api-1', true],
    ]);
  });

  it('reports every pass on a healthy backend, none while it is unhealthy, and the pass that makes it healthy', async () => {
    const { backend, set } = await probedBackend('passes');
    track(backend);
    const { checker, verdicts, passed, tick } = checkerFor();
    track(checker);
    checker.add({ id: 'api-1', url: backend.url });
    checker.start();
    await tick(0);
    await tick();
    assert.deepEqual(passed, ['api-1', 'api-1'], 'each pass on a healthy backend');
    set('fail');
    await tick();
    await tick();
    assert.deepEqual(verdicts, [['api-1', false]]);
    assert.equal(passed.length, 2, 'failures are not passes');
    set('ok');
    await tick();
    assert.equal(passed.length, 2, 'a pass on an unhealthy backend (rise not reached) is not reported');
    const rise = await tick();
    assert.deepEqual([rise.healthy, rise.changed], [true, true]);
    assert.equal(passed.length, 3, 'the pass that made it healthy is');
  });

  it('never flips for a backend alternating pass and fail', async () => {
    const { backend, set } = await probedBackend('flappy');
    track(backend);
    const { checker, verdicts, tick } = checkerFor();
    track(checker);
    checker.add({ id: 'api-1', url: backend.url });
    checker.start();
    await tick(0);
    for (let i = 0; i < 10; i++) {
      set(i % 2 === 0 ? 'fail' : 'ok');
      assert.equal((await tick()).healthy, true);
    }
    assert.deepEqual(verdicts, []);
  });

  it('counts a probe without an answer within the timeout as a failure', async () => {
    const { backend, probes, set } = await probedBackend('silent');
    track(backend);
    const { checker, clock, verdicts, next } = checkerFor({ timeoutMs: 1000 });
    track(checker);
    set('hang');
    checker.add({ id: 'api-1', url: backend.url });
    checker.start();
    for (let round = 1; round <= 2; round++) {
      const result = next();
      clock.advance(round === 1 ? 0 : 1000); // starts the probe (the next one is due 2000 after the previous start)
      while (probes.length < round) await new Promise((r) => setImmediate(r)); // the probe reached the backend
      clock.advance(999);
      await new Promise((r) => setImmediate(r));
      assert.equal(probes[round - 1]?.writableEnded, false);
      clock.advance(1); // timeout
      const r = await result;
      assert.equal(r.verdict, 'timeout');
      assert.equal(r.status, undefined);
    }
    assert.deepEqual(verdicts, [['api-1', false]]);
  });

  it('marks a backend unhealthy on the first 503 SHUTTING_DOWN; another 503 needs the usual two', async () => {
    const stopping = await probedBackend('stopping');
    const flaky = await probedBackend('db-blip');
    track(stopping.backend);
    track(flaky.backend);
    const { checker, verdicts, results, clock, next } = checkerFor();
    track(checker);
    checker.add({ id: 'stopping', url: stopping.backend.url });
    checker.add({ id: 'blip', url: flaky.backend.url });
    checker.start();
    let both = Promise.all([next(), next()]);
    clock.advance(0);
    await both;
    stopping.set('shutting-down');
    flaky.set('busy');
    both = Promise.all([next(), next()]);
    clock.advance(2000);
    await both;
    assert.deepEqual(verdicts, [['stopping', false]]);
    const last = results.slice(-2).sort((a, b) => a.backendId.localeCompare(b.backendId));
    assert.deepEqual(
      last.map((r) => [r.backendId, r.verdict, r.healthy]),
      [
        ['blip', 'fail', true],
        ['stopping', 'shutting_down', false],
      ],
    );
  });

  it('counts a refused connection as a failure', async () => {
    const url = `http://127.0.0.1:${await getFreePort()}`;
    const { checker, verdicts, tick } = checkerFor();
    track(checker);
    checker.add({ id: 'gone', url });
    checker.start();
    assert.equal((await tick(0)).verdict, 'fail');
    assert.equal((await tick()).verdict, 'fail');
    assert.deepEqual(verdicts, [['gone', false]]);
  });

  it('spreads probes with jitter and stops probing a removed backend', () => {
    // Scheduling only: a probe that records when it started and passes at once.
    const clock = new FakeClock();
    let random = 0;
    const started: number[] = [];
    const checker = new HealthChecker(
      { setHealthy: () => {}, healthCheckPassed: () => {} },
      { ...OPTIONS, jitter: 0.2 },
      {
        clock,
        random: () => random,
        probe: async () => {
          started.push(clock.monotonic());
          return { verdict: 'pass', status: 200 };
        },
      },
    );
    track(checker);
    random = 0.5; // first probe within interval × jitter: 2000 × 0.2 × 0.5 = 200
    checker.add({ id: 'api-1', url: 'http://127.0.0.1:9' });
    checker.start();
    random = 0.999; // next period: 2000 × (1 + 0.2 × 0.499) = 2199.6 after the previous start
    clock.advance(199);
    assert.deepEqual(started, []);
    clock.advance(1);
    assert.deepEqual(started, [200]);
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      clock.advance(2199);
      assert.deepEqual(started, [200]);
      clock.advance(1);
      assert.deepEqual(started.map(Math.round), [200, 2400]);
      checker.remove('api-1');
      clock.advance(10_000);
      assert.deepEqual(started.map(Math.round), [200, 2400], 'no probe after remove()');
    });
  });
});
