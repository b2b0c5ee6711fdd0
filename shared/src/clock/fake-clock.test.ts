import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('runs due timers in order and skips cancelled ones', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    const c = clock.setTimeout(() => fired.push('c'), 15);
    clock.clearTimeout(c);
    clock.advance(15);
    assert.deepEqual(fired, ['a']);
    assert.equal(clock.now(), 1015);
    assert.equal(clock.monotonic(), 15);
    clock.advance(10);
    assert.deepEqual(fired, ['a', 'b']);
  });

  it('lets a timer schedule another within the same advance', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.monotonic());
      clock.setTimeout(() => at.push(clock.monotonic()), 5);
    }, 5);
    clock.advance(20);
    assert.deepEqual(at, [5, 10]);
  });
});
