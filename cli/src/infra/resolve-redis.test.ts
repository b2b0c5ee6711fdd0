import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { getFreePort } from '@floodgate/shared/testing';
import { pingRedis, resolveRedis } from './resolve-redis.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A TCP server that answers the first line with `reply` (or never, when reply is null). */
async function fakeServer(reply: string | null): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    if (reply !== null) socket.once('data', () => socket.end(reply));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('resolveRedis', () => {
  it('uses REDIS_URL when configured, without probing, and hides the password when printed', async () => {
    const dead = await getFreePort();
    const r = await resolveRedis({
      env: { REDIS_URL: 'redis://:s3cret@redis.internal:6380/2' },
      probePort: dead,
    });
    assert.equal(r.source, 'configured');
    assert.equal(r.url, 'redis://:s3cret@redis.internal:6380/2');
    assert.ok(!r.displayUrl?.includes('s3cret'));
    assert.deepEqual(r.childEnv, {}, 'children keep the configured variables as they are');
  });

  it('builds the URL from REDIS_HOST and REDIS_PORT', async () => {
    const r = await resolveRedis({ env: { REDIS_HOST: 'cache', REDIS_PORT: '6390' } });
    assert.equal(r.source, 'configured');
    assert.equal(r.url, 'redis://cache:6390');
  });

  it('finds the Redis answering PING on localhost and hands children its REDIS_URL', async () => {
    const r = await resolveRedis({ env: {} });
    assert.equal(r.source, 'localhost');
    assert.equal(r.url, 'redis://127.0.0.1:6379');
    assert.deepEqual(r.childEnv, { REDIS_URL: 'redis://127.0.0.1:6379' });
  });

  it('falls through to none when nothing listens, removing every REDIS_* variable from the children', async () => {
    const dead = await getFreePort();
    const r = await resolveRedis({ env: { REDIS_KEY_PREFIX: 'x:', REDIS_PORT: '6379' }, probePort: dead });
    assert.equal(r.source, 'none');
    assert.equal(r.url, null);
    assert.match(r.note, /connection refused/);
    assert.deepEqual(r.childEnv, {
      REDIS_KEY_PREFIX: undefined,
      REDIS_PORT: undefined,
      FLOODGATE_EVENT_BUS: 'ipc',
    });
  });

  it('--embedded means no Redis even when one is configured', async () => {
    const r = await resolveRedis({ env: { REDIS_URL: 'redis://127.0.0.1:6379' }, forceNone: true });
    assert.equal(r.source, 'none');
    assert.deepEqual(
      r.childEnv,
      { REDIS_URL: undefined, FLOODGATE_EVENT_BUS: 'ipc' },
      'events relayed by the supervisor',
    );
  });

  it('does not take a server that wants a password or is not Redis', async () => {
    const noauth = await fakeServer('-NOAUTH Authentication required.\r\n');
    const r = await resolveRedis({ env: {}, probePort: noauth });
    assert.equal(r.source, 'none');
    assert.match(r.note, /requires a password/);
    const http = await fakeServer('HTTP/1.1 400 Bad Request\r\n\r\n');
    assert.deepEqual(await pingRedis('127.0.0.1', http, 300), {
      ok: false,
      reason: 'unexpected answer to PING: HTTP/1.1 400 Bad Request',
    });
  });

  it('gives up on a server that never answers within the probe timeout', async () => {
    const silent = await fakeServer(null);
    const started = performance.now();
    const r = await resolveRedis({ env: {}, probePort: silent, probeTimeoutMs: 150 });
    const elapsed = performance.now() - started;
    assert.equal(r.source, 'none');
    assert.match(r.note, /no answer within 150 ms/);
    assert.ok(elapsed < 1000, `bounded by the timeout (${elapsed} ms)`);
  });
});
