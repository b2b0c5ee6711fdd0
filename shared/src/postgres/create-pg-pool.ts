import pg from 'pg';
import type { PostgresConfig } from '../config/postgres-config.js';
import type { Logger } from '../logger/create-logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * A pg pool with bounded waits everywhere: connecting, each statement (server-side
 * statement_timeout) and each query round trip (client-side query_timeout, which also covers a
 * frozen server). The 'error' listener matters: without it an idle client's error, such as a
 * PostgreSQL restart, is thrown as an uncaught exception and kills the process.
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
  pool.on('error', (err) => {
    logger.warn({ err: err.message }, 'postgres idle client error (pool will reconnect)');
  });
  return pool;
}
