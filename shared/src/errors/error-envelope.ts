import { ErrorCodes } from './error-codes.js';
import { isFloodgateError } from './floodgate-error.js';

/** The JSON body of every error response: `{"error":{"code","message","requestId"}}`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

/**
 * Maps any thrown value to a status and envelope. Unknown errors become a generic 500 so that no
 * internal message or stack ever reaches a client.
 */
export function toErrorEnvelope(err: unknown, requestId: string): { status: number; body: ErrorEnvelope } {
  if (isFloodgateError(err)) {
    const error: ErrorEnvelope['error'] = { code: err.code, message: err.message, requestId };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, body: { error } };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: ErrorCodes.INTERNAL.message, requestId } },
  };
}
