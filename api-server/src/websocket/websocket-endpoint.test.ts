import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { deleteRedisPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from '@floodgate/shared/testing';
import { joinRoom } from '../testing/room-client.js';
import { startTestApi, type TestApi } from '../testing/start-test-api.js';
import { MAX_MESSAGE_BYTES } from './websocket-endpoint.js';

/** The raw answer to an upgrade request the server refuses. */
function refusedUpgrade(baseUrl: string, path: string) {
  return new Promise<{ status: number; body: { error: { code: string } } }>((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode as number, body: JSON.parse(body) }));
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket rooms across api-server instances (real Redis bus)', { timeout: 20_000 }, () => {
  const prefix = uniqueRedisPrefix('ws_rooms');
  let a: TestApi;
  let b: TestApi;
  before(async () => {
    const env = (id: string) => ({
      INSTANCE_ID: id,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      CACHE_ENABLED: 'false',
    });
    a = await startTestApi({ env: env('api-a'), database: false });
    b = await startTestApi({ env: env('api-b'), database: false });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await deleteRedisPrefix(prefix);
  });

  it('a message sent on one instance reaches every member of the room on every instance, and no other room', async () => {
    const onA = await joinRoom(a.baseUrl, 'lobby');
    const onB = await joinRoom(b.baseUrl, 'lobby');
    const elsewhere = await joinRoom(b.baseUrl, 'other');
    assert.equal(onA.instanceId, 'api-a');
    assert.equal(onB.instanceId, 'api-b');
    // The bus subscription is live once a message from B comes back to A.
    for (let i = 0; ; i++) {
      onB.ws.send(`ping-${i}`);
      const got = await onA.message(`ping-${i}`, 500).catch(() => null);
      if (got) break;
      assert.ok(i < 10, 'the instances see each other on the bus');
    }
    onA.ws.send('hello from a');
    const atB = await onB.message('hello from a');
    assert.deepEqual(atB, { type: 'message', room: 'lobby', from: 'api-a', data: 'hello from a' });
    await onA.message('hello from a'); // the sender is a member too
    onB.ws.send('hello from b');
    assert.equal((await onA.message('hello from b')).from, 'api-b');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!elsewhere.frames.some((f) => f.type === 'message'), 'other rooms hear nothing');
    for (const c of [onA, onB, elsewhere]) c.ws.close();
  });

  it('closes a socket that sends more than MAX_MESSAGE_BYTES (1009) or a binary frame (1003)', async () => {
    const big = await joinRoom(a.baseUrl, 'limits');
    big.ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const [code] = (await once(big.ws, 'close')) as [number];
    assert.equal(code, 1009);
    const binary = await joinRoom(a.baseUrl, 'limits');
    binary.ws.send(Buffer.from([1, 2, 3]));
    const [binaryCode] = (await once(binary.ws, 'close')) as [number];
    assert.equal(binaryCode, 1003);
  });

  it('refuses bad upgrades with the error envelope', async () => {
    const noRoom = await refusedUpgrade(a.baseUrl, '/api/v1/ws');
    assert.equal(noRoom.status, 400);
    assert.equal(noRoom.body.error.code, 'VALIDATION_FAILED');
    const badRoom = await refusedUpgrade(a.baseUrl, '/api/v1/ws?room=a%20b');
    assert.equal(badRoom.status, 400);
    const elsewhere = await refusedUpgrade(a.baseUrl, '/api/v1/other');
    assert.equal(elsewhere.status, 404);
    assert.equal(elsewhere.body.error.code, 'NOT_FOUND');
  });

  it('on shutdown closes its sockets with 1001 and refuses new ones', async () => {
    const c = await startTestApi({ env: { INSTANCE_ID: 'api-c', CACHE_ENABLED: 'false' }, database: false });
    const client = await joinRoom(c.baseUrl, 'bye');
    const closed = once(client.ws, 'close');
    const stopped = c.app.close({ delayMs: 300 });
    const refused = await refusedUpgrade(c.baseUrl, '/api/v1/ws?room=bye');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'SHUTTING_DOWN');
    const [code] = (await closed) as [number];
    assert.equal(code, 1001);
    await stopped;
    await c.close();
  });
});
