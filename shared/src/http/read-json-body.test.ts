import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isFloodgateError } from '../errors/floodgate-error.js';
import { jsonDepth, MAX_JSON_DEPTH, readJsonBody } from './read-json-body.js';
import { sendError, sendJson } from './send-json.js';

describe('readJsonBody over a real socket', () => {
  let server: Server;
  let base: string;

  before(async () => {
    server = createServer(async (req, res) => {
      try {
        const body = await readJsonBody(req, 64 * 1024);
        sendJson(res, 200, { body: body ?? null });
      } catch (err) {
        assert.ok(isFloodgateError(err));
        sendError(res, err, 'rid');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(base, { method: 'POST', body, headers });

  it('parses JSON', async () => {
    const res = await post('{"a":1}');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { body: { a: 1 } });
  });

  it('treats an empty body as undefined', async () => {
    const res = await post('', {});
    assert.deepEqual(await res.json(), { body: null });
  });

  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const res = await post('{"a":');
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: { code: 'INVALID_JSON', message: 'Request body is not valid JSON', requestId: 'rid' },
    });
  });

  it('rejects a body over the limit with 413', async () => {
    const res = await post(JSON.stringify({ x: 'y'.repeat(70_000) }));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await post('{"a":1}', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses deeper with 400 VALIDATION_FAILED`, async () => {
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    assert.equal((await post(nested(MAX_JSON_DEPTH))).status, 200);
    for (const body of [nested(MAX_JSON_DEPTH + 1), `{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`]) {
      const res = await post(body);
      assert.equal(res.status, 400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.match(error.message, /nested deeper than 64 levels/);
    }
  });
});

describe('jsonDepth', () => {
  const depth = (s: string) => jsonDepth(Buffer.from(s));
  it('counts arrays and objects, not brackets inside strings or after escapes', () => {
    assert.equal(depth('1'), 0);
    assert.equal(depth('{"a":[1,{"b":[]}]}'), 4);
    assert.equal(depth('{"a":"[[[{{{"}'), 1);
    assert.equal(depth('["\\\\", ["\\"[[["]]'), 2);
    assert.equal(depth('{"é€😀":[[]]}'), 3);
  });
});
