import { DEV_DEMO_KEYS } from '@floodgate/database';
import type { ResolvedPostgres } from '../infra/resolve-postgres.js';
import type { ResolvedRedis } from '../infra/resolve-redis.js';
import type { StackOptions } from './stack-options.js';

/**
 * The first lines `floodgate up` prints: which PostgreSQL and Redis, where everything listens and,
 * outside production, the dev logins and demo API keys the seed creates.
 */
export function formatBanner(
  options: StackOptions,
  postgres: ResolvedPostgres,
  redis: ResolvedRedis,
): string[] {
  const lines: string[] = [];
  const pgWhere =
    postgres.source === 'configured'
      ? 'configured'
      : postgres.source === 'localhost'
        ? 'found on localhost'
        : `embedded at ${postgres.embedded?.pgdataDir ?? options.dataDir}`;
  lines.push(`PostgreSQL:    ${pgWhere}: ${postgres.displayUrl} (${postgres.note})`);
  if (redis.source === 'none') {
    lines.push(`Redis:         NONE (${redis.note}): every process uses IN-PROCESS stores`);
    lines.push('               !!! rate limits, caches and session revocation are per process; fine for');
    lines.push('               !!! one machine and one gateway. Set REDIS_URL to share them.');
  } else {
    lines.push(
      `Redis:         ${redis.source === 'configured' ? 'configured' : 'found on localhost'}: ${redis.displayUrl} (${redis.note})`,
    );
  }
  const local = (port: number, path = '') => `http://localhost:${port}${path}`;
  lines.push(
    `Gateway:       ${local(options.gatewayPort)}  (admin summary ${local(options.gatewayPort, '/api/v1/admin/dashboard')})`,
  );
  lines.push(`Load balancer: ${local(options.lbPort)}  (status ${local(options.lbPort, '/lb/status')})`);
  lines.push(`API servers:   ${options.apiPorts.map((p) => local(p)).join(', ')}`);
  const metrics = [options.gatewayPort, options.lbPort, ...options.apiPorts].map((p) => local(p, '/metrics'));
  lines.push(`Metrics:       ${metrics.join(', ')}`);
  if (!options.production) {
    lines.push('Dev logins:    admin@example.com / admin123 (admin), user@example.com / user123 (user)');
    lines.push('Demo API keys: (header X-API-Key; dev only)');
    for (const k of DEV_DEMO_KEYS) lines.push(`  ${k.tier.padEnd(11)}${k.key}`);
  }
  return lines;
}
