import type { PGlite } from '@electric-sql/pglite';
import { ReadyForQueryScanner } from './ready-for-query-scanner.js';

interface PendingMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

export interface PgliteSessionQueueOptions {
  /**
   * A connection that holds the session (mid-transaction or mid-extended-query) but sends nothing
   * for this long while others wait is reported through `onHoldTimeout`, which should close it.
   * @default 15000
   */
  holdTimeoutMs?: number;
  onHoldTimeout?: (handlerId: number) => void;
}

// Sync ends a half-sent extended query (and an "ignore until Sync" error state); a simple-query
// ROLLBACK ends an open transaction. Used to clean up after a connection that died holding the session.
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);
const ROLLBACK = simpleQuery('ROLLBACK');
const RESETTING = -1;

/**
 * Serialises the wire-protocol messages of many client connections onto PGlite's single session.
 *
 * PGlite is one PostgreSQL backend: every connection shares its transaction, its unnamed prepared
 * statement and portal, and its error state. pglite-socket's own queue (0.2.17) keeps a connection
 * exclusive only while `isInTransaction()` is true, so the messages of an extended query (Parse,
 * Bind, Execute, Sync) from two connections can interleave whenever one of them arrives split over
 * TCP reads: one client's Bind then runs another client's statement, silently returning its rows.
 * It also stops serving everyone once PGlite throws for one message.
 *
 * Here a connection takes the session with its first message and keeps it until PGlite answers
 * ReadyForQuery with status 'I' (idle, outside any transaction); others wait in FIFO order. A
 * connection that goes away while holding the session is cleaned up (Sync + ROLLBACK) before the
 * next one runs. What is still shared: session settings (SET), named prepared statements, temp
 * tables, session advisory locks (re-entrant: they do not exclude other connections).
 */
export class PgliteSessionQueue {
  readonly #db: PGlite;
  readonly #holdTimeoutMs: number;
  readonly #onHoldTimeout: ((handlerId: number) => void) | undefined;
  #pending: PendingMessage[] = [];
  #owner: number | null = null;
  #running = false;
  #closed = false;
  #holdTimer: NodeJS.Timeout | undefined;

  constructor(db: PGlite, options: PgliteSessionQueueOptions = {}) {
    this.#db = db;
    this.#holdTimeoutMs = options.holdTimeoutMs ?? 15_000;
    this.#onHoldTimeout = options.onHoldTimeout;
  }

  /** The connection that currently holds the session, if any. */
  get owner(): number | null {
    return this.#owner === RESETTING ? null : this.#owner;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Called by PGLiteSocketHandler for each complete frontend message. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new Error('server stopping'));
        return;
      }
      this.#pending.push({ handlerId, message, onData, resolve, reject });
      void this.#pump();
    });
  }

  /** Called by PGLiteSocketHandler when its connection goes away. */
  clearQueueForHandler(handlerId: number): void {
    const keep: PendingMessage[] = [];
    for (const p of this.#pending) {
      if (p.handlerId === handlerId) p.reject(new Error('connection closed'));
      else keep.push(p);
    }
    this.#pending = keep;
  }

  /** Called by PGLiteSocketHandler when its connection goes away: frees the session if it held it. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId || this.#closed) return;
    this.#owner = RESETTING;
    this.#clearHoldTimer();
    try {
      await this.#db.runExclusive(async () => {
        if (this.#closed) return;
        await this.#db.execProtocolRawStream(SYNC, { onRawData: () => {} });
        if (this.#db.isInTransaction()) {
          await this.#db.execProtocolRawStream(ROLLBACK, { onRawData: () => {} });
        }
      });
    } catch {
      // Nothing to report to: the connection is gone. The next client starts from a fresh Sync anyway.
    } finally {
      this.#owner = null;
      void this.#pump();
    }
  }

  /**
   * Refuses new messages, fails the queued ones and waits for the one in progress, so that the
   * caller can close PGlite safely afterwards.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearHoldTimer();
    for (const p of this.#pending) p.reject(new Error('server stopping'));
    this.#pending = [];
    await this.#db.runExclusive(async () => {});
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#closed) {
        const owner = this.#owner;
        const index = owner === null ? 0 : this.#pending.findIndex((p) => p.handlerId === owner);
        const next = index >= 0 ? this.#pending[index] : undefined;
        if (!next) break;
        this.#pending.splice(index, 1);
        this.#clearHoldTimer();
        this.#owner = next.handlerId;
        const scanner = new ReadyForQueryScanner();
        let bytes = 0;
        try {
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(next.message, {
              onRawData: (data) => {
                bytes += data.length;
                scanner.push(data);
                next.onData(data);
              },
            }),
          );
        } catch (err) {
          // The handler closes its connection on this; clearTransactionIfNeeded then resets the session.
          next.reject(err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        if (this.#owner === next.handlerId && scanner.status === 'I') this.#owner = null;
        next.resolve(bytes);
      }
    } finally {
      this.#running = false;
    }
    this.#armHoldTimer();
  }

  /** Someone holds the session without sending anything while others wait: bound that wait. */
  #armHoldTimer(): void {
    const owner = this.#owner;
    if (owner === null || owner === RESETTING || this.#holdTimer || !this.#onHoldTimeout) return;
    if (!this.#pending.some((p) => p.handlerId !== owner)) return;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      if (this.#owner === owner) this.#onHoldTimeout?.(owner);
    }, this.#holdTimeoutMs);
    this.#holdTimer.unref();
  }

  #clearHoldTimer(): void {
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }
}

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const msg = Buffer.alloc(5 + text.length);
  msg.write('Q', 0, 'latin1');
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  return new Uint8Array(msg);
}
