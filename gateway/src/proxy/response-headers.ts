import type { ServerResponse } from 'node:http';
import { connectionTokens, HOP_BY_HOP_HEADERS, REQUEST_ID_HEADER } from '@floodgate/shared';

// The gateway's own request id is already on the response; an upstream copy would duplicate it.
const DROPPED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([...HOP_BY_HOP_HEADERS, REQUEST_ID_HEADER]);

type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** Copies the upstream's end-to-end response headers (repeated ones such as Set-Cookie kept whole). */
export function copyResponseHeaders(res: ServerResponse, headers: UpstreamHeaders): void {
  const connection = headers.connection;
  const named = connection === undefined ? null : connectionTokens(connection);
  for (const name in headers) {
    if (DROPPED_RESPONSE_HEADERS.has(name) || named?.includes(name)) continue;
    const value = headers[name];
    if (value !== undefined) res.appendHeader(name, value);
  }
}
