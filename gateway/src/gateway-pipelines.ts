import type { Clock, GatewayConfig } from '@floodgate/shared';
import type { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { createAdminStage } from './admin/admin-stage.js';
import { createDashboardHandler } from './admin/dashboard.js';
import type { SessionVerifier } from './auth/session-verifier.js';
import { createHealthStage } from './handlers/health.js';
import { createMetricsStage } from './handlers/metrics.js';
import { createNotFoundStage } from './handlers/not-found.js';
import { createAuthenticateStage } from './middleware/authenticate.js';
import { createLimitsStage } from './middleware/limits.js';
import { createProxyStage } from './middleware/proxy.js';
import { createRequestIdStage } from './middleware/request-id.js';
import { createRequireAdminStage } from './middleware/require-admin.js';
import type { GatewayStats } from './observability/gateway-stats.js';
import { type ErrorResponder, Pipeline } from './pipeline/pipeline.js';

/** One pipeline per route group, composed once at startup. */
export interface GatewayPipelines {
  /** Proxied `/api/*`: requestId → limits → authenticate → proxy. */
  readonly api: Pipeline;
  /** `/api/v1/admin/*`: requestId → limits → authenticate → requireAdmin → admin. */
  readonly admin: Pipeline;
  readonly health: Pipeline;
  readonly metrics: Pipeline;
  readonly notFound: Pipeline;
}

export interface GatewayPipelineDeps {
  respond: ErrorResponder;
  sessions: Pick<SessionVerifier, 'verify' | 'revoke' | 'size'>;
  /** The pool to the load balancer. */
  upstream: Pick<Dispatcher, 'dispatch' | 'request'>;
  basePath: string;
  registry: Registry;
  stats: GatewayStats;
  clock: Clock;
  /** Monotonic ms when the gateway started (uptime). */
  startedAtMs: number;
}

export type GatewayPipelineConfig = Pick<GatewayConfig, 'bodyLimitBytes'>;

/**
 * Builds every route group's pipeline. Stages are shared between pipelines (they hold no
 * per-request state); the rate-limit and admission stages slot in after `authenticate`.
 */
export function createGatewayPipelines(
  config: GatewayPipelineConfig,
  deps: GatewayPipelineDeps,
): GatewayPipelines {
  const { respond, sessions, upstream, basePath, clock, startedAtMs } = deps;
  const requestId = createRequestIdStage();
  const limits = createLimitsStage(config);
  const authenticate = createAuthenticateStage({ sessions });
  const proxy = createProxyStage(config, {
    upstream,
    basePath,
    respond,
    onLogout: (tokenHash) => sessions.revoke(tokenHash),
  });
  const admin = createAdminStage([
    {
      method: 'GET',
      path: '/api/v1/admin/dashboard',
      handler: createDashboardHandler({
        clock,
        startedAtMs,
        stats: deps.stats,
        sessions,
        upstream,
        basePath,
      }),
    },
  ]);
  return Object.freeze({
    api: new Pipeline('api', [requestId, limits, authenticate, proxy], respond),
    admin: new Pipeline(
      'admin',
      [requestId, limits, authenticate, createRequireAdminStage(), admin],
      respond,
    ),
    health: new Pipeline('health', [requestId, limits, createHealthStage({ clock, startedAtMs })], respond),
    metrics: new Pipeline(
      'metrics',
      [requestId, limits, createMetricsStage({ registry: deps.registry })],
      respond,
    ),
    notFound: new Pipeline('notFound', [requestId, limits, createNotFoundStage()], respond),
  });
}
