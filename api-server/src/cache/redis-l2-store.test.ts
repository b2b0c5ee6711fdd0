import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisClient, FakeClock, type Redis } from '@floodgate/shared';
import {
  createCaptureLogger,
  deleteRedisPrefix,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { RedisL2Store } from './redis-l2-store.js';

const prefix = uniqueRedisPrefix('l2store');
let redis: Redis;
let store: RedisL2Store;
const clock = new FakeClock();

before(async () => {
  const { logger } = createCaptureLogger();
  redis = createRedisClient(
    { url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000 },
    logger,
    { name: 'l2-test' },
  );
  await new Promise((resolve) => redis.once('ready', resolve));
  store = new RedisL2Store({
    redis,
    keyPrefix: prefix,
    clock,
    retryMs: 1000,
    markTtlMs: 10_000,
    genTtlMs: 60_000,
  });
});

after(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe('RedisL2Store', () => {
  test('a populate lands only if neither the tag version, a write mark nor the namespace changed', async () => {
    const miss = await store.read('resource:1', 'resource:1');
    assert.equal(miss.hit, false);
    assert.equal(await store.populate('resource:1', 'resource:1', miss, 'v1', 60_000, ''), true);
    const hit = await store.read('resource:1', 'resource:1');
    assert.deepEqual([hit.hit, hit.payload], [true, 'v1']);

    // A reader that saw version g, then a write commits before its populate: rejected.
    const before = await store.read('resource:2', 'resource:2');
    await store.beginWrite(['resource:2'], ['resource:2']);
    await store.endWrite(['resource:2']);
    assert.equal(await store.populate('resource:2', 'resource:2', before, 'old', 60_000, ''), false);

    // A reader during a write sees the mark (it must not store what it loads).
    await store.beginWrite(['resource:3'], ['resource:3']);
    const during = await store.read('resource:3', 'resource:3');
    assert.equal(during.marked, true);
    assert.equal(await store.populate('resource:3', 'resource:3', during, 'mid', 60_000, ''), false);
    await store.endWrite(['resource:3']);
    const afterWrite = await store.read('resource:3', 'resource:3');
    assert.equal(afterWrite.marked, false);
    assert.equal(await store.populate('resource:3', 'resource:3', afterWrite, 'new', 60_000, ''), true);

    // Two writes overlapping: the first one's end does not unmark the second.
    await store.beginWrite(['list'], []);
    await store.beginWrite(['list'], []);
    await store.endWrite(['list']);
    assert.equal((await store.read('list:20:', 'list')).marked, true);
    await store.endWrite(['list']);
    assert.equal((await store.read('list:20:', 'list')).marked, false);
  });

  test('a write hides the values tagged with the old version, lists included', async () => {
    const seen = await store.read('list:5:', 'list');
    assert.equal(await store.populate('list:5:', 'list', seen, 'page', 60_000, ''), true);
    assert.equal((await store.read('list:5:', 'list')).hit, true);
    await store.beginWrite(['resource:9', 'list'], ['resource:9']);
    await store.endWrite(['resource:9', 'list']);
    assert.equal((await store.read('list:5:', 'list')).hit, false, 'every page of the tag is gone at once');
    const gen = Number((await store.read('list:5:', 'list')).gen);
    assert.ok(gen > 1_600_000_000_000_000, 'a new version starts from the clock (no reuse after expiry)');
  });

  test('a new namespace (epoch) hides everything and rejects populates that read the old one', async () => {
    const seen = await store.read('resource:7', 'resource:7');
    await store.bumpEpoch();
    assert.equal(await store.populate('resource:7', 'resource:7', seen, 'x', 60_000, ''), false);
    assert.equal((await store.read('resource:1', 'resource:1')).hit, false);
  });

  test('load lock: one holder, others see it held, released on populate or release, expires', async () => {
    const a = await store.read('resource:20', 'resource:20', 'tok-a', 5000);
    assert.equal(a.lock, 1);
    const b = await store.read('resource:20', 'resource:20', 'tok-b', 5000);
    assert.equal(b.lock, 2);
    await store.release('resource:20', 'tok-b');
    assert.equal((await store.read('resource:20', 'resource:20')).lock, 2, 'only the holder releases');
    assert.equal(await store.populate('resource:20', 'resource:20', a, 'v', 60_000, 'tok-a'), true);
    const c = await store.read('resource:20', 'resource:20');
    assert.equal(c.hit, true);

    await store.read('resource:21', 'resource:21', 'tok', 5000);
    await store.release('resource:21', 'tok');
    assert.equal((await store.read('resource:21', 'resource:21', 'tok2', 50)).lock, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(
      (await store.read('resource:21', 'resource:21', 'tok3', 50)).lock,
      1,
      'a dead holder’s lock expires',
    );
  });

  test('deleteKey and deletePrefix touch the current namespace only as asked', async () => {
    for (const k of ['zz:30', 'zz:31', 'list:1:']) {
      const seen = await store.read(k, k.startsWith('list') ? 'list' : k);
      await store.populate(k, k.startsWith('list') ? 'list' : k, seen, 'v', 60_000, '');
    }
    assert.equal(await store.deleteKey('zz:30'), 1);
    assert.equal(await store.deletePrefix('zz:'), 1);
    assert.equal((await store.read('resource:20', 'resource:20')).hit, true, 'other keys untouched');
    assert.equal((await store.read('list:1:', 'list')).hit, true);
  });

  test('a failure makes L2 unavailable for retryMs', async () => {
    assert.equal(store.available, true);
    await assert.rejects(store.read('x', 'x', 'tok', -1));
    assert.equal(store.available, false);
    assert.equal(store.errors, 1);
    clock.advance(999);
    assert.equal(store.available, false);
    clock.advance(1);
    assert.equal(store.available, true);
  });
});
