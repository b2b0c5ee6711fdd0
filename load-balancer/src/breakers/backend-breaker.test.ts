import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { NO_RESPONSE } from '../backends/try-outcome.js';
import { BackendBreaker, type BreakerOptions, type CircuitState } from './backend-breaker.js';
import { BucketRotation } from './bucket-rotation.js';

describe('BackendBreaker', { timeout: 10_000 }, () => {
  const made: BackendBreaker[] = [];
  afterEach(() => {
    for (const b of made.splice(0)) b.shutdown();
  });

  /** A breaker whose rolling window moves with a FakeClock; `changes` lists every state change. */
  function breaker(options: Partial<BreakerOptions>) {
    const clock = new FakeClock();
    const rotation = new BucketRotation(clock, options.rollingWindowMs ?? 10_000).start();
    const changes: CircuitState[] = [];
    const waiters: { state: CircuitState | 'any'; resolve: () => void }[] = [];
    const b = new BackendBreaker('api-1', options, {
      clock,
      rotation,
      onStateChange: (_id, state) => {
        changes.push(state);
        for (const w of waiters.splice(0)) {
          if (w.state === state || w.state === 'any') w.resolve();
          else waiters.push(w);
        }
      },
    });
    // opossum's reset timer is unref'd: hold the event loop open while a test waits for it.
    const waitFor = (state: CircuitState | 'any') =>
      new Promise<void>((resolve) => {
        const hold = setInterval(() => {}, 1000);
        waiters.push({
          state,
          resolve: () => {
            clearInterval(hold);
            resolve();
          },
        });
      });
    const nextChange = () => waitFor('any');
    made.push(b);
    const reached = (state: CircuitState) => (b.state === state ? Promise.resolve() : waitFor(state));
    return { b, clock, changes, reached, nextChange };
  }
  /** One request through the breaker, as the proxy does it. */
  const request = (b: BackendBreaker, outcome: 'ok' | 'fail' | 'neutral') => {
    const token = b.onDispatch();
    if (outcome === 'neutral') b.recordNeutral(token);
    else b.recordOutcome(outcome === 'ok' ? 200 : 500, 1, token);
  };
  const settle = () => new Promise((r) => setImmediate(r)); // opossum records successes in a microtask

  it('does not open on a failure ratio before the minimum volume, opens once it is reached', async () => {
    const { b } = breaker({ volumeThreshold: 10, errorThresholdPercentage: 50, failureThreshold: 100 });
    for (let i = 0; i < 3; i++) request(b, 'ok');
    for (let i = 0; i < 6; i++) request(b, 'fail'); // 6 of 9 failed: 67 %, but only 9 requests
    await settle();
    assert.equal(b.state, 'closed');
    assert.equal(b.admits(), true);
    request(b, 'fail'); // 10th request, 70 %
    assert.equal(b.state, 'open');
    assert.equal(b.admits(), false);
    assert.deepEqual(b.toStatus().window, { requests: 10, failures: 7 });
  });

  it('stays closed at or under the failure percentage whatever the volume', async () => {
    const { b } = breaker({ volumeThreshold: 4, errorThresholdPercentage: 50, failureThreshold: 100 });
    for (let i = 0; i < 20; i++) request(b, i % 2 === 0 ? 'ok' : 'fail'); // exactly 50 %
    await settle();
    assert.equal(b.state, 'closed');
  });

  it('opens after CIRCUIT_FAILURE_THRESHOLD consecutive failures even below the volume; a success resets the count', async () => {
    const { b } = breaker({ volumeThreshold: 1000, failureThreshold: 3 });
    request(b, 'fail');
    request(b, 'fail');
    request(b, 'ok');
    await settle();
    request(b, 'fail');
    request(b, 'fail');
    assert.equal(b.state, 'closed', 'two in a row after a success');
    assert.equal(b.toStatus().consecutiveFailures, 2);
    request(b, 'fail');
    assert.equal(b.state, 'open');
  });

  it('forgets failures that left the rolling window', async () => {
    const { b, clock } = breaker({
      volumeThreshold: 4,
      errorThresholdPercentage: 50,
      failureThreshold: 100,
      rollingWindowMs: 1000,
    });
    for (let i = 0; i < 3; i++) request(b, 'fail');
    clock.advance(1000); // the three failures rotate out
    request(b, 'ok');
    request(b, 'ok');
    request(b, 'ok');
    await settle();
    request(b, 'fail'); // window: 3 ok + 1 fail = 25 %
    assert.equal(b.state, 'closed');
    assert.deepEqual(b.toStatus().window, { requests: 4, failures: 1 });
  });

  it('ignores client aborts and invalid requests: no count, no volume', async () => {
    const { b } = breaker({ volumeThreshold: 2, failureThreshold: 2 });
    for (let i = 0; i < 50; i++) request(b, 'neutral');
    await settle();
    assert.deepEqual(b.toStatus().window, { requests: 0, failures: 0 });
    assert.equal(b.state, 'closed');
  });

  it('half-opens after the reset timeout, admits one trial, and closes when it succeeds', async () => {
    const { b, changes, reached } = breaker({ failureThreshold: 1, resetTimeoutMs: 30 });
    request(b, 'fail');
    assert.equal(b.state, 'open');
    await reached('half_open');
    assert.equal(b.admits(), true, 'a trial may go');
    const trial = b.onDispatch();
    assert.notEqual(trial, 0);
    assert.equal(b.admits(), false, 'only one trial at a time');
    b.recordOutcome(200, 1, trial);
    await reached('closed');
    assert.deepEqual(changes, ['open', 'half_open', 'closed']);
    assert.equal(b.admits(), true);
  });

  it('reopens when the half-open trial fails, and half-opens again later', async () => {
    const { b, changes, reached } = breaker({ failureThreshold: 1, resetTimeoutMs: 30 });
    request(b, 'fail');
    await reached('half_open');
    b.recordOutcome(NO_RESPONSE, 1, b.onDispatch());
    assert.equal(b.state, 'open');
    assert.equal(b.admits(), false);
    await reached('half_open');
    assert.deepEqual(changes, ['open', 'half_open', 'open', 'half_open']);
  });

  it('lets a half-open breaker take CIRCUIT_HALF_OPEN_REQUESTS trials, and frees the slot of an aborted one', async () => {
    const { b, reached } = breaker({ failureThreshold: 1, resetTimeoutMs: 30, halfOpenRequests: 2 });
    request(b, 'fail');
    await reached('half_open');
    const first = b.onDispatch();
    const second = b.onDispatch();
    assert.equal(b.admits(), false, 'two trials in flight');
    b.recordNeutral(first); // the client went away: says nothing about the backend
    assert.equal(b.state, 'half_open');
    assert.equal(b.admits(), true, 'the aborted trial freed its slot');
    b.recordOutcome(404, 1, second); // a 4xx is the client's doing: a success
    await reached('closed');
  });

  it('ignores outcomes of requests sent before the breaker opened', async () => {
    const { b, reached } = breaker({ failureThreshold: 1, resetTimeoutMs: 30 });
    const early = b.onDispatch(); // sent while closed, answers late
    request(b, 'fail');
    await reached('half_open');
    b.recordOutcome(200, 1, early);
    await settle();
    assert.equal(b.state, 'half_open', 'only a trial decides');
    assert.equal(b.admits(), true);
  });

  describe('a passing active health check (default options: reset timeout 30 s)', () => {
    const openWithDefaults = () => {
      const made = breaker({});
      assert.equal(made.b.options.resetTimeoutMs, 30_000);
      for (let i = 0; i < made.b.options.failureThreshold; i++) request(made.b, 'fail');
      assert.equal(made.b.state, 'open');
      return made;
    };

    it('half-opens an open breaker at once; a successful trial closes it with an empty window', async () => {
      const { b, changes } = openWithDefaults();
      b.healthCheckPassed();
      assert.equal(b.state, 'half_open', 'not after the 30 s reset timeout');
      assert.equal(b.admits(), true);
      const trial = b.onDispatch();
      assert.equal(b.admits(), false, 'still one trial at a time');
      b.recordOutcome(200, 1, trial);
      await settle();
      assert.equal(b.state, 'closed');
      assert.deepEqual(changes, ['open', 'half_open', 'closed']);
      assert.deepEqual(b.toStatus().window, { requests: 1, failures: 0 }, 'the trial only');
    });

    it('never closes a breaker by itself: a failed trial reopens it, the next pass half-opens it again', async () => {
      const { b, changes } = openWithDefaults();
      b.healthCheckPassed();
      b.recordOutcome(503, 1, b.onDispatch()); // ready, yet failing real traffic
      assert.equal(b.state, 'open');
      assert.equal(b.admits(), false);
      b.healthCheckPassed();
      assert.equal(b.state, 'half_open');
      b.healthCheckPassed(); // a pass while a trial slot is open changes nothing
      assert.equal(b.state, 'half_open');
      b.recordOutcome(NO_RESPONSE, 1, b.onDispatch());
      assert.deepEqual(changes, ['open', 'half_open', 'open', 'half_open', 'open']);
      assert.equal(b.state, 'open');
    });

    it('does not disturb a trial in flight: a pass neither frees its slot nor voids its token', async () => {
      const { b } = openWithDefaults();
      b.healthCheckPassed();
      const trial = b.onDispatch();
      b.healthCheckPassed();
      assert.equal(b.admits(), false, 'the trial still holds the slot');
      b.recordOutcome(200, 1, trial);
      await settle();
      assert.equal(b.state, 'closed');
    });

    it('leaves a closed breaker and its window alone', async () => {
      const { b, changes } = breaker({});
      request(b, 'fail');
      request(b, 'fail');
      b.healthCheckPassed();
      assert.equal(b.state, 'closed');
      assert.deepEqual(changes, []);
      assert.deepEqual(b.toStatus().window, { requests: 2, failures: 2 });
      assert.equal(b.toStatus().consecutiveFailures, 2);
    });

    it('keeps a forced-open breaker open until an operator closes it', async () => {
      const { b, changes } = breaker({});
      b.forceOpen();
      for (let i = 0; i < 5; i++) b.healthCheckPassed();
      assert.equal(b.state, 'open');
      assert.equal(b.admits(), false);
      assert.deepEqual(changes, ['open']);
      b.close();
      assert.equal(b.state, 'closed');
      b.forceOpen();
      b.healthCheckPassed();
      b.reset();
      assert.equal(b.state, 'closed');
    });
  });

  it('forced open stays open past the reset timeout until closed; close keeps the window, reset empties it', async () => {
    const { b, changes, reached, nextChange } = breaker({
      failureThreshold: 100,
      resetTimeoutMs: 20,
      volumeThreshold: 1000,
    });
    request(b, 'fail');
    b.forceOpen();
    assert.equal(b.state, 'open');
    assert.equal(b.toStatus().forced, true);
    await nextChange(); // opossum's reset timer fired: an unforced breaker would now be half-open
    assert.deepEqual(changes, ['open', 'open']);
    assert.equal(b.state, 'open');
    assert.equal(b.admits(), false);
    b.close();
    await reached('closed');
    assert.equal(b.admits(), true);
    assert.deepEqual(b.toStatus().window, { requests: 1, failures: 1 });
    b.reset();
    assert.deepEqual(b.toStatus().window, { requests: 0, failures: 0 });
    assert.equal(b.state, 'closed');
    request(b, 'fail');
    assert.equal(b.toStatus().consecutiveFailures, 1, 'the fresh breaker records again');
  });

  it('records nothing after shutdown (the backend left the pool) and never throws', async () => {
    const { b } = breaker({ failureThreshold: 1 });
    b.shutdown();
    request(b, 'fail');
    request(b, 'ok');
    b.reset();
    await settle();
    assert.equal(b.state, 'closed');
    assert.equal(b.toStatus().consecutiveFailures, 0);
  });
});
