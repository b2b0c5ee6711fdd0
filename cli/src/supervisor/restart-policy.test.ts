import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { RestartPolicy } from './restart-policy.js';

describe('RestartPolicy', () => {
  it('doubles the delay from 250 ms up to the 10 s cap, counting attempts', () => {
    const clock = new FakeClock();
    const policy = new RestartPolicy({}, clock);
    const delays: number[] = [];
    const attempts: number[] = [];
    for (let i = 0; i < 8; i++) {
      policy.recordStart();
      clock.advance(100); // crashes quickly every time
      const d = policy.nextRestart();
      delays.push(d.delayMs);
      attempts.push(d.attempt);
    }
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.deepEqual(attempts, [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('starts over after 30 s of uptime, but not after 29.9 s', () => {
    const clock = new FakeClock();
    const policy = new RestartPolicy({}, clock);
    for (let i = 0; i < 4; i++) {
      policy.recordStart();
      policy.nextRestart();
    }
    policy.recordStart();
    clock.advance(29_900);
    assert.deepEqual(policy.nextRestart(), { delayMs: 4000, attempt: 5 });
    policy.recordStart();
    clock.advance(30_000);
    assert.deepEqual(policy.nextRestart(), { delayMs: 250, attempt: 1 });
    policy.recordStart();
    assert.deepEqual(policy.nextRestart(), { delayMs: 500, attempt: 2 });
  });

  it('honours custom options and rejects impossible ones', () => {
    const clock = new FakeClock();
    const policy = new RestartPolicy(
      { initialDelayMs: 10, factor: 3, maxDelayMs: 50, resetAfterMs: 1000 },
      clock,
    );
    const delays = [1, 2, 3, 4].map(() => {
      policy.recordStart();
      return policy.nextRestart().delayMs;
    });
    assert.deepEqual(delays, [10, 30, 50, 50]);
    assert.throws(() => new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 10 }, clock), RangeError);
    assert.throws(() => new RestartPolicy({ factor: 0.5 }, clock), RangeError);
  });
});
