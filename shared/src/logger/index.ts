export { createLogger, type Logger, type LoggerOptions } from './create-logger.js';
export { OutageLogger } from './outage-logger.js';
