import { type ErrorCode, ErrorCodes } from './error-codes.js';

/**
 * The one error type that crosses module boundaries. `code` is from the catalogue, `status` is the
 * HTTP status it maps to, and `message` is safe to show a client (never a secret or a stack).
 */
export class FloodgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields safe to return to the client (e.g. validation issues). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(
      message ?? ErrorCodes[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'FloodgateError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.details = options?.details;
  }
}

export function isFloodgateError(err: unknown): err is FloodgateError {
  return err instanceof FloodgateError;
}
