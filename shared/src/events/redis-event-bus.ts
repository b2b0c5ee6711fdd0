import type { Redis } from 'ioredis';
import type { EventBus } from './event-bus.js';

/**
 * Redis pub/sub bus. `publisher` is a normal command connection; `subscriber` must be a dedicated
 * connection (a subscribed connection can run no other commands). Channels are prefixed.
 */
export class RedisEventBus implements EventBus {
  readonly distributed = true;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();

  constructor(publisher: Redis, subscriber: Redis, prefix: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.#handlers.get(channel);
      if (set) for (const h of set) h(message);
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#publisher.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => void> {
    const full = this.#prefix + channel;
    let set = this.#handlers.get(full);
    if (!set) {
      set = new Set();
      this.#handlers.set(full, set);
      await this.#subscriber.subscribe(full);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#subscriber.disconnect();
  }
}
