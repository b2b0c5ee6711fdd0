export { createLogger, type Logger, type LoggerOptions, REDACT_PATHS } from './create-logger.js';
export { OutageLogger } from './outage-logger.js';
