import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadyForQueryScanner } from './ready-for-query-scanner.js';

function message(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

const rfq = (status: string) => message('Z', Uint8Array.of(status.charCodeAt(0)));
// A DataRow whose payload contains a byte sequence that looks like ReadyForQuery 'T'.
const tricky = message('D', Uint8Array.of(0, 1, 0, 0, 0, 6, 0x5a, 0, 0, 0, 5, 0x54));
const complete = message('C', new TextEncoder().encode('SELECT 1\0'));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('ReadyForQueryScanner', () => {
  it('reports the status of the last ReadyForQuery, ignoring look-alike bytes inside other messages', () => {
    const s = new ReadyForQueryScanner();
    assert.equal(s.status, null);
    s.push(concat(tricky, complete, rfq('I')));
    assert.equal(s.status, 'I');
    s.push(concat(rfq('T'), tricky));
    assert.equal(s.status, 'T');
  });

  it('follows messages split at every possible byte', () => {
    const stream = concat(tricky, rfq('T'), complete, rfq('E'), tricky);
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new ReadyForQueryScanner();
      s.push(stream.subarray(0, cut));
      s.push(stream.subarray(cut));
      assert.equal(s.status, 'E', `cut at ${cut}`);
    }
    const s = new ReadyForQueryScanner();
    for (const byte of concat(rfq('I'), tricky)) s.push(Uint8Array.of(byte));
    assert.equal(s.status, 'I');
  });
});
