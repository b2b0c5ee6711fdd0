import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FakeClock } from '@floodgate/shared';
import { createRateLimitPolicy, type RateLimitPolicy } from './rate-limit-policy.js';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store.js';

export interface StoreUnderTest {
  store: RateLimitStore;
  /** Drives the store's notion of time; starts on a 1000 ms boundary. */
  clock: FakeClock;
}

const WINDOW_MS = 1000;
const BUCKETS = 10;
const WIDTH = WINDOW_MS / BUCKETS;

const policy = (max: number, name = 'contract'): RateLimitPolicy =>
  createRateLimitPolicy(name, max, WINDOW_MS, { buckets: BUCKETS });

const uniqueKey = () => `k-${randomBytes(6).toString('hex')}`;

/**
 * What every RateLimitStore must do, run by each implementation's test with a FakeClock that the
 * store reads time from: exact admission up to the limit, no quota used by rejections, a window
 * that slides (no fixed-window double burst), exact Retry-After and reset, and independence of keys.
 */
export function rateLimitStoreContract(name: string, create: () => StoreUnderTest): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const consume = async (s: StoreUnderTest, key: string, p: RateLimitPolicy): Promise<RateLimitDecision> =>
      await s.store.consume(key, p);
    const burst = async (s: StoreUnderTest, key: string, p: RateLimitPolicy, n: number) => {
      let admitted = 0;
      for (let i = 0; i < n; i++) if ((await consume(s, key, p)).allowed) admitted++;
      return admitted;
    };

    it('admits exactly max, counting remaining down, then rejects with a Retry-After', async () => {
      const s = create();
      const key = uniqueKey();
      const p = policy(5);
      for (let i = 4; i >= 0; i--) {
        const d = await consume(s, key, p);
        assert.equal(d.allowed, true);
        assert.equal(d.remaining, i);
        assert.equal(d.limit, 5);
        assert.equal(d.retryAfterMs, 0);
        assert.equal(d.resetMs, WINDOW_MS + WIDTH, 'quota returns when the first bucket leaves');
      }
      const no = await consume(s, key, p);
      assert.equal(no.allowed, false);
      assert.equal(no.remaining, 0);
      assert.equal(no.retryAfterMs, WINDOW_MS + WIDTH);
    });

    it('rejected requests consume nothing', async () => {
      const s = create();
      const key = uniqueKey();
      const p = policy(5);
      assert.equal(await burst(s, key, p, 5), 5);
      for (let t = 0; t < 10; t++) {
        s.clock.advance(WIDTH);
        assert.equal(await burst(s, key, p, 3), 0, `still full at +${(t + 1) * WIDTH} ms`);
      }
      s.clock.advance(WIDTH);
      assert.equal(await burst(s, key, p, 10), 5, 'the whole quota is back, none used by rejections');
    });

    it('slides: a burst at the end of one window and the start of the next admits max in total', async () => {
      const s = create();
      const key = uniqueKey();
      const p = policy(8);
      s.clock.advance(WINDOW_MS - WIDTH);
      assert.equal(await burst(s, key, p, 8), 8);
      s.clock.advance(WIDTH);
      assert.equal(await burst(s, key, p, 8), 0, 'a fixed window would admit 8 more here');
      s.clock.advance(WINDOW_MS - WIDTH);
      assert.equal(await burst(s, key, p, 8), 0, 'the first burst is still inside the window');
      s.clock.advance(WIDTH);
      assert.equal(await burst(s, key, p, 9), 8);
    });

    it('Retry-After and reset are exact', async () => {
      const s = create();
      const key = uniqueKey();
      const p = policy(3);
      await burst(s, key, p, 2);
      s.clock.advance(3 * WIDTH + 17);
      const last = await consume(s, key, p);
      assert.equal(last.allowed, true);
      assert.equal(last.resetMs, WINDOW_MS + WIDTH - (3 * WIDTH + 17));
      const no = await consume(s, key, p);
      assert.equal(no.allowed, false);
      s.clock.advance(no.retryAfterMs - 1);
      assert.equal((await consume(s, key, p)).allowed, false, '1 ms early');
      s.clock.advance(1);
      const yes = await consume(s, key, p);
      assert.equal(yes.allowed, true, 'on time');
      assert.equal(yes.remaining, 1, 'the two oldest returned; one of them is used again');
    });

    it('never admits more than max in any window under random arrivals, and not much less', async () => {
      const s = create();
      const key = uniqueKey();
      const max = 20;
      const p = policy(max);
      let seed = 42;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const admitted: number[] = [];
      const start = s.clock.now();
      while (s.clock.now() - start < 6 * WINDOW_MS) {
        s.clock.advance(Math.floor(random() * 30));
        if ((await consume(s, key, p)).allowed) admitted.push(s.clock.now());
      }
      let lo = 0;
      for (let hi = 0; hi < admitted.length; hi++) {
        while ((admitted[lo] as number) <= (admitted[hi] as number) - WINDOW_MS) lo++;
        assert.ok(hi - lo + 1 <= max, `${hi - lo + 1} admitted within ${WINDOW_MS} ms`);
      }
      // Offered ~67 per window; at most one bucket width per window is lost to conservative counting.
      assert.ok(admitted.length >= 5 * max, `admitted ${admitted.length} in 6 windows`);
    });

    it('leases grant at most what is left and count at once; refunds return unused units of a live bucket only', async () => {
      const s = create();
      const key = uniqueKey();
      const p = policy(10);
      const lease = async (want: number, refundBucket = 0, refundCount = 0) =>
        await s.store.lease(key, p, { want, refundBucket, refundCount });
      s.clock.advance(30);
      const g = await lease(4);
      assert.deepEqual([g.granted, g.remaining, g.bucketRemainingMs], [4, 6, WIDTH - 30]);
      assert.equal((await lease(10)).granted, 6, 'only what is left');
      const none = await lease(1);
      assert.deepEqual([none.granted, none.remaining], [0, 0]);
      assert.equal(none.retryAfterMs, WINDOW_MS + WIDTH - 30);
      const refunded = await lease(1, g.bucket, 3);
      assert.deepEqual([refunded.granted, refunded.remaining], [1, 2], '3 given back, 1 taken');
      assert.equal((await lease(0, g.bucket, 50)).remaining, 10, 'a refund never exceeds the bucket');
      await lease(10);
      s.clock.advance(WINDOW_MS + WIDTH);
      const fresh = await lease(2, g.bucket, 10);
      assert.deepEqual(
        [fresh.granted, fresh.remaining],
        [2, 8],
        'a refund for a bucket that left is ignored',
      );
    });

    it('keys and policies are independent; an idle key starts from zero', async () => {
      const s = create();
      const a = uniqueKey();
      const b = uniqueKey();
      assert.equal(await burst(s, a, policy(2), 5), 2);
      assert.equal(await burst(s, b, policy(3), 5), 3);
      s.clock.advance(10 * WINDOW_MS);
      const d = await consume(s, a, policy(2));
      assert.equal(d.allowed, true);
      assert.equal(d.remaining, 1);
    });
  });
}
