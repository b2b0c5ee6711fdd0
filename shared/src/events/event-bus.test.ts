import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from '../testing/test-redis.js';
import { LocalEventBus } from './local-event-bus.js';
import { RedisEventBus } from './redis-event-bus.js';

describe('event buses', () => {
  it('LocalEventBus delivers within the process and unsubscribes', async () => {
    const bus = new LocalEventBus();
    const got: string[] = [];
    const off = await bus.subscribe('c', (m) => got.push(m));
    await bus.publish('c', 'one');
    off();
    await bus.publish('c', 'two');
    assert.deepEqual(got, ['one']);
    assert.equal(bus.distributed, false);
  });

  describe('RedisEventBus', () => {
    const prefix = uniqueRedisPrefix('bus');
    const clients: Redis[] = [];
    const mk = () => {
      const c = new Redis(TEST_REDIS_URL);
      clients.push(c);
      return c;
    };
    after(async () => {
      for (const c of clients) c.disconnect();
      await deleteRedisPrefix(prefix);
    });

    it('delivers across connections, scoped by prefix', async () => {
      const a = new RedisEventBus(mk(), mk(), prefix);
      const b = new RedisEventBus(mk(), mk(), prefix);
      const other = new RedisEventBus(mk(), mk(), `${prefix}other:`);
      let deliver!: (m: string) => void;
      const received = new Promise<string>((resolve) => {
        deliver = resolve;
      });
      // subscribe() resolves once Redis has acknowledged SUBSCRIBE, so no message can be missed.
      await b.subscribe('sessions:revoked', (m) => deliver(m));
      let leaked = false;
      await other.subscribe('sessions:revoked', () => {
        leaked = true;
      });
      await a.publish('sessions:revoked', 'hash-1');
      assert.equal(await received, 'hash-1');
      assert.equal(leaked, false);
      await Promise.all([a.close(), b.close(), other.close()]);
    });
  });
});
