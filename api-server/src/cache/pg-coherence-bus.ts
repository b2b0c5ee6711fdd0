import {
  type Clock,
  type ClockTimer,
  createPgPool,
  type Logger,
  type Pool,
  type PoolClient,
  type PostgresConfig,
} from '@floodgate/shared';
import type { CoherenceProtocol } from './coherence-protocol.js';

/** PostgreSQL channel every api-server listens on (acks: `<channel>_ack_<nodeId>`). */
export const CACHE_CHANNEL = 'floodgate_cache';

/** PGlite answers `version()` with this; its NOTIFY reaches only the sending connection. */
const PGLITE = /PGlite|emscripten/i;

export interface PgCoherenceBusOptions {
  /** Where to listen: a one-connection pool of its own is made from this. */
  postgres: PostgresConfig;
  protocol: CoherenceProtocol;
  clock: Clock;
  logger: Logger;
  applicationName: string;
}

/**
 * Carries the coherence protocol over PostgreSQL LISTEN/NOTIFY: one dedicated listening connection
 * (reconnected with backoff; each connection is one protocol session) that also sends the
 * heartbeats (every quarter lease) and acknowledgements. On PGlite it reports `unsupported` and stops: there is no bus there.
 */
export class PgCoherenceBus {
  readonly #o: PgCoherenceBusOptions;
  readonly #listenPool: Pool;
  #client: PoolClient | null = null;
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ClockTimer | null = null;
  #pingTimer: ClockTimer | null = null;
  #pingInFlight = false;

  constructor(options: PgCoherenceBusOptions) {
    this.#o = options;
    // statement_timeout off: the listening session only ever runs LISTEN and version().
    this.#listenPool = createPgPool({ ...options.postgres, statementTimeoutMs: 0 }, options.logger, {
      applicationName: options.applicationName,
      max: 1,
    });
  }

  /**
   * Sends one notification outside any transaction, on the listening connection itself: heartbeats
   * and acknowledgements never queue behind requests for a pool connection, and a session receives
   * its own notification after everything committed before it, which is all the lease needs.
   */
  readonly send = async (channel: string, payload: string): Promise<void> => {
    const client = this.#client;
    if (client === null) throw new Error('cache bus: not connected');
    await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
  };

  start(): void {
    void this.#connect();
    this.#schedulePing();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) this.#o.clock.clearTimeout(this.#reconnectTimer);
    if (this.#pingTimer) this.#o.clock.clearTimeout(this.#pingTimer);
    // Announce that we serve nothing cached any more, so writers elsewhere need not wait out our lease.
    const bye = this.#o.protocol.leave();
    if (bye !== null) await this.send(CACHE_CHANNEL, bye).catch(() => {});
    const client = this.#client;
    this.#client = null;
    this.#o.protocol.close();
    client?.release(true);
    await this.#listenPool.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { protocol, logger } = this.#o;
    let client: PoolClient;
    try {
      client = await this.#listenPool.connect();
    } catch (err) {
      this.#lost(null, err as Error);
      return;
    }
    if (this.#closed) {
      client.release(true);
      return;
    }
    this.#client = client;
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => {
      if (this.#client !== client || n.payload === undefined) return;
      if (n.channel === CACHE_CHANNEL) protocol.receive(n.payload);
      else if (n.channel === protocol.ackChannel) protocol.receiveAck(n.payload);
    });
    try {
      const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
      if (PGLITE.test(rows[0]?.v ?? '')) {
        this.#client = null;
        client.release(true);
        protocol.sessionEnded('unsupported');
        logger.warn(
          'cache: PGlite has no cross-connection NOTIFY, so there is no invalidation bus: L1 and L2 are bypassed',
        );
        return;
      }
      await client.query(`LISTEN ${CACHE_CHANNEL}`);
      await client.query(`LISTEN ${client.escapeIdentifier(protocol.ackChannel)}`);
      if (this.#client !== client) return;
      this.#attempt = 0;
      protocol.sessionStarted();
      logger.info({ session: protocol.session }, 'cache bus listening');
      this.#ping();
    } catch (err) {
      this.#lost(client, err as Error);
    }
  }

  /** The listening connection failed (or never came up): end the session, reconnect later. */
  #lost(client: PoolClient | null, err?: Error): void {
    if (client !== null) {
      if (this.#client !== client) return;
      this.#client = null;
      client.release(true);
    }
    if (this.#o.protocol.state === 'up') {
      this.#o.logger.warn({ err: err?.message }, 'cache bus connection lost');
    }
    this.#o.protocol.sessionEnded('down');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = Math.min(2000, 100 * 2 ** this.#attempt++);
    this.#reconnectTimer = this.#o.clock.setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#connect();
    }, delay);
    this.#reconnectTimer.unref?.();
  }

  #schedulePing(): void {
    if (this.#closed) return;
    this.#pingTimer = this.#o.clock.setTimeout(
      () => {
        this.#ping();
        this.#schedulePing();
      },
      Math.max(10, Math.floor(this.#o.protocol.leaseMs / 4)),
    );
    this.#pingTimer.unref?.();
  }

  #ping(): void {
    const { protocol } = this.#o;
    if (protocol.isStalled() && this.#client) {
      this.#o.logger.warn('cache bus: heartbeats stopped coming back; reconnecting');
      this.#lost(this.#client, new Error('heartbeats stalled'));
      return;
    }
    if (this.#pingInFlight) return;
    const payload = protocol.nextPing();
    if (payload === null) return;
    this.#pingInFlight = true;
    this.send(CACHE_CHANNEL, payload)
      .catch(() => {})
      .finally(() => {
        this.#pingInFlight = false;
      });
  }
}
