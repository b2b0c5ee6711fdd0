import type { ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, stripHopByHop } from '@floodgate/shared';

type UpstreamHeaders = Record<string, string | string[] | undefined>;

/**
 * Copies the upstream's end-to-end response headers (repeated ones such as Set-Cookie kept whole)
 * next to those the gateway set (rate limits). `headers` is consumed: hop-by-hop ones are deleted.
 */
export function copyResponseHeaders(res: ServerResponse, headers: UpstreamHeaders): void {
  stripHopByHop(headers);
  for (const name in headers) {
    // The gateway's own request id is already on the response; an upstream copy would duplicate it.
    if (name === REQUEST_ID_HEADER) continue;
    const value = headers[name];
    if (value !== undefined) res.appendHeader(name, value);
  }
}
