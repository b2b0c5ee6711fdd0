import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetricsRegistry } from './create-metrics-registry.js';
import { HttpMetrics } from './http-metrics.js';

describe('HttpMetrics', () => {
  it('records requests with bounded labels', async () => {
    const registry = createMetricsRegistry('test');
    const m = new HttpMetrics(registry);
    m.observe('/api/v1/resources/:id', 'GET', 200, 0.003);
    m.observe('/api/v1/resources/:id', 'GET', 204, 0.004);
    m.observe('/api/v1/resources/:id', 'BREW', 404, 0.001, 'free');
    const text = await registry.metrics();
    assert.match(
      text,
      /http_requests_total\{route="\/api\/v1\/resources\/:id",method="GET",status_class="2xx",tier="none",component="test"\} 2/,
    );
    assert.match(text, /http_requests_total\{[^}]*method="OTHER",status_class="4xx",tier="free"[^}]*\} 1/);
    assert.match(text, /http_request_duration_seconds_bucket\{le="0.005"/);
    assert.match(text, /process_cpu_user_seconds_total/);
  });
});
