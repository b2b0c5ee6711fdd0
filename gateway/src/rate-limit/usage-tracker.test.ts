import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { createRateLimitPolicy } from './rate-limit-policy.js';
import { UsageTracker } from './usage-tracker.js';

describe('UsageTracker', () => {
  const free = createRateLimitPolicy('free', 100, 60_000, { buckets: 100 });
  const pro = createRateLimitPolicy('pro', 1000, 60_000, { buckets: 100 });

  it('ranks subjects by the share of their quota used, within the window, bounded', () => {
    const clock = new FakeClock();
    const usage = new UsageTracker({ clock, maxSubjects: 3 });
    usage.record('free:c:1', free, 90);
    usage.record('pro:c:2', pro, 100);
    usage.record('free:c:3', free, 50);
    usage.record('free:c:1', free, 20);
    assert.deepEqual(
      usage.top().map((u) => [u.subject, u.used]),
      [
        ['pro:c:2', 900],
        ['free:c:1', 80],
        ['free:c:3', 50],
      ],
    );
    usage.record('free:c:4', free, 99);
    assert.equal(usage.top().length, 3, 'at most maxSubjects remembered');
    clock.advance(60_001);
    assert.deepEqual(usage.top(), [], 'stale entries are not reported');
    assert.equal(usage.top(1).length, 0);
  });
});
