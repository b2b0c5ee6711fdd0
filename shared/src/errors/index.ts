export { type ErrorCode, ErrorCodes } from './error-codes.js';
export type { ErrorEnvelope } from './error-envelope.js';
export { FloodgateError, isFloodgateError } from './floodgate-error.js';
