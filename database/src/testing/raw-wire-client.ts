import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A backend message as received: type letter and body. */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/**
 * A PostgreSQL wire-protocol client that sends exactly the bytes a test asks for, when it asks:
 * for exercising a server with message sequences `pg` would never split (tests only).
 */
export class RawWireClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #messages: BackendMessage[] = [];
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 5) {
        const length = this.#buffer.readInt32BE(1);
        if (this.#buffer.length < 1 + length) break;
        this.#messages.push({
          type: String.fromCharCode(this.#buffer[0] as number),
          body: this.#buffer.subarray(5, 1 + length),
        });
        this.#buffer = this.#buffer.subarray(1 + length);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  /** Connects and completes the startup handshake (up to the first ReadyForQuery). */
  static async connect(port: number, host = '127.0.0.1'): Promise<RawWireClient> {
    const socket = connect(port, host);
    await once(socket, 'connect');
    const client = new RawWireClient(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    socket.write(startup);
    await client.readUntil('Z');
    return client;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Resolves with every message received up to and including the first of `type`. */
  async readUntil(type: string): Promise<BackendMessage[]> {
    for (;;) {
      const at = this.#messages.findIndex((m) => m.type === type);
      if (at >= 0) return this.#messages.splice(0, at + 1);
      if (this.socket.destroyed) throw new Error(`connection closed before a '${type}' message`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function frame(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** Frontend messages. Statement and portal names default to the unnamed ones (''). */
export const wire = {
  query: (sql: string) => frame('Q', cstring(sql)),
  parse: (sql: string, name = '') => frame('P', cstring(name), cstring(sql), int16(0)),
  /** Binds text parameters. */
  bind: (params: string[], statement = '') => {
    const values = params.map((p) => {
      const v = Buffer.from(p, 'utf8');
      return Buffer.concat([int32(v.length), v]);
    });
    return frame('B', cstring(''), cstring(statement), int16(0), int16(params.length), ...values, int16(0));
  },
  execute: () => frame('E', cstring(''), int32(0)),
  sync: () => frame('S'),
};

/** The text columns of every DataRow among `messages`. */
export function dataRows(messages: BackendMessage[]): string[][] {
  return messages
    .filter((m) => m.type === 'D')
    .map((m) => {
      const cols: string[] = [];
      let at = 2;
      for (let i = 0; i < m.body.readInt16BE(0); i++) {
        const len = m.body.readInt32BE(at);
        at += 4;
        cols.push(m.body.subarray(at, at + len).toString('utf8'));
        at += len;
      }
      return cols;
    });
}

/** The transaction status of the last ReadyForQuery among `messages`. */
export function readyStatus(messages: BackendMessage[]): string | undefined {
  const last = messages.filter((m) => m.type === 'Z').at(-1);
  return last ? String.fromCharCode(last.body[0] as number) : undefined;
}
