import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@floodgate/shared';
import { call } from '@floodgate/shared/testing';
import type { LoadBalancerEvents } from '../load-balancer.js';
import { type EchoBody, echoHandler, startBackend, type TestBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

type Readiness = 'ready' | 'db-down' | 'shutting-down';

describe('active health checks steer traffic', { timeout: 20_000 }, () => {
  const readiness: Record<string, Readiness> = { A: 'ready', B: 'ready' };
  const served: Record<string, number> = { A: 0, B: 0 };
  let backends: TestBackend[];
  let lb: TestLoadBalancer;
  const clock = new FakeClock();

  before(async () => {
    backends = await Promise.all(
      ['A', 'B'].map((id) =>
        startBackend(id, (req, res) => {
          if (req.url !== '/health/ready') {
            served[id] = (served[id] ?? 0) + 1;
            echoHandler(id)(req, res);
            return;
          }
          const state = readiness[id];
          if (state === 'ready') {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"status":"ready"}');
            return;
          }
          const code = state === 'shutting-down' ? 'SHUTTING_DOWN' : 'DEPENDENCY_UNAVAILABLE';
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code, message: 'not ready', requestId: 'x' } }));
        }),
      ),
    );
    lb = await startTestLoadBalancer(
      backends.map((b) => b.url),
      { HEALTH_CHECK_JITTER: '0', HEALTH_CHECK_INTERVAL_MS: '2000' },
      { clock, probe: 'http' },
    );
  });
  after(async () => {
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  /** Advances the clock to the next probe of both backends and waits for both results. */
  async function probeRound(ms = 2000): Promise<LoadBalancerEvents['health:check'][0][]> {
    const results: LoadBalancerEvents['health:check'][0][] = [];
    const done = new Promise<void>((resolve) => {
      const listener = (r: LoadBalancerEvents['health:check'][0]) => {
        results.push(r);
        if (results.length < 2) return;
        lb.lb.events.off('health:check', listener);
        resolve();
      };
      lb.lb.events.on('health:check', listener);
    });
    clock.advance(ms);
    await done;
    return results.sort((x, y) => x.backendId.localeCompare(y.backendId));
  }
  const spread = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await call(`${lb.url}/work`)).json<EchoBody>().id);
    return ids.sort().join('');
  };

  it('probes GET /health/ready on every backend', async () => {
    const first = await probeRound(0);
    assert.deepEqual(
      first.map((r) => [r.backendId, r.verdict, r.status]),
      [
        ['api-1', 'pass', 200],
        ['api-2', 'pass', 200],
      ],
    );
    assert.equal(await spread(4), 'AABB');
  });

  it('takes a backend out after two failed probes and back after two passes', async () => {
    readiness.A = 'db-down';
    const unhealthy = new Promise<LoadBalancerEvents['backend:health'][0]>((r) =>
      lb.lb.events.once('backend:health', r),
    );
    await probeRound();
    assert.equal(await spread(4), 'AABB', 'one failed probe changes nothing');
    await probeRound();
    assert.deepEqual(await unhealthy, { backend: 'api-1', healthy: false, verdict: 'fail' });
    const before = served.A;
    assert.equal(await spread(4), 'BBBB');
    assert.equal(served.A, before);
    const metrics = (await call(`${lb.url}/metrics`)).body.toString();
    assert.match(metrics, /^floodgate_backend_up\{backend="api-1"[^}]*\} 0$/m);
    assert.match(metrics, /^floodgate_health_checks_total\{backend="api-1",result="fail"[^}]*\} 2$/m);

    readiness.A = 'ready';
    await probeRound();
    assert.equal(await spread(4), 'BBBB', 'one pass is not enough');
    await probeRound();
    assert.equal(await spread(4), 'AABB');
  });

  it('takes a backend out on its first 503 SHUTTING_DOWN', async () => {
    readiness.B = 'shutting-down';
    const results = await probeRound();
    assert.deepEqual(
      results.map((r) => [r.backendId, r.verdict, r.healthy]),
      [
        ['api-1', 'pass', true],
        ['api-2', 'shutting_down', false],
      ],
    );
    assert.equal(await spread(4), 'AAAA');
    readiness.B = 'ready';
  });
});
