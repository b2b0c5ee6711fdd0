import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createRateLimitPolicy } from './rate-limit/rate-limit-policy.js';
import { UsageTracker } from './rate-limit/usage-tracker.js';
import { Limiter } from './rate-limit/limiter.js';
import { MemoryRateLimitStore } from './rate-limit/memory-store.js';
import { RateLimitMetrics } from './rate-limit/rate-limit-metrics.js';
import { Registry } from 'prom-client';
import { createApiKeyHasher } from '@floodgate/database';
const N = 300_000;
function time(name: string, fn: (i: number) => void) {
  for (let i = 0; i < 10000; i++) fn(i);
  const t0 = performance.now(); for (let i = 0; i < N; i++) fn(i); const t = performance.now() - t0;
  console.log(name.padEnd(28), ((t * 1000) / N).toFixed(3), 'us');
}
const req = new IncomingMessage(new Socket());
const p = createRateLimitPolicy('enterprise', 1e9, 60000, { buckets: 100 });
time('5 setHeader', () => {
  const res = new ServerResponse(req);
  res.setHeader('ratelimit-policy', p.policyHeader);
  res.setHeader('ratelimit', `${p.ratePrefix}${12345};t=${60}`);
  res.setHeader('x-ratelimit-limit', p.maxHeader);
  res.setHeader('x-ratelimit-remaining', 12345);
  res.setHeader('x-ratelimit-reset', 60);
});
time('new ServerResponse', () => { new ServerResponse(req); });
const usage = new UsageTracker();
time('usage.record', (i) => usage.record(`enterprise:c:${i % 10}`, p, i));
const m = new RateLimitMetrics(new Registry());
time('metrics.decided', () => m.decided('enterprise', true));
time('metrics.latency', () => m.latency('redis', 0.001));
const lim = new Limiter({ remote: new MemoryRateLimitStore(), local: new MemoryRateLimitStore(), metrics: m });
let k = 0;
time('limiter lease hit (sync)', () => { const d = lim.consume('enterprise:c:1', p); if (d instanceof Promise) k++; });
console.log('async', k);
const h = createApiKeyHasher('x'.repeat(40));
time('hmac', () => h('fg_demoent_dev-only-enterprise-demo-key-public-never-in-production'));
time('perf.now', () => performance.now());
