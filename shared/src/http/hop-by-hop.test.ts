import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendForwardedHeaders,
  connectionHeaderNames,
  HOP_BY_HOP_HEADERS,
  stripHopByHop,
} from './hop-by-hop.js';

describe('hop-by-hop headers', () => {
  it('reads the names a Connection header lists, skipping a bare keep-alive or close', () => {
    assert.equal(connectionHeaderNames(undefined), null);
    assert.equal(connectionHeaderNames('keep-alive'), null);
    assert.equal(connectionHeaderNames('Close'), null);
    assert.deepEqual(connectionHeaderNames('keep-alive, X-Trace ,x-debug'), [
      'keep-alive',
      'x-trace',
      'x-debug',
    ]);
    assert.deepEqual(connectionHeaderNames(['close', 'X-A']), ['close', 'x-a']);
    assert.equal(connectionHeaderNames(' , '), null);
  });

  it('forwards end-to-end request headers flat, repeated ones repeated, without dropped or Connection-named ones', () => {
    const dropped = new Set([...HOP_BY_HOP_HEADERS, 'x-own']);
    const out = appendForwardedHeaders(
      ['first', '1'],
      {
        connection: 'keep-alive, x-secret',
        'keep-alive': 'timeout=5',
        'x-secret': 'hop',
        'x-own': 'set by this hop',
        accept: 'application/json',
        'x-multi': ['a', 'b'],
        te: 'trailers',
      },
      dropped,
    );
    assert.deepEqual(out, ['first', '1', 'accept', 'application/json', 'x-multi', 'a', 'x-multi', 'b']);
  });

  it('strips hop-by-hop and Connection-named response headers in place, keeping the rest', () => {
    const headers: Record<string, string | string[] | undefined> = {
      connection: 'x-internal',
      'x-internal': '1',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
    };
    stripHopByHop(headers);
    assert.deepEqual(headers, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
  });
});
