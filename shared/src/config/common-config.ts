import { z } from 'zod';
import { logLevel, nodeEnv, positiveInt } from './env-types.js';

/** Variables every process reads. */
export const CommonEnv = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  /** Interface to bind. 0.0.0.0 in containers; 127.0.0.1 to keep a process off the network. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** How long a stopping process waits for in-flight requests before it exits anyway. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
});

export interface CommonConfig {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  host: string;
  shutdownTimeoutMs: number;
}

export function toCommonConfig(e: z.output<typeof CommonEnv>): CommonConfig {
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
