import { Channels, type EventBus, type Logger } from '@floodgate/shared';
import type { RoomFrame } from './room-frame.js';

/** Someone in a room: anything that can be sent a text frame. */
export interface RoomMember {
  send(frame: string): void;
}

export interface RoomHubOptions {
  /** This instance, in every frame (`from`) and to recognise its own bus messages. */
  instanceId: string;
  /** Unique per process, so a restarted instance with the same id is still another origin. */
  origin: string;
  logger: Logger;
}

interface BusMessage {
  origin: string;
  room: string;
  payload: string;
}

/**
 * WebSocket rooms across instances: members join a room on the instance their socket landed on; a
 * message is delivered to that instance's members at once and published on the event bus
 * (`Channels.webSocketRooms`: Redis pub/sub, the supervisor's IPC relay, or in-process), from which
 * every other instance delivers it to its own members. No HTTP types here.
 */
export class RoomHub {
  readonly #bus: EventBus;
  readonly #options: RoomHubOptions;
  readonly #rooms = new Map<string, Set<RoomMember>>();
  #members = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(bus: EventBus, options: RoomHubOptions) {
    this.#bus = bus;
    this.#options = options;
  }

  /** Members on this instance. */
  get size(): number {
    return this.#members;
  }

  /** Subscribes to the other instances' messages. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(Channels.webSocketRooms, (m) => this.#onBusMessage(m));
  }

  join(room: string, member: RoomMember): void {
    let members = this.#rooms.get(room);
    if (members === undefined) {
      members = new Set();
      this.#rooms.set(room, members);
    }
    if (!members.has(member)) {
      members.add(member);
      this.#members++;
    }
  }

  leave(room: string, member: RoomMember): void {
    const members = this.#rooms.get(room);
    if (members?.delete(member)) {
      this.#members--;
      if (members.size === 0) this.#rooms.delete(room);
    }
  }

  /** Sends `text` to every member of `room` on every instance (the sender included). */
  async publish(room: string, text: string): Promise<void> {
    const frame: RoomFrame = { type: 'message', room, from: this.#options.instanceId, data: text };
    const payload = JSON.stringify(frame);
    this.#deliver(room, payload);
    const message: BusMessage = { origin: this.#options.origin, room, payload };
    await this.#bus.publish(Channels.webSocketRooms, JSON.stringify(message));
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #deliver(room: string, payload: string): void {
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    for (const member of members) member.send(payload);
  }

  #onBusMessage(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      this.#options.logger.warn('malformed websocket room message on the bus');
      return;
    }
    if (message.origin === this.#options.origin || typeof message.room !== 'string') return;
    if (typeof message.payload === 'string') this.#deliver(message.room, message.payload);
  }
}
