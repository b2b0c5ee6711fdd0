import type { ServerResponse } from 'node:http';
import { sendJson } from '@floodgate/shared';
import type { WriteOutcome } from '../idempotency/idempotent-writes.js';

/** Header on a response replayed for a repeated Idempotency-Key. */
const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Sends a write's response; a replay is the stored status, headers and body, marked `Idempotent-Replayed: true`. */
export function sendWriteOutcome<B>(res: ServerResponse, outcome: WriteOutcome<B>): void {
  if (!outcome.replayed) {
    const { status, body, headers } = outcome.response;
    sendJson(res, status, body, headers);
    return;
  }
  const { status, headers, body } = outcome.response;
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name] as string);
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
