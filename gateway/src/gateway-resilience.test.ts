import assert from 'node:assert/strict';
import { Agent, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call } from '@floodgate/shared/testing';
import { type FakeBalancer, type RecordedRequest, startFakeBalancer } from './test-support/fake-balancer.js';
import { type GatewayProcess, startGatewayProcess } from './test-support/gateway-process.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

describe('gateway: only the balancer retries', { timeout: 10_000 }, () => {
  let lb: FakeBalancer;
  let gw: TestGateway;
  let hits = 0;
  before(async () => {
    lb = await startFakeBalancer();
    lb.routes.set('/api/v1/reset', (req, res) => {
      hits++;
      req.resume();
      res.socket?.destroy();
    });
    lb.routes.set('/api/v1/unavailable', (req, res) => {
      hits++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"error":{"code":"NO_BACKEND_AVAILABLE","message":"No backend available","requestId":"r"}}');
    });
    gw = await startTestGateway({ LB_URL: lb.url, RATE_LIMIT_ENABLED: 'false' });
  });
  after(async () => {
    await gw.close();
    await lb.close();
  });

  it('never repeats a request the balancer failed, whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'POST']) {
      hits = 0;
      const reset = await call(gw.port, {
        method,
        path: '/api/v1/reset',
        headers: { 'content-length': '0' },
      });
      assert.equal(reset.status, 502, `${method} reset`);
      assert.equal(reset.json<{ error: { code: string } }>().error.code, 'BAD_GATEWAY');
      assert.equal(hits, 1, `${method}: one try after a reset`);
      hits = 0;
      const unavailable = await call(gw.port, { method, path: '/api/v1/unavailable' });
      assert.equal(unavailable.status, 503, `${method} 503`);
      assert.equal(unavailable.headers['retry-after'], '1', 'the balancer’s answer is passed through');
      assert.equal(hits, 1, `${method}: one try after a 503`);
    }
  });

  it('forwards Idempotency-Key and the client address in X-Forwarded-For (the balancer’s retry and stickiness inputs)', async () => {
    const res = await call(gw.port, {
      method: 'POST',
      path: '/api/v1/orders',
      headers: { 'idempotency-key': 'order-42', 'x-forwarded-for': '203.0.113.9', 'content-length': '0' },
    });
    assert.equal(res.status, 200);
    const seen = res.json<RecordedRequest>();
    assert.equal(seen.headers['idempotency-key'], 'order-42');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'the peer, not the client-sent chain');
  });
});

describe('gateway graceful shutdown (SIGTERM on the process)', { timeout: 20_000 }, () => {
  let lb: FakeBalancer;
  let child: GatewayProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const held: ServerResponse[] = [];
  let arrived: () => void = () => {};

  before(async () => {
    lb = await startFakeBalancer();
    lb.routes.set('/api/v1/slow', (req, res) => {
      req.resume();
      held.push(res);
      arrived();
    });
  });
  after(async () => {
    agent.destroy();
    await child?.kill();
    await lb.close();
  });

  it('answers the request in flight with Connection: close, refuses new connections, exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    child = await startGatewayProcess({
      LB_URL: lb.url,
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const base = `http://127.0.0.1:${child.port}`;
    const warm = await call(`${base}/api/v1/warm`, { agent });
    assert.equal(warm.headers.connection, 'keep-alive');
    const inFlightArrived = new Promise<void>((r) => {
      arrived = r;
    });
    const inFlight = call(`${base}/api/v1/slow`, { agent }); // on the busy keep-alive connection
    await inFlightArrived;
    const stoppedAt = performance.now();
    const exited = child.stop(10_000); // SIGTERM; SIGKILL only long after the deadline asserted below
    for (let i = 0; ; i++) {
      const refused = await call(`${base}/health`).then(
        () => false,
        (err: Error) => /ECONNREFUSED/.test(err.message),
      );
      if (refused) break;
      assert.ok(i < 100, 'stopped accepting connections');
      await new Promise((r) => setTimeout(r, 20));
    }
    held.shift()?.end('{"done":true}');
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close', 'the keep-alive client is told to move on');
    const { code } = await exited;
    assert.equal(code, 0);
    assert.ok(performance.now() - stoppedAt < 3000, 'exited within the drain deadline');
  });
});
