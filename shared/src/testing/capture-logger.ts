import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger/create-logger.js';

/** A logger whose JSON lines are kept in memory, for asserting what was (and was not) logged. */
export function createCaptureLogger(name = 'test'): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  raw: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name, level: 'trace', destination });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, raw };
}
