import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call, getFreePort } from '@floodgate/shared/testing';
import { type EchoBody, echoHandler, startBackend, type TestBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Envelope {
  error: { code: string; message: string; requestId: string };
}

/** Resolves/rejects from outside: lets a backend wait for a step the test controls. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('proxying through the load balancer', () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  async function backend(id: string, handler?: Parameters<typeof startBackend>[1]): Promise<TestBackend> {
    const b = await startBackend(id, handler);
    stops.push(() => b.close());
    return b;
  }
  async function balancer(urls: string[], env?: Record<string, string>): Promise<TestLoadBalancer> {
    const lb = await startTestLoadBalancer(urls, env);
    stops.push(() => lb.close());
    return lb;
  }

  describe('headers', () => {
    let lb: TestLoadBalancer;
    let echo: TestBackend;
    before(async () => {
      echo = await backend('echo');
      lb = await balancer([echo.url]);
    });

    it('removes hop-by-hop request headers, including ones named in Connection', async () => {
      const res = await call(`${lb.url}/hop`, {
        headers: {
          connection: 'keep-alive, x-hop-secret',
          'x-hop-secret': 'must not pass',
          'keep-alive': 'timeout=99',
          'proxy-authorization': 'Basic eDp5',
          te: 'trailers',
          'x-end-to-end': 'kept',
        },
      });
      assert.equal(res.status, 200);
      const seen = res.json<EchoBody>().headers;
      assert.equal(seen['x-end-to-end'], 'kept');
      for (const name of ['x-hop-secret', 'keep-alive', 'proxy-authorization', 'te']) {
        assert.equal(seen[name], undefined, `${name} reached the backend`);
      }
      assert.notEqual(seen.connection, 'keep-alive, x-hop-secret');
    });

    it('removes hop-by-hop response headers, including ones named in Connection', async () => {
      const b = await backend('hop-response', (_req, res) => {
        res.writeHead(200, {
          connection: 'keep-alive, x-resp-secret',
          'x-resp-secret': 'must not pass',
          'keep-alive': 'timeout=77',
          'proxy-authenticate': 'Basic realm="x"',
          'x-end-to-end': 'kept',
          'content-length': '2',
        });
        res.end('ok');
      });
      const lb2 = await balancer([b.url]);
      const res = await call(`${lb2.url}/`);
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'ok');
      assert.equal(res.headers['x-end-to-end'], 'kept');
      assert.equal(res.headers['x-resp-secret'], undefined);
      assert.equal(res.headers['proxy-authenticate'], undefined);
      assert.notEqual(res.headers['keep-alive'], 'timeout=77', "the backend's keep-alive is not forwarded");
      assert.doesNotMatch(String(res.headers.connection), /x-resp-secret/);
    });

    it('sets x-forwarded-for (appended), x-forwarded-proto and x-forwarded-host; sends the backend its own host', async () => {
      const res = await call(`${lb.url}/fwd`, {
        headers: { host: 'public.example:8443', 'x-forwarded-for': '203.0.113.9' },
      });
      const seen = res.json<EchoBody>().headers;
      assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      assert.equal(seen['x-forwarded-proto'], 'http');
      assert.equal(seen['x-forwarded-host'], 'public.example:8443');
      assert.equal(seen.host, `127.0.0.1:${echo.port}`);
      const plain = (await call(`${lb.url}/fwd`)).json<EchoBody>().headers;
      assert.equal(plain['x-forwarded-for'], '127.0.0.1');
    });

    it('keeps a valid x-request-id, replaces an invalid one, generates a missing one, and echoes it', async () => {
      const kept = await call(`${lb.url}/id`, { headers: { 'x-request-id': 'req-123.abc:DEF' } });
      assert.equal(kept.headers['x-request-id'], 'req-123.abc:DEF');
      assert.equal(kept.json<EchoBody>().headers['x-request-id'], 'req-123.abc:DEF');

      const replaced = await call(`${lb.url}/id`, { headers: { 'x-request-id': 'has spaces <script>' } });
      assert.match(String(replaced.headers['x-request-id']), UUID);
      assert.equal(replaced.json<EchoBody>().headers['x-request-id'], replaced.headers['x-request-id']);

      const generated = await call(`${lb.url}/id`);
      assert.match(String(generated.headers['x-request-id']), UUID);
      assert.equal(generated.json<EchoBody>().headers['x-request-id'], generated.headers['x-request-id']);
      assert.notEqual(generated.headers['x-request-id'], replaced.headers['x-request-id']);
    });

    it('names the backend in x-backend-id and passes path, query and method through', async () => {
      const res = await call(`${lb.url}/a/b?c=1&d=%20`, { method: 'DELETE' });
      assert.equal(res.headers['x-backend-id'], 'api-1');
      const seen = res.json<EchoBody>();
      assert.equal(seen.url, '/a/b?c=1&d=%20');
      assert.equal(seen.method, 'DELETE');
    });

    it('accepts Expect: 100-continue uploads and answers HEAD without a body', async () => {
      const answer = await new Promise<{ status: number; body: EchoBody }>((resolve, reject) => {
        const req = request(
          `${lb.url}/expect`,
          { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': '5' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode as number,
                body: JSON.parse(Buffer.concat(chunks).toString()),
              }),
            );
          },
        );
        req.on('continue', () => req.end('hello'));
        req.on('error', reject);
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.bodyBytes, 5);
      assert.equal(answer.body.headers.expect, undefined);
      const head = await call(`${lb.url}/head`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.ok(Number(head.headers['content-length']) > 0);
      assert.equal(head.body.length, 0);
    });

    it('refuses an absolute-form request target with 400 INVALID_PATH, without contacting a backend', async () => {
      const hits = echo.hits;
      const socket = connect(Number(new URL(lb.url).port), '127.0.0.1');
      socket.end(
        'GET http://elsewhere.example/ HTTP/1.1\r\nHost: elsewhere.example\r\nConnection: close\r\n\r\n',
      );
      let raw = '';
      for await (const chunk of socket) raw += String(chunk);
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /"code":"INVALID_PATH"/);
      assert.equal(echo.hits, hits);
    });

    it('passes upstream redirects through untouched', async () => {
      const b = await backend('redirect', (_req, res) => {
        res.writeHead(302, { location: 'http://elsewhere.example/next?x=1', 'content-length': '0' });
        res.end();
      });
      const lb2 = await balancer([b.url]);
      const res = await call(`${lb2.url}/old`);
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, 'http://elsewhere.example/next?x=1');
    });
  });

  describe('streaming', () => {
    it('streams a 5 MiB upload to the backend intact, before the client has finished sending', async () => {
      const firstChunkAtBackend = deferred();
      const b = await backend('upload', (req, res) => {
        req.once('data', () => firstChunkAtBackend.resolve());
        echoHandler('upload')(req, res);
      });
      const lb = await balancer([b.url]);
      const payload = randomBytes(5 * 1024 * 1024);
      const half = payload.length / 2;
      const resPromise = new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(
          `${lb.url}/upload`,
          { method: 'POST', agent: false, headers: { 'content-length': String(payload.length) } },
          resolve,
        );
        req.on('error', reject);
        req.write(payload.subarray(0, half));
        // The second half is sent only once the backend has data: a buffering proxy would deadlock here.
        firstChunkAtBackend.promise.then(() => req.end(payload.subarray(half)));
      });
      const res = await resPromise;
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const seen = JSON.parse(Buffer.concat(chunks).toString()) as EchoBody;
      assert.equal(res.statusCode, 200);
      assert.equal(seen.bodyBytes, payload.length);
      assert.equal(seen.bodySha256, createHash('sha256').update(payload).digest('hex'));
    });

    it('forwards a chunked upload (no content-length) intact', async () => {
      const echo = await backend('chunked-upload');
      const lb = await balancer([echo.url]);
      const parts = [randomBytes(70_000), randomBytes(1), randomBytes(300_000)];
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${lb.url}/chunked`, { method: 'PUT', agent: false }, resolve);
        req.on('error', reject);
        for (const p of parts) req.write(p);
        req.end();
      });
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const seen = JSON.parse(Buffer.concat(chunks).toString()) as EchoBody;
      assert.equal(seen.headers['transfer-encoding'], 'chunked');
      assert.equal(seen.bodyBytes, 370_001);
      assert.equal(seen.bodySha256, createHash('sha256').update(Buffer.concat(parts)).digest('hex'));
    });

    it('streams a large chunked response: the first chunk reaches the client before the backend ends', async () => {
      const firstChunkAtClient = deferred();
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const b = await backend('download', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(chunk);
        // The rest is sent only after the client saw the first chunk: a buffering proxy would deadlock.
        firstChunkAtClient.promise.then(() => {
          for (let i = 0; i < 31; i++) res.write(chunk);
          res.end();
        });
      });
      const lb = await balancer([b.url]);
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        request(`${lb.url}/download`, { agent: false }, resolve).on('error', reject).end();
      });
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      let received = 0;
      for await (const c of res) {
        received += (c as Buffer).length;
        firstChunkAtClient.resolve();
      }
      assert.equal(received, 32 * chunk.length);
    });

    it('applies backpressure: a client that stops reading stalls the backend instead of filling memory', async () => {
      const total = 64 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024, 'y');
      let written = 0;
      let lastDrainAt = performance.now();
      let blocked = false;
      const b = await backend('firehose', (_req, res) => {
        res.writeHead(200, { 'content-length': String(total) });
        const pump = () => {
          blocked = false;
          lastDrainAt = performance.now();
          while (written < total) {
            written += chunk.length;
            if (!res.write(chunk)) {
              blocked = true;
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      });
      const lb = await balancer([b.url]);
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        request(`${lb.url}/firehose`, { agent: false }, resolve).on('error', reject).end();
      });
      res.pause();
      // No event marks "nothing moves any more": watch for the backend staying blocked for a while.
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (written >= total) {
            clearInterval(timer);
            reject(new Error('the backend wrote everything although the client read nothing'));
          } else if (blocked && performance.now() - lastDrainAt > 300) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
      });
      assert.ok(written < total / 2, `backend wrote ${written} bytes before stalling`);
      let received = 0;
      for await (const c of res) received += (c as Buffer).length;
      assert.equal(received, total);
    });
  });

  describe('faults', () => {
    it('answers 502 BAD_GATEWAY quickly for a backend that refuses connections (retries off), then uses a live one', async () => {
      const deadUrl = `http://127.0.0.1:${await getFreePort()}`;
      const live = await backend('live');
      const lb = await balancer([deadUrl, live.url], { LB_RETRIES: '0' });
      const started = performance.now();
      const first = await call(`${lb.url}/x`, { headers: { 'x-request-id': 'dead-1' } });
      assert.ok(performance.now() - started < 2000, 'no hang on a refused connection');
      assert.equal(first.status, 502);
      assert.equal(first.headers['x-backend-id'], 'api-1');
      assert.equal(first.headers['x-request-id'], 'dead-1');
      assert.deepEqual(first.json<Envelope>().error, {
        code: 'BAD_GATEWAY',
        message: 'Upstream could not be reached',
        requestId: 'dead-1',
      });
      const second = await call(`${lb.url}/x`);
      assert.equal(second.status, 200);
      assert.equal(second.json<EchoBody>().id, 'live');
      const [dead, alive] = lb.lb.pool.backends;
      assert.equal(dead?.failures, 1);
      assert.equal(dead?.inFlight, 0);
      assert.equal(alive?.failures, 0);
    });

    it('never hangs when every backend is dead (502), or when none is available (503 + retry-after)', async () => {
      const dead = [await getFreePort(), await getFreePort()].map((p) => `http://127.0.0.1:${p}`);
      const lb = await balancer(dead);
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 6 }, () => call(`${lb.url}/y`)));
      assert.ok(performance.now() - started < 3000);
      assert.deepEqual(
        results.map((r) => [r.status, r.json<Envelope>().error.code]),
        Array.from({ length: 6 }, () => [502, 'BAD_GATEWAY']),
      );
      for (const b of lb.lb.pool.backends) lb.lb.pool.setHealthy(b.id, false);
      const none = await call(`${lb.url}/y`, { headers: { 'x-request-id': 'none-1' } });
      assert.equal(none.status, 503);
      assert.equal(none.headers['retry-after'], '1');
      assert.equal(none.headers['x-request-id'], 'none-1');
      assert.equal(none.json<Envelope>().error.code, 'NO_BACKEND_AVAILABLE');
    });

    it('answers 504 UPSTREAM_TIMEOUT when the backend sends no response headers in time', async () => {
      const b = await backend('silent', () => {
        // Never answers; the backend's close() drops the connection.
      });
      const lb = await balancer([b.url], { UPSTREAM_HEADERS_TIMEOUT_MS: '200' });
      const res = await call(`${lb.url}/slow`);
      assert.equal(res.status, 504);
      assert.equal(res.json<Envelope>().error.code, 'UPSTREAM_TIMEOUT');
      assert.equal(lb.lb.pool.backends[0]?.failures, 1);
    });

    it('cuts the client connection when the backend dies mid-response', async () => {
      const b = await backend('dies', (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        // Destroyed once the head and a first chunk are on the wire.
        res.write('partial', () => res.socket?.destroy());
      });
      const lb = await balancer([b.url]);
      await assert.rejects(call(`${lb.url}/dies`), /aborted|ECONNRESET|socket hang up/);
      // The try's one outcome is its 200 answer; the cut after it is the client's 502, not a second count.
      const backendState = lb.lb.pool.backends[0];
      assert.equal(backendState?.requests, 1);
      assert.equal(backendState?.failures, 0);
      assert.deepEqual(backendState?.breaker.toStatus().window, { requests: 1, failures: 0 });
    });

    it('aborts the upstream request when the client goes away mid-response', async () => {
      const backendSawClose = deferred<boolean>();
      const b = await backend('held', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first');
        res.on('close', () => backendSawClose.resolve(res.writableFinished));
      });
      const lb = await balancer([b.url]);
      const clientReq = request(`${lb.url}/held`, { agent: false, headers: { 'x-request-id': 'gone-1' } });
      clientReq.on('error', () => {});
      clientReq.end();
      const [res] = (await once(clientReq, 'response')) as [IncomingMessage];
      await once(res, 'data');
      clientReq.destroy();
      assert.equal(await backendSawClose.promise, false, 'the backend response was cut, not finished');
      const backendState = lb.lb.pool.backends[0];
      assert.equal(backendState?.inFlight, 0);
      assert.equal(backendState?.failures, 0, 'a client leaving is not the backend failing');
      const line = lb.logLines().find((l) => l.reqId === 'gone-1');
      assert.equal(line?.status, 499);
    });
  });
});
