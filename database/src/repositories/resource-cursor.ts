import { FloodgateError } from '@floodgate/shared';
import { MAX_INT_ID } from './queryable.js';

const BASE64URL = /^[A-Za-z0-9_-]{1,64}$/;
const PAYLOAD = /^r:([1-9][0-9]{0,9})$/;

/** An opaque page cursor: base64url of the last id on the page. */
export function encodeResourceCursor(lastId: number): string {
  return Buffer.from(`r:${lastId}`, 'utf8').toString('base64url');
}

/** The id a cursor stands for; anything not made by encodeResourceCursor → VALIDATION_FAILED. */
export function decodeResourceCursor(cursor: string): number {
  if (BASE64URL.test(cursor)) {
    const m = PAYLOAD.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    const id = m ? Number(m[1]) : Number.NaN;
    if (id <= MAX_INT_ID) return id;
  }
  throw new FloodgateError('VALIDATION_FAILED', 'cursor is not valid', {
    details: { issues: [{ path: 'cursor', message: 'not a cursor returned by this API' }] },
  });
}
