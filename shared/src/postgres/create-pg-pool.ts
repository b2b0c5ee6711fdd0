import pg from 'pg';
import type { PostgresConfig } from '../config/postgres-config.js';
import type { Logger } from '../logger/create-logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * A pg pool with bounded waits everywhere: connecting, each statement (server-side
 * statement_timeout) and each query round trip (client-side query_timeout, which also covers a
 * frozen server).
 *
 * Every client it makes listens for `error` for its whole life: idle in the pool, checked out, in
 * a transaction or LISTENing. A connection that PostgreSQL ends (restart, failover,
 * `pg_terminate_backend`, `idle_in_transaction_session_timeout`, a cut network) is an `error` event
 * on its client, and an `error` event nobody listens for is thrown and kills the process. The
 * holder of a checked-out client learns of the loss from its next query, which fails.
 */
export function createPgPool(
  config: PostgresConfig,
  logger: Logger,
  options: { applicationName: string; max?: number },
): Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.max ?? config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    statement_timeout: config.statementTimeoutMs || undefined,
    query_timeout: config.statementTimeoutMs ? config.statementTimeoutMs + 1000 : undefined,
    application_name: options.applicationName,
  });
  pool.on('connect', (client) => {
    let logged = false;
    client.on('error', (err: Error & { code?: string }) => {
      if (logged) return;
      logged = true;
      logger.warn({ err: err.message, code: err.code }, 'postgres connection lost (the pool will reconnect)');
    });
  });
  // An idle client's error is also re-emitted here (after the pool dropped it); logged above.
  pool.on('error', () => {});
  return pool;
}

/** The PostgreSQL backend process id of a connected client (pg has it; its types do not). */
export function backendPid(client: pg.ClientBase): number | null {
  return (client as { processID?: number | null }).processID ?? null;
}
