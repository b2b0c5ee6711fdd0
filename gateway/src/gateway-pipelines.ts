import type { Clock, GatewayConfig } from '@floodgate/shared';
import type { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { type AdminRoute, createAdminStage } from './admin/admin-stage.js';
import { createDashboardHandler, type DashboardDeps } from './admin/dashboard.js';
import type { AdmissionController } from './admission/admission-controller.js';
import type { ApiKeyVerifier } from './auth/api-key-verifier.js';
import type { ClientIpResolver } from './auth/client-ip.js';
import type { SessionVerifier } from './auth/session-verifier.js';
import { createHealthStage } from './handlers/health.js';
import { createMetricsStage } from './handlers/metrics.js';
import { createNotFoundStage } from './handlers/not-found.js';
import { createAdmissionStage } from './middleware/admission.js';
import { createAuthenticateStage } from './middleware/authenticate.js';
import { createLimitsStage } from './middleware/limits.js';
import { createProxyStage } from './middleware/proxy.js';
import { createRateLimitStage, type RateLimitStageDeps } from './middleware/rate-limit.js';
import { createRequestIdStage } from './middleware/request-id.js';
import { createRequireAdminStage } from './middleware/require-admin.js';
import type { GatewayStats } from './observability/gateway-stats.js';
import { type ErrorResponder, Pipeline } from './pipeline/pipeline.js';
import type { Stage } from './pipeline/stage.js';

/** One pipeline per route group, composed once at startup. */
export interface GatewayPipelines {
  /** Proxied `/api/*`: requestId → limits → authenticate → rateLimit → admission → proxy. */
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
  apiKeys: Pick<ApiKeyVerifier, 'verify' | 'size'>;
  /** The pool to the load balancer. */
  upstream: Pick<Dispatcher, 'dispatch' | 'request'>;
  basePath: string;
  clientIp: ClientIpResolver;
  /** Rate limiting; null when RATE_LIMIT_ENABLED=false (the stage is then left out). */
  rateLimit: Omit<RateLimitStageDeps, 'clientIp' | 'bodyLimitBytes'> | null;
  admission: AdmissionController;
  /** Admin routes besides the dashboard (keys, rate limits). */
  adminRoutes?: readonly AdminRoute[];
  /** Extra dashboard sections (rate-limit mode, ...). */
  dashboardExtras?: DashboardDeps['extras'];
  registry: Registry;
  stats: GatewayStats;
  clock: Clock;
  /** Monotonic ms when the gateway started (uptime). */
  startedAtMs: number;
}

export type GatewayPipelineConfig = Pick<GatewayConfig, 'bodyLimitBytes'> &
  Partial<Pick<GatewayConfig, 'maxHeaderCount'>>;

/**
 * Builds every route group's pipeline. Stages are shared between pipelines (they hold no
 * per-request state). Admin routes are answered by the gateway itself and never proxied.
 */
export function createGatewayPipelines(
  config: GatewayPipelineConfig,
  deps: GatewayPipelineDeps,
): GatewayPipelines {
  const { respond, sessions, upstream, basePath, clock, startedAtMs, clientIp } = deps;
  const requestId = createRequestIdStage();
  const limits = createLimitsStage(config);
  const authenticate = createAuthenticateStage({ sessions, apiKeys: deps.apiKeys });
  const proxy = createProxyStage(config, {
    upstream,
    basePath,
    clientIp,
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
        apiKeys: deps.apiKeys,
        upstream,
        basePath,
        extras: deps.dashboardExtras,
      }),
    },
    ...(deps.adminRoutes ?? []),
  ]);
  const apiStages: Stage[] = [requestId, limits, authenticate];
  if (deps.rateLimit !== null) {
    apiStages.push(
      createRateLimitStage({ ...deps.rateLimit, clientIp, bodyLimitBytes: config.bodyLimitBytes }),
    );
  }
  apiStages.push(createAdmissionStage({ controller: deps.admission }), proxy);
  return Object.freeze({
    api: new Pipeline('api', apiStages, respond),
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
