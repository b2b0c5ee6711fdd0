import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials in headers and in parsed bodies.
 * pino's redaction is compiled once per logger, so it costs nothing per line beyond the copy.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'password',
  'token',
  'apiKey',
  'secret',
  'key',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.secret',
  '*.key',
];

export interface LoggerOptions {
  /** Component name, e.g. "gateway" or "api-3001". */
  name: string;
  level?: string;
  /** Extra fields on every line. */
  base?: Record<string, unknown>;
  /** Destination stream (tests capture lines); stdout by default. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const opts = {
    name: options.name,
    level: options.level ?? 'info',
    base: { pid: process.pid, ...options.base },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
