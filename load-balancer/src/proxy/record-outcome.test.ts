import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { FakeClock, listen } from '@floodgate/shared';
import { call, createCaptureLogger, getFreePort } from '@floodgate/shared/testing';
import { Registry } from 'prom-client';
import { BackendPool } from '../backends/backend-pool.js';
import { createBalancer } from '../balancers/create-balancer.js';
import { LoadBalancerMetrics } from '../metrics/load-balancer-metrics.js';
import { type BackendHandler, startBackend } from '../test-support/start-backend.js';
import type { ProxyDeps } from './proxy-deps.js';
import { RequestForwarder } from './request-forwarder.js';
import { RetryBudget } from './retry-budget.js';

const UPSTREAM = { connections: 4, connectTimeoutMs: 2000, headersTimeoutMs: 5000, bodyTimeoutMs: 5000 };

const answer =
  (status: number): BackendHandler =>
  (_req, res) => {
    res.writeHead(status, { 'content-length': '2' });
    res.end('ok');
  };

/** Answers `status` with a head promising 1000 bytes, then dies after the first chunk. */
const cutAfterHead =
  (status: number): BackendHandler =>
  (_req, res) => {
    res.writeHead(status, { 'content-length': '1000' });
    res.write('partial', () => res.socket?.destroy());
  };

/** Every sample of a metric as "label=value,…" → value (only non-zero ones). */
async function samples(registry: Registry, name: string, metricName = name): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} exists`);
  const out: Record<string, number> = {};
  for (const s of (await metric.get()).values) {
    const sampleName = (s as { metricName?: string }).metricName;
    if (sampleName !== undefined && sampleName !== metricName) continue;
    if (s.value === 0) continue;
    const key = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    out[key] = s.value;
  }
  return out;
}

/**
 * Counts what one client request left in each place a try or a request is counted: the
 * balancer's own proxy deps (so the retry budget can be read), in front of backends A and B.
 */
describe('recordOutcome: each try is counted once, and the client request once', { timeout: 20_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  async function rig(urls: string[]) {
    const clock = new FakeClock();
    const registry = new Registry();
    const pool = new BackendPool(createBalancer('round-robin'), UPSTREAM, urls);
    const metrics = new LoadBalancerMetrics(registry, pool);
    const { logger, lines } = createCaptureLogger('load-balancer');
    const budget = new RetryBudget(0.2, 3, clock);
    const deps: ProxyDeps = {
      logger,
      accessLog: logger,
      clock,
      metrics,
      pool,
      budget,
      settings: { maxRetries: 1, retryBodyLimitBytes: 65_536, tryTimeoutMs: 5000, requestTimeoutMs: 10_000 },
      lifecycle: { closing: false },
    };
    const forwarder = new RequestForwarder(deps);
    let requestDone: () => void = () => {};
    const server: Server = createServer((req, res) => {
      forwarder.handle(req, res);
      // Registered after the exchange's own listener: runs once the request has been recorded.
      res.on('close', () => requestDone());
    });
    const port = await listen(server, 0, '127.0.0.1');
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.close();
    });
    /** One client request; resolves once the balancer has finished recording it. */
    const request = async (path: string) => {
      const recorded = new Promise<void>((r) => {
        requestDone = r;
      });
      const result = await call(`http://127.0.0.1:${port}${path}`).catch((err: Error) => err);
      await recorded;
      await new Promise((r) => setImmediate(r)); // opossum records a success in a microtask
      return result;
    };
    const backend = (i: number) => {
      const b = pool.backends[i];
      assert.ok(b);
      return {
        requests: b.requests,
        failures: b.failures,
        retries: b.retries,
        latencySamples: b.latency.size,
        breakerWindow: b.breaker.toStatus().window,
      };
    };
    return { registry, budget, lines, request, backend };
  }

  it('a GET answered 503 and retried elsewhere: one outcome per try, one request', async () => {
    const a = await startBackend('a', answer(503));
    const b = await startBackend('b', answer(200));
    stops.push(a.close, b.close);
    const { registry, budget, lines, request, backend } = await rig([a.url, b.url]);

    const res = await request('/orders/1');
    assert.ok(!(res instanceof Error));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-backend-id'], 'api-2');

    assert.deepEqual(backend(0), {
      requests: 1,
      failures: 1,
      retries: 1,
      latencySamples: 1,
      breakerWindow: { requests: 1, failures: 1 },
    });
    assert.deepEqual(backend(1), {
      requests: 1,
      failures: 0,
      retries: 0,
      latencySamples: 1,
      breakerWindow: { requests: 1, failures: 0 },
    });
    assert.deepEqual(await samples(registry, 'floodgate_upstream_requests_total'), {
      'backend=api-1,status_class=5xx': 1,
      'backend=api-2,status_class=2xx': 1,
    });
    assert.deepEqual(
      await samples(
        registry,
        'floodgate_upstream_latency_seconds',
        'floodgate_upstream_latency_seconds_count',
      ),
      { 'backend=api-1': 1, 'backend=api-2': 1 },
    );
    assert.deepEqual(await samples(registry, 'floodgate_retries_total'), { 'reason=503': 1 });
    assert.deepEqual(await samples(registry, 'http_requests_total'), {
      'route=/*,method=GET,status_class=2xx,tier=none': 1,
    });
    assert.deepEqual(budget.window, { requests: 1, retries: 1 });
    const access = lines().filter((l) => l.path === '/orders/1');
    assert.equal(access.length, 1);
    assert.deepEqual([access[0]?.status, access[0]?.backend, access[0]?.retries], [200, 'api-2', 1]);
  });

  it('a GET refused by one backend and retried: the refused try is one failure without an answer', async () => {
    const b = await startBackend('b', answer(200));
    stops.push(b.close);
    const { registry, budget, request, backend } = await rig([
      `http://127.0.0.1:${await getFreePort()}`,
      b.url,
    ]);

    const res = await request('/refused');
    assert.ok(!(res instanceof Error));
    assert.equal(res.status, 200);

    assert.deepEqual(backend(0), {
      requests: 1,
      failures: 1,
      retries: 1,
      latencySamples: 0,
      breakerWindow: { requests: 1, failures: 1 },
    });
    assert.deepEqual(backend(1).breakerWindow, { requests: 1, failures: 0 });
    assert.deepEqual(await samples(registry, 'floodgate_upstream_requests_total'), {
      'backend=api-1,status_class=error': 1,
      'backend=api-2,status_class=2xx': 1,
    });
    assert.deepEqual(await samples(registry, 'floodgate_retries_total'), { 'reason=connect': 1 });
    assert.deepEqual(budget.window, { requests: 1, retries: 1 });
  });

  it('a 500 whose body is then cut is one failure, not two', async () => {
    const a = await startBackend('a', cutAfterHead(500));
    stops.push(a.close);
    const { registry, request, backend, lines } = await rig([a.url]);

    const res = await request('/cut');
    assert.ok(res instanceof Error, 'the client connection is cut');

    assert.deepEqual(backend(0), {
      requests: 1,
      failures: 1,
      retries: 0,
      latencySamples: 1,
      breakerWindow: { requests: 1, failures: 1 },
    });
    assert.deepEqual(await samples(registry, 'floodgate_upstream_requests_total'), {
      'backend=api-1,status_class=5xx': 1,
    });
    assert.deepEqual(
      lines()
        .filter((l) => l.path === '/cut')
        .map((l) => l.status),
      [502],
      'logged once, as the cut the client saw',
    );
  });
});
