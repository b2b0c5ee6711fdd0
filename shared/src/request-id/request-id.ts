import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// Printable token characters only, bounded length: an incoming id lands in logs and headers.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True when a client-supplied request id is safe to keep and propagate. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID_REQUEST_ID.test(value);
}

export function generateRequestId(): string {
  return randomUUID();
}

/** Keeps a valid incoming id, otherwise generates one. */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  return isValidRequestId(incoming) ? incoming : generateRequestId();
}
