import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LbStatus, LbStatusAnswer } from '@floodgate/shared/admin-api';
import { call } from '@floodgate/shared/testing';
import type { LbHealth } from './routes/health-route.js';
import { type EchoBody, echoHandler, startBackend, type TestBackend } from './test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from './test-support/start-test-load-balancer.js';

describe('createLoadBalancer', () => {
  let backends: TestBackend[];
  let lb: TestLoadBalancer;
  let releaseHeld: () => void = () => {};
  let heldArrived: Promise<void>;

  before(async () => {
    let signalArrived: () => void = () => {};
    heldArrived = new Promise((r) => {
      signalArrived = r;
    });
    const echo = (id: string) => echoHandler(id);
    backends = await Promise.all([
      startBackend('A', (req, res) => {
        // "/held" stays open until the test releases it, to observe in-flight counting.
        if (req.url === '/held') {
          signalArrived();
          releaseHeld = () => echo('A')(req, res);
          return;
        }
        echo('A')(req, res);
      }),
      startBackend('B'),
      startBackend('C'),
    ]);
    lb = await startTestLoadBalancer(backends.map((b) => b.url));
  });
  after(async () => {
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  it('rotates over three backends in strict round robin', async () => {
    const seen: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await call(`${lb.url}/api/v1/status`);
      assert.equal(res.status, 200);
      seen.push(res.json<EchoBody>().id);
      ids.push(String(res.headers['x-backend-id']));
    }
    const cycle = seen.slice(0, 3);
    assert.deepEqual([...cycle].sort(), ['A', 'B', 'C']);
    assert.deepEqual(seen, [...cycle, ...cycle, ...cycle]);
    assert.deepEqual(
      ids.slice(0, 3).map((id) => backends[Number(id.slice(4)) - 1]?.id),
      cycle,
      'x-backend-id names the backend that answered',
    );
  });

  it('reports per-backend counters, in-flight requests and latency on /lb/status', async () => {
    const before = LbStatusAnswer.parse((await call(`${lb.url}/lb/status`)).json()).data;
    assert.equal(before.algorithm, 'round-robin');
    assert.equal(typeof before.uptimeMs, 'number');
    assert.deepEqual(
      before.backends.map((b) => [
        b.id,
        b.url,
        b.weight,
        b.healthy,
        b.circuitState,
        b.draining,
        b.available,
        b.retries,
        b.webSockets,
      ]),
      backends.map((b, i) => [`api-${i + 1}`, b.url, 1, true, 'closed', false, true, 0, 0]),
    );
    // Steer the next pick to api-1 (backend A), which holds "/held" open.
    const next = before.backends.reduce((n, b) => n + b.requests, 0) % 3;
    for (let i = 0; i < (3 - next) % 3; i++) await call(`${lb.url}/warm`);
    const held = call(`${lb.url}/held`);
    await heldArrived;
    const during = LbStatusAnswer.parse((await call(`${lb.url}/lb/status`)).json()).data;
    assert.equal(during.backends[0]?.inFlight, 1);
    releaseHeld();
    assert.equal((await held).status, 200);

    const afterStatus = LbStatusAnswer.parse((await call(`${lb.url}/lb/status`)).json()).data;
    const total = (s: LbStatus) => s.backends.reduce((n, b) => n + b.requests, 0);
    assert.equal(total(afterStatus), total(before) + ((3 - next) % 3) + 1, 'local routes are not counted');
    for (const b of afterStatus.backends) {
      assert.equal(b.inFlight, 0);
      assert.equal(b.failures, 0);
      assert.equal(typeof b.latency.p50Ms, 'number');
      assert.ok((b.latency.p99Ms as number) >= (b.latency.p50Ms as number));
    }
  });

  it('answers /health with backend availability: ok, degraded, 503 when none is available', async () => {
    const ok = await call(`${lb.url}/health`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json<LbHealth>(), { status: 'ok', backends: { total: 3, available: 3 } });
    const pool = lb.lb.pool;
    try {
      pool.setDraining('api-2', true);
      const degraded = await call(`${lb.url}/health`);
      assert.equal(degraded.status, 200);
      assert.deepEqual(degraded.json<LbHealth>(), {
        status: 'degraded',
        backends: { total: 3, available: 2 },
      });
      pool.setHealthy('api-1', false);
      pool.setHealthy('api-3', false);
      const down = await call(`${lb.url}/health`);
      assert.equal(down.status, 503);
      assert.deepEqual(down.json<LbHealth>().backends, { total: 3, available: 0 });
    } finally {
      pool.setDraining('api-2', false);
      pool.setHealthy('api-1', true);
      pool.setHealthy('api-3', true);
    }
  });

  it('exposes http, backend and upstream metrics on /metrics', async () => {
    await call(`${lb.url}/metered`);
    const res = await call(`${lb.url}/metrics`);
    assert.equal(res.status, 200);
    const text = res.body.toString();
    assert.match(text, /^# HELP http_requests_total/m);
    assert.match(text, /^http_requests_total\{route="\/\*",method="GET",status_class="2xx"/m);
    assert.match(text, /process_cpu_user_seconds_total/);
    for (const id of ['api-1', 'api-2', 'api-3']) {
      assert.match(text, new RegExp(`^floodgate_backend_up\\{backend="${id}"[^}]*\\} 1$`, 'm'));
    }
    assert.match(
      text,
      /^floodgate_upstream_requests_total\{backend="api-\d",status_class="2xx"[^}]*\} \d+$/m,
    );
    assert.match(text, /^floodgate_upstream_latency_seconds_bucket\{le="0.005",[^}]*backend="api-\d"/m);
    assert.match(text, /^floodgate_upstream_latency_seconds_count\{[^}]*backend="api-\d"[^}]*\} [1-9]\d*$/m);
    for (const state of ['closed', 'open', 'half_open']) {
      const value = state === 'closed' ? 1 : 0;
      assert.match(
        text,
        new RegExp(`^floodgate_circuit_state\\{backend="api-2",state="${state}"[^}]*\\} ${value}$`, 'm'),
      );
    }
    assert.match(text, /^# TYPE floodgate_retries_total counter$/m);
    assert.match(text, /^# TYPE floodgate_health_checks_total counter$/m);
  });

  it('answers /lb/* locally, never proxying it', async () => {
    const hitsBefore = backends.reduce((n, b) => n + b.hits, 0);
    const missing = await call(`${lb.url}/lb/nope`, { headers: { 'x-request-id': 'local-1' } });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), {
      error: { code: 'NOT_FOUND', message: 'Not found', requestId: 'local-1' },
    });
    const wrongMethod = await call(`${lb.url}/lb/status`, { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(
      backends.reduce((n, b) => n + b.hits, 0),
      hitsBefore,
    );
    // Paths that only start like a local route are proxied.
    const proxied = await call(`${lb.url}/health/ready`);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.json<EchoBody>().url, '/health/ready');
  });

  it('writes one log line per proxied request with id, method, path, status, latency and backend', async () => {
    const longPath = `/p/${'x'.repeat(300)}`;
    await call(`${lb.url}${longPath}?token=secret`, { headers: { 'x-request-id': 'log-1' } });
    const lines = lb.logLines().filter((l) => l.reqId === 'log-1');
    assert.equal(lines.length, 1);
    const line = lines[0] as Record<string, unknown>;
    assert.equal(line.method, 'GET');
    assert.equal(line.path, longPath.slice(0, 200), 'path without query string, truncated');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.match(String(line.backend), /^api-[123]$/);
    assert.doesNotMatch(JSON.stringify(lb.logLines()), /secret/);
  });
});

describe('createLoadBalancer close()', () => {
  it('stops listening and can be called twice', async () => {
    const b = await startBackend('solo');
    const lb = await startTestLoadBalancer([b.url]);
    assert.equal((await call(`${lb.url}/`)).status, 200);
    await Promise.all([lb.close(), lb.close()]);
    assert.equal(lb.lb.server.listening, false);
    await assert.rejects(call(`${lb.url}/`), /ECONNREFUSED/);
    await b.close();
  });
});
