import { z } from 'zod';
import { nonNegativeInt, optionalString, port, positiveInt } from './env-types.js';

export const PostgresEnv = z.object({
  DATABASE_URL: optionalString,
  POSTGRES_HOST: z.string().min(1).default('localhost'),
  POSTGRES_PORT: port(5432),
  POSTGRES_DB: z.string().min(1).default('floodgate'),
  POSTGRES_USER: z.string().min(1).default('postgres'),
  POSTGRES_PASSWORD: z.string().default('postgres'),
  /** Connections per process. */
  PG_POOL_MAX: positiveInt(10),
  PG_CONNECT_TIMEOUT_MS: positiveInt(2000),
  /** Server-side cap on any one statement; a stuck query never holds a request forever. */
  PG_STATEMENT_TIMEOUT_MS: nonNegativeInt(5000),
});

export interface PostgresConfig {
  /** Full connection string (built from POSTGRES_* when DATABASE_URL is not set). */
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export function toPostgresConfig(e: z.output<typeof PostgresEnv>): PostgresConfig {
  const url =
    e.DATABASE_URL ??
    `postgres://${encodeURIComponent(e.POSTGRES_USER)}:${encodeURIComponent(e.POSTGRES_PASSWORD)}@${e.POSTGRES_HOST}:${e.POSTGRES_PORT}/${encodeURIComponent(e.POSTGRES_DB)}`;
  return {
    url,
    poolMax: e.PG_POOL_MAX,
    connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: e.PG_STATEMENT_TIMEOUT_MS,
  };
}
