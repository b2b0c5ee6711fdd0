import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGatewayConfig, systemClock, UNMATCHED_ROUTE } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import { AdmissionController } from './admission/admission-controller.js';
import { ClientIpResolver } from './auth/client-ip.js';
import { createGatewayPipelines } from './gateway-pipelines.js';
import { ADMIN_ROUTE, GatewayRouter } from './gateway-router.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { GatewayStats } from './observability/gateway-stats.js';
import { Limiter } from './rate-limit/limiter.js';
import { MemoryRateLimitStore } from './rate-limit/memory-store.js';
import { createRateLimitPolicies } from './rate-limit/rate-limit-policies.js';
import { fakeContext } from './test-support/fake-context.js';

function build() {
  const stats = new GatewayStats();
  const dispatched: Dispatcher.DispatchOptions[] = [];
  const upstream = {
    dispatch(opts: Dispatcher.DispatchOptions) {
      dispatched.push(opts);
      return true;
    },
    request() {
      throw new Error('not used');
    },
  } as unknown as Dispatcher;
  const pipelines = createGatewayPipelines(
    { bodyLimitBytes: 1024 },
    {
      respond: () => {},
      sessions: { verify: () => null, revoke: () => {}, size: 0 },
      apiKeys: { verify: () => null, size: 0 },
      upstream,
      basePath: '',
      clientIp: new ClientIpResolver([]),
      rateLimit: {
        limiter: new Limiter({ remote: null, local: new MemoryRateLimitStore() }),
        policies: createRateLimitPolicies(loadGatewayConfig({})),
      },
      admission: new AdmissionController({ maxInFlight: 10, queueSize: 0, queueTimeoutMs: 10, ranks: 4 }),
      registry: new GatewayMetrics(stats).registry,
      stats,
      clock: systemClock,
      startedAtMs: 0,
    },
  );
  return { pipelines, router: new GatewayRouter(pipelines), dispatched };
}

describe('gateway pipelines', () => {
  it('composes each route group from named stages in order', () => {
    const { pipelines } = build();
    assert.deepEqual(pipelines.api.stageNames, [
      'requestId',
      'limits',
      'authenticate',
      'rateLimit',
      'admission',
      'proxy',
    ]);
    assert.deepEqual(pipelines.admin.stageNames, [
      'requestId',
      'limits',
      'authenticate',
      'requireAdmin',
      'admin',
    ]);
    assert.deepEqual(pipelines.health.stageNames, ['requestId', 'limits', 'health']);
    assert.deepEqual(pipelines.metrics.stageNames, ['requestId', 'limits', 'metrics']);
    assert.deepEqual(pipelines.notFound.stageNames, ['requestId', 'limits', 'notFound']);
  });

  it('routes by prefix: /api/* proxied, admin never proxied, /health and /metrics local, the rest 404', () => {
    const { pipelines, router } = build();
    const cases: [string, string, string][] = [
      ['/api/v1/resources/42', 'api', '/api/v1/resources/:id'],
      ['/api/v1/resources?limit=5', 'api', '/api/v1/resources'],
      ['/api/v1/admin/dashboard', 'admin', ADMIN_ROUTE],
      ['/api/v1/admin', 'admin', ADMIN_ROUTE],
      ['/api/v1/%61dmin/dashboard', 'admin', ADMIN_ROUTE],
      ['/api/v1/administrators', 'api', '/api/v1/administrators'],
      ['/health', 'health', '/health'],
      ['/metrics', 'metrics', '/metrics'],
      ['/lb/status', 'notFound', UNMATCHED_ROUTE],
      ['/api', 'notFound', UNMATCHED_ROUTE],
      ['/', 'notFound', UNMATCHED_ROUTE],
      ['http://evil.example/lb/status', 'notFound', UNMATCHED_ROUTE],
      ['http://evil.example/api/v1/me', 'api', '/api/v1/me'],
    ];
    for (const [url, group, route] of cases) {
      const ctx = fakeContext('GET', url);
      const pipeline = router.select(ctx);
      assert.equal(pipeline, pipelines[group as keyof typeof pipelines], url);
      assert.equal(ctx.route, route, url);
    }
  });

  it('an anonymous API request runs through to the proxy stage and is dispatched upstream', () => {
    const { router, dispatched } = build();
    const ctx = fakeContext('GET', '/api/v1/status?x=1', { 'x-request-id': 'abc-123' });
    router.select(ctx).run(ctx);
    assert.equal(dispatched.length, 1);
    assert.equal(dispatched[0]?.path, '/api/v1/status?x=1');
    assert.equal(ctx.requestId, 'abc-123');
    assert.equal(ctx.res.getHeader('x-request-id'), 'abc-123');
    assert.equal(ctx.res.getHeader('x-ratelimit-remaining'), 99, 'limited synchronously in process');
    assert.equal(ctx.admitted, true);
  });
});
