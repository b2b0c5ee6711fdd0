import { EventEmitter } from 'node:events';
import type { EventBus } from './event-bus.js';

/** In-process bus: used when no Redis is configured. */
export class LocalEventBus implements EventBus {
  readonly distributed = false;
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#emitter.emit(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => void> {
    this.#emitter.on(channel, handler);
    return () => this.#emitter.off(channel, handler);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
