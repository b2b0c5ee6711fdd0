import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { MemoryRateLimitStore } from './memory-store.js';
import { createRateLimitPolicy } from './rate-limit-policy.js';
import { rateLimitStoreContract } from './rate-limit-store.contract.js';

rateLimitStoreContract('memory', () => {
  const clock = new FakeClock(1_700_000_000_000);
  return { store: new MemoryRateLimitStore({ clock }), clock };
});

describe('MemoryRateLimitStore', () => {
  it('tracks at most maxKeys keys (bounded under a flood of client-chosen keys)', () => {
    const store = new MemoryRateLimitStore({ clock: new FakeClock(), maxKeys: 50 });
    const p = createRateLimitPolicy('t', 1, 60_000, { buckets: 100 });
    for (let i = 0; i < 1000; i++) assert.equal(store.consume(`ip:${i}`, p).allowed, true);
    assert.equal(store.size, 50);
  });
});
