import type { EventBus } from './event-bus.js';
import { LocalEventBus } from './local-event-bus.js';

/** The IPC message shape a supervised child sends and receives for bus events. */
export interface IpcEventMessage {
  type: 'floodgate:event';
  channel: string;
  message: string;
}

export function isIpcEventMessage(value: unknown): value is IpcEventMessage {
  const v = value as IpcEventMessage | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'floodgate:event' &&
    typeof v.channel === 'string' &&
    typeof v.message === 'string'
  );
}

/** The parts of `process` the IPC bus needs (injectable for tests). */
export interface IpcPort {
  send?(message: IpcEventMessage, callback?: (err: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * The bus for processes run by `floodgate up` without Redis: messages go to the supervisor over the
 * child's IPC channel and the supervisor relays them to every other child, so one machine's gateway
 * and api-servers still share revocations and invalidations. Local subscribers get a process's own
 * messages at once, as with Redis pub/sub.
 */
export class IpcEventBus implements EventBus {
  readonly distributed = true;
  readonly #local = new LocalEventBus();
  readonly #port: IpcPort;
  readonly #onMessage = (msg: unknown) => {
    if (isIpcEventMessage(msg)) void this.#local.publish(msg.channel, msg.message);
  };

  constructor(port: IpcPort = process as unknown as IpcPort) {
    this.#port = port;
    port.on('message', this.#onMessage);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#local.publish(channel, message);
    const send = this.#port.send;
    if (!send) return;
    await new Promise<void>((resolve) => {
      // A closed channel (the supervisor is gone) is not the publisher's failure: local delivery happened.
      send.call(this.#port, { type: 'floodgate:event', channel, message }, () => resolve());
    });
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<() => void> {
    return this.#local.subscribe(channel, handler);
  }

  async close(): Promise<void> {
    this.#port.off('message', this.#onMessage);
    await this.#local.close();
  }
}
