import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { after, describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { call } from '@floodgate/shared/testing';
import type { LoadBalancerEvents } from '../load-balancer.js';
import { type BackendHandler, startBackend, type TestBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

type StateChange = LoadBalancerEvents['breaker:state'][0];

const answer =
  (code: number): BackendHandler =>
  (_req, res) => {
    res.writeHead(code, { 'content-length': '0' });
    res.end();
  };

describe('circuit breakers fed by proxied traffic', { timeout: 20_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  async function backend(id: string, handler?: BackendHandler): Promise<TestBackend> {
    const b = await startBackend(id, handler);
    stops.push(() => b.close());
    return b;
  }
  async function balancer(urls: string[], env: Record<string, string>): Promise<TestLoadBalancer> {
    // A clock nobody advances: no health check runs, so only traffic and the reset timeout move the
    // breaker (a passing check would half-open it; health-check-readmission.test.ts covers that).
    const lb = await startTestLoadBalancer(urls, { LB_RETRIES: '0', ...env }, { clock: new FakeClock() });
    stops.push(() => lb.close());
    return lb;
  }
  const breakerOf = (lb: TestLoadBalancer) => lb.lb.pool.backends[0]?.breaker;
  const nextState = (lb: TestLoadBalancer, state: StateChange['state']) =>
    new Promise<StateChange>((resolve) => {
      const listener = (change: StateChange) => {
        if (change.state !== state) return;
        lb.lb.events.off('breaker:state', listener);
        resolve(change);
      };
      lb.lb.events.on('breaker:state', listener);
    });

  it('opens on the failure ratio only once the minimum volume is reached', async () => {
    const failing = await backend('failing', answer(500));
    const lb = await balancer([failing.url], {
      CIRCUIT_VOLUME_THRESHOLD: '5',
      CIRCUIT_ERROR_THRESHOLD_PERCENTAGE: '50',
      CIRCUIT_FAILURE_THRESHOLD: '1000',
    });
    for (let i = 1; i <= 4; i++) {
      assert.equal((await call(`${lb.url}/x`)).status, 500);
      assert.equal(breakerOf(lb)?.state, 'closed', `still closed after ${i} of 5`);
    }
    const opened = nextState(lb, 'open');
    assert.equal((await call(`${lb.url}/x`)).status, 500);
    assert.equal((await opened).backend, 'api-1');
    const rejected = await call(`${lb.url}/x`);
    assert.equal(rejected.status, 503);
    assert.equal((rejected.json() as { error: { code: string } }).error.code, 'NO_BACKEND_AVAILABLE');
    assert.equal(failing.hits, 5, 'the open breaker kept the sixth request away');
  });

  it('opens after CIRCUIT_FAILURE_THRESHOLD consecutive failures, below the volume', async () => {
    const failing = await backend('failing', answer(503));
    const lb = await balancer([failing.url], {
      CIRCUIT_FAILURE_THRESHOLD: '3',
      CIRCUIT_VOLUME_THRESHOLD: '1000',
    });
    await call(`${lb.url}/x`);
    await call(`${lb.url}/x`);
    assert.equal(breakerOf(lb)?.state, 'closed');
    await call(`${lb.url}/x`);
    assert.equal(breakerOf(lb)?.state, 'open');
  });

  it('does not count 4xx answers or client aborts', async () => {
    let held: IncomingMessage[] = [];
    let arrived: () => void = () => {};
    const b = await backend('mixed', (req, res) => {
      if (req.url === '/hold') {
        held.push(req);
        arrived();
        return;
      }
      answer(404)(req, res);
    });
    const lb = await balancer([b.url], { CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_VOLUME_THRESHOLD: '1' });
    for (let i = 0; i < 10; i++) assert.equal((await call(`${lb.url}/missing`)).status, 404);
    for (let i = 0; i < 3; i++) {
      const atBackend = new Promise<void>((r) => {
        arrived = r;
      });
      const req = request(`${lb.url}/hold`, { agent: false });
      req.on('error', () => {});
      req.end();
      await atBackend;
      const closed = new Promise((r) => (held[0] as IncomingMessage).once('close', r));
      req.destroy(); // the client gives up; the balancer aborts the upstream request
      await closed;
      held = [];
    }
    await new Promise((r) => setImmediate(r));
    const breaker = breakerOf(lb);
    assert.equal(breaker?.state, 'closed');
    assert.deepEqual(
      breaker?.toStatus().window,
      { requests: 10, failures: 0 },
      'aborts are not in the window',
    );
    assert.equal(
      (await call(`${lb.url}/lb/status`)).json<{ data: { backends: { failures: number }[] } }>().data
        .backends[0]?.failures,
      0,
    );
  });

  it('half-opens after CIRCUIT_RESET_TIMEOUT; a failed trial reopens it, a successful one closes it', async () => {
    let healthy = false;
    const b = await backend('recovering', (req, res) => answer(healthy ? 200 : 500)(req, res));
    const lb = await balancer([b.url], { CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_RESET_TIMEOUT: '100' });
    const halfOpen = nextState(lb, 'half_open');
    await call(`${lb.url}/x`);
    assert.equal(breakerOf(lb)?.state, 'open');
    await halfOpen;
    const reopened = nextState(lb, 'open');
    assert.equal((await call(`${lb.url}/trial-1`)).status, 500, 'the trial reaches the backend');
    await reopened;
    assert.equal((await call(`${lb.url}/x`)).status, 503, 'open again: rejected without a try');
    const hits = b.hits;
    healthy = true;
    const halfOpenAgain = nextState(lb, 'half_open');
    await halfOpenAgain;
    const closed = nextState(lb, 'closed');
    assert.equal((await call(`${lb.url}/trial-2`)).status, 200);
    await closed;
    assert.equal((await call(`${lb.url}/x`)).status, 200);
    assert.equal(b.hits, hits + 2);
  });
});
