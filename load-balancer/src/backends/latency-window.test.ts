import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyWindow } from './latency-window.js';

describe('LatencyWindow', () => {
  it('reports null percentiles before the first sample', () => {
    assert.deepEqual(new LatencyWindow(8).percentiles(), { p50: null, p99: null });
  });

  it('computes nearest-rank p50 and p99 regardless of arrival order', () => {
    const w = new LatencyWindow(1000);
    for (let i = 100; i >= 1; i--) w.record(i);
    assert.deepEqual(w.percentiles(), { p50: 50, p99: 99 });
  });

  it('keeps only the most recent `capacity` samples', () => {
    const w = new LatencyWindow(4);
    for (const ms of [1000, 1000, 1000, 1000, 1, 2, 3, 4]) w.record(ms);
    assert.equal(w.size, 4);
    assert.deepEqual(w.percentiles(), { p50: 2, p99: 4 });
  });

  it('rounds to 0.01 ms and rejects a non-positive capacity', () => {
    const w = new LatencyWindow(2);
    w.record(1.23456);
    assert.deepEqual(w.percentiles(), { p50: 1.23, p99: 1.23 });
    assert.throws(() => new LatencyWindow(0), RangeError);
  });
});
